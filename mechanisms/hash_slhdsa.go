package mechanisms

import (
	"crypto"
	"crypto/rand"

	"github.com/cloudflare/circl/sign/slhdsa"
	"github.com/cloudflare/circl/xof"

	"github.com/gohsm/gohsm/ck"
)

// hashSLHDSA is CKM_HASH_SLH_DSA_<hash>: HashSLH-DSA (FIPS 205 hash_slh_sign
// and hash_slh_verify) where the token hashes the message, multipart, with
// the optional CK_SIGN_ADDITIONAL_CONTEXT. circl's PreHash hashes and adds
// the hash's OID. (CKM_HASH_SLH_DSA, over a hash the application made, is
// not offered: circl builds pre-hash messages only from the message.)
type hashSLHDSA struct {
	typ ck.MechanismType
	h   crypto.Hash // 0 for the SHAKE ones
	x   xof.ID
}

func init() {
	for _, m := range []hashSLHDSA{
		{ck.CKM_HASH_SLH_DSA_SHA224, crypto.SHA224, 0},
		{ck.CKM_HASH_SLH_DSA_SHA256, crypto.SHA256, 0},
		{ck.CKM_HASH_SLH_DSA_SHA384, crypto.SHA384, 0},
		{ck.CKM_HASH_SLH_DSA_SHA512, crypto.SHA512, 0},
		{ck.CKM_HASH_SLH_DSA_SHA3_224, crypto.SHA3_224, 0},
		{ck.CKM_HASH_SLH_DSA_SHA3_256, crypto.SHA3_256, 0},
		{ck.CKM_HASH_SLH_DSA_SHA3_384, crypto.SHA3_384, 0},
		{ck.CKM_HASH_SLH_DSA_SHA3_512, crypto.SHA3_512, 0},
		{ck.CKM_HASH_SLH_DSA_SHAKE128, 0, xof.SHAKE128},
		{ck.CKM_HASH_SLH_DSA_SHAKE256, 0, xof.SHAKE256},
	} {
		Register(m)
	}
}

func (m hashSLHDSA) Type() ck.MechanismType { return m.typ }
func (m hashSLHDSA) Info() Info             { return slhdsaInfo() }

func (m hashSLHDSA) preHash() (*slhdsa.PreHash, error) {
	var ph *slhdsa.PreHash
	var err error
	if m.h != 0 {
		ph, err = slhdsa.NewPreHashWithHash(m.h)
	} else {
		ph, err = slhdsa.NewPreHashWithXof(m.x)
	}
	if err != nil {
		return nil, ck.CKR_MECHANISM_INVALID
	}
	return ph, nil
}

func (m hashSLHDSA) SignInit(key *Key, param any) (SignContext, error) {
	p, err := decodeSignContext(param)
	if err != nil {
		return nil, err
	}
	sk, err := slhdsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	ph, err := m.preHash()
	if err != nil {
		return nil, err
	}
	return &hashSLHDSASigner{sk: sk, p: p, ph: ph}, nil
}

func (m hashSLHDSA) VerifyInit(key *Key, param any) (VerifyContext, error) {
	p, err := decodeSignContext(param)
	if err != nil {
		return nil, err
	}
	pk, err := slhdsaPublicKey(key)
	if err != nil {
		return nil, err
	}
	ph, err := m.preHash()
	if err != nil {
		return nil, err
	}
	return &hashSLHDSAVerifier{pk: pk, p: p, ph: ph}, nil
}

type hashSLHDSASigner struct {
	sk *slhdsa.PrivateKey
	p  ck.SignAdditionalContext
	ph *slhdsa.PreHash
}

func (s *hashSLHDSASigner) SignatureLen() int { return s.sk.ID.Scheme().SignatureSize() }

func (s *hashSLHDSASigner) Sign(data []byte) ([]byte, error) {
	s.ph.Write(data)
	return s.Final()
}

func (s *hashSLHDSASigner) Update(data []byte) error {
	s.ph.Write(data)
	return nil
}

func (s *hashSLHDSASigner) Final() ([]byte, error) {
	msg, err := s.ph.BuildMessage()
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	var sig []byte
	if s.p.Hedge == ck.CKH_DETERMINISTIC_REQUIRED {
		sig, err = slhdsa.SignDeterministic(s.sk, msg, s.p.Context)
	} else {
		sig, err = slhdsa.SignRandomized(s.sk, rand.Reader, msg, s.p.Context)
	}
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return sig, nil
}

type hashSLHDSAVerifier struct {
	pk *slhdsa.PublicKey
	p  ck.SignAdditionalContext
	ph *slhdsa.PreHash
}

func (v *hashSLHDSAVerifier) Verify(data, sig []byte) error {
	v.ph.Write(data)
	return v.Final(sig)
}

func (v *hashSLHDSAVerifier) Update(data []byte) error {
	v.ph.Write(data)
	return nil
}

func (v *hashSLHDSAVerifier) Final(sig []byte) error {
	if len(sig) != v.pk.ID.Scheme().SignatureSize() {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	msg, err := v.ph.BuildMessage()
	if err != nil || !slhdsa.Verify(v.pk, msg, sig, v.p.Context) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
