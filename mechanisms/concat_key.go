package mechanisms

import (
	"github.com/gohsm/gohsm/ck"
)

// concatKey is CKM_CONCATENATE_BASE_AND_KEY: the new secret key's value is
// the base key's value followed by the value of the key the parameter names
// (*ck.ConcatenateKeyParams, resolved by provider), truncated to
// CKA_VALUE_LEN. As the specification says, the new key is sensitive if
// either key is, non-extractable if either is, and always sensitive / never
// extractable only if both are (the base's part is provider's).
type concatKey struct{}

func init() { Register(concatKey{}) }

func (concatKey) Type() ck.MechanismType { return ck.CKM_CONCATENATE_BASE_AND_KEY }
func (concatKey) Info() Info             { return Info{} }

func (concatKey) DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	p, ok := param.(*ck.ConcatenateKeyParams)
	if !ok || p == nil || p.OtherAttrs == nil { // OtherAttrs: provider found the key
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	other := &Key{Class: p.OtherClass, Attrs: p.OtherAttrs}
	for _, k := range []*Key{base, other} {
		if k == nil || k.Class != ck.CKO_SECRET_KEY || len(k.Attrs[ck.CKA_VALUE]) == 0 {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
	}
	value := append(append([]byte(nil), base.Attrs[ck.CKA_VALUE]...), other.Attrs[ck.CKA_VALUE]...)
	kt, n, err := derivedKeyLenStrict(tmpl, len(value))
	if err != nil {
		return nil, err
	}
	if n > len(value) {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	attrs := protectLike(secretKeyAttrs(kt, value[:n]), base, other)
	for _, t := range []ck.AttributeType{ck.CKA_ALWAYS_SENSITIVE, ck.CKA_NEVER_EXTRACTABLE} {
		if v, ok := other.Attrs[t]; ok {
			if b, err := ck.DecodeBool(v); err != nil || !b {
				attrs[t] = ck.EncodeBool(false)
			}
		}
	}
	return attrs, nil
}
