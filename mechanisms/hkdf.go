package mechanisms

import (
	"crypto"
	"crypto/hkdf"
	"hash"

	"github.com/gohsm/gohsm/ck"
)

// CKM_HKDF_DERIVE (RFC 5869) derives a secret key with *ck.HKDFParams:
// extract and expand, extract only (the key is the PRK, as long as the hash)
// or expand only (the base key is the PRK). The PRF hash (prfHashMechanism)
// may be any digest mechanism the token has: SHA-1, SHA-2 (with SHA-512/224
// and SHA-512/256), SHA-3 and MD5. As PKCS#11 3.x §"HKDF derive" says, the
// input key is a CKK_HKDF or CKK_GENERIC_SECRET key, or a data object
// (CKO_DATA) when extracting with a salt (DataBaseDeriver). The text also
// asks for an input as long as the hash; that is not enforced, for keys or
// data, since RFC 5869's own vectors (22-byte IKM) would be refused.
// CKM_HKDF_KEY_GEN (generic_keygen.go) makes CKK_HKDF keys.
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
	h, ok := hkdfHash(p.PRF)
	if !ok {
		return nil, 0, ck.CKR_MECHANISM_PARAM_INVALID
	}
	// "The salt should be ignored if bExtract is false": checked only when extracting.
	switch {
	case !p.Extract, p.SaltType == ck.CKF_HKDF_SALT_NULL:
	case p.SaltType == ck.CKF_HKDF_SALT_DATA, p.SaltType == ck.CKF_HKDF_SALT_KEY: // provider resolved a salt key into Salt
		if len(p.Salt) == 0 {
			return nil, 0, ck.CKR_MECHANISM_PARAM_INVALID
		}
	default:
		return nil, 0, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if err := hkdfBase(base, p); err != nil {
		return nil, 0, err
	}
	return p, h, nil
}

// hkdfHash is the hash named by prfHashMechanism: any registered digest
// mechanism ("base hash used for the HMAC in the underlying HKDF operation").
func hkdfHash(prf ck.MechanismType) (crypto.Hash, bool) {
	m, ok := Lookup(prf)
	if !ok {
		return 0, false
	}
	d, ok := m.(digest)
	if !ok || !d.h.Available() {
		return 0, false
	}
	return d.h, true
}

// hkdfBase checks the input key: "The input key must be of type CKK_HKDF or
// CKK_GENERIC_SECRET ... The exception is a data object ... In this case
// bExtract should be true and non-null salt should be supplied." (PKCS#11
// 3.x mechanisms, HKDF derive.) Another key type or class is
// CKR_KEY_TYPE_INCONSISTENT; a data object without extract and salt,
// CKR_MECHANISM_PARAM_INVALID.
func hkdfBase(base *Key, p *ck.HKDFParams) error {
	if base == nil || len(base.Attrs[ck.CKA_VALUE]) == 0 {
		return ck.CKR_KEY_TYPE_INCONSISTENT
	}
	switch base.Class {
	case ck.CKO_SECRET_KEY:
		if base.KeyType != ck.CKK_HKDF && base.KeyType != ck.CKK_GENERIC_SECRET {
			return ck.CKR_KEY_TYPE_INCONSISTENT
		}
	case ck.CKO_DATA:
		if !p.Extract || p.SaltType == ck.CKF_HKDF_SALT_NULL || len(p.Salt) == 0 {
			return ck.CKR_MECHANISM_PARAM_INVALID
		}
	default:
		return ck.CKR_KEY_TYPE_INCONSISTENT
	}
	return nil
}

// DataBaseDeriver is a derivation mechanism whose base object may be a data
// object (CKO_DATA) as well as a key: provider then resolves C_DeriveKey's
// hBaseKey as a data object, with no CKA_DERIVE to check (data objects have
// none), and the mechanism checks the conditions under which it accepts one.
type DataBaseDeriver interface {
	DerivesFromData() bool
}

// DerivesFromData: CKM_HKDF_DERIVE takes a data object as its input key.
func (hkdfDerive) DerivesFromData() bool { return true }

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
