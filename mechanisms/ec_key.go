package mechanisms

import (
	"crypto/ecdsa"

	"github.com/gohsm/gohsm/ck"
)

// ecPrivateKey parses an EC private key object (CKA_EC_PARAMS, CKA_VALUE)
// once and caches it on the Key. A key of another class or type, or with
// unusable values, is CKR_KEY_TYPE_INCONSISTENT; an unknown curve
// CKR_CURVE_NOT_SUPPORTED.
func ecPrivateKey(k *Key) (*ecdsa.PrivateKey, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_EC); err != nil {
		return nil, err
	}
	v, err := k.Parsed("ec.private", func() (any, error) {
		c, err := keyCurve(k)
		if err != nil {
			return nil, err
		}
		d, ok := fixedScalar(k.Attrs[ck.CKA_VALUE], c.Size())
		if !ok {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		priv, err := ecdsa.ParseRawPrivateKey(c.Curve, d)
		if err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return priv, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*ecdsa.PrivateKey), nil
}

// ecPublicKey parses an EC public key object (CKA_EC_PARAMS, CKA_EC_POINT).
func ecPublicKey(k *Key) (*ecdsa.PublicKey, error) {
	if err := checkKey(k, ck.CKO_PUBLIC_KEY, ck.CKK_EC); err != nil {
		return nil, err
	}
	v, err := k.Parsed("ec.public", func() (any, error) {
		c, err := keyCurve(k)
		if err != nil {
			return nil, err
		}
		point, err := DecodeECPoint(c, k.Attrs[ck.CKA_EC_POINT])
		if err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(c.Curve, point)
		if err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return pub, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*ecdsa.PublicKey), nil
}

func keyCurve(k *Key) (*Curve, error) {
	c, err := CurveFromParams(k.Attrs[ck.CKA_EC_PARAMS])
	if err == ck.CKR_CURVE_NOT_SUPPORTED {
		return nil, err
	}
	if err != nil {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	return c, nil
}

// fixedScalar left-pads a big-endian integer to size bytes: CKA_VALUE is an
// integer, and some clients strip its leading zeros (or add one).
func fixedScalar(b []byte, size int) ([]byte, bool) {
	for len(b) > size && b[0] == 0 {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > size {
		return nil, false
	}
	out := make([]byte, size)
	copy(out[size-len(b):], b)
	return out, true
}
