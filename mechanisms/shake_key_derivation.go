package mechanisms

import (
	"crypto/sha3"

	"github.com/gohsm/gohsm/ck"
)

// shakeKeyDerivation is CKM_SHAKE_128_KEY_DERIVATION and
// CKM_SHAKE_256_KEY_DERIVATION: the new secret key is the SHAKE output of the
// base secret key's value, as long as the template asks. SHAKE has no length
// of its own, so a template with neither CKA_VALUE_LEN nor a key type of
// fixed length is CKR_TEMPLATE_INCOMPLETE; the rest (key types, DES parity,
// the base's protection) is as for SHA*_KEY_DERIVATION. No parameter.
type shakeKeyDerivation struct {
	typ ck.MechanismType
	sum func(data []byte, length int) []byte
}

func init() {
	Register(shakeKeyDerivation{ck.CKM_SHAKE_128_KEY_DERIVATION, sha3.SumSHAKE128})
	Register(shakeKeyDerivation{ck.CKM_SHAKE_256_KEY_DERIVATION, sha3.SumSHAKE256})
}

func (m shakeKeyDerivation) Type() ck.MechanismType { return m.typ }
func (m shakeKeyDerivation) Info() Info             { return Info{} }

func (m shakeKeyDerivation) DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	if base == nil || base.Class != ck.CKO_SECRET_KEY || len(base.Attrs[ck.CKA_VALUE]) == 0 {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	kt, n, err := derivedKeyLenStrict(tmpl, 0)
	if err != nil {
		return nil, err
	}
	return protectLike(secretKeyAttrs(kt, m.sum(base.Attrs[ck.CKA_VALUE], n)), base), nil
}
