package mechanisms

import (
	"bytes"

	"github.com/cloudflare/circl/kem"
	"github.com/cloudflare/circl/kem/mlkem/mlkem1024"
	"github.com/cloudflare/circl/kem/mlkem/mlkem512"
	"github.com/cloudflare/circl/kem/mlkem/mlkem768"

	"github.com/gohsm/gohsm/ck"
)

// mlkemSets are the FIPS 203 parameter sets. circl serves all three: Go's
// crypto/mlkem has no ML-KEM-512 and exposes only the 64-byte seed of a
// decapsulation key, not the FIPS 203 dk that CKA_VALUE holds.
var mlkemSets = []struct {
	ps     ck.MLKEMParameterSet
	scheme kem.Scheme
}{
	{ck.CKP_ML_KEM_512, mlkem512.Scheme()},
	{ck.CKP_ML_KEM_768, mlkem768.Scheme()},
	{ck.CKP_ML_KEM_1024, mlkem1024.Scheme()},
}

func findMLKEMSet(u ck.ULong) (kem.Scheme, error) {
	for _, s := range mlkemSets {
		if ck.ULong(s.ps) == u {
			return s.scheme, nil
		}
	}
	return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
}

func keyMLKEMSet(k *Key) (kem.Scheme, error) {
	u, err := parameterSet(k.Attrs[ck.CKA_PARAMETER_SET], k.Attrs[ck.CKA_PARAMETER_SET] != nil)
	if err != nil {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	s, err := findMLKEMSet(u)
	if err != nil {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	return s, nil
}

// mlkemPrivateKey parses a CKK_ML_KEM private key from CKA_SEED (d||z, 64
// bytes) or CKA_VALUE (dk); when both are given they must agree.
func mlkemPrivateKey(k *Key) (kem.PrivateKey, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_ML_KEM); err != nil {
		return nil, err
	}
	v, err := k.Parsed("mlkem.private", func() (any, error) {
		s, err := keyMLKEMSet(k)
		if err != nil {
			return nil, err
		}
		seed, value := k.Attrs[ck.CKA_SEED], k.Attrs[ck.CKA_VALUE]
		switch {
		case len(seed) > 0:
			if len(seed) != s.SeedSize() {
				return nil, ck.CKR_KEY_TYPE_INCONSISTENT
			}
			_, sk := s.DeriveKeyPair(seed)
			if len(value) > 0 {
				if enc, _ := sk.MarshalBinary(); !bytes.Equal(enc, value) {
					return nil, ck.CKR_KEY_TYPE_INCONSISTENT
				}
			}
			return sk, nil
		case len(value) == s.PrivateKeySize():
			sk, err := s.UnmarshalBinaryPrivateKey(value)
			if err != nil {
				return nil, ck.CKR_KEY_TYPE_INCONSISTENT
			}
			return sk, nil
		}
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	})
	if err != nil {
		return nil, err
	}
	return v.(kem.PrivateKey), nil
}

func mlkemPublicKey(k *Key) (kem.PublicKey, error) {
	if err := checkKey(k, ck.CKO_PUBLIC_KEY, ck.CKK_ML_KEM); err != nil {
		return nil, err
	}
	v, err := k.Parsed("mlkem.public", func() (any, error) {
		s, err := keyMLKEMSet(k)
		if err != nil {
			return nil, err
		}
		value := k.Attrs[ck.CKA_VALUE]
		if len(value) != s.PublicKeySize() {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		pk, err := s.UnmarshalBinaryPublicKey(value)
		if err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return pk, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(kem.PublicKey), nil
}
