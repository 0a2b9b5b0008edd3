package mechanisms

import (
	"bytes"

	"github.com/cloudflare/circl/sign"

	"github.com/gohsm/gohsm/ck"
)

// mldsaPrivate is a parsed CKK_ML_DSA private key and its parameter set.
type mldsaPrivate struct {
	set *mldsaSet
	sk  sign.PrivateKey
}

type mldsaPublic struct {
	set *mldsaSet
	pk  sign.PublicKey
}

// keyMLDSASet is the parameter set of a stored key; a key object without a
// valid one cannot be used (CKR_KEY_TYPE_INCONSISTENT).
func keyMLDSASet(k *Key) (*mldsaSet, error) {
	u, err := parameterSet(k.Attrs[ck.CKA_PARAMETER_SET], k.Attrs[ck.CKA_PARAMETER_SET] != nil)
	if err != nil {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	s, err := findMLDSASet(u)
	if err != nil {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	return s, nil
}

// mldsaPrivateKey parses a private key from CKA_SEED (the 32-byte xi of
// FIPS 204 ML-DSA.KeyGen) or CKA_VALUE (the encoded sk); when both are given
// they must describe the same key.
func mldsaPrivateKey(k *Key) (*mldsaPrivate, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_ML_DSA); err != nil {
		return nil, err
	}
	v, err := k.Parsed("mldsa.private", func() (any, error) {
		s, err := keyMLDSASet(k)
		if err != nil {
			return nil, err
		}
		seed, value := k.Attrs[ck.CKA_SEED], k.Attrs[ck.CKA_VALUE]
		var sk sign.PrivateKey
		switch {
		case len(seed) > 0:
			if len(seed) != s.scheme.SeedSize() {
				return nil, ck.CKR_KEY_TYPE_INCONSISTENT
			}
			_, sk = s.scheme.DeriveKey(seed)
			if len(value) > 0 {
				enc, _ := sk.MarshalBinary()
				if !bytes.Equal(enc, value) {
					return nil, ck.CKR_KEY_TYPE_INCONSISTENT
				}
			}
		case len(value) == s.scheme.PrivateKeySize():
			if !mldsaSKInRange(s.ps, value) {
				return nil, ck.CKR_KEY_TYPE_INCONSISTENT
			}
			if sk, err = s.scheme.UnmarshalBinaryPrivateKey(value); err != nil {
				return nil, ck.CKR_KEY_TYPE_INCONSISTENT
			}
		default:
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return &mldsaPrivate{set: s, sk: sk}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*mldsaPrivate), nil
}

func mldsaPublicKey(k *Key) (*mldsaPublic, error) {
	if err := checkKey(k, ck.CKO_PUBLIC_KEY, ck.CKK_ML_DSA); err != nil {
		return nil, err
	}
	v, err := k.Parsed("mldsa.public", func() (any, error) {
		s, err := keyMLDSASet(k)
		if err != nil {
			return nil, err
		}
		value := k.Attrs[ck.CKA_VALUE]
		if len(value) != s.scheme.PublicKeySize() {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		pk, err := s.scheme.UnmarshalBinaryPublicKey(value)
		if err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return &mldsaPublic{set: s, pk: pk}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*mldsaPublic), nil
}
