package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestAESCTSVectors: ciphertexts equal to openssl enc aes-*-cbc-cts (CS1,
// testdata/aes_cts.txt) for lengths around the block boundaries, single-part
// and in pieces of several sizes, and back.
func TestAESCTSVectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_CTS)
	for _, v := range readVectors(t, "testdata/aes_cts.txt") {
		key, iv, pt, want := aesKey(unhex(t, v["Key"])), unhex(t, v["IV"]), unhex(t, v["PT"]), unhex(t, v["CT"])
		for _, chunk := range []int{0, 1, 5, 16, 17, 40} {
			e, err := m.(Encrypter).EncryptInit(key, iv)
			if err != nil {
				t.Fatal(err)
			}
			if ct, err := runCipher(t, e, pt, chunk); err != nil || !bytes.Equal(ct, want) {
				t.Errorf("%d bytes chunk %d: %x %v", len(pt), chunk, ct, err)
			}
			d, _ := m.(Decrypter).DecryptInit(key, iv)
			if got, err := runCipher(t, d, want, chunk); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("decrypt %d bytes chunk %d: %v", len(pt), chunk, err)
			}
		}
	}
}

func TestAESCTSErrors(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_CTS)
	key := aesKey(make([]byte, 16))
	e, _ := m.(Encrypter).EncryptInit(key, make([]byte, 16))
	if _, err := e.Do(make([]byte, 15)); err != ck.CKR_DATA_LEN_RANGE {
		t.Errorf("15 bytes: %v", err)
	}
	d, _ := m.(Decrypter).DecryptInit(key, make([]byte, 16))
	if _, err := d.Do(make([]byte, 3)); err != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
		t.Errorf("decrypt 3 bytes: %v", err)
	}
	for _, p := range []any{nil, make([]byte, 8), ctrParam(128, make([]byte, 16))} {
		if _, err := m.(Encrypter).EncryptInit(key, p); err != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("parameter %T of %v: %v", p, p, err)
		}
	}
}

func init() {
	k := func(*testing.T) *Key { return aesKey([]byte("0123456789abcdef")) }
	addFixture(fixture{encKey: k, decKey: k, param: func() any { return make([]byte, 16) }}, ck.CKM_AES_CTS)
}
