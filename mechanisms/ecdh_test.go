package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var kdfByHash = map[string][2]ck.EC_KDF{
	"SHA1":     {ck.CKD_SHA1_KDF, ck.CKD_SHA1_KDF_SP800},
	"SHA256":   {ck.CKD_SHA256_KDF, ck.CKD_SHA256_KDF_SP800},
	"SHA384":   {ck.CKD_SHA384_KDF, ck.CKD_SHA384_KDF_SP800},
	"SHA512":   {ck.CKD_SHA512_KDF, ck.CKD_SHA512_KDF_SP800},
	"SHA3-256": {ck.CKD_SHA3_256_KDF, ck.CKD_SHA3_256_KDF_SP800},
}

func valueLen(n int) ck.Attribute {
	return ck.Attribute{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(ck.ULong(n))}
}
func keyTypeAttr(kt ck.KeyType) ck.Attribute {
	return ck.Attribute{Type: ck.CKA_KEY_TYPE, Value: ck.EncodeULong(ck.ULong(kt))}
}

// deriveCase is a derivation and the error it must give (nil: none).
type deriveCase struct {
	name  string
	base  *Key
	param any
	tmpl  ck.Template
	want  error
}

// checkDerive runs each case through typ.
func checkDerive(t *testing.T, typ ck.MechanismType, cases []deriveCase) {
	t.Helper()
	for _, tc := range cases {
		if _, err := derive(t, typ, tc.base, tc.param, tc.tmpl); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func derive(t *testing.T, typ ck.MechanismType, base *Key, p any, tmpl ck.Template) ([]byte, error) {
	t.Helper()
	attrs, err := mustLookup(t, typ).(KeyDeriver).DeriveKey(base, p, tmpl)
	if err != nil {
		return nil, err
	}
	if n, _ := ck.DecodeULong(attrs[ck.CKA_VALUE_LEN]); int(n) != len(attrs[ck.CKA_VALUE]) {
		t.Fatalf("CKA_VALUE_LEN %d for %d bytes", n, len(attrs[ck.CKA_VALUE]))
	}
	return attrs[ck.CKA_VALUE], nil
}

// TestECDHVectors: Z equal to openssl's pkeyutl -derive, and the X9.63 and
// SP 800-56 KDF outputs equal to openssl kdf's (testdata/ecdh.txt).
func TestECDHVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/ecdh.txt") {
		c := curveByName(t, v["Curve"])
		base := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{
			ck.CKA_EC_PARAMS: derPrintable(t, v["Curve"]), ck.CKA_VALUE: unhex(t, v["D"])}}
		peer, z := unhex(t, v["Peer"]), unhex(t, v["Z"])
		for _, typ := range []ck.MechanismType{ck.CKM_ECDH1_DERIVE, ck.CKM_ECDH1_COFACTOR_DERIVE} {
			for _, pd := range [][]byte{peer, encodeECPoint(peer)} {
				got, err := derive(t, typ, base, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: pd}, nil)
				if err != nil || !bytes.Equal(got, z) {
					t.Errorf("%s: Z differs (%v)", c.Name, err)
				}
			}
			got, err := derive(t, typ, base, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: peer}, ck.Template{valueLen(16), keyTypeAttr(ck.CKK_AES)})
			if err != nil || !bytes.Equal(got, z[len(z)-16:]) {
				t.Errorf("%s: truncated Z is not Z's last 16 bytes (%v)", c.Name, err)
			}
			kdfs := kdfByHash[v["Hash"]]
			info := unhex(t, v["Info"])
			for i, want := range [][]byte{unhex(t, v["X963"]), unhex(t, v["SP800"])} {
				got, err := derive(t, typ, base, &ck.ECDH1DeriveParams{KDF: kdfs[i], SharedData: info, PublicData: peer}, ck.Template{valueLen(40)})
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s %s KDF %d: %x, want %x (%v)", c.Name, v["Hash"], kdfs[i], got, want, err)
				}
			}
		}
	}
}

func TestECDHAgreement(t *testing.T) {
	for _, c := range curves {
		pubA, privA := genECKeys(t, c)
		pubB, privB := genECKeys(t, c)
		p := func(pub *Key) *ck.ECDH1DeriveParams {
			return &ck.ECDH1DeriveParams{KDF: ck.CKD_SHA256_KDF, SharedData: []byte("x"), PublicData: pub.Attrs[ck.CKA_EC_POINT]}
		}
		ab, err1 := derive(t, ck.CKM_ECDH1_DERIVE, privA, p(pubB), ck.Template{valueLen(32), keyTypeAttr(ck.CKK_AES)})
		ba, err2 := derive(t, ck.CKM_ECDH1_DERIVE, privB, p(pubA), ck.Template{valueLen(32), keyTypeAttr(ck.CKK_AES)})
		if err1 != nil || err2 != nil || !bytes.Equal(ab, ba) {
			t.Errorf("%s: the two sides disagree (%v, %v)", c.Name, err1, err2)
		}
	}
}

func TestECDHErrors(t *testing.T) {
	pub, priv := genECKeys(t, curves[1])
	other, _ := genECKeys(t, curves[2])
	_, p384 := genECKeys(t, curves[2])
	point := pub.Attrs[ck.CKA_EC_POINT]
	null := &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: point}
	checkDerive(t, ck.CKM_ECDH1_DERIVE, []deriveCase{
		{"no parameter", priv, nil, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"raw bytes", priv, point, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"CKD_NULL with shared data", priv, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, SharedData: []byte{1}, PublicData: point}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"unknown KDF", priv, &ck.ECDH1DeriveParams{KDF: 0x99, PublicData: point}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"peer on another curve", priv, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: other.Attrs[ck.CKA_EC_POINT]}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"garbage peer", priv, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: []byte{4, 1, 2}}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"public base key", pub, null, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"AES of 20 bytes", priv, null, ck.Template{valueLen(20), keyTypeAttr(ck.CKK_AES)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"AES from P-384 Z without length", p384, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: other.Attrs[ck.CKA_EC_POINT]}, ck.Template{keyTypeAttr(ck.CKK_AES)}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"longer than Z", priv, null, ck.Template{valueLen(33)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"RSA key type", priv, null, ck.Template{keyTypeAttr(ck.CKK_RSA)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"bad CKA_VALUE_LEN", priv, null, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: []byte{1}}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"KDF longer than Z is fine", priv, &ck.ECDH1DeriveParams{KDF: ck.CKD_SHA256_KDF, PublicData: point}, ck.Template{valueLen(100)}, nil},
	})
}

func init() {
	var pub, priv *Key
	keys := func(t *testing.T) {
		if pub == nil {
			pub, priv = genECKeys(t, curves[1])
		}
	}
	addFixture(fixture{
		deriveKey: func(t *testing.T) *Key { keys(t); return priv },
		deriveParam: func(t *testing.T) any {
			keys(t)
			return &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: pub.Attrs[ck.CKA_EC_POINT]}
		},
	}, ck.CKM_ECDH1_DERIVE, ck.CKM_ECDH1_COFACTOR_DERIVE)
}
