package mechanisms

import (
	"crypto/ed25519"
	"encoding/asn1"

	"github.com/gohsm/gohsm/ck"
)

// oidEd25519 is id-Ed25519 (RFC 8410); PKCS#11 3.0 also names the curve
// "edwards25519" as a PrintableString.
var oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}

// checkEd25519Params accepts CKA_EC_PARAMS naming Ed25519. Other Edwards
// curves (Ed448) and anything else well-formed are CKR_CURVE_NOT_SUPPORTED.
func checkEd25519Params(der []byte) error {
	oid, name, err := decodeCurveParams(der)
	if err != nil {
		return err
	}
	if oid.Equal(oidEd25519) || name == "edwards25519" {
		return nil
	}
	return ck.CKR_CURVE_NOT_SUPPORTED
}

// DecodeEdwardsPoint reads an Ed25519 CKA_EC_POINT: a DER OCTET STRING of
// the 32-byte public key, or the 32 bytes themselves.
func DecodeEdwardsPoint(b []byte) ([]byte, error) {
	if len(b) == ed25519.PublicKeySize {
		return b, nil
	}
	var inner []byte
	if rest, err := asn1.Unmarshal(b, &inner); err != nil || len(rest) != 0 || len(inner) != ed25519.PublicKeySize {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return inner, nil
}

// ed25519PrivateKey parses CKK_EC_EDWARDS private keys: CKA_VALUE is the
// 32-byte secret of RFC 8032 (Go's seed).
func ed25519PrivateKey(k *Key) (ed25519.PrivateKey, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_EC_EDWARDS); err != nil {
		return nil, err
	}
	v, err := k.Parsed("ed25519.private", func() (any, error) {
		if err := edKeyParams(k); err != nil {
			return nil, err
		}
		seed := k.Attrs[ck.CKA_VALUE]
		if len(seed) != ed25519.SeedSize {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return ed25519.NewKeyFromSeed(seed), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(ed25519.PrivateKey), nil
}

func ed25519PublicKey(k *Key) (ed25519.PublicKey, error) {
	if err := checkKey(k, ck.CKO_PUBLIC_KEY, ck.CKK_EC_EDWARDS); err != nil {
		return nil, err
	}
	v, err := k.Parsed("ed25519.public", func() (any, error) {
		if err := edKeyParams(k); err != nil {
			return nil, err
		}
		p, err := DecodeEdwardsPoint(k.Attrs[ck.CKA_EC_POINT])
		if err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return ed25519.PublicKey(p), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(ed25519.PublicKey), nil
}

func edKeyParams(k *Key) error {
	switch err := checkEd25519Params(k.Attrs[ck.CKA_EC_PARAMS]); err {
	case nil, ck.CKR_CURVE_NOT_SUPPORTED:
		return err
	}
	return ck.CKR_KEY_TYPE_INCONSISTENT
}
