package provider

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestCipherOperationRules(t *testing.T) {
	m, h := publicSession(t)
	in := []byte("plaintext")
	want := xor5a(in)

	for _, k := range []opKind{opEncrypt, opDecrypt} {
		once, update, final := m.Encrypt, m.EncryptUpdate, m.EncryptFinal
		if k == opDecrypt {
			once, update, final = m.Decrypt, m.DecryptUpdate, m.DecryptFinal
		}
		_, err := once(h, in, make([]byte, 64))
		wantRV(t, "single without init", err, ck.CKR_OPERATION_NOT_INITIALIZED)
		_, err = update(h, in, make([]byte, 64))
		wantRV(t, "update without init", err, ck.CKR_OPERATION_NOT_INITIALIZED)
		_, err = final(h, make([]byte, 64))
		wantRV(t, "final without init", err, ck.CKR_OPERATION_NOT_INITIALIZED)

		// The bound is 16 over; a buffer of the exact size works, computed once.
		f := &fakeCipher{}
		installOp(t, m, h, k, &operation{cipher: f})
		n, err := once(h, in, nil)
		if err != nil || n != len(in)+16 || f.calls != 0 {
			t.Fatalf("length query: %d %v calls=%d", n, err, f.calls)
		}
		_, err = once(h, in, make([]byte, 3))
		wantRV(t, "short", err, ck.CKR_BUFFER_TOO_SMALL)
		out := make([]byte, len(in))
		n, err = once(h, in, out)
		if err != nil || n != len(in) || !bytes.Equal(out, want) || f.calls != 1 {
			t.Fatalf("exact buffer: %x %v calls=%d", out[:n], err, f.calls)
		}
		if isActive(t, m, h, k) {
			t.Fatal("success left the operation")
		}

		// A mechanism error ends the operation.
		installOp(t, m, h, k, &operation{cipher: &fakeCipher{}})
		_, err = once(h, nil, out)
		wantRV(t, "mechanism error", err, ck.CKR_DATA_LEN_RANGE)
		if isActive(t, m, h, k) {
			t.Fatal("error left the operation")
		}

		// Single-part only mechanism: no parts.
		installOp(t, m, h, k, &operation{cipher: &fakeCipher{}})
		_, err = update(h, in, out)
		wantRV(t, "update on single-part mechanism", err, ck.CKR_FUNCTION_NOT_SUPPORTED)

		// Multi-part with short buffers on update and final.
		mc := &fakeMultiCipher{}
		installOp(t, m, h, k, &operation{cipher: mc})
		var got []byte
		for _, part := range [][]byte{in[:4], in[4:]} {
			n, err := update(h, part, make([]byte, 1))
			wantRV(t, "update short", err, ck.CKR_BUFFER_TOO_SMALL)
			if n != len(part) {
				t.Fatalf("update short: needed %d", n)
			}
			buf := make([]byte, len(part))
			n, err = update(h, part, buf)
			must(t, err)
			got = append(got, buf[:n]...)
		}
		_, err = once(h, in, make([]byte, 64))
		wantRV(t, "single after update", err, ck.CKR_OPERATION_ACTIVE)
		installOp(t, m, h, k, &operation{cipher: mc, updated: true})
		n, err = final(h, make([]byte, 1))
		wantRV(t, "final short", err, ck.CKR_BUFFER_TOO_SMALL)
		if n != 2 {
			t.Fatalf("final short: needed %d", n)
		}
		buf := make([]byte, 2)
		n, err = final(h, buf)
		must(t, err)
		got = append(got, buf[:n]...)
		if !bytes.Equal(got, append(append([]byte{}, want...), 0xee, 0xff)) {
			t.Fatalf("multi-part output %x", got)
		}
		if mc.calls != 3 {
			t.Fatalf("%d computations for 3 calls", mc.calls)
		}
		if isActive(t, m, h, k) {
			t.Fatal("final left the operation")
		}
	}
}

