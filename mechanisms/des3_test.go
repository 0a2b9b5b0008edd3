package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var des3ModeByName = map[string]ck.MechanismType{"ecb": ck.CKM_DES3_ECB, "cbc": ck.CKM_DES3_CBC, "cbc-pad": ck.CKM_DES3_CBC_PAD}

// TestDES3Vectors: ciphertexts equal to openssl enc's (testdata/des3.txt)
// for DES3 and DES2 keys, single-part and in pieces, and back.
func TestDES3Vectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/des3.txt") {
		m := mustLookup(t, des3ModeByName[v["Mode"]])
		raw := unhex(t, v["Key"])
		kt := ck.CKK_DES3
		if len(raw) == 16 {
			kt = ck.CKK_DES2
		}
		key, pt, want := secretKey(kt, raw), unhex(t, v["PT"]), unhex(t, v["CT"])
		var param any
		if v["IV"] != "" {
			param = unhex(t, v["IV"])
		}
		for _, chunk := range []int{0, 3, 8, 9} {
			e, err := m.(Encrypter).EncryptInit(key, param)
			if err != nil {
				t.Fatal(err)
			}
			ct, err := runCipher(t, e, pt, chunk)
			if err != nil || !bytes.Equal(ct, want) {
				t.Errorf("%s %d-byte key, %d bytes, chunk %d: %v", v["Mode"], len(raw), len(pt), chunk, err)
			}
			d, _ := m.(Decrypter).DecryptInit(key, param)
			if got, err := runCipher(t, d, want, chunk); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("%s decrypt chunk %d: %v", v["Mode"], chunk, err)
			}
		}
	}
}

func TestDES3KeyGenAndErrors(t *testing.T) {
	for _, g := range []struct {
		typ ck.MechanismType
		kt  ck.KeyType
		n   int
	}{{ck.CKM_DES3_KEY_GEN, ck.CKK_DES3, 24}, {ck.CKM_DES2_KEY_GEN, ck.CKK_DES2, 16}} {
		attrs, err := mustLookup(t, g.typ).(KeyGenerator).GenerateKey(nil)
		if err != nil || len(attrs[ck.CKA_VALUE]) != g.n {
			t.Fatalf("%v: %v", g.typ, err)
		}
		for _, b := range attrs[ck.CKA_VALUE] {
			if oddParity(b) != b {
				t.Fatalf("%v: byte %02x without odd parity", g.typ, b)
			}
		}
		// The generated key works with CBC-PAD.
		k := secretKey(g.kt, attrs[ck.CKA_VALUE])
		e, err := mustLookup(t, ck.CKM_DES3_CBC_PAD).(Encrypter).EncryptInit(k, make([]byte, 8))
		if err != nil {
			t.Fatal(err)
		}
		if ct, _ := e.Do([]byte("hello")); len(ct) != 8 {
			t.Fatalf("%d bytes", len(ct))
		}
		if _, err := mustLookup(t, g.typ).(KeyGenerator).GenerateKey(ck.Template{keyTypeAttr(ck.CKK_AES)}); err != ck.CKR_TEMPLATE_INCONSISTENT {
			t.Errorf("%v with CKK_AES: %v", g.typ, err)
		}
	}
	for _, tc := range []struct {
		name  string
		typ   ck.MechanismType
		key   *Key
		param any
		want  error
	}{
		{"AES key", ck.CKM_DES3_ECB, aesKey(make([]byte, 16)), nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"DES3 key of 16 bytes", ck.CKM_DES3_ECB, secretKey(ck.CKK_DES3, make([]byte, 16)), nil, ck.CKR_KEY_SIZE_RANGE},
		{"16-byte IV", ck.CKM_DES3_CBC, secretKey(ck.CKK_DES3, make([]byte, 24)), make([]byte, 16), ck.CKR_MECHANISM_PARAM_INVALID},
		{"AES key for AES-CBC with 8-byte IV", ck.CKM_AES_CBC, aesKey(make([]byte, 16)), make([]byte, 8), ck.CKR_MECHANISM_PARAM_INVALID},
	} {
		if _, err := mustLookup(t, tc.typ).(Encrypter).EncryptInit(tc.key, tc.param); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	s, err := mustLookup(t, ck.CKM_DES3_CMAC_GENERAL).(Signer).SignInit(secretKey(ck.CKK_DES3, make([]byte, 24)), macLenParam(9))
	if err != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("DES3 CMAC of 9 bytes: %v %v", s, err)
	}
}

func init() {
	k := func(*testing.T) *Key { return secretKey(ck.CKK_DES3, []byte("0123456789abcdef01234567")) }
	addFixture(fixture{encKey: k, decKey: k}, ck.CKM_DES3_ECB)
	addFixture(fixture{encKey: k, decKey: k, param: func() any { return make([]byte, 8) }}, ck.CKM_DES3_CBC, ck.CKM_DES3_CBC_PAD)
	addFixture(fixture{signKey: k, verifyKey: k}, ck.CKM_DES3_CMAC)
	addFixture(fixture{signKey: k, verifyKey: k, param: func() any { return macLenParam(4) }}, ck.CKM_DES3_CMAC_GENERAL)
	addFixture(fixture{}, ck.CKM_DES3_KEY_GEN, ck.CKM_DES2_KEY_GEN)
}
