package mechanisms

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/asn1"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func derOID(t testing.TB, oid asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(oid)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func derPrintable(t testing.TB, s string) []byte {
	b, err := asn1.MarshalWithParams(s, "printable")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCurveFromParams(t *testing.T) {
	p256oid := derOID(t, asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})
	tests := []struct {
		name string
		der  []byte
		want string // curve name, or "" for an error
		err  error
	}{
		{"P-224 OID", derOID(t, asn1.ObjectIdentifier{1, 3, 132, 0, 33}), "P-224", nil},
		{"P-256 OID", p256oid, "P-256", nil},
		{"P-384 OID", derOID(t, asn1.ObjectIdentifier{1, 3, 132, 0, 34}), "P-384", nil},
		{"P-521 OID", derOID(t, asn1.ObjectIdentifier{1, 3, 132, 0, 35}), "P-521", nil},
		{"prime256v1", derPrintable(t, "prime256v1"), "P-256", nil},
		{"secp256r1", derPrintable(t, "secp256r1"), "P-256", nil},
		{"secp224r1", derPrintable(t, "secp224r1"), "P-224", nil},
		{"secp384r1", derPrintable(t, "secp384r1"), "P-384", nil},
		{"secp521r1", derPrintable(t, "secp521r1"), "P-521", nil},
		{"secp256k1 OID", derOID(t, asn1.ObjectIdentifier{1, 3, 132, 0, 10}), "secp256k1", nil},
		{"secp256k1 name", derPrintable(t, "secp256k1"), "secp256k1", nil},
		{"brainpoolP256r1 OID", derOID(t, asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}), "", ck.CKR_CURVE_NOT_SUPPORTED},
		{"brainpoolP256r1 name", derPrintable(t, "brainpoolP256r1"), "", ck.CKR_CURVE_NOT_SUPPORTED},
		{"explicit parameters", []byte{0x30, 0}, "", ck.CKR_CURVE_NOT_SUPPORTED},
		{"implicitlyCA NULL", []byte{0x05, 0}, "", ck.CKR_CURVE_NOT_SUPPORTED},
		{"UTF8String name", append([]byte{0x0c, 10}, "prime256v1"...), "", ck.CKR_CURVE_NOT_SUPPORTED},
		{"context tag", []byte{0xa0, 0}, "", ck.CKR_CURVE_NOT_SUPPORTED},
		{"empty", nil, "", ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"trailing byte", append(bytes.Clone(p256oid), 0), "", ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"truncated", p256oid[:5], "", ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"bad printable char", []byte{0x13, 2, 'a', '@'}, "", ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"raw OID bytes", p256oid[2:], "", ck.CKR_ATTRIBUTE_VALUE_INVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := CurveFromParams(tc.der)
			if err != tc.err {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.want != "" && c.Name != tc.want {
				t.Fatalf("curve = %s, want %s", c.Name, tc.want)
			}
		})
	}
}

func TestDecodeECPoint(t *testing.T) {
	for _, c := range curves {
		t.Run(c.Name, func(t *testing.T) {
			k, err := ecdsa.GenerateKey(c.Curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := k.PublicKey.Bytes()
			der := encodeECPoint(raw)
			var inner []byte
			if rest, err := asn1.Unmarshal(der, &inner); err != nil || len(rest) != 0 || !bytes.Equal(inner, raw) {
				t.Fatalf("encodeECPoint is not a DER OCTET STRING of the point: %x", der)
			}
			offCurve := bytes.Clone(raw)
			offCurve[len(offCurve)-1] ^= 1
			compressed := append([]byte{2 + raw[len(raw)-1]&1}, raw[1:1+c.Size()]...)
			tests := []struct {
				name string
				in   []byte
				err  error
			}{
				{"DER", der, nil},
				{"raw", raw, nil},
				{"off curve raw", offCurve, ck.CKR_ATTRIBUTE_VALUE_INVALID},
				{"off curve DER", encodeECPoint(offCurve), ck.CKR_ATTRIBUTE_VALUE_INVALID},
				{"compressed", compressed, nil}, // X9.62 form openssl writes too (ec_compressed.go)
				{"compressed DER", encodeECPoint(compressed), nil},
				{"trailing byte", append(bytes.Clone(der), 0), ck.CKR_ATTRIBUTE_VALUE_INVALID},
				{"short raw", raw[:len(raw)-1], ck.CKR_ATTRIBUTE_VALUE_INVALID},
				{"empty", nil, ck.CKR_ATTRIBUTE_VALUE_INVALID},
				{"infinity", []byte{0}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
				{"wrong tag", append([]byte{0x03}, der[1:]...), ck.CKR_ATTRIBUTE_VALUE_INVALID},
			}
			for _, tc := range tests {
				got, err := DecodeECPoint(c, tc.in)
				if err != tc.err {
					t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
				}
				if err == nil && !bytes.Equal(got, raw) {
					t.Errorf("%s: point = %x, want %x", tc.name, got, raw)
				}
			}
		})
	}
}

// FuzzCurveFromParams: any input gives a curve or a PKCS#11 error, never a panic.
func FuzzCurveFromParams(f *testing.F) {
	for _, c := range curves {
		f.Add(derOID(f, c.OID))
		f.Add(derPrintable(f, c.names[0]))
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		c, err := CurveFromParams(der)
		switch {
		case err == nil && c == nil:
			t.Fatal("nil curve without error")
		case err != nil && err != ck.CKR_ATTRIBUTE_VALUE_INVALID && err != ck.CKR_CURVE_NOT_SUPPORTED:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzDecodeECPoint: any input on any curve gives a valid point that
// round-trips through encodeECPoint, or CKR_ATTRIBUTE_VALUE_INVALID.
func FuzzDecodeECPoint(f *testing.F) {
	for _, c := range curves {
		k, _ := ecdsa.GenerateKey(c.Curve, rand.Reader)
		raw, _ := k.PublicKey.Bytes()
		f.Add(raw)
		f.Add(encodeECPoint(raw))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, c := range curves {
			p, err := DecodeECPoint(c, in)
			if err != nil {
				if err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
					t.Fatalf("%s: unexpected error %v", c.Name, err)
				}
				continue
			}
			if len(p) != 1+2*c.Size() {
				t.Fatalf("%s: point of %d bytes", c.Name, len(p))
			}
			again, err := DecodeECPoint(c, encodeECPoint(p))
			if err != nil || !bytes.Equal(again, p) {
				t.Fatalf("%s: round trip failed: %v", c.Name, err)
			}
		}
	})
}
