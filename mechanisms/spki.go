package mechanisms

// spki.go: CKA_PUBLIC_KEY_INFO, the DER SubjectPublicKeyInfo (RFC 5280
// 4.1.2.7) of a public key or of a private key's public half (PKCS#11 3.x
// common public and private key attributes: "DEFAULT derived from the
// underlying public key data"). Families: RSA and EC here, Edwards and
// Montgomery in spki_ed.go, ML-DSA, ML-KEM and SLH-DSA in spki_pqc.go.

import (
	"crypto/ecdsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

var (
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	// oidECPublicKey (id-ecPublicKey) is in pkcs8_extra.go.
)

type subjectPublicKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// PublicKeyInfo is the SubjectPublicKeyInfo of a public or private key
// object's attributes. It is (nil, nil) when the attributes do not hold the
// public key (an RSA private key without CKA_PUBLIC_EXPONENT, a key type
// without an SPKI), and CKR_ATTRIBUTE_VALUE_INVALID when they are unusable.
func PublicKeyInfo(class ck.ObjectClass, kt ck.KeyType, attrs map[ck.AttributeType][]byte) ([]byte, error) {
	if class != ck.CKO_PUBLIC_KEY && class != ck.CKO_PRIVATE_KEY {
		return nil, nil
	}
	priv := class == ck.CKO_PRIVATE_KEY
	switch kt {
	case ck.CKK_RSA:
		return rsaSPKI(attrs)
	case ck.CKK_EC:
		return ecSPKI(attrs, priv)
	case ck.CKK_EC_EDWARDS, ck.CKK_EC_MONTGOMERY:
		return edSPKI(kt, attrs, priv)
	case ck.CKK_ML_DSA, ck.CKK_ML_KEM, ck.CKK_SLH_DSA:
		return pqcSPKI(class, kt, attrs)
	}
	return nil, nil
}

// marshalSPKI encodes an SPKI; params is the DER of the algorithm's
// parameters, nil when absent (RFC 8410, the PQC drafts).
func marshalSPKI(oid asn1.ObjectIdentifier, params, key []byte) ([]byte, error) {
	info := subjectPublicKeyInfo{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: oid},
		PublicKey: asn1.BitString{Bytes: key, BitLength: 8 * len(key)},
	}
	if params != nil {
		info.Algorithm.Parameters = asn1.RawValue{FullBytes: params}
	}
	der, err := asn1.Marshal(info)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return der, nil
}

// rsaSPKI: rsaEncryption with NULL parameters and the DER RSAPublicKey
// (RFC 8017 A.1.1). A private key carries CKA_MODULUS and, since PKCS#11
// 2.40 asks for it, CKA_PUBLIC_EXPONENT.
func rsaSPKI(attrs map[ck.AttributeType][]byte) ([]byte, error) {
	n, e := attrs[ck.CKA_MODULUS], attrs[ck.CKA_PUBLIC_EXPONENT]
	if len(e) == 0 {
		e = rsaExponentFromPrimes(attrs)
	}
	if len(n) == 0 || len(e) == 0 {
		return nil, nil
	}
	pub := struct{ N, E *big.Int }{new(big.Int).SetBytes(n), new(big.Int).SetBytes(e)}
	if pub.N.Sign() == 0 || pub.E.Sign() == 0 {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	key, err := asn1.Marshal(pub)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return marshalSPKI(oidRSAEncryption, asn1.NullBytes, key)
}

// rsaExponentFromPrimes recovers e of a private key stored without
// CKA_PUBLIC_EXPONENT (it was optional before PKCS#11 2.40) from d and the
// primes: e = d^-1 mod lcm(p-1, q-1), which is e itself since e < lcm.
// nil when they are not there or do not make an RSA key.
func rsaExponentFromPrimes(attrs map[ck.AttributeType][]byte) []byte {
	n, d := attrs[ck.CKA_MODULUS], attrs[ck.CKA_PRIVATE_EXPONENT]
	p, q := attrs[ck.CKA_PRIME_1], attrs[ck.CKA_PRIME_2]
	if len(n) == 0 || len(d) == 0 || len(p) == 0 || len(q) == 0 {
		return nil
	}
	one := big.NewInt(1)
	P, Q := new(big.Int).SetBytes(p), new(big.Int).SetBytes(q)
	if P.Cmp(one) <= 0 || Q.Cmp(one) <= 0 || new(big.Int).Mul(P, Q).Cmp(new(big.Int).SetBytes(n)) != 0 {
		return nil
	}
	pm, qm := new(big.Int).Sub(P, one), new(big.Int).Sub(Q, one)
	lambda := new(big.Int).Mul(pm, qm)
	lambda.Div(lambda, new(big.Int).GCD(nil, nil, pm, qm))
	e := new(big.Int).ModInverse(new(big.Int).SetBytes(d), lambda)
	if e == nil {
		return nil
	}
	return e.Bytes()
}

// ecSPKI: id-ecPublicKey with the namedCurve OID (whether CKA_EC_PARAMS
// names the curve by OID or by name) and the uncompressed point (RFC 5480).
func ecSPKI(attrs map[ck.AttributeType][]byte, priv bool) ([]byte, error) {
	params := attrs[ck.CKA_EC_PARAMS]
	if len(params) == 0 {
		return nil, nil
	}
	c, err := CurveFromParams(params)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	point, err := spkiPublic(attrs, priv,
		func(v []byte) ([]byte, error) { return ecPublicPoint(c, v) },
		func(p []byte) ([]byte, error) { return DecodeECPoint(c, p) })
	if err != nil || point == nil {
		return nil, err
	}
	return marshalSPKI(oidECPublicKey, encodeOID(c.OID), point)
}

// spkiPublic is the public key of an EC-style key: from the private value
// (fromPrivate) or from CKA_EC_POINT (decode, which refuses a bad point);
// nil when the key lacks the attribute.
func spkiPublic(attrs map[ck.AttributeType][]byte, priv bool, fromPrivate, decode func([]byte) ([]byte, error)) ([]byte, error) {
	if priv {
		return fromPrivate(attrs[ck.CKA_VALUE])
	}
	if len(attrs[ck.CKA_EC_POINT]) == 0 {
		return nil, nil
	}
	pub, err := decode(attrs[ck.CKA_EC_POINT])
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return pub, nil
}

// ecPublicPoint is d*G, uncompressed; nil without a private value.
func ecPublicPoint(c *Curve, value []byte) ([]byte, error) {
	if len(value) == 0 {
		return nil, nil
	}
	if c == curveK1 {
		sk, ok := k1Scalar(value)
		if !ok {
			return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		return sk.PubKey().SerializeUncompressed(), nil
	}
	d, ok := fixedScalar(value, c.Size())
	if !ok {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	sk, err := ecdsa.ParseRawPrivateKey(c.Curve, d)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	p, err := sk.PublicKey.Bytes()
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return p, nil
}
