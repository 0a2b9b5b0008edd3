package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestDataDerivations: concatenation and XOR by their definitions, and the
// encrypt-data derivations equal to openssl enc's ciphertexts (the ECB and
// CBC vectors of testdata/aes.txt and des3.txt).
func TestDataDerivations(t *testing.T) {
	base := secretKey(ck.CKK_GENERIC_SECRET, []byte{1, 2, 3, 4})
	data := &ck.KeyDerivationStringData{Data: []byte{0x10, 0x20, 0x30}}
	for _, tc := range []struct {
		typ  ck.MechanismType
		tmpl ck.Template
		want []byte
	}{
		{ck.CKM_CONCATENATE_BASE_AND_DATA, nil, []byte{1, 2, 3, 4, 0x10, 0x20, 0x30}},
		{ck.CKM_CONCATENATE_DATA_AND_BASE, nil, []byte{0x10, 0x20, 0x30, 1, 2, 3, 4}},
		{ck.CKM_CONCATENATE_BASE_AND_DATA, ck.Template{valueLen(5)}, []byte{1, 2, 3, 4, 0x10}},
		{ck.CKM_XOR_BASE_AND_DATA, nil, []byte{0x11, 0x22, 0x33}},
	} {
		got, err := derive(t, tc.typ, base, data, tc.tmpl)
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%v: %x %v, want %x", tc.typ, got, err, tc.want)
		}
	}
	n := 0
	for _, file := range []string{"testdata/aes.txt", "testdata/des3.txt"} {
		for _, v := range readVectors(t, file) {
			pt, ct := unhex(t, v["PT"]), unhex(t, v["CT"])
			if (v["Mode"] != "ecb" && v["Mode"] != "cbc") || len(pt) == 0 || len(pt) > maxGenericSecretLen {
				continue
			}
			key := aesKey(unhex(t, v["Key"]))
			ecb, cbc := ck.CKM_AES_ECB_ENCRYPT_DATA, ck.CKM_AES_CBC_ENCRYPT_DATA
			if file == "testdata/des3.txt" {
				if len(unhex(t, v["Key"])) != 24 {
					continue
				}
				key = secretKey(ck.CKK_DES3, unhex(t, v["Key"]))
				ecb, cbc = ck.CKM_DES3_ECB_ENCRYPT_DATA, ck.CKM_DES3_CBC_ENCRYPT_DATA
			}
			typ, param := ecb, any(&ck.KeyDerivationStringData{Data: pt})
			if v["Mode"] == "cbc" {
				typ, param = cbc, &ck.CBCEncryptDataParams{IV: unhex(t, v["IV"]), Data: pt}
			}
			got, err := derive(t, typ, key, param, nil)
			if err != nil || !bytes.Equal(got, ct) {
				t.Errorf("%v over %d bytes: %v", typ, len(pt), err)
			}
			n++
		}
	}
	if n < 10 {
		t.Fatalf("only %d encrypt-data vectors", n)
	}
}

func TestDataDerivationErrors(t *testing.T) {
	aes := aesKey(make([]byte, 16))
	base := secretKey(ck.CKK_GENERIC_SECRET, []byte{1, 2, 3, 4})
	_, ecPriv := genECKeys(t, curves[1])
	for _, tc := range []struct {
		name  string
		typ   ck.MechanismType
		base  *Key
		param any
		tmpl  ck.Template
		want  error
	}{
		{"no parameter", ck.CKM_XOR_BASE_AND_DATA, base, nil, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"raw bytes", ck.CKM_XOR_BASE_AND_DATA, base, []byte{1}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"CBC parameter for ECB", ck.CKM_AES_ECB_ENCRYPT_DATA, aes, &ck.CBCEncryptDataParams{IV: make([]byte, 16), Data: make([]byte, 16)}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"string data for CBC", ck.CKM_AES_CBC_ENCRYPT_DATA, aes, &ck.KeyDerivationStringData{Data: make([]byte, 16)}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"15 bytes of data", ck.CKM_AES_ECB_ENCRYPT_DATA, aes, &ck.KeyDerivationStringData{Data: make([]byte, 15)}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"8-byte IV", ck.CKM_AES_CBC_ENCRYPT_DATA, aes, &ck.CBCEncryptDataParams{IV: make([]byte, 8), Data: make([]byte, 16)}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"HMAC base for AES ECB", ck.CKM_AES_ECB_ENCRYPT_DATA, base, &ck.KeyDerivationStringData{Data: make([]byte, 16)}, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"EC base", ck.CKM_CONCATENATE_BASE_AND_DATA, ecPriv, &ck.KeyDerivationStringData{Data: []byte{1}}, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"longer than the result", ck.CKM_XOR_BASE_AND_DATA, base, &ck.KeyDerivationStringData{Data: []byte{1, 2}}, ck.Template{valueLen(3)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"empty XOR", ck.CKM_XOR_BASE_AND_DATA, base, &ck.KeyDerivationStringData{}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"AES-128 from ECB data", ck.CKM_AES_ECB_ENCRYPT_DATA, aes, &ck.KeyDerivationStringData{Data: make([]byte, 32)}, ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(16)}, nil},
	} {
		if _, err := derive(t, tc.typ, tc.base, tc.param, tc.tmpl); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func init() {
	g := func(*testing.T) *Key { return secretKey(ck.CKK_GENERIC_SECRET, []byte("base")) }
	a := func(*testing.T) *Key { return aesKey([]byte("0123456789abcdef")) }
	d := func(*testing.T) *Key { return secretKey(ck.CKK_DES3, []byte("0123456789abcdef01234567")) }
	str := func(n int) func(*testing.T) any {
		return func(*testing.T) any { return &ck.KeyDerivationStringData{Data: make([]byte, n)} }
	}
	cbc := func(iv int) func(*testing.T) any {
		return func(*testing.T) any { return &ck.CBCEncryptDataParams{IV: make([]byte, iv), Data: make([]byte, 32)} }
	}
	addFixture(fixture{deriveKey: g, deriveParam: str(4)}, ck.CKM_CONCATENATE_BASE_AND_DATA, ck.CKM_CONCATENATE_DATA_AND_BASE, ck.CKM_XOR_BASE_AND_DATA)
	addFixture(fixture{deriveKey: a, deriveParam: str(32)}, ck.CKM_AES_ECB_ENCRYPT_DATA)
	addFixture(fixture{deriveKey: a, deriveParam: cbc(16)}, ck.CKM_AES_CBC_ENCRYPT_DATA)
	addFixture(fixture{deriveKey: d, deriveParam: str(24)}, ck.CKM_DES3_ECB_ENCRYPT_DATA)
	addFixture(fixture{deriveKey: d, deriveParam: cbc(8)}, ck.CKM_DES3_CBC_ENCRYPT_DATA)
}
