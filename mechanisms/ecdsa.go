package mechanisms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

// ecdsaMech is CKM_ECDSA (h == 0: the input is the hash, single-part only)
// or one of CKM_ECDSA_SHA* (the mechanism hashes, multipart allowed).
// Signatures are r||s, each padded to the curve's size.
type ecdsaMech struct {
	typ ck.MechanismType
	h   crypto.Hash
}

func init() {
	for _, m := range []ecdsaMech{
		{ck.CKM_ECDSA, 0},
		{ck.CKM_ECDSA_SHA1, crypto.SHA1},
		{ck.CKM_ECDSA_SHA224, crypto.SHA224},
		{ck.CKM_ECDSA_SHA256, crypto.SHA256},
		{ck.CKM_ECDSA_SHA384, crypto.SHA384},
		{ck.CKM_ECDSA_SHA512, crypto.SHA512},
		{ck.CKM_ECDSA_SHA3_224, crypto.SHA3_224},
		{ck.CKM_ECDSA_SHA3_256, crypto.SHA3_256},
		{ck.CKM_ECDSA_SHA3_384, crypto.SHA3_384},
		{ck.CKM_ECDSA_SHA3_512, crypto.SHA3_512},
	} {
		Register(m)
	}
}

func (m ecdsaMech) Type() ck.MechanismType { return m.typ }

func (m ecdsaMech) Info() Info {
	return Info{MinKeySize: 224, MaxKeySize: 521, ExtraFlags: ecInfoFlags}
}

func (m ecdsaMech) SignInit(key *Key, param any) (SignContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	var s SignContext
	if keyIsK1(key) { // secp256k1.go
		priv, err := k1PrivateKey(key)
		if err != nil {
			return nil, err
		}
		s = &k1Signer{priv: priv}
	} else {
		priv, err := ecPrivateKey(key)
		if err != nil {
			return nil, err
		}
		s = &ecdsaSigner{priv: priv, size: curveSize(&priv.PublicKey)}
	}
	if m.h == 0 {
		return s, nil
	}
	return &hashThenSign{inner: s, h: m.h.New()}, nil
}

func (m ecdsaMech) VerifyInit(key *Key, param any) (VerifyContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	var v VerifyContext
	if keyIsK1(key) { // secp256k1.go
		pub, err := k1PublicKey(key)
		if err != nil {
			return nil, err
		}
		v = &k1Verifier{pub: pub}
	} else {
		pub, err := ecPublicKey(key)
		if err != nil {
			return nil, err
		}
		v = &ecdsaVerifier{pub: pub, size: curveSize(pub)}
	}
	if m.h == 0 {
		return v, nil
	}
	return &hashThenVerify{inner: v, h: m.h.New()}, nil
}

func curveSize(pub *ecdsa.PublicKey) int { return (pub.Curve.Params().BitSize + 7) / 8 }

// ecdsaSigner signs a hash given whole; crypto/ecdsa truncates a long hash
// to the order's bit length as ECDSA specifies.
type ecdsaSigner struct {
	priv *ecdsa.PrivateKey
	size int
}

func (s *ecdsaSigner) SignatureLen() int { return 2 * s.size }

func (s *ecdsaSigner) Sign(digest []byte) ([]byte, error) {
	r, ss, err := ecdsa.Sign(rand.Reader, s.priv, digest)
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	out := make([]byte, 2*s.size)
	r.FillBytes(out[:s.size])
	ss.FillBytes(out[s.size:])
	return out, nil
}

type ecdsaVerifier struct {
	pub  *ecdsa.PublicKey
	size int
}

func (v *ecdsaVerifier) Verify(digest, sig []byte) error {
	if len(sig) != 2*v.size {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	r := new(big.Int).SetBytes(sig[:v.size])
	s := new(big.Int).SetBytes(sig[v.size:])
	if !ecdsa.Verify(v.pub, digest, r, s) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
