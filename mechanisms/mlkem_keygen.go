package mechanisms

import (
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
)

// mlkemKeyPairGen is CKM_ML_KEM_KEY_PAIR_GEN (FIPS 203 ML-KEM.KeyGen) for
// ML-KEM-512, -768 and -1024, chosen by CKA_PARAMETER_SET in the public template.
type mlkemKeyPairGen struct{}

func init() { Register(mlkemKeyPairGen{}) }

func (mlkemKeyPairGen) Type() ck.MechanismType { return ck.CKM_ML_KEM_KEY_PAIR_GEN }
func (mlkemKeyPairGen) Info() Info             { return mlkemInfo() }

// mlkemInfo: the range of public key sizes in bytes (3.2 specification).
func mlkemInfo() Info {
	return Info{MinKeySize: ck.ULong(mlkemSets[0].scheme.PublicKeySize()), MaxKeySize: ck.ULong(mlkemSets[len(mlkemSets)-1].scheme.PublicKeySize())}
}

func (mlkemKeyPairGen) GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error) {
	u, err := pqcKeyGenSet(pubTmpl, privTmpl, ck.CKK_ML_KEM, func(u ck.ULong) error { _, err := findMLKEMSet(u); return err })
	if err != nil {
		return nil, nil, err
	}
	s, _ := findMLKEMSet(u)
	seed := make([]byte, s.SeedSize())
	if _, err := rand.Read(seed); err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	pk, sk := s.DeriveKeyPair(seed)
	pkb, err1 := pk.MarshalBinary()
	skb, err2 := sk.MarshalBinary()
	if err1 != nil || err2 != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	return pqcKeyAttrs(ck.CKK_ML_KEM, u, pkb, skb, seed)
}
