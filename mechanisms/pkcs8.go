package mechanisms

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

// Private keys are wrapped as their PKCS #8 PrivateKeyInfo (DER), as the
// specification recommends; secret keys as their value.

// wrapValue is what wrapping a key encrypts.
func wrapValue(k *Key) ([]byte, error) {
	if k == nil {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	switch {
	case k.Class == ck.CKO_SECRET_KEY:
		return k.Attrs[ck.CKA_VALUE], nil
	case k.Class != ck.CKO_PRIVATE_KEY:
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	var priv any
	var err error
	switch k.KeyType {
	case ck.CKK_RSA:
		priv, err = rsaPrivateKey(k)
	case ck.CKK_EC:
		if keyIsK1(k) { // pkcs8_extra.go: crypto/x509 has no secp256k1
			return k1PKCS8(k)
		}
		priv, err = ecPrivateKey(k)
	case ck.CKK_EC_EDWARDS:
		if c, _ := keyEdCurve(edwardsCurves, k); c == curveEd448 {
			return ed448PKCS8(k)
		}
		priv, err = ed25519PrivateKey(k)
	case ck.CKK_EC_MONTGOMERY:
		return montgomeryPKCS8(k) // pkcs8_montgomery.go
	default:
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	if err != nil {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	return der, nil
}

// unwrapAttrs turns an unwrapped value into the attributes of the new key:
// a private key (template CKA_CLASS CKO_PRIVATE_KEY) from PKCS #8, otherwise
// a secret key checked against the template's key type and length
// (unwrap_secret.go; padded: a block mode's zero padding may follow it).
func unwrapAttrs(v []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	return unwrapValueAttrs(v, tmpl, false)
}

func unwrapValueAttrs(v []byte, tmpl ck.Template, padded bool) (map[ck.AttributeType][]byte, error) {
	class, ok, err := tmpl.ULong(ck.CKA_CLASS)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if ok && ck.ObjectClass(class) == ck.CKO_PRIVATE_KEY {
		return privateKeyAttrs(v, tmpl)
	}
	return unwrapSecretAttrs(v, tmpl, padded)
}

// privateKeyAttrs parses PKCS #8 into the attributes of an RSA, EC,
// Edwards or Montgomery private key object.
func privateKeyAttrs(der []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		if k, err = parsePKCS8Extra(der); err != nil { // Ed448, secp256k1, X448
			return nil, ck.CKR_WRAPPED_KEY_INVALID
		}
	}
	if xk, ok := k.(*ecdh.PrivateKey); ok { // crypto/x509's X25519
		if v, ok := fromECDH(xk); ok {
			k = v
		}
	}
	var kt ck.KeyType
	attrs := map[ck.AttributeType][]byte{}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		kt = ck.CKK_RSA
		attrs[ck.CKA_MODULUS] = k.N.Bytes()
		attrs[ck.CKA_PUBLIC_EXPONENT] = big.NewInt(int64(k.E)).Bytes()
		attrs[ck.CKA_PRIVATE_EXPONENT] = k.D.Bytes()
		if len(k.Primes) != 2 {
			// A multi-prime key (openssl's rsa_keygen_primes): PKCS #11 has no
			// attributes for a third prime, so it is kept as n, e, d, whose
			// primes rsaPrivateKey recovers.
			break
		}
		k.Precompute()
		attrs[ck.CKA_PRIME_1] = k.Primes[0].Bytes()
		attrs[ck.CKA_PRIME_2] = k.Primes[1].Bytes()
		attrs[ck.CKA_EXPONENT_1] = k.Precomputed.Dp.Bytes()
		attrs[ck.CKA_EXPONENT_2] = k.Precomputed.Dq.Bytes()
		attrs[ck.CKA_COEFFICIENT] = k.Precomputed.Qinv.Bytes()
	case *ecdsa.PrivateKey:
		kt = ck.CKK_EC
		var c *Curve
		for _, cc := range curves {
			if cc.Curve == k.Curve {
				c = cc
			}
		}
		d, err := k.Bytes()
		if c == nil || err != nil {
			return nil, ck.CKR_WRAPPED_KEY_INVALID
		}
		attrs[ck.CKA_EC_PARAMS] = encodeOID(c.OID)
		attrs[ck.CKA_VALUE] = d
	case ed25519.PrivateKey:
		kt = ck.CKK_EC_EDWARDS
		attrs[ck.CKA_EC_PARAMS] = encodeOID(oidEd25519)
		attrs[ck.CKA_VALUE] = bytes.Clone(k.Seed())
	case ed448Seed:
		kt = ck.CKK_EC_EDWARDS
		attrs[ck.CKA_EC_PARAMS] = encodeOID(curveEd448.oid)
		attrs[ck.CKA_VALUE] = []byte(k)
	case k1Value:
		kt = ck.CKK_EC
		attrs[ck.CKA_EC_PARAMS] = encodeOID(curveK1.OID)
		attrs[ck.CKA_VALUE] = []byte(k)
	case montgomeryValue:
		kt = ck.CKK_EC_MONTGOMERY
		attrs[ck.CKA_EC_PARAMS] = encodeOID(k.curve.oid)
		attrs[ck.CKA_VALUE] = k.d
	default:
		return nil, ck.CKR_WRAPPED_KEY_INVALID
	}
	if err := checkKeyType(tmpl, kt); err != nil {
		return nil, err
	}
	// A template's own CKA_EC_PARAMS must name the same curve; it is kept
	// as the caller spelled it (OID or name).
	if p, ok := tmpl.Lookup(ck.CKA_EC_PARAMS); ok {
		same := false
		switch kt {
		case ck.CKK_EC:
			c, err := CurveFromParams(p)
			same = err == nil && bytes.Equal(encodeOID(c.OID), attrs[ck.CKA_EC_PARAMS])
		case ck.CKK_EC_EDWARDS, ck.CKK_EC_MONTGOMERY:
			table := edwardsCurves
			if kt == ck.CKK_EC_MONTGOMERY {
				table = montgomeryCurves
			}
			c, err := findEdCurve(table, p)
			same = err == nil && bytes.Equal(encodeOID(c.oid), attrs[ck.CKA_EC_PARAMS])
		}
		if !same {
			return nil, ck.CKR_TEMPLATE_INCONSISTENT
		}
		attrs[ck.CKA_EC_PARAMS] = bytes.Clone(p)
	}
	attrs[ck.CKA_KEY_TYPE] = ck.EncodeULong(ck.ULong(kt))
	return attrs, nil
}

// encodeOID is the DER of a known, valid object identifier.
func encodeOID(oid asn1.ObjectIdentifier) []byte {
	b, _ := asn1.Marshal(oid) // cannot fail for the fixed OIDs used here
	return b
}
