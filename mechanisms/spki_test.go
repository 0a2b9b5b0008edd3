package mechanisms

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"maps"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestPublicKeyInfo: for every key family, the SPKI of the public key and of
// the private key are equal, carry the family's OID and parameters, and
// hold the public key; Go's x509 parses those it knows to the same key.
func TestPublicKeyInfo(t *testing.T) {
	ps := func(v ck.ULong) ck.Template {
		return ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(v)}}
	}
	params := func(oid asn1.ObjectIdentifier) ck.Template {
		return ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(t, oid)}}
	}
	named := func(name string) ck.Template {
		b, _ := asn1.MarshalWithParams(name, "printable")
		return ck.Template{{Type: ck.CKA_EC_PARAMS, Value: b}}
	}
	rsaTmpl := ck.Template{{Type: ck.CKA_MODULUS_BITS, Value: ck.EncodeULong(1024)}}
	cases := []struct {
		name   string
		mech   ck.MechanismType
		tmpl   ck.Template
		oid    asn1.ObjectIdentifier
		params []byte // DER of the AlgorithmIdentifier parameters, nil: absent
		goKnow bool   // crypto/x509 parses it
	}{
		{"RSA", ck.CKM_RSA_PKCS_KEY_PAIR_GEN, rsaTmpl, oidRSAEncryption, asn1.NullBytes, true},
		{"P-224", ck.CKM_EC_KEY_PAIR_GEN, params(curves[0].OID), oidECPublicKey, derOID(t, curves[0].OID), true},
		{"P-256", ck.CKM_EC_KEY_PAIR_GEN, params(curves[1].OID), oidECPublicKey, derOID(t, curves[1].OID), true},
		{"P-256 by name", ck.CKM_EC_KEY_PAIR_GEN, named("prime256v1"), oidECPublicKey, derOID(t, curves[1].OID), true},
		{"P-384", ck.CKM_EC_KEY_PAIR_GEN, params(curves[2].OID), oidECPublicKey, derOID(t, curves[2].OID), true},
		{"P-521", ck.CKM_EC_KEY_PAIR_GEN, params(curves[3].OID), oidECPublicKey, derOID(t, curves[3].OID), true},
		{"secp256k1", ck.CKM_EC_KEY_PAIR_GEN, params(curveK1.OID), oidECPublicKey, derOID(t, curveK1.OID), false},
		{"Ed25519", ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, params(oidEd25519), oidEd25519, nil, true},
		{"Ed448", ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, params(curveEd448.oid), curveEd448.oid, nil, false},
		{"X25519", ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, params(oidX25519), oidX25519, nil, true},
		{"X448", ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, params(curveX448.oid), curveX448.oid, nil, false},
		{"ML-DSA-44", ck.CKM_ML_DSA_KEY_PAIR_GEN, ps(ck.ULong(ck.CKP_ML_DSA_44)), nistAlg(3, 17), nil, false},
		{"ML-DSA-65", ck.CKM_ML_DSA_KEY_PAIR_GEN, ps(ck.ULong(ck.CKP_ML_DSA_65)), nistAlg(3, 18), nil, false},
		{"ML-DSA-87", ck.CKM_ML_DSA_KEY_PAIR_GEN, ps(ck.ULong(ck.CKP_ML_DSA_87)), nistAlg(3, 19), nil, false},
		{"ML-KEM-512", ck.CKM_ML_KEM_KEY_PAIR_GEN, ps(ck.ULong(ck.CKP_ML_KEM_512)), nistAlg(4, 1), nil, false},
		{"ML-KEM-768", ck.CKM_ML_KEM_KEY_PAIR_GEN, ps(ck.ULong(ck.CKP_ML_KEM_768)), nistAlg(4, 2), nil, false},
		{"ML-KEM-1024", ck.CKM_ML_KEM_KEY_PAIR_GEN, ps(ck.ULong(ck.CKP_ML_KEM_1024)), nistAlg(4, 3), nil, false},
		{"SLH-DSA-SHA2-128f", ck.CKM_SLH_DSA_KEY_PAIR_GEN, ps(ck.ULong(ck.CKP_SLH_DSA_SHA2_128F)), nistAlg(3, 21), nil, false},
		{"SLH-DSA-SHAKE-128f", ck.CKM_SLH_DSA_KEY_PAIR_GEN, ps(ck.ULong(ck.CKP_SLH_DSA_SHAKE_128F)), nistAlg(3, 27), nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := mustLookup(t, c.mech).(KeyPairGenerator)
			pub, priv, err := g.GenerateKeyPair(c.tmpl, nil)
			if err != nil {
				t.Fatal(err)
			}
			kt, _ := ck.DecodeULong(pub[ck.CKA_KEY_TYPE])
			// A private template may leave these to the public one (provider
			// stores the private key with them).
			for _, t2 := range []ck.AttributeType{ck.CKA_EC_PARAMS, ck.CKA_PARAMETER_SET} {
				if _, ok := priv[t2]; !ok && pub[t2] != nil {
					priv[t2] = pub[t2]
				}
			}
			fromPub, err := PublicKeyInfo(ck.CKO_PUBLIC_KEY, ck.KeyType(kt), pub)
			if err != nil || len(fromPub) == 0 {
				t.Fatalf("public key: %x, %v", fromPub, err)
			}
			fromPriv, err := PublicKeyInfo(ck.CKO_PRIVATE_KEY, ck.KeyType(kt), priv)
			if err != nil || !bytes.Equal(fromPriv, fromPub) {
				t.Fatalf("private key's SPKI differs (%v)", err)
			}
			var info subjectPublicKeyInfo
			if rest, err := asn1.Unmarshal(fromPub, &info); err != nil || len(rest) != 0 {
				t.Fatalf("not DER: %v", err)
			}
			if !info.Algorithm.Algorithm.Equal(c.oid) || !bytes.Equal(info.Algorithm.Parameters.FullBytes, c.params) {
				t.Fatalf("algorithm %v %x, want %v %x", info.Algorithm.Algorithm, info.Algorithm.Parameters.FullBytes, c.oid, c.params)
			}
			if want := rawPublic(t, ck.KeyType(kt), pub); want != nil && !bytes.Equal(info.PublicKey.Bytes, want) {
				t.Fatalf("public key %x, want %x", info.PublicKey.Bytes, want)
			}
			if c.goKnow {
				k, err := x509.ParsePKIXPublicKey(fromPub)
				if err != nil {
					t.Fatal(err)
				}
				again, err := x509.MarshalPKIXPublicKey(k)
				if err != nil || !bytes.Equal(again, fromPub) {
					t.Fatalf("x509 re-encodes differently: %v", err)
				}
			}
		})
	}
}

