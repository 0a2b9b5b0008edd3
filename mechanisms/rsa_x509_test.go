package mechanisms

import (
	"bytes"
	"crypto/rand"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// The fixture's data is a full k-byte block (testdata/rsa2048.pem: k = 256,
// n's top byte 0x9a), since recovery and decryption return k bytes.
func init() {
	rsaPub := func(t *testing.T) *Key { p, _ := rsaTestKeys(t); return p }
	rsaPriv := func(t *testing.T) *Key { _, p := rsaTestKeys(t); return p }
	data := bytes.Repeat([]byte{0x5a}, 256)
	addFixture(fixture{signKey: rsaPriv, verifyKey: rsaPub, encKey: rsaPub, decKey: rsaPriv, data: data}, ck.CKM_RSA_X_509)
}

// TestRSAX509RoundTrips: sign/verify, sign-recover/verify-recover and
// encrypt/decrypt agree with each other and with x^d mod n computed directly.
func TestRSAX509RoundTrips(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	m := mustLookup(t, ck.CKM_RSA_X_509)
	k := rsaTestPriv.Size()
	full := make([]byte, k)
	rand.Read(full)
	full[0] = 0 // below n
	for _, data := range [][]byte{{}, {1}, bytes.Repeat([]byte{0xab}, 100), full} {
		want := new(big.Int).Exp(new(big.Int).SetBytes(data), rsaTestPriv.D, rsaTestPriv.N).FillBytes(make([]byte, k))
		s, err := m.(Signer).SignInit(priv, nil)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(data)
		if err != nil || !bytes.Equal(sig, want) || s.SignatureLen() != k {
			t.Fatalf("%d bytes: sign %v, differs from x^d mod n: %v", len(data), err, !bytes.Equal(sig, want))
		}
		sr, _ := m.(SignRecoverer).SignRecoverInit(priv, nil)
		if sig2, err := sr.Sign(data); err != nil || !bytes.Equal(sig2, sig) {
			t.Errorf("%d bytes: sign-recover %v", len(data), err)
		}
		v, _ := m.(Verifier).VerifyInit(pub, nil)
		if err := v.Verify(data, sig); err != nil {
			t.Errorf("%d bytes: verify: %v", len(data), err)
		}
		if err := v.Verify(append([]byte{1}, data...), sig); len(data) < k && !errors.Is(err, ck.CKR_SIGNATURE_INVALID) {
			t.Errorf("%d bytes: verify of other data: %v", len(data), err)
		}
		r, _ := m.(VerifyRecoverer).VerifyRecoverInit(pub, nil)
		if got, err := r.VerifyRecover(sig); err != nil || !bytes.Equal(got, leftPad(data, k)) || r.DataLen(k) != k {
			t.Errorf("%d bytes: verify-recover %x %v", len(data), got, err)
		}
		e, _ := m.(Encrypter).EncryptInit(pub, nil)
		ct, err := e.Do(data)
		if err != nil || len(ct) != k {
			t.Fatalf("%d bytes: encrypt %v", len(data), err)
		}
		d, _ := m.(Decrypter).DecryptInit(priv, nil)
		if pt, err := d.Do(ct); err != nil || !bytes.Equal(pt, leftPad(data, k)) {
			t.Errorf("%d bytes: decrypt %x %v", len(data), pt, err)
		}
	}
}

// TestRSAX509Errors: out-of-range inputs get the PKCS #11 codes.
func TestRSAX509Errors(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	m := mustLookup(t, ck.CKM_RSA_X_509)
	k := rsaTestPriv.Size()
	nBytes := rsaTestPriv.N.FillBytes(make([]byte, k))
	tooLong := make([]byte, k+1)
	s, _ := m.(Signer).SignInit(priv, nil)
	e, _ := m.(Encrypter).EncryptInit(pub, nil)
	d, _ := m.(Decrypter).DecryptInit(priv, nil)
	v, _ := m.(Verifier).VerifyInit(pub, nil)
	r, _ := m.(VerifyRecoverer).VerifyRecoverInit(pub, nil)
	for _, c := range []struct {
		name string
		err  error
		want ck.RV
	}{
		{"sign n", second(s.Sign(nBytes)), ck.CKR_DATA_LEN_RANGE},
		{"sign k+1 bytes", second(s.Sign(tooLong)), ck.CKR_DATA_LEN_RANGE},
		{"encrypt n", second(e.Do(nBytes)), ck.CKR_DATA_LEN_RANGE},
		{"encrypt k+1 bytes", second(e.Do(tooLong)), ck.CKR_DATA_LEN_RANGE},
		{"decrypt n", second(d.Do(nBytes)), ck.CKR_ENCRYPTED_DATA_INVALID},
		{"decrypt short", second(d.Do(nBytes[1:])), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"verify-recover n", second(r.VerifyRecover(nBytes)), ck.CKR_SIGNATURE_INVALID},
		{"verify-recover short", second(r.VerifyRecover(nBytes[1:])), ck.CKR_SIGNATURE_LEN_RANGE},
		{"verify short signature", v.Verify(nil, nBytes[1:]), ck.CKR_SIGNATURE_LEN_RANGE},
		{"verify k+1 bytes of data", v.Verify(tooLong, nBytes), ck.CKR_DATA_LEN_RANGE},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	if _, err := m.(Signer).SignInit(priv, []byte{1}); !errors.Is(err, ck.CKR_MECHANISM_PARAM_INVALID) {
		t.Errorf("parameter: %v", err)
	}
	if _, err := m.(Signer).SignInit(pub, nil); err == nil {
		t.Error("signing with a public key accepted")
	}
}

func second(_ []byte, err error) error { return err }

// TestRSARawFaultCheck: a wrong CRT half is caught by the public-exponent
// check instead of returning a value that would reveal a factor of n.
func TestRSARawFaultCheck(t *testing.T) {
	rsaTestKeys(t)
	bad := *rsaTestPriv
	bad.Precomputed.Dp = new(big.Int).Add(rsaTestPriv.Precomputed.Dp, big.NewInt(1))
	if _, err := rsaRawPrivate(&bad, big.NewInt(12345)); !errors.Is(err, ck.CKR_FUNCTION_FAILED) {
		t.Fatalf("faulty CRT: %v, want CKR_FUNCTION_FAILED", err)
	}
	if y, err := rsaRawPrivate(rsaTestPriv, big.NewInt(12345)); err != nil || y.Cmp(new(big.Int).Exp(big.NewInt(12345), rsaTestPriv.D, rsaTestPriv.N)) != 0 {
		t.Fatalf("good key: %v %v", y, err)
	}
}

// TestRSAX509OpenSSL: openssl's raw (padding none) signatures, recoveries,
// encryptions and decryptions with testdata/rsa2048.pem (an openssl key,
// imported) agree with ours both ways.
func TestRSAX509OpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	pub, priv := rsaTestKeys(t)
	m := mustLookup(t, ck.CKM_RSA_X_509)
	k := rsaTestPriv.Size()
	dir := t.TempDir()
	// pkeyutl -sign refuses an input longer than a hash, so the raw
	// signature comes from rsautl -sign -raw (deprecated, still in 3.x).
	run := func(in []byte, args ...string) []byte {
		t.Helper()
		f := filepath.Join(dir, "in")
		if err := os.WriteFile(f, in, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-inkey", "testdata/rsa2048.pem", "-in", f)
		out, err := exec.Command(openssl, args...).Output()
		if err != nil {
			t.Fatalf("openssl %v: %v", args, err)
		}
		return out
	}
	pkeyutl := func(op string, in []byte) []byte {
		return run(in, "pkeyutl", op, "-pkeyopt", "rsa_padding_mode:none")
	}
	for range 3 {
		data := make([]byte, k)
		rand.Read(data)
		data[0] &= 0x7f // below n, whose top byte is 0x9a
		s, _ := m.(Signer).SignInit(priv, nil)
		ours, err := s.Sign(data)
		if err != nil {
			t.Fatal(err)
		}
		if theirs := run(data, "rsautl", "-sign", "-raw"); !bytes.Equal(ours, theirs) {
			t.Error("openssl's raw signature differs from ours")
		}
		if got := pkeyutl("-verifyrecover", ours); !bytes.Equal(got, data) {
			t.Error("openssl does not recover our signature's data")
		}
		d, _ := m.(Decrypter).DecryptInit(priv, nil)
		if pt, err := d.Do(pkeyutl("-encrypt", data)); err != nil || !bytes.Equal(pt, data) {
			t.Errorf("openssl's ciphertext decrypts to %x %v", pt, err)
		}
		e, _ := m.(Encrypter).EncryptInit(pub, nil)
		ct, _ := e.Do(data)
		if got := pkeyutl("-decrypt", ct); !bytes.Equal(got, data) {
			t.Error("openssl does not decrypt our ciphertext")
		}
	}
}
