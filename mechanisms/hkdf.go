package mechanisms

import (
	"crypto"
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
	p, h, err := hkdfSetup(base, param)
	if err != nil {
		return nil, err
	}
	kt, n, err := derivedKeyLen(tmpl, h.Size())
	if err != nil {
		return nil, err
	}
	out, err := hkdfRun(base.Attrs[ck.CKA_VALUE], p, h, n)
	if err != nil {
		return nil, err
	}
	return secretKeyAttrs(kt, out), nil
}

// hkdfSetup checks a CK_HKDF_PARAMS and the base key, shared by
// CKM_HKDF_DERIVE and CKM_HKDF_DATA, and returns the parameter and its PRF hash.
func hkdfSetup(base *Key, param any) (*ck.HKDFParams, crypto.Hash, error) {
	var p *ck.HKDFParams
	switch v := param.(type) {
	case *ck.HKDFParams:
		p = v
	case ck.HKDFParams:
		p = &v
	}
	if p == nil || (!p.Extract && !p.Expand) {
		return nil, 0, ck.CKR_MECHANISM_PARAM_INVALID
	}
	h, ok := digestHashes[p.PRF]
	if !ok {
		return nil, 0, ck.CKR_MECHANISM_PARAM_INVALID
	}
	switch p.SaltType {
	case ck.CKF_HKDF_SALT_NULL:
	case ck.CKF_HKDF_SALT_DATA, ck.CKF_HKDF_SALT_KEY: // provider resolved a salt key into Salt
		if len(p.Salt) == 0 {
			return nil, 0, ck.CKR_MECHANISM_PARAM_INVALID
		}
	default:
		if p.Extract {
			return nil, 0, ck.CKR_MECHANISM_PARAM_INVALID
		}
	}
	if base == nil || base.Class != ck.CKO_SECRET_KEY || len(base.Attrs[ck.CKA_VALUE]) == 0 {
		return nil, 0, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	return p, h, nil
}

// hkdfRun is RFC 5869 on the base key's value: extract and expand, extract
// only (the output is the PRK, so n must be the hash length) or expand only
// (the key is the PRK). The salt counts only when extracting: a NULL salt
// is the hash length of zeros (hkdf.Extract's nil salt).
func hkdfRun(key []byte, p *ck.HKDFParams, h crypto.Hash, n int) ([]byte, error) {
	newHash := func() hash.Hash { return h.New() }
	if p.Extract {
		var salt []byte
		if p.SaltType != ck.CKF_HKDF_SALT_NULL {
			salt = p.Salt
		}
		prk, err := hkdf.Extract(newHash, key, salt)
		if err != nil {
			return nil, ck.CKR_FUNCTION_FAILED
		}
		if !p.Expand {
			if n != len(prk) {
				return nil, ck.CKR_TEMPLATE_INCONSISTENT
			}
			return prk, nil
		}
		key = prk
	}
	if n < 1 || n > 255*h.Size() {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	okm, err := hkdf.Expand(newHash, key, string(p.Info), n)
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return okm, nil
}
