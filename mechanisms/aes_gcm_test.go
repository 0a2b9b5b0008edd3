package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestAESGCMVectors: ciphertext||tag equal to OpenSSL's (testdata/aes_gcm.txt,
// made through python cryptography; testdata/aes_gcm_short_tags.txt, made
// with libcrypto by testdata/gen/aes_gcm_short_tags.c), for IVs of 1..60
// bytes and every SP 800-38D tag length (32..128 bits), single-part and
// multipart; any flipped bit fails decryption.
func TestAESGCMVectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_GCM)
	vs := append(readVectors(t, "testdata/aes_gcm.txt"), readVectors(t, "testdata/aes_gcm_short_tags.txt")...)
	tags := map[int]bool{}
	for _, v := range vs {
		tags[len(v["Tag"])/2] = true
	}
	for _, n := range []int{4, 8, 12, 13, 14, 15, 16} {
		if !tags[n] {
			t.Errorf("no vector with a %d-byte tag", n)
		}
	}
	for _, v := range vs {
		key := aesKey(unhex(t, v["Key"]))
		tag := unhex(t, v["Tag"])
		p := &ck.GCMParams{IV: unhex(t, v["IV"]), AAD: unhex(t, v["AAD"]), IVBits: ck.ULong(8 * len(unhex(t, v["IV"]))), TagBits: ck.ULong(8 * len(tag))}
		pt := unhex(t, v["PT"])
		want := append(unhex(t, v["CT"]), tag...)
		for _, chunk := range []int{0, 1, 16, 33} {
			e, err := m.(Encrypter).EncryptInit(key, p)
			if err != nil {
				t.Fatalf("IV %d bytes, tag %d bits: %v", len(p.IV), p.TagBits, err)
			}
			ct, err := runCipher(t, e, pt, chunk)
			if err != nil || !bytes.Equal(ct, want) {
				t.Errorf("IV %d tag %d chunk %d: %v, equal %v", len(p.IV), p.TagBits, chunk, err, bytes.Equal(ct, want))
			}
			d, _ := m.(Decrypter).DecryptInit(key, p)
			got, err := runCipher(t, d, want, chunk)
			if err != nil || !bytes.Equal(got, pt) {
				t.Errorf("decrypt IV %d tag %d chunk %d: %v", len(p.IV), p.TagBits, chunk, err)
			}
		}
		bad := bytes.Clone(want)
		bad[len(bad)-1] ^= 1
		d, _ := m.(Decrypter).DecryptInit(key, p)
		if _, err := d.Do(bad); err != ck.CKR_ENCRYPTED_DATA_INVALID {
			t.Errorf("tampered tag: %v", err)
		}
		other := *p
		other.AAD = append(bytes.Clone(p.AAD), 1)
		d, _ = m.(Decrypter).DecryptInit(key, &other)
		if _, err := d.Do(want); err != ck.CKR_ENCRYPTED_DATA_INVALID {
			t.Errorf("other AAD: %v", err)
		}
	}
}

func TestAESGCMErrors(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_GCM)
	key := aesKey(make([]byte, 32))
	iv := make([]byte, 12)
	for _, tc := range []struct {
		name  string
		param any
		key   *Key
		want  error
	}{
		{"no parameter", nil, key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"raw bytes", make([]byte, 40), key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"empty IV", &ck.GCMParams{TagBits: 128}, key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"tag 0 bits", &ck.GCMParams{IV: iv, TagBits: 0}, key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"tag 8 bits", &ck.GCMParams{IV: iv, TagBits: 8}, key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"tag 40 bits", &ck.GCMParams{IV: iv, TagBits: 40}, key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"tag 88 bits", &ck.GCMParams{IV: iv, TagBits: 88}, key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"tag 100 bits", &ck.GCMParams{IV: iv, TagBits: 100}, key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"tag 136 bits", &ck.GCMParams{IV: iv, TagBits: 136}, key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"16-byte IV, 88-bit tag", &ck.GCMParams{IV: make([]byte, 16), TagBits: 88}, key, ck.CKR_MECHANISM_PARAM_INVALID},
		{"tag 32 bits", &ck.GCMParams{IV: iv, TagBits: 32}, key, nil},
		{"tag 64 bits", &ck.GCMParams{IV: iv, TagBits: 64}, key, nil},
		{"16-byte IV, 96-bit tag", &ck.GCMParams{IV: make([]byte, 16), TagBits: 96}, key, nil},
		{"1-byte IV, 32-bit tag", &ck.GCMParams{IV: make([]byte, 1), TagBits: 32}, key, nil},
		{"value parameter", ck.GCMParams{IV: iv, TagBits: 128}, key, nil},
		{"HMAC key", &ck.GCMParams{IV: iv, TagBits: 128}, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 16)), ck.CKR_KEY_TYPE_INCONSISTENT},
	} {
		if _, err := m.(Encrypter).EncryptInit(tc.key, tc.param); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	p := &ck.GCMParams{IV: iv, TagBits: 128}
	d, _ := m.(Decrypter).DecryptInit(key, p)
	if _, err := d.Do(make([]byte, 15)); err != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
		t.Errorf("15-byte ciphertext: %v", err)
	}
	// The parameter is copied at Init: changing the caller's IV later has no effect.
	e, _ := m.(Encrypter).EncryptInit(key, p)
	e2, _ := m.(Encrypter).EncryptInit(key, &ck.GCMParams{IV: bytes.Clone(iv), TagBits: 128})
	p.IV[0] = 9
	a, _ := e.Do([]byte("x"))
	b, _ := e2.Do([]byte("x"))
	if !bytes.Equal(a, b) {
		t.Error("IV not copied at Init")
	}
	if _, err := e.(MultipartCipher).Final(); err == nil {
		t.Error("a second Final under the same IV must fail")
	}
}

func init() {
	k := func(*testing.T) *Key { return aesKey([]byte("0123456789abcdef")) }
	addFixture(fixture{encKey: k, decKey: k, param: func() any { return &ck.GCMParams{IV: make([]byte, 12), TagBits: 128} }}, ck.CKM_AES_GCM)
}
