package mechanisms

import "github.com/gohsm/gohsm/ck"

// CheckPQCKeyMaterial checks the material of an ML-DSA, ML-KEM or SLH-DSA
// key object as it would be used: parameter set, sizes, and that a private
// key's CKA_SEED and CKA_VALUE (or SLH-DSA's PK.root) agree. provider calls it
// at C_CreateObject so that a key that cannot work is refused there
// (CKR_ATTRIBUTE_VALUE_INVALID) rather than at its first use.
func CheckPQCKeyMaterial(class ck.ObjectClass, kt ck.KeyType, attrs map[ck.AttributeType][]byte) error {
	k := &Key{Class: class, KeyType: kt, Attrs: attrs}
	priv := class == ck.CKO_PRIVATE_KEY
	var err error
	switch {
	case kt == ck.CKK_ML_DSA && priv:
		_, err = mldsaPrivateKey(k)
	case kt == ck.CKK_ML_DSA:
		_, err = mldsaPublicKey(k)
	case kt == ck.CKK_ML_KEM && priv:
		_, err = mlkemPrivateKey(k)
	case kt == ck.CKK_ML_KEM:
		_, err = mlkemPublicKey(k)
	case kt == ck.CKK_SLH_DSA && priv:
		_, err = slhdsaPrivateKey(k)
	case kt == ck.CKK_SLH_DSA:
		_, err = slhdsaPublicKey(k)
	default:
		return nil
	}
	if err != nil {
		return ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return nil
}
