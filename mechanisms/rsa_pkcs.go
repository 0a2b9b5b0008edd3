package mechanisms

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"

	"github.com/gohsm/gohsm/ck"
)

// rsaPKCS is CKM_RSA_PKCS: PKCS #1 v1.5 signatures over data the caller has
// already wrapped in a DigestInfo, and PKCS #1 v1.5 encryption. Single-part only.
type rsaPKCS struct{}

func init() { Register(rsaPKCS{}) }

func (rsaPKCS) Type() ck.MechanismType { return ck.CKM_RSA_PKCS }
func (rsaPKCS) Info() Info             { return Info{MinKeySize: rsaMinBits, MaxKeySize: rsaMaxBits} }

func (rsaPKCS) SignInit(key *Key, param any) (SignContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	priv, err := rsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &rsaPKCSSigner{priv: priv, h: 0}, nil
}

func (rsaPKCS) VerifyInit(key *Key, param any) (VerifyContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	pub, err := rsaPublicKey(key)
	if err != nil {
		return nil, err
	}
	return &rsaPKCSVerifier{pub: pub, h: 0}, nil
}

func (rsaPKCS) EncryptInit(key *Key, param any) (CipherContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	pub, err := rsaPublicKey(key)
	if err != nil {
		return nil, err
	}
	return rsaPKCSEncrypter{pub}, nil
}

func (rsaPKCS) DecryptInit(key *Key, param any) (CipherContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	priv, err := rsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return rsaPKCSDecrypter{priv}, nil
}

// rsaPKCSSigner signs a digest (h != 0) or, for CKM_RSA_PKCS, the caller's
// bytes as they are, which must leave room for 11 bytes of padding.
type rsaPKCSSigner struct {
	priv *rsa.PrivateKey
	h    crypto.Hash
}

func (s *rsaPKCSSigner) SignatureLen() int { return s.priv.Size() }

func (s *rsaPKCSSigner) Sign(data []byte) ([]byte, error) {
	if s.h == 0 && len(data) > s.priv.Size()-11 {
		return nil, ck.CKR_DATA_LEN_RANGE
	}
	sig, err := rsa.SignPKCS1v15(nil, s.priv, s.h, data)
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return sig, nil
}

type rsaPKCSVerifier struct {
	pub *rsa.PublicKey
	h   crypto.Hash
}

func (v *rsaPKCSVerifier) Verify(data, sig []byte) error {
	if len(sig) != v.pub.Size() {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	if v.h == 0 && len(data) > v.pub.Size()-11 {
		return ck.CKR_DATA_LEN_RANGE
	}
	if rsa.VerifyPKCS1v15(v.pub, v.h, data, sig) != nil {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}

type rsaPKCSEncrypter struct{ pub *rsa.PublicKey }

func (e rsaPKCSEncrypter) OutputLen(int) int { return e.pub.Size() }

func (e rsaPKCSEncrypter) Do(in []byte) ([]byte, error) {
	if len(in) > e.pub.Size()-11 {
		return nil, ck.CKR_DATA_LEN_RANGE
	}
	//lint:ignore SA1019 CKM_RSA_PKCS encryption is what the client asked for.
	out, err := rsa.EncryptPKCS1v15(rand.Reader, e.pub, in)
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return out, nil
}

type rsaPKCSDecrypter struct{ priv *rsa.PrivateKey }

// OutputLen is an upper bound: the padding's length is known only after decryption.
func (d rsaPKCSDecrypter) OutputLen(int) int { return d.priv.Size() - 11 }

func (d rsaPKCSDecrypter) Do(in []byte) ([]byte, error) {
	if len(in) != d.priv.Size() {
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	//lint:ignore SA1019 CKM_RSA_PKCS decryption is what the client asked for.
	out, err := rsa.DecryptPKCS1v15(nil, d.priv, in)
	if err != nil {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return out, nil
}
