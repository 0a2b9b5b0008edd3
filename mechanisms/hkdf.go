package mechanisms

import (
	"crypto/hkdf"
	"hash"

	"github.com/gohsm/gohsm/ck"
)

// CKM_HKDF_DERIVE (RFC 5869) derives a secret key from any secret base key
// (CKK_HKDF or a generic secret) with *ck.HKDFParams: extract and expand,
// extract only (the key is the PRK, as long as the hash) or expand only (the
// base key is the PRK). CKM_HKDF_KEY_GEN (generic_keygen.go) makes CKK_HKDF keys.
func init() { Register(hkdfDerive{}) }

type hkdfDerive struct{}

func (hkdfDerive) Type() ck.MechanismType { return ck.CKM_HKDF_DERIVE }
func (hkdfDerive) Info() Info             { return Info{MinKeySize: 1, MaxKeySize: maxGenericSecretLen} }

func (hkdfDerive) DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	var p *ck.HKDFParams
	switch v := param.(type) {
	case *ck.HKDFParams:
		p = v
	case ck.HKDFParams:
		p = &v
	}
	if p == nil || (!p.Extract && !p.Expand) {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	h, ok := digestHashes[p.PRF]
	if !ok {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	var salt []byte
	switch p.SaltType {
	case ck.CKF_HKDF_SALT_NULL:
	case ck.CKF_HKDF_SALT_DATA, ck.CKF_HKDF_SALT_KEY: // provider resolved a salt key into Salt
		if len(p.Salt) == 0 {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		salt = p.Salt
	default:
		if p.Extract {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
	}
	if base == nil || base.Class != ck.CKO_SECRET_KEY || len(base.Attrs[ck.CKA_VALUE]) == 0 {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	kt, n, err := derivedKeyLen(tmpl, h.Size())
	if err != nil {
		return nil, err
	}
	newHash := func() hash.Hash { return h.New() }
	key := base.Attrs[ck.CKA_VALUE]
	if p.Extract {
		prk, err := hkdf.Extract(newHash, key, salt)
		if err != nil {
			return nil, ck.CKR_FUNCTION_FAILED
		}
		if !p.Expand {
			if n != len(prk) {
				return nil, ck.CKR_TEMPLATE_INCONSISTENT
			}
			return secretKeyAttrs(kt, prk), nil
		}
		key = prk
	}
	if n > 255*h.Size() {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	okm, err := hkdf.Expand(newHash, key, string(p.Info), n)
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return secretKeyAttrs(kt, okm), nil
}
