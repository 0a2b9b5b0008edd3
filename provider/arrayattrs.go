package provider

// arrayattrs.go enforces the array attributes of a key (PKCS#11 3.0 §4.7,
// §4.8, §4.10): CKA_ALLOWED_MECHANISMS limits the mechanisms a key is used
// with; CKA_WRAP_TEMPLATE is what a key must match to be wrapped under this
// one; CKA_UNWRAP_TEMPLATE and CKA_DERIVE_TEMPLATE are merged into the
// template of a key unwrapped or derived with this one. Template values are
// in ck's attribute-array encoding (cexport flattens them).

import (
	"bytes"
	"encoding/binary"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// keyForMech is keyForUse for an operation with mechanism mt: the key's
// CKA_ALLOWED_MECHANISMS, when not empty, must list mt, else
// CKR_MECHANISM_INVALID (base 3.0 §5: "the mechanism ... is not supported
// or not allowed for this key").
func (m *Module) keyForMech(s *Session, h ck.ObjectHandle, usage ck.AttributeType, mt ck.MechanismType) (*mechanisms.Key, bool, error) {
	k, auth, err := m.keyForUse(s, h, usage)
	if err != nil {
		return nil, false, err
	}
	if err := mechAllowed(k, mt); err != nil {
		return nil, false, err
	}
	return k, auth, nil
}

// mechAllowed checks mt against k's CKA_ALLOWED_MECHANISMS. Absent or empty
// means no restriction: the table's default is empty, and a key that allows
// nothing would be useless.
func mechAllowed(k *mechanisms.Key, mt ck.MechanismType) error {
	list := k.Attrs[ck.CKA_ALLOWED_MECHANISMS]
	if len(list) == 0 {
		return nil
	}
	for i := 0; i+8 <= len(list); i += 8 {
		if ck.MechanismType(binary.NativeEndian.Uint64(list[i:])) == mt {
			return nil
		}
	}
	return ck.CKR_MECHANISM_INVALID
}

// wrapTemplateMatches checks the key k to be wrapped against the wrapping
// key's CKA_WRAP_TEMPLATE: k must have every attribute of it with the same
// value, else CKR_KEY_NOT_WRAPPABLE.
func wrapTemplateMatches(wk, k *mechanisms.Key) error {
	t, err := ck.DecodeAttributeArray(wk.Attrs[ck.CKA_WRAP_TEMPLATE])
	if err != nil {
		return ck.CKR_GENERAL_ERROR // the policy validated it on the way in
	}
	for _, a := range t {
		v, ok := k.Attrs[a.Type]
		if !ok || !bytes.Equal(v, a.Value) {
			return ck.CKR_KEY_NOT_WRAPPABLE
		}
	}
	return nil
}

// mergeKeyTemplate adds the attributes of the key's template array typ
// (CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE) to the application's template
// for the new key. The application may repeat an attribute with the same
// value; another value is CKR_TEMPLATE_INCONSISTENT. The caller's template
// is not changed.
func mergeKeyTemplate(k *mechanisms.Key, typ ck.AttributeType, tmpl ck.Template) (ck.Template, error) {
	arr, err := ck.DecodeAttributeArray(k.Attrs[typ])
	if err != nil {
		return nil, ck.CKR_GENERAL_ERROR
	}
	if len(arr) == 0 {
		return tmpl, nil
	}
	out := append(ck.Template{}, tmpl...)
	for _, a := range arr {
		if v, ok := tmpl.Lookup(a.Type); ok {
			if !bytes.Equal(v, a.Value) {
				return nil, ck.CKR_TEMPLATE_INCONSISTENT
			}
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

// withKeyTemplate merges k's template array typ into the new key's template
// tmpl and checks the result again as newKeyTemplate did (the merged
// attributes may name a class or need a login).
func (m *Module) withKeyTemplate(s *Session, k *mechanisms.Key, typ ck.AttributeType, tmpl ck.Template, tm map[ck.AttributeType][]byte) (ck.Template, map[ck.AttributeType][]byte, error) {
	merged, err := mergeKeyTemplate(k, typ, tmpl)
	if err != nil {
		return nil, nil, err
	}
	if len(merged) == len(tmpl) {
		return tmpl, tm, nil
	}
	tm, _, err = m.newKeyTemplate(s, merged)
	if err != nil {
		return nil, nil, err
	}
	return merged, tm, nil
}
