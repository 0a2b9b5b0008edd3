package mechanisms

import (
	"bytes"
	"crypto/ecdsa"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestECKeyPairGen(t *testing.T) {
	for _, c := range curves {
		for _, params := range [][]byte{derOID(t, c.OID), derPrintable(t, c.names[0])} {
			g := mustLookup(t, ck.CKM_EC_KEY_PAIR_GEN).(KeyPairGenerator)
			pub, priv, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_EC_PARAMS, Value: params}}, ck.Template{})
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			for _, m := range []map[ck.AttributeType][]byte{pub, priv} {
				if kt, _ := ck.DecodeULong(m[ck.CKA_KEY_TYPE]); ck.KeyType(kt) != ck.CKK_EC {
					t.Errorf("%s: CKA_KEY_TYPE %d", c.Name, kt)
				}
				if !bytes.Equal(m[ck.CKA_EC_PARAMS], params) {
					t.Errorf("%s: CKA_EC_PARAMS not as given", c.Name)
				}
			}
			if len(priv[ck.CKA_VALUE]) != c.Size() {
				t.Errorf("%s: CKA_VALUE of %d bytes, want %d", c.Name, len(priv[ck.CKA_VALUE]), c.Size())
			}
			point, err := DecodeECPoint(c, pub[ck.CKA_EC_POINT])
			if err != nil || pub[ck.CKA_EC_POINT][0] != 4 || len(pub[ck.CKA_EC_POINT]) == len(point) {
				t.Fatalf("%s: CKA_EC_POINT is not a DER OCTET STRING of a point: %v", c.Name, err)
			}
			// The private scalar must belong to the public point.
			k, err := ecdsa.ParseRawPrivateKey(c.Curve, priv[ck.CKA_VALUE])
			if err != nil {
				t.Fatal(err)
			}
			if q, _ := k.PublicKey.Bytes(); !bytes.Equal(q, point) {
				t.Errorf("%s: CKA_VALUE does not match CKA_EC_POINT", c.Name)
			}
		}
	}
}

func TestECKeyPairGenErrors(t *testing.T) {
	p256 := derOID(t, curves[1].OID)
	aes := ck.EncodeULong(ck.ULong(ck.CKK_AES))
	tests := []struct {
		name      string
		pub, priv ck.Template
		err       error
	}{
		{"no params", ck.Template{}, nil, ck.CKR_TEMPLATE_INCOMPLETE},
		{"params only in private", nil, ck.Template{{Type: ck.CKA_EC_PARAMS, Value: p256}}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"unknown curve", ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derPrintable(t, "brainpoolP256r1")}}, nil, ck.CKR_CURVE_NOT_SUPPORTED},
		{"garbage params", ck.Template{{Type: ck.CKA_EC_PARAMS, Value: []byte{6, 9}}}, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"params differ", ck.Template{{Type: ck.CKA_EC_PARAMS, Value: p256}}, ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(t, curves[2].OID)}}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"wrong key type", ck.Template{{Type: ck.CKA_EC_PARAMS, Value: p256}, {Type: ck.CKA_KEY_TYPE, Value: aes}}, nil, ck.CKR_TEMPLATE_INCONSISTENT},
		{"bad key type value", ck.Template{{Type: ck.CKA_EC_PARAMS, Value: p256}}, ck.Template{{Type: ck.CKA_KEY_TYPE, Value: []byte{3}}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
	}
	g := mustLookup(t, ck.CKM_EC_KEY_PAIR_GEN).(KeyPairGenerator)
	for _, tc := range tests {
		if _, _, err := g.GenerateKeyPair(tc.pub, tc.priv); err != tc.err {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
		}
	}
}

// TestECKeyParsedOnce: the parsed key is cached on the Key and reused.
func TestECKeyParsedOnce(t *testing.T) {
	_, priv := genECKeys(t, curves[1])
	a, err := ecPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	priv.Attrs[ck.CKA_VALUE] = []byte{1} // would not parse again
	b, err := ecPrivateKey(priv)
	if err != nil || a != b {
		t.Fatalf("second parse: %p %p %v", a, b, err)
	}
}

func TestECPrivateKeyScalarPadding(t *testing.T) {
	c := curves[1]
	_, priv := genECKeys(t, c)
	d := priv.Attrs[ck.CKA_VALUE]
	want, _ := ecPrivateKey(priv)
	for _, tc := range []struct {
		name string
		v    []byte
		ok   bool
	}{
		{"leading zero added", append([]byte{0}, d...), true},
		{"short", []byte{0, 1}, true},
		{"too long", append([]byte{1}, d...), false},
		{"empty", nil, false},
		{"zero", make([]byte, 32), false},
	} {
		k := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{
			ck.CKA_EC_PARAMS: priv.Attrs[ck.CKA_EC_PARAMS], ck.CKA_VALUE: tc.v}}
		got, err := ecPrivateKey(k)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && err != ck.CKR_KEY_TYPE_INCONSISTENT {
			t.Errorf("%s: err = %v, want CKR_KEY_TYPE_INCONSISTENT", tc.name, err)
		}
		if tc.name == "leading zero added" && err == nil && !got.Equal(want) {
			t.Errorf("%s: different key", tc.name)
		}
	}
}
