package mechanisms

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestAESCCMVectors: ciphertext||MAC equal to OpenSSL's (testdata/aes_ccm.txt,
// through python cryptography) for every nonce and MAC length, long AAD
// included, single-part and multipart; tampering fails.
func TestAESCCMVectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_CCM)
	for _, v := range readVectors(t, "testdata/aes_ccm.txt") {
		tag, _ := strconv.Atoi(v["TagLen"])
		key, pt, want := aesKey(unhex(t, v["Key"])), unhex(t, v["PT"]), unhex(t, v["CT"])
		p := &ck.CCMParams{DataLen: ck.ULong(len(pt)), Nonce: unhex(t, v["Nonce"]), AAD: unhex(t, v["AAD"]), MACLen: ck.ULong(tag)}
		for _, chunk := range []int{0, 7} {
			e, err := m.(Encrypter).EncryptInit(key, p)
			if err != nil {
				t.Fatalf("nonce %d tag %d: %v", len(p.Nonce), tag, err)
			}
			if ct, err := runCipher(t, e, pt, chunk); err != nil || !bytes.Equal(ct, want) {
				t.Errorf("nonce %d tag %d aad %d chunk %d: %v", len(p.Nonce), tag, len(p.AAD), chunk, err)
			}
			d, _ := m.(Decrypter).DecryptInit(key, p)
			if got, err := runCipher(t, d, want, chunk); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("decrypt nonce %d tag %d chunk %d: %v", len(p.Nonce), tag, chunk, err)
			}
		}
		for _, i := range []int{0, len(want) - 1} {
			bad := bytes.Clone(want)
			bad[i] ^= 1
			d, _ := m.(Decrypter).DecryptInit(key, p)
			if _, err := d.Do(bad); err != ck.CKR_ENCRYPTED_DATA_INVALID {
				t.Errorf("byte %d flipped: %v", i, err)
			}
		}
	}
}

func TestAESCCMErrors(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_CCM)
	key := aesKey(make([]byte, 16))
	ok := ck.CCMParams{DataLen: 5, Nonce: make([]byte, 12), MACLen: 16}
	with := func(f func(*ck.CCMParams)) *ck.CCMParams { p := ok; f(&p); return &p }
	for _, tc := range []struct {
		name  string
		param any
		want  error
	}{
		{"no parameter", nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"nonce 6", with(func(p *ck.CCMParams) { p.Nonce = make([]byte, 6) }), ck.CKR_MECHANISM_PARAM_INVALID},
		{"nonce 14", with(func(p *ck.CCMParams) { p.Nonce = make([]byte, 14) }), ck.CKR_MECHANISM_PARAM_INVALID},
		{"MAC 5", with(func(p *ck.CCMParams) { p.MACLen = 5 }), ck.CKR_MECHANISM_PARAM_INVALID},
		{"MAC 18", with(func(p *ck.CCMParams) { p.MACLen = 18 }), ck.CKR_MECHANISM_PARAM_INVALID},
		{"length beyond a 2-byte field", with(func(p *ck.CCMParams) { p.Nonce = make([]byte, 13); p.DataLen = 1 << 16 }), ck.CKR_MECHANISM_PARAM_INVALID},
		{"value parameter", ok, nil},
	} {
		if _, err := m.(Encrypter).EncryptInit(key, tc.param); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	e, _ := m.(Encrypter).EncryptInit(key, &ok)
	if _, err := e.Do(make([]byte, 6)); err != ck.CKR_DATA_LEN_RANGE {
		t.Errorf("6 bytes announced as 5: %v", err)
	}
	d, _ := m.(Decrypter).DecryptInit(key, &ok)
	if _, err := d.Do(make([]byte, 20)); err != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
		t.Errorf("20-byte ciphertext for 5+16: %v", err)
	}
}

func init() {
	k := func(*testing.T) *Key { return aesKey([]byte("0123456789abcdef")) }
	addFixture(fixture{encKey: k, decKey: k, param: func() any {
		return &ck.CCMParams{DataLen: 16, Nonce: make([]byte, 12), MACLen: 16}
	}}, ck.CKM_AES_CCM)
}
