package mechanisms

import (
	"crypto/ecdh"
	"encoding/asn1"

	"github.com/gohsm/gohsm/ck"
)

// oidX25519 is id-X25519 (RFC 8410); PKCS#11 3.0 also names the curve
// "curve25519" as a PrintableString. X448 is in x448_key.go.
var oidX25519 = asn1.ObjectIdentifier{1, 3, 101, 110}

func checkX25519Params(der []byte) error {
	oid, name, err := decodeCurveParams(der)
	if err != nil {
		return err
	}
	if oid.Equal(oidX25519) || name == "curve25519" {
		return nil
	}
	return ck.CKR_CURVE_NOT_SUPPORTED
}

// x25519PrivateKey parses a CKK_EC_MONTGOMERY private key (CKA_VALUE: the
// 32-byte scalar of RFC 7748), cached on the Key.
func x25519PrivateKey(k *Key) (*ecdh.PrivateKey, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_EC_MONTGOMERY); err != nil {
		return nil, err
	}
	v, err := k.Parsed("x25519.private", func() (any, error) {
		switch err := checkX25519Params(k.Attrs[ck.CKA_EC_PARAMS]); err {
		case nil:
		case ck.CKR_CURVE_NOT_SUPPORTED:
			return nil, err
		default:
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		sk, err := ecdh.X25519().NewPrivateKey(k.Attrs[ck.CKA_VALUE])
		if err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return sk, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*ecdh.PrivateKey), nil
}

// x25519Secret is the X25519 shared secret with the peer's public value (a
// DER OCTET STRING or the raw 32 bytes); a low-order peer is refused.
func x25519Secret(sk *ecdh.PrivateKey, peer []byte) ([]byte, error) {
	raw, err := DecodeEdwardsPoint(peer) // the same 32-byte encoding rules
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	pk, err := ecdh.X25519().NewPublicKey(raw)
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	z, err := sk.ECDH(pk)
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return z, nil
}
