package mechanisms

import (
	"crypto"

	"github.com/gohsm/gohsm/ck"
)

// rsaPKCSHash is CKM_SHA*_RSA_PKCS: hash, then a PKCS #1 v1.5 signature with
// the DigestInfo added. Multipart.
type rsaPKCSHash struct {
	typ ck.MechanismType
	h   crypto.Hash
}

func init() {
	for _, m := range []rsaPKCSHash{
		{ck.CKM_SHA1_RSA_PKCS, crypto.SHA1},
		{ck.CKM_SHA224_RSA_PKCS, crypto.SHA224},
		{ck.CKM_SHA256_RSA_PKCS, crypto.SHA256},
		{ck.CKM_SHA384_RSA_PKCS, crypto.SHA384},
		{ck.CKM_SHA512_RSA_PKCS, crypto.SHA512},
		{ck.CKM_SHA3_224_RSA_PKCS, crypto.SHA3_224},
		{ck.CKM_SHA3_256_RSA_PKCS, crypto.SHA3_256},
		{ck.CKM_SHA3_384_RSA_PKCS, crypto.SHA3_384},
		{ck.CKM_SHA3_512_RSA_PKCS, crypto.SHA3_512},
	} {
		Register(m)
	}
}

func (m rsaPKCSHash) Type() ck.MechanismType { return m.typ }
func (m rsaPKCSHash) Info() Info             { return Info{MinKeySize: rsaMinBits, MaxKeySize: rsaMaxBits} }

func (m rsaPKCSHash) SignInit(key *Key, param any) (SignContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	priv, err := rsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &hashThenSign{inner: &rsaPKCSSigner{priv: priv, h: m.h}, h: m.h.New()}, nil
}

func (m rsaPKCSHash) VerifyInit(key *Key, param any) (VerifyContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	pub, err := rsaPublicKey(key)
	if err != nil {
		return nil, err
	}
	return &hashThenVerify{inner: &rsaPKCSVerifier{pub: pub, h: m.h}, h: m.h.New()}, nil
}
