package mechanisms

import (
	"bytes"
	"encoding/asn1"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func x25519Key(t testing.TB, priv []byte) *Key {
	return &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_MONTGOMERY, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_EC_PARAMS: derOID(t, oidX25519), ck.CKA_VALUE: priv}}
}

// TestX25519Vectors: RFC 7748 6.1 and random keys, public keys and shared
// secrets by openssl (testdata/x25519.txt), through CKM_ECDH1_DERIVE.
func TestX25519Vectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/x25519.txt") {
		k := x25519Key(t, unhex(t, v["PrivA"]))
		sk, err := x25519PrivateKey(k)
		if err != nil || !bytes.Equal(sk.PublicKey().Bytes(), unhex(t, v["PubA"])) {
			t.Fatalf("public key differs: %v", err)
		}
		for _, peer := range [][]byte{unhex(t, v["PubB"]), encodeECPoint(unhex(t, v["PubB"]))} {
			z, err := derive(t, ck.CKM_ECDH1_DERIVE, k, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: peer}, nil)
			if err != nil || !bytes.Equal(z, unhex(t, v["Z"])) {
				t.Errorf("Z differs: %v", err)
			}
		}
	}
}

func TestX25519KeyGenAndErrors(t *testing.T) {
	g := mustLookup(t, ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN).(KeyPairGenerator)
	gen := func() (*Key, *Key) {
		pa, va, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derPrintable(t, "curve25519")}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC_MONTGOMERY, Attrs: pa},
			&Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_MONTGOMERY, Attrs: va}
	}
	pubA, privA := gen()
	pubB, privB := gen()
	var inner []byte
	if _, err := asn1.Unmarshal(pubA.Attrs[ck.CKA_EC_POINT], &inner); err != nil || len(inner) != 32 {
		t.Fatal("CKA_EC_POINT is not a DER OCTET STRING of 32 bytes")
	}
	p := func(pub *Key) *ck.ECDH1DeriveParams {
		return &ck.ECDH1DeriveParams{KDF: ck.CKD_SHA256_KDF_SP800, PublicData: pub.Attrs[ck.CKA_EC_POINT]}
	}
	ab, err1 := derive(t, ck.CKM_ECDH1_DERIVE, privA, p(pubB), ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(16)})
	ba, err2 := derive(t, ck.CKM_ECDH1_DERIVE, privB, p(pubA), ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(16)})
	if err1 != nil || err2 != nil || !bytes.Equal(ab, ba) {
		t.Fatalf("sides disagree: %v %v", err1, err2)
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"Ed448 params", func() error {
			_, _, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(t, asn1.ObjectIdentifier{1, 3, 101, 113})}}, nil)
			return err
		}(), ck.CKR_CURVE_NOT_SUPPORTED},
		{"no params", func() error { _, _, err := g.GenerateKeyPair(nil, nil); return err }(), ck.CKR_TEMPLATE_INCOMPLETE},
		{"low-order peer", func() error {
			_, err := derive(t, ck.CKM_ECDH1_DERIVE, privA, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: make([]byte, 32)}, nil)
			return err
		}(), ck.CKR_MECHANISM_PARAM_INVALID},
		{"short peer", func() error {
			_, err := derive(t, ck.CKM_ECDH1_DERIVE, privA, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: make([]byte, 31)}, nil)
			return err
		}(), ck.CKR_MECHANISM_PARAM_INVALID},
		{"31-byte private value", func() error {
			_, err := derive(t, ck.CKM_ECDH1_DERIVE, x25519Key(t, make([]byte, 31)), p(pubB), nil)
			return err
		}(), ck.CKR_KEY_TYPE_INCONSISTENT},
	} {
		if tc.err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}

func init() {
	addFixture(fixture{pubTmpl: ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(nil, oidX25519)}}}, ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN)
}