// rawPublic is the subjectPublicKey bytes a key's attributes should give
// (nil for RSA: x509 checks that).
func rawPublic(t *testing.T, kt ck.KeyType, pub map[ck.AttributeType][]byte) []byte {
	switch kt {
	case ck.CKK_EC:
		c, err := CurveFromParams(pub[ck.CKA_EC_PARAMS])
		if err != nil {
			t.Fatal(err)
		}
		p, err := DecodeECPoint(c, pub[ck.CKA_EC_POINT])
		if err != nil {
			t.Fatal(err)
		}
		return p
	case ck.CKK_EC_EDWARDS, ck.CKK_EC_MONTGOMERY:
		var inner []byte
		if _, err := asn1.Unmarshal(pub[ck.CKA_EC_POINT], &inner); err != nil {
			return pub[ck.CKA_EC_POINT]
		}
		return inner
	case ck.CKK_ML_DSA, ck.CKK_ML_KEM, ck.CKK_SLH_DSA:
		return pub[ck.CKA_VALUE]
	}
	return nil
}

// TestPublicKeyInfoRFC8410 rebuilds RFC 8410's Ed25519 example SPKI from
// its public key, given as a raw point and as an OCTET STRING.
func TestPublicKeyInfoRFC8410(t *testing.T) {
	b, err := os.ReadFile("testdata/spki_rfc8410.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, line := range strings.Split(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			if want, err = base64.StdEncoding.DecodeString(line); err != nil {
				t.Fatal(err)
			}
		}
	}
	point := want[len(want)-32:]
	for _, p := range [][]byte{point, append([]byte{4, 32}, point...)} {
		attrs := map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: derOID(t, oidEd25519), ck.CKA_EC_POINT: p}
		got, err := PublicKeyInfo(ck.CKO_PUBLIC_KEY, ck.CKK_EC_EDWARDS, attrs)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("got %x (%v), want %x", got, err, want)
		}
	}
}

