package mechanisms

import (
	"github.com/gohsm/gohsm/ck"
)

// mldsa is CKM_ML_DSA: pure ML-DSA (FIPS 204 algorithms 2 and 3) on the
// message, single-part, with the optional CK_SIGN_ADDITIONAL_CONTEXT
// (context string; CKH_HEDGE_PREFERRED and CKH_HEDGE_REQUIRED sign hedged,
// CKH_DETERMINISTIC_REQUIRED deterministically).
type mldsa struct{}

func init() { Register(mldsa{}) }

func (mldsa) Type() ck.MechanismType { return ck.CKM_ML_DSA }
func (mldsa) Info() Info             { return mldsaInfo() }

func (mldsa) SignInit(key *Key, param any) (SignContext, error) {
	p, err := decodeSignContext(param)
	if err != nil {
		return nil, err
	}
	sk, err := mldsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &mldsaSigner{k: sk, p: p}, nil
}

func (mldsa) VerifyInit(key *Key, param any) (VerifyContext, error) {
	p, err := decodeSignContext(param)
	if err != nil {
		return nil, err
	}
	pk, err := mldsaPublicKey(key)
	if err != nil {
		return nil, err
	}
	return &mldsaVerifier{k: pk, p: p}, nil
}

type mldsaSigner struct {
	k *mldsaPrivate
	p ck.SignAdditionalContext
}

func (s *mldsaSigner) SignatureLen() int { return s.k.set.scheme.SignatureSize() }

func (s *mldsaSigner) Sign(data []byte) ([]byte, error) {
	sig, err := s.k.set.sign(s.k.sk, data, s.p.Context, s.p.Hedge != ck.CKH_DETERMINISTIC_REQUIRED)
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return sig, nil
}

type mldsaVerifier struct {
	k *mldsaPublic
	p ck.SignAdditionalContext
}

func (v *mldsaVerifier) Verify(data, sig []byte) error {
	if len(sig) != v.k.set.scheme.SignatureSize() {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	if !v.k.set.verify(v.k.pk, data, v.p.Context, sig) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
