package mechanisms

import (
	"crypto/rand"

	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/gohsm/gohsm/ck"
)

// slhdsaMech is CKM_SLH_DSA: pure SLH-DSA (FIPS 205 slh_sign / slh_verify)
// on the message, single-part, with the optional CK_SIGN_ADDITIONAL_CONTEXT
// (context up to 255 bytes; CKH_DETERMINISTIC_REQUIRED signs with
// opt_rand = PK.seed, the other hedge types with fresh randomness).
type slhdsaMech struct{}

func init() { Register(slhdsaMech{}) }

func (slhdsaMech) Type() ck.MechanismType { return ck.CKM_SLH_DSA }
func (slhdsaMech) Info() Info             { return slhdsaInfo() }

func (slhdsaMech) SignInit(key *Key, param any) (SignContext, error) {
	p, err := decodeSignContext(param)
	if err != nil {
		return nil, err
	}
	sk, err := slhdsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &slhdsaSigner{sk: sk, p: p}, nil
}

func (slhdsaMech) VerifyInit(key *Key, param any) (VerifyContext, error) {
	p, err := decodeSignContext(param)
	if err != nil {
		return nil, err
	}
	pk, err := slhdsaPublicKey(key)
	if err != nil {
		return nil, err
	}
	return &slhdsaVerifier{pk: pk, p: p}, nil
}

type slhdsaSigner struct {
	sk *slhdsa.PrivateKey
	p  ck.SignAdditionalContext
}

func (s *slhdsaSigner) SignatureLen() int { return s.sk.ID.Scheme().SignatureSize() }

func (s *slhdsaSigner) Sign(data []byte) ([]byte, error) {
	var sig []byte
	var err error
	if s.p.Hedge == ck.CKH_DETERMINISTIC_REQUIRED {
		sig, err = slhdsa.SignDeterministic(s.sk, slhdsa.NewMessage(data), s.p.Context)
	} else {
		sig, err = slhdsa.SignRandomized(s.sk, rand.Reader, slhdsa.NewMessage(data), s.p.Context)
	}
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return sig, nil
}

type slhdsaVerifier struct {
	pk *slhdsa.PublicKey
	p  ck.SignAdditionalContext
}

func (v *slhdsaVerifier) Verify(data, sig []byte) error {
	if len(sig) != v.pk.ID.Scheme().SignatureSize() {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	if !slhdsa.Verify(v.pk, slhdsa.NewMessage(data), sig, v.p.Context) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
