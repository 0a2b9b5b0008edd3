package mechanisms

import (
	"bytes"
	"crypto/rand"

	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/gohsm/gohsm/ck"
)

// SLH-DSA (FIPS 205) on circl's sign/slhdsa, whose parameter set IDs have
// the values of CKP_SLH_DSA_* (SHA2-128s = 1 ... SHAKE-256f = 12).

func findSLHDSASet(u ck.ULong) (slhdsa.ID, error) {
	id := slhdsa.ID(u)
	if u > 0xff || !id.IsValid() {
		return 0, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return id, nil
}

func keySLHDSASet(k *Key) (slhdsa.ID, error) {
	u, err := parameterSet(k.Attrs[ck.CKA_PARAMETER_SET], k.Attrs[ck.CKA_PARAMETER_SET] != nil)
	if err != nil {
		return 0, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	id, err := findSLHDSASet(u)
	if err != nil {
		return 0, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	return id, nil
}

// slhdsaPrivateKey parses CKA_VALUE (SK.seed || SK.prf || PK.seed || PK.root)
// and checks that PK.root belongs to the seeds (one key generation, cached),
// so that an inconsistent import cannot make invalid signatures.
func slhdsaPrivateKey(k *Key) (*slhdsa.PrivateKey, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_SLH_DSA); err != nil {
		return nil, err
	}
	v, err := k.Parsed("slhdsa.private", func() (any, error) {
		id, err := keySLHDSASet(k)
		if err != nil {
			return nil, err
		}
		value := k.Attrs[ck.CKA_VALUE]
		sk := &slhdsa.PrivateKey{ID: id}
		if sk.UnmarshalBinary(value) != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		n := len(value) / 4
		_, again, err := slhdsa.GenerateKey(bytes.NewReader(value[:3*n]), id)
		if err != nil || !again.Equal(*sk) {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return sk, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*slhdsa.PrivateKey), nil
}

func slhdsaPublicKey(k *Key) (*slhdsa.PublicKey, error) {
	if err := checkKey(k, ck.CKO_PUBLIC_KEY, ck.CKK_SLH_DSA); err != nil {
		return nil, err
	}
	v, err := k.Parsed("slhdsa.public", func() (any, error) {
		id, err := keySLHDSASet(k)
		if err != nil {
			return nil, err
		}
		pk := &slhdsa.PublicKey{ID: id}
		if pk.UnmarshalBinary(k.Attrs[ck.CKA_VALUE]) != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return pk, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*slhdsa.PublicKey), nil
}

// slhdsaKeyPairGen is CKM_SLH_DSA_KEY_PAIR_GEN (FIPS 205 slh_keygen), the
// parameter set from CKA_PARAMETER_SET in the public template.
type slhdsaKeyPairGen struct{}

func init() { Register(slhdsaKeyPairGen{}) }

func (slhdsaKeyPairGen) Type() ck.MechanismType { return ck.CKM_SLH_DSA_KEY_PAIR_GEN }
func (slhdsaKeyPairGen) Info() Info             { return slhdsaInfo() }

// slhdsaInfo: public key sizes in bytes, 32 (n = 16) to 64 (n = 32).
func slhdsaInfo() Info { return Info{MinKeySize: 32, MaxKeySize: 64} }

func (slhdsaKeyPairGen) GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error) {
	u, err := pqcKeyGenSet(pubTmpl, privTmpl, ck.CKK_SLH_DSA, func(u ck.ULong) error { _, err := findSLHDSASet(u); return err })
	if err != nil {
		return nil, nil, err
	}
	id, _ := findSLHDSASet(u)
	pk, sk, err := slhdsa.GenerateKey(rand.Reader, id)
	if err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	pkb, err1 := pk.MarshalBinary()
	skb, err2 := sk.MarshalBinary()
	if err1 != nil || err2 != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	pub, priv, _ = pqcKeyAttrs(ck.CKK_SLH_DSA, u, pkb, skb, nil)
	delete(priv, ck.CKA_SEED) // SLH-DSA keys have no CKA_SEED
	return pub, priv, nil
}
