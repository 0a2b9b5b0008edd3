package mechanisms

import (
	"crypto"

	"github.com/gohsm/gohsm/ck"
)

// hashKeyDerivation is CKM_SHA*_KEY_DERIVATION: the new secret key is the
// digest of the base secret key's value, truncated to CKA_VALUE_LEN (the
// hash's length when absent). No parameter.
type hashKeyDerivation struct {
	typ ck.MechanismType
	h   crypto.Hash
}

func init() {
	for _, m := range []hashKeyDerivation{
		{ck.CKM_SHA1_KEY_DERIVATION, crypto.SHA1},
		{ck.CKM_SHA224_KEY_DERIVATION, crypto.SHA224},
		{ck.CKM_SHA256_KEY_DERIVATION, crypto.SHA256},
		{ck.CKM_SHA384_KEY_DERIVATION, crypto.SHA384},
		{ck.CKM_SHA512_KEY_DERIVATION, crypto.SHA512},
		{ck.CKM_SHA512_224_KEY_DERIVATION, crypto.SHA512_224},
		{ck.CKM_SHA512_256_KEY_DERIVATION, crypto.SHA512_256},
		{ck.CKM_SHA3_224_KEY_DERIVATION, crypto.SHA3_224},
		{ck.CKM_SHA3_256_KEY_DERIVATION, crypto.SHA3_256},
		{ck.CKM_SHA3_384_KEY_DERIVATION, crypto.SHA3_384},
		{ck.CKM_SHA3_512_KEY_DERIVATION, crypto.SHA3_512},
	} {
		Register(m)
	}
}

func (m hashKeyDerivation) Type() ck.MechanismType { return m.typ }
func (m hashKeyDerivation) Info() Info             { return Info{} }

func (m hashKeyDerivation) DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	if base == nil || base.Class != ck.CKO_SECRET_KEY || len(base.Attrs[ck.CKA_VALUE]) == 0 {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	kt, n, err := derivedKeyLenStrict(tmpl, m.h.Size())
	if err != nil {
		return nil, err
	}
	if n > m.h.Size() {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	h := m.h.New()
	h.Write(base.Attrs[ck.CKA_VALUE])
	return protectLike(secretKeyAttrs(kt, h.Sum(nil)[:n]), base), nil
}
