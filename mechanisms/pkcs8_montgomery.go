package mechanisms

import (
	"bytes"
	"crypto/ecdh"
	"crypto/x509/pkix"
	"encoding/asn1"

	"github.com/gohsm/gohsm/ck"
)

// PKCS #8 for X25519 and X448 private keys (RFC 8410 §7): the
// PrivateKeyInfo of id-X25519 or id-X448, without parameters, holds the
// scalar as a CurvePrivateKey OCTET STRING, which is how openssl writes them.

// montgomeryValue is what parsing found: the curve and its scalar.
type montgomeryValue struct {
	curve *edCurve
	d     []byte
}

func montgomeryPKCS8(k *Key) ([]byte, error) {
	c, err := keyEdCurve(montgomeryCurves, k)
	d := k.Attrs[ck.CKA_VALUE]
	if err != nil || len(d) != c.keyBytes {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	inner, _ := asn1.Marshal(d)
	der, err := asn1.Marshal(pkcs8Info{Algo: pkix.AlgorithmIdentifier{Algorithm: c.oid}, PrivateKey: inner})
	if err != nil {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	return der, nil
}

// parsePKCS8Montgomery reads the CurvePrivateKey of an X25519 or X448
// PrivateKeyInfo; ok is false for another algorithm.
func parsePKCS8Montgomery(info pkcs8Info) (v montgomeryValue, ok bool, err error) {
	for _, c := range montgomeryCurves {
		if !info.Algo.Algorithm.Equal(c.oid) {
			continue
		}
		var d []byte
		if rest, err := asn1.Unmarshal(info.PrivateKey, &d); err != nil || len(rest) != 0 || len(d) != c.keyBytes || len(info.Algo.Parameters.FullBytes) != 0 {
			return v, true, ck.CKR_WRAPPED_KEY_INVALID
		}
		return montgomeryValue{c, d}, true, nil
	}
	return v, false, nil
}

// fromECDH is the montgomeryValue of an X25519 key crypto/x509 parsed.
func fromECDH(k *ecdh.PrivateKey) (montgomeryValue, bool) {
	if k.Curve() != ecdh.X25519() {
		return montgomeryValue{}, false
	}
	return montgomeryValue{curveX25519, bytes.Clone(k.Bytes())}, true
}