func TestDualFunctions(t *testing.T) {
	m, h := publicSession(t)
	in := []byte("some plaintext")

	// Digest+encrypt: the digest sees the plaintext once, only when the
	// ciphertext is delivered.
	installOp(t, m, h, opEncrypt, &operation{cipher: &fakeMultiCipher{}})
	_, err := m.DigestEncryptUpdate(h, in, make([]byte, 64))
	wantRV(t, "digest not active", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.DigestInit(h, sha256Mech))
	if n, err := m.DigestEncryptUpdate(h, in, nil); err != nil || n != len(in)+16 {
		t.Fatalf("length query: %d %v", n, err)
	}
	_, err = m.DigestEncryptUpdate(h, in, make([]byte, 2))
	wantRV(t, "short", err, ck.CKR_BUFFER_TOO_SMALL)
	out := make([]byte, len(in))
	if n, err := m.DigestEncryptUpdate(h, in, out); err != nil || !bytes.Equal(out[:n], xor5a(in)) {
		t.Fatalf("DigestEncryptUpdate: %x %v", out[:n], err)
	}
	d := make([]byte, 32)
	_, err = m.DigestFinal(h, d)
	must(t, err)
	if want := sha256.Sum256(in); !bytes.Equal(d, want[:]) {
		t.Fatal("digest of DigestEncryptUpdate is not the plaintext's, once")
	}
	_, err = m.EncryptFinal(h, make([]byte, 16))
	must(t, err)

	// Decrypt+digest: the digest sees the recovered plaintext.
	installOp(t, m, h, opDecrypt, &operation{cipher: &fakeMultiCipher{}})
	must(t, m.DigestInit(h, sha256Mech))
	ct := xor5a(in)
	_, err = m.DecryptDigestUpdate(h, ct, make([]byte, 1))
	wantRV(t, "short", err, ck.CKR_BUFFER_TOO_SMALL)
	if n, err := m.DecryptDigestUpdate(h, ct, out); err != nil || !bytes.Equal(out[:n], in) {
		t.Fatalf("DecryptDigestUpdate: %x %v", out[:n], err)
	}
	_, err = m.DigestFinal(h, d)
	must(t, err)
	if want := sha256.Sum256(in); !bytes.Equal(d, want[:]) {
		t.Fatal("digest of DecryptDigestUpdate is not the plaintext's")
	}
	m.SessionCancel(h, ck.CKF_DECRYPT)

	// Sign+encrypt: the signer takes the plaintext.
	fs := &fakeMultiSigner{}
	installOp(t, m, h, opEncrypt, &operation{cipher: &fakeMultiCipher{}})
	installOp(t, m, h, opSign, &operation{sign: fs})
	if _, err := m.SignEncryptUpdate(h, in, out); err != nil || string(fs.buf) != string(in) {
		t.Fatalf("SignEncryptUpdate: %v signer saw %q", err, fs.buf)
	}
	m.SessionCancel(h, ck.CKF_ENCRYPT|ck.CKF_SIGN)

	// Sign+encrypt with a single-part signer: refused before encrypting; both end.
	fc := &fakeMultiCipher{}
	installOp(t, m, h, opEncrypt, &operation{cipher: fc})
	installOp(t, m, h, opSign, &operation{sign: &fakeSigner{}})
	_, err = m.SignEncryptUpdate(h, in, out)
	wantRV(t, "single-part signer", err, ck.CKR_FUNCTION_NOT_SUPPORTED)
	if fc.calls != 0 || isActive(t, m, h, opEncrypt) || isActive(t, m, h, opSign) {
		t.Fatalf("calls=%d, operations left after an error", fc.calls)
	}

	// Decrypt+verify: the verifier takes the plaintext.
	installOp(t, m, h, opDecrypt, &operation{cipher: &fakeMultiCipher{}})
	installOp(t, m, h, opVerify, &operation{verify: &fakeVerifier{}})
	if _, err := m.DecryptVerifyUpdate(h, ct, out); err != nil {
		t.Fatal(err)
	}
	must(t, m.VerifyFinal(h, reversed(in)))
}

// TestDualInPlace: input and output in the same memory, as C callers may do.
func TestDualInPlace(t *testing.T) {
	m, h := publicSession(t)
	plain := []byte("in-place plaintext")
	buf := append([]byte{}, plain...)
	installOp(t, m, h, opEncrypt, &operation{cipher: &fakeMultiCipher{}})
	must(t, m.DigestInit(h, sha256Mech))
	n, err := m.DigestEncryptUpdate(h, buf, buf)
	if err != nil || !bytes.Equal(buf[:n], xor5a(plain)) {
		t.Fatalf("DigestEncryptUpdate in place: %x %v", buf[:n], err)
	}
	d := make([]byte, 32)
	_, err = m.DigestFinal(h, d)
	must(t, err)
	if want := sha256.Sum256(plain); !bytes.Equal(d, want[:]) {
		t.Fatal("the digest saw the ciphertext")
	}
}
