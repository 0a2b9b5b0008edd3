package mechanisms

import (
	"crypto/rsa"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

// RSA modulus sizes gohsm accepts, in bits (Go refuses keys under 1024 bits).
const (
	rsaMinBits = 1024
	rsaMaxBits = 16384
)

// rsaPrivateKey parses an RSA private key object once (CKA_MODULUS,
// CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, and CKA_PRIME_1/2, recovered
// from the exponents when absent; the CRT values are recomputed) and caches
// it on the Key.
func rsaPrivateKey(k *Key) (*rsa.PrivateKey, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_RSA); err != nil {
		return nil, err
	}
	v, err := k.Parsed("rsa.private", func() (any, error) {
		pub, err := rsaPublicFromAttrs(k)
		if err != nil {
			return nil, err
		}
		d, p, q := k.Attrs[ck.CKA_PRIVATE_EXPONENT], k.Attrs[ck.CKA_PRIME_1], k.Attrs[ck.CKA_PRIME_2]
		if len(d) == 0 {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		priv := &rsa.PrivateKey{PublicKey: *pub, D: new(big.Int).SetBytes(d)}
		if len(p) != 0 && len(q) != 0 {
			priv.Primes = []*big.Int{new(big.Int).SetBytes(p), new(big.Int).SetBytes(q)}
		} else {
			primes, ok := recoverAllPrimes(pub.N, pub.E, priv.D)
			if !ok {
				return nil, ck.CKR_KEY_TYPE_INCONSISTENT
			}
			priv.Primes = primes
		}
		if err := priv.Validate(); err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		priv.Precompute()
		return priv, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*rsa.PrivateKey), nil
}

// rsaPublicKey parses an RSA public key object (CKA_MODULUS, CKA_PUBLIC_EXPONENT).
func rsaPublicKey(k *Key) (*rsa.PublicKey, error) {
	if err := checkKey(k, ck.CKO_PUBLIC_KEY, ck.CKK_RSA); err != nil {
		return nil, err
	}
	v, err := k.Parsed("rsa.public", func() (any, error) { return rsaPublicFromAttrs(k) })
	if err != nil {
		return nil, err
	}
	return v.(*rsa.PublicKey), nil
}

func rsaPublicFromAttrs(k *Key) (*rsa.PublicKey, error) {
	n := new(big.Int).SetBytes(k.Attrs[ck.CKA_MODULUS])
	e, ok := rsaExponent(k.Attrs[ck.CKA_PUBLIC_EXPONENT])
	if !ok || n.Sign() == 0 || n.Bit(0) == 0 {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	if n.BitLen() < rsaMinBits || n.BitLen() > rsaMaxBits {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

// rsaExponent reads a big-endian public exponent; Go takes odd exponents
// from 3 up to 2^31-1.
func rsaExponent(b []byte) (int, bool) {
	e := new(big.Int).SetBytes(b)
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return 0, false
	}
	return int(e.Int64()), true
}

// CheckRSAPublicExponent applies rsaExponent's rule to an imported key
// (C_CreateObject, C_UnwrapKey), as the generator does: a key whose
// exponent Go's crypto/rsa refuses could be stored but never used.
func CheckRSAPublicExponent(b []byte) error {
	if _, ok := rsaExponent(b); !ok {
		return ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return nil
}
