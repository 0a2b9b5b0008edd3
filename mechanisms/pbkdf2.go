package mechanisms

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"

	"github.com/gohsm/gohsm/ck"
)

// CKM_PKCS5_PBKD2 (PKCS #5 v2.0 PBKDF2, RFC 8018) generates a secret key
// from a password with *ck.PBKDF2Params (C_GenerateKey). The key type comes
// from the template (a generic secret when absent) and CKA_VALUE_LEN gives
// its length; the salt must be CKZ_SALT_SPECIFIED. The iteration count is
// bounded so that one call cannot hold a session for minutes.
func init() { Register(pbkdf2Gen{}) }

const pbkdf2MaxIterations = 10_000_000

var pbkdf2PRFs = map[ck.PBKDF2PRF]func() hash.Hash{
	ck.CKP_PKCS5_PBKD2_HMAC_SHA1:       sha1.New,
	ck.CKP_PKCS5_PBKD2_HMAC_SHA224:     sha256.New224,
	ck.CKP_PKCS5_PBKD2_HMAC_SHA256:     sha256.New,
	ck.CKP_PKCS5_PBKD2_HMAC_SHA384:     sha512.New384,
	ck.CKP_PKCS5_PBKD2_HMAC_SHA512:     sha512.New,
	ck.CKP_PKCS5_PBKD2_HMAC_SHA512_224: sha512.New512_224,
	ck.CKP_PKCS5_PBKD2_HMAC_SHA512_256: sha512.New512_256,
}

type pbkdf2Gen struct{}

func (pbkdf2Gen) Type() ck.MechanismType { return ck.CKM_PKCS5_PBKD2 }
func (pbkdf2Gen) Info() Info             { return Info{MinKeySize: 1, MaxKeySize: maxGenericSecretLen} }

// GenerateKey without a parameter: PBKDF2 needs one.
func (pbkdf2Gen) GenerateKey(ck.Template) (map[ck.AttributeType][]byte, error) {
	return nil, ck.CKR_MECHANISM_PARAM_INVALID
}

func (pbkdf2Gen) GenerateKeyWithParam(param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	var p *ck.PBKDF2Params
	switch v := param.(type) {
	case *ck.PBKDF2Params:
		p = v
	case ck.PBKDF2Params:
		p = &v
	}
	if p == nil || p.SaltSource != ck.CKZ_SALT_SPECIFIED || p.Iterations == 0 || p.Iterations > pbkdf2MaxIterations {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	h, ok := pbkdf2PRFs[p.PRF]
	if !ok {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	kt, n, err := derivedKeyLen(tmpl, 0)
	if err != nil {
		return nil, err
	}
	v, err := pbkdf2.Key(h, string(p.Password), p.Salt, int(p.Iterations), n)
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return secretKeyAttrs(kt, v), nil
}