// TestPublicKeyInfoIncomplete: attributes without the public key give no
// SPKI; unusable ones are CKR_ATTRIBUTE_VALUE_INVALID.
func TestPublicKeyInfoIncomplete(t *testing.T) {
	p256 := derOID(t, curves[1].OID)
	cases := []struct {
		name    string
		class   ck.ObjectClass
		kt      ck.KeyType
		attrs   map[ck.AttributeType][]byte
		wantErr error
	}{
		{"RSA private without exponent", ck.CKO_PRIVATE_KEY, ck.CKK_RSA, map[ck.AttributeType][]byte{ck.CKA_MODULUS: {0xc1, 0x01}}, nil},
		{"EC without params", ck.CKO_PUBLIC_KEY, ck.CKK_EC, map[ck.AttributeType][]byte{}, nil},
		{"EC private without value", ck.CKO_PRIVATE_KEY, ck.CKK_EC, map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: p256}, nil},
		{"secret key", ck.CKO_SECRET_KEY, ck.CKK_AES, map[ck.AttributeType][]byte{ck.CKA_VALUE: make([]byte, 16)}, nil},
		{"PQC template", ck.CKO_PUBLIC_KEY, ck.CKK_ML_DSA, map[ck.AttributeType][]byte{ck.CKA_PARAMETER_SET: ck.EncodeULong(1)}, nil},
		{"EC point off the curve", ck.CKO_PUBLIC_KEY, ck.CKK_EC, map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: p256, ck.CKA_EC_POINT: append([]byte{4}, make([]byte, 64)...)}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC scalar zero", ck.CKO_PRIVATE_KEY, ck.CKK_EC, map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: p256, ck.CKA_VALUE: make([]byte, 32)}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"Ed25519 short secret", ck.CKO_PRIVATE_KEY, ck.CKK_EC_EDWARDS, map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: derOID(t, oidEd25519), ck.CKA_VALUE: make([]byte, 31)}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"unknown parameter set", ck.CKO_PUBLIC_KEY, ck.CKK_ML_KEM, map[ck.AttributeType][]byte{ck.CKA_PARAMETER_SET: ck.EncodeULong(9), ck.CKA_VALUE: {1}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"ML-KEM wrong size", ck.CKO_PUBLIC_KEY, ck.CKK_ML_KEM, map[ck.AttributeType][]byte{ck.CKA_PARAMETER_SET: ck.EncodeULong(1), ck.CKA_VALUE: {1}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
	}
	for _, c := range cases {
		got, err := PublicKeyInfo(c.class, c.kt, c.attrs)
		if err != c.wantErr || (err == nil && got != nil) {
			t.Errorf("%s: %x, %v; want nil, %v", c.name, got, err, c.wantErr)
		}
	}
}

// TestPublicKeyInfoCompressedPoint: a key imported with a compressed
// CKA_EC_POINT has the uncompressed point in its SPKI (RFC 5480 allows
// both; the uncompressed form is what every reader takes).
func TestPublicKeyInfoCompressedPoint(t *testing.T) {
	for _, c := range []*Curve{curves[1], curveK1} {
		pub, _ := genECKeys(t, c)
		want, err := PublicKeyInfo(ck.CKO_PUBLIC_KEY, ck.CKK_EC, pub.Attrs)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := DecodeECPoint(c, pub.Attrs[ck.CKA_EC_POINT])
		if err != nil {
			t.Fatal(err)
		}
		size := c.Size()
		compressed := append([]byte{2 | raw[2*size]&1}, raw[1:1+size]...)
		attrs := map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: pub.Attrs[ck.CKA_EC_PARAMS], ck.CKA_EC_POINT: encodeECPoint(compressed)}
		if got, err := PublicKeyInfo(ck.CKO_PUBLIC_KEY, ck.CKK_EC, attrs); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: compressed point gives %x (%v), want %x", c.Name, got, err, want)
		}
	}
}

// TestPublicKeyInfoRSAWithoutExponent: a private key stored without
// CKA_PUBLIC_EXPONENT but with its primes gives the public key's SPKI.
func TestPublicKeyInfoRSAWithoutExponent(t *testing.T) {
	// A key of its own: other tests change the shared rsaTestKeys' maps.
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pub, priv := rsaKeyObjects(k)
	want, err := PublicKeyInfo(ck.CKO_PUBLIC_KEY, ck.CKK_RSA, pub.Attrs)
	if err != nil {
		t.Fatal(err)
	}
	attrs := maps.Clone(priv.Attrs)
	delete(attrs, ck.CKA_PUBLIC_EXPONENT)
	if got, err := PublicKeyInfo(ck.CKO_PRIVATE_KEY, ck.CKK_RSA, attrs); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %x (%v), want %x", got, err, want)
	}
	attrs[ck.CKA_PRIME_2] = []byte{7} // p*q is not n
	if got, err := PublicKeyInfo(ck.CKO_PRIVATE_KEY, ck.CKK_RSA, attrs); err != nil || got != nil {
		t.Fatalf("primes of another key: %x, %v", got, err)
	}
}

// TestCheckRSAPublicExponent: the import rule is the generator's: odd, 3 to 2^31-1.
func TestCheckRSAPublicExponent(t *testing.T) {
	big := func(s string) []byte { v, _ := new(big.Int).SetString(s, 0); return v.Bytes() }
	cases := []struct {
		e  []byte
		ok bool
	}{
		{big("3"), true}, {big("65537"), true}, {[]byte{0, 1, 0, 1}, true}, {big("0x7fffffff"), true},
		{big("0x80000001"), false}, {big("0x100000001"), false}, {big("1"), false}, {big("2"), false},
		{big("65536"), false}, {nil, false}, {big("0x10000000000000001"), false},
	}
	for _, c := range cases {
		if err := CheckRSAPublicExponent(c.e); (err == nil) != c.ok || (err != nil && err != ck.CKR_ATTRIBUTE_VALUE_INVALID) {
			t.Errorf("e=%x: %v, want ok=%v", c.e, err, c.ok)
		}
	}
}
