package mechanisms

import (
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
)

// mldsaKeyPairGen is CKM_ML_DSA_KEY_PAIR_GEN (FIPS 204 ML-DSA.KeyGen) for
// ML-DSA-44, -65 and -87, chosen by CKA_PARAMETER_SET in the public template.
type mldsaKeyPairGen struct{}

func init() { Register(mldsaKeyPairGen{}) }

func (mldsaKeyPairGen) Type() ck.MechanismType { return ck.CKM_ML_DSA_KEY_PAIR_GEN }

// Info: the range of public key sizes in bytes, as the 3.2 specification says.
func (mldsaKeyPairGen) Info() Info { return mldsaInfo() }

func mldsaInfo() Info {
	return Info{MinKeySize: ck.ULong(mldsaSets[0].scheme.PublicKeySize()), MaxKeySize: ck.ULong(mldsaSets[len(mldsaSets)-1].scheme.PublicKeySize())}
}

func (mldsaKeyPairGen) GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error) {
	s, err := pqcKeyGenSet(pubTmpl, privTmpl, ck.CKK_ML_DSA, func(u ck.ULong) error { _, err := findMLDSASet(u); return err })
	if err != nil {
		return nil, nil, err
	}
	set, _ := findMLDSASet(s)
	seed := make([]byte, set.scheme.SeedSize())
	if _, err := rand.Read(seed); err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	pk, sk := set.scheme.DeriveKey(seed)
	pkb, err1 := pk.MarshalBinary()
	skb, err2 := sk.MarshalBinary()
	if err1 != nil || err2 != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	return pqcKeyAttrs(ck.CKK_ML_DSA, s, pkb, skb, seed)
}

// pqcKeyGenSet checks both templates' key types and reads the parameter set
// from the public template (the private one may repeat it, equal).
func pqcKeyGenSet(pubTmpl, privTmpl ck.Template, kt ck.KeyType, valid func(ck.ULong) error) (ck.ULong, error) {
	if err := checkKeyType(pubTmpl, kt); err != nil {
		return 0, err
	}
	if err := checkKeyType(privTmpl, kt); err != nil {
		return 0, err
	}
	v, ok := pubTmpl.Lookup(ck.CKA_PARAMETER_SET)
	u, err := parameterSet(v, ok)
	if err != nil {
		return 0, err
	}
	if err := valid(u); err != nil {
		return 0, ck.CKR_TEMPLATE_INCONSISTENT
	}
	if v2, ok := privTmpl.Lookup(ck.CKA_PARAMETER_SET); ok {
		if u2, err := parameterSet(v2, ok); err != nil || u2 != u {
			return 0, ck.CKR_TEMPLATE_INCONSISTENT
		}
	}
	return u, nil
}

// pqcKeyAttrs are the attributes a PQC key pair generator determines.
func pqcKeyAttrs(kt ck.KeyType, set ck.ULong, pk, sk, seed []byte) (pub, priv map[ck.AttributeType][]byte, err error) {
	pub = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:      ck.EncodeULong(ck.ULong(kt)),
		ck.CKA_PARAMETER_SET: ck.EncodeULong(set),
		ck.CKA_VALUE:         pk,
	}
	priv = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:      ck.EncodeULong(ck.ULong(kt)),
		ck.CKA_PARAMETER_SET: ck.EncodeULong(set),
		ck.CKA_VALUE:         sk,
		ck.CKA_SEED:          seed,
	}
	return pub, priv, nil
}
