package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestChaCha20Poly1305Vectors: the RFC 8439 2.8.2 example and random
// cases, ciphertext||tag equal to OpenSSL's (testdata/chacha20poly1305.txt).
func TestChaCha20Poly1305Vectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_CHACHA20_POLY1305)
	for _, v := range readVectors(t, "testdata/chacha20poly1305.txt") {
		key := secretKey(ck.CKK_CHACHA20, unhex(t, v["Key"]))
		p := &ck.ChaCha20Poly1305Params{Nonce: unhex(t, v["Nonce"]), AAD: unhex(t, v["AAD"])}
		pt, want := unhex(t, v["PT"]), unhex(t, v["CT"])
		for _, chunk := range []int{0, 10} {
			e, err := m.(Encrypter).EncryptInit(key, p)
			if err != nil {
				t.Fatal(err)
			}
			if ct, err := runCipher(t, e, pt, chunk); err != nil || !bytes.Equal(ct, want) {
				t.Errorf("%d bytes chunk %d: %v", len(pt), chunk, err)
			}
			d, _ := m.(Decrypter).DecryptInit(key, p)
			if got, err := runCipher(t, d, want, chunk); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("decrypt %d bytes chunk %d: %v", len(pt), chunk, err)
			}
		}
		bad := bytes.Clone(want)
		bad[len(bad)-1] ^= 1
		d, _ := m.(Decrypter).DecryptInit(key, p)
		if _, err := d.Do(bad); err != ck.CKR_ENCRYPTED_DATA_INVALID {
			t.Errorf("tampered: %v", err)
		}
	}
}

func TestChaCha20KeyGenAndErrors(t *testing.T) {
	g := mustLookup(t, ck.CKM_CHACHA20_KEY_GEN).(KeyGenerator)
	attrs, err := g.GenerateKey(nil)
	if err != nil || len(attrs[ck.CKA_VALUE]) != 32 {
		t.Fatalf("default length: %v", err)
	}
	if _, err := g.GenerateKey(ck.Template{valueLen(16)}); err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
		t.Errorf("16 bytes: %v", err)
	}
	m := mustLookup(t, ck.CKM_CHACHA20_POLY1305)
	key := secretKey(ck.CKK_CHACHA20, attrs[ck.CKA_VALUE])
	for _, tc := range []struct {
		name  string
		key   *Key
		param any
		want  error
	}{
		{"no parameter", key, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"8-byte nonce", key, &ck.ChaCha20Poly1305Params{Nonce: make([]byte, 8)}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"AES key", aesKey(make([]byte, 32)), &ck.ChaCha20Poly1305Params{Nonce: make([]byte, 12)}, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"short key", secretKey(ck.CKK_CHACHA20, make([]byte, 16)), &ck.ChaCha20Poly1305Params{Nonce: make([]byte, 12)}, ck.CKR_KEY_SIZE_RANGE},
	} {
		if _, err := m.(Encrypter).EncryptInit(tc.key, tc.param); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func init() {
	k := func(*testing.T) *Key { return secretKey(ck.CKK_CHACHA20, []byte("0123456789abcdef0123456789abcdef")) }
	addFixture(fixture{encKey: k, decKey: k, param: func() any { return &ck.ChaCha20Poly1305Params{Nonce: make([]byte, 12)} }}, ck.CKM_CHACHA20_POLY1305)
	addFixture(fixture{}, ck.CKM_CHACHA20_KEY_GEN)
}
