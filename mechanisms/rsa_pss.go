package mechanisms

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"

	"github.com/gohsm/gohsm/ck"
)

// rsaPSS is CKM_RSA_PKCS_PSS (h == 0: the input is the hash named by the
// parameter, single-part) and CKM_SHA*_RSA_PKCS_PSS (the mechanism hashes;
// the parameter's hashAlg must be the same hash). The salt length of the
// parameter is used exactly, for signing and for verifying.
type rsaPSS struct {
	typ ck.MechanismType
	h   crypto.Hash
}

func init() {
	for _, m := range []rsaPSS{
		{ck.CKM_RSA_PKCS_PSS, 0},
		{ck.CKM_SHA1_RSA_PKCS_PSS, crypto.SHA1},
		{ck.CKM_SHA224_RSA_PKCS_PSS, crypto.SHA224},
		{ck.CKM_SHA256_RSA_PKCS_PSS, crypto.SHA256},
		{ck.CKM_SHA384_RSA_PKCS_PSS, crypto.SHA384},
		{ck.CKM_SHA512_RSA_PKCS_PSS, crypto.SHA512},
		{ck.CKM_SHA3_224_RSA_PKCS_PSS, crypto.SHA3_224},
		{ck.CKM_SHA3_256_RSA_PKCS_PSS, crypto.SHA3_256},
		{ck.CKM_SHA3_384_RSA_PKCS_PSS, crypto.SHA3_384},
		{ck.CKM_SHA3_512_RSA_PKCS_PSS, crypto.SHA3_512},
	} {
		Register(m)
	}
}

func (m rsaPSS) Type() ck.MechanismType { return m.typ }
func (m rsaPSS) Info() Info             { return Info{MinKeySize: rsaMinBits, MaxKeySize: rsaMaxBits} }

func (m rsaPSS) SignInit(key *Key, param any) (SignContext, error) {
	p, err := DecodePSSParams(param)
	if err != nil {
		return nil, err
	}
	priv, err := rsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	h, mgf, salt, err := pssOptions(p, m.h, priv.N.BitLen())
	if err != nil {
		return nil, err
	}
	s := &rsaPSSSigner{priv: priv, h: h, mgf: mgf, salt: salt}
	if m.h == 0 {
		return s, nil
	}
	return &hashThenSign{inner: s, h: h.New()}, nil
}

func (m rsaPSS) VerifyInit(key *Key, param any) (VerifyContext, error) {
	p, err := DecodePSSParams(param)
	if err != nil {
		return nil, err
	}
	pub, err := rsaPublicKey(key)
	if err != nil {
		return nil, err
	}
	h, mgf, salt, err := pssOptions(p, m.h, pub.N.BitLen())
	if err != nil {
		return nil, err
	}
	v := &rsaPSSVerifier{pub: pub, h: h, mgf: mgf, salt: salt}
	if m.h == 0 {
		return v, nil
	}
	return &hashThenVerify{inner: v, h: h.New()}, nil
}

// rsaPSSSigner signs a digest, which must have the hash's length.
type rsaPSSSigner struct {
	priv   *rsa.PrivateKey
	h, mgf crypto.Hash
	salt   int
}

func (s *rsaPSSSigner) SignatureLen() int { return s.priv.Size() }

func (s *rsaPSSSigner) Sign(digest []byte) ([]byte, error) {
	if len(digest) != s.h.Size() {
		return nil, ck.CKR_DATA_LEN_RANGE
	}
	if !pssByGo(s.h, s.mgf, s.salt) {
		return pssSignRaw(s.priv, digest, s.salt, s.h, s.mgf)
	}
	sig, err := rsa.SignPSS(rand.Reader, s.priv, s.h, digest, &rsa.PSSOptions{SaltLength: s.salt})
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return sig, nil
}

type rsaPSSVerifier struct {
	pub    *rsa.PublicKey
	h, mgf crypto.Hash
	salt   int
}

func (v *rsaPSSVerifier) Verify(digest, sig []byte) error {
	if len(sig) != v.pub.Size() {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	if len(digest) != v.h.Size() {
		return ck.CKR_DATA_LEN_RANGE
	}
	if !pssByGo(v.h, v.mgf, v.salt) {
		if !pssVerifyRaw(v.pub, digest, sig, v.salt, v.h, v.mgf) {
			return ck.CKR_SIGNATURE_INVALID
		}
		return nil
	}
	if rsa.VerifyPSS(v.pub, v.h, digest, sig, &rsa.PSSOptions{SaltLength: v.salt}) != nil {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
