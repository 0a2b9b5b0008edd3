package provider

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestInexactOverlap(t *testing.T) {
	buf := make([]byte, 64)
	for _, c := range []struct {
		name string
		a, b []byte
		want bool
	}{
		{"disjoint", buf[:16], buf[32:48], false},
		{"adjacent", buf[:16], buf[16:32], false},
		{"same start", buf[:32], buf[:16], false},
		{"shifted by one", buf[:32], buf[1:17], true},
		{"b inside a", buf[:32], buf[8:16], true},
		{"a inside b", buf[8:16], buf[:32], true},
		{"empty", buf[:0], buf[:16], false},
		{"separate arrays", make([]byte, 8), make([]byte, 8), false},
	} {
		if got := inexactOverlap(c.a, c.b); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// TestGCMIntoCallerBuffer: single-part GCM writes straight into the
// caller's buffer (hotpath_into.go); every layout of the buffers gives Go's
// own result, and the operation ends as before.
func TestGCMIntoCallerBuffer(t *testing.T) {
	m, _, h := userSession(t)
	keyVal := bytes.Repeat([]byte{7}, 32)
	k := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_TOKEN, true,
		ck.CKA_ENCRYPT, true, ck.CKA_DECRYPT, true, ck.CKA_VALUE, keyVal))
	blk, _ := aes.NewCipher(keyVal)
	ref, _ := cipher.NewGCM(blk)
	iv := []byte("twelve bytes")
	mech := ck.Mechanism{Type: ck.CKM_AES_GCM, Parameter: &ck.GCMParams{IV: iv, IVBits: 96, AAD: []byte("aad"), TagBits: 128}}
	plain := []byte("the plaintext, forty-one bytes in length.")
	sealed := ref.Seal(nil, iv, plain, []byte("aad"))

	// layout returns the input (holding src) and the output buffer.
	type layout func(src []byte, outLen int) (in, out []byte)
	apart := func(extra int) layout {
		return func(src []byte, outLen int) ([]byte, []byte) {
			return append([]byte(nil), src...), make([]byte, outLen+extra)
		}
	}
	inPlace := func(src []byte, outLen int) ([]byte, []byte) {
		buf := make([]byte, max(len(src), outLen))
		copy(buf, src)
		return buf[:len(src)], buf[:outLen]
	}
	shifted := func(src []byte, outLen int) ([]byte, []byte) {
		buf := make([]byte, max(len(src), outLen)+1)
		copy(buf[1:], src)
		return buf[1 : 1+len(src)], buf[:outLen]
	}
	for _, c := range []struct {
		name string
		lay  layout
	}{{"exact buffer", apart(0)}, {"larger buffer", apart(5)}, {"in place", inPlace}, {"shifted overlap", shifted}} {
		must(t, m.EncryptInit(h, mech, k))
		in, out := c.lay(plain, len(sealed))
		n, err := m.Encrypt(h, in, out)
		if err != nil || !bytes.Equal(out[:n], sealed) {
			t.Fatalf("%s: encrypt: %v, got %x want %x", c.name, err, out[:n], sealed)
		}
		_, err = m.Encrypt(h, plain, out)
		wantRV(t, c.name+": encrypt after the result", err, ck.CKR_OPERATION_NOT_INITIALIZED)

		must(t, m.DecryptInit(h, mech, k))
		in, out = c.lay(sealed, len(plain))
		n, err = m.Decrypt(h, in, out)
		if err != nil || !bytes.Equal(out[:n], plain) {
			t.Fatalf("%s: decrypt: %v, got %q", c.name, err, out[:n])
		}

		must(t, m.DecryptInit(h, mech, k))
		bad := append([]byte(nil), sealed...)
		bad[len(bad)-1] ^= 1
		in, out = c.lay(bad, len(plain))
		_, err = m.Decrypt(h, in, out)
		wantRV(t, c.name+": tampered tag", err, ck.CKR_ENCRYPTED_DATA_INVALID)
		_, err = m.Decrypt(h, sealed, make([]byte, len(plain)))
		wantRV(t, c.name+": decrypt after a failure", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	}

	// A short buffer still keeps the result for the retry (produce's path).
	must(t, m.EncryptInit(h, mech, k))
	n, err := m.Encrypt(h, plain, make([]byte, 3))
	wantRV(t, "short buffer", err, ck.CKR_BUFFER_TOO_SMALL)
	out := make([]byte, n)
	if n, err = m.Encrypt(h, plain, out); err != nil || !bytes.Equal(out[:n], sealed) {
		t.Fatalf("retry: %v, %x", err, out[:n])
	}
}
