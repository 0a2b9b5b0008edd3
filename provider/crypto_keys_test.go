package provider

// Cryptographic functions with real keys made through C_GenerateKey(Pair):
// ECDSA round trips (checked with crypto/ecdsa from the public point),
// AES, C_DigestKey, C_WrapKey rules, CKA_ALWAYS_AUTHENTICATE, and many
// goroutines each on its own session under -race.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"math/big"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// crP256Params is CKA_EC_PARAMS for P-256: the DER OID 1.2.840.10045.3.1.7.
var crP256Params = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}

// crTmpl builds a template from type/value pairs; bools and ints are encoded.
func crTmpl(pairs ...any) ck.Template {
	var tm ck.Template
	for i := 0; i < len(pairs); i += 2 {
		var v []byte
		switch x := pairs[i+1].(type) {
		case bool:
			v = ck.EncodeBool(x)
		case int:
			v = ck.EncodeULong(ck.ULong(x))
		case []byte:
			v = x
		}
		tm = append(tm, ck.Attribute{Type: pairs[i].(ck.AttributeType), Value: v})
	}
	return tm
}

func genP256(t testing.TB, m *Module, h ck.SessionHandle, privExtra ...any) (pub, priv ck.ObjectHandle) {
	t.Helper()
	privTmpl := crTmpl(privExtra...)
	if _, given := privTmpl.Lookup(ck.CKA_SIGN); !given {
		privTmpl = append(privTmpl, crTmpl(ck.CKA_SIGN, true)...)
	}
	pub, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
		crTmpl(ck.CKA_EC_PARAMS, crP256Params, ck.CKA_VERIFY, true), privTmpl)
	must(t, err)
	return pub, priv
}

func genAES(t testing.TB, m *Module, h ck.SessionHandle, extra ...any) ck.ObjectHandle {
	t.Helper()
	k, err := m.GenerateKey(h, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN}, crTmpl(append([]any{ck.CKA_VALUE_LEN, 32}, extra...)...))
	must(t, err)
	return k
}

func attrOf(t testing.TB, m *Module, h ck.SessionHandle, o ck.ObjectHandle, at ck.AttributeType) []byte {
	t.Helper()
	rs, err := m.GetAttributeValue(h, o, []ck.AttributeType{at})
	must(t, err)
	if rs[0].Err != 0 {
		t.Fatalf("attribute %v: %v", at, rs[0].Err)
	}
	return rs[0].Value
}

// goPublicKey reads CKA_EC_POINT (a DER OCTET STRING of 04||X||Y).
func goPublicKey(t testing.TB, m *Module, h ck.SessionHandle, pub ck.ObjectHandle) *ecdsa.PublicKey {
	t.Helper()
	der := attrOf(t, m, h, pub, ck.CKA_EC_POINT)
	if len(der) != 67 || der[0] != 0x04 || der[1] != 65 || der[2] != 0x04 {
		t.Fatalf("CKA_EC_POINT %x", der)
	}
	return &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).SetBytes(der[3:35]), Y: new(big.Int).SetBytes(der[35:])}
}

func TestECDSAThroughProvider(t *testing.T) {
	m, _, h := userSession(t)
	pub, priv := genP256(t, m, h)
	goPub := goPublicKey(t, m, h, pub)
	msg := []byte("message to sign")
	digest := sha256.Sum256(msg)

	tests := []struct {
		mech      ck.MechanismType
		input     []byte
		multipart bool
	}{
		{ck.CKM_ECDSA, digest[:], false},
		{ck.CKM_ECDSA_SHA256, msg, false},
		{ck.CKM_ECDSA_SHA256, msg, true},
	}
	for _, tc := range tests {
		mech := ck.Mechanism{Type: tc.mech}
		must(t, m.SignInit(h, mech, priv))
		var sig []byte
		if tc.multipart {
			must(t, m.SignUpdate(h, tc.input[:5]))
			must(t, m.SignUpdate(h, tc.input[5:]))
			n, err := m.SignFinal(h, nil)
			must(t, err)
			sig = make([]byte, n)
			_, err = m.SignFinal(h, sig)
			must(t, err)
		} else {
			n, err := m.Sign(h, tc.input, nil)
			if err != nil || n != 64 {
				t.Fatalf("%v length query: %d %v", tc.mech, n, err)
			}
			sig = make([]byte, n)
			_, err = m.Sign(h, tc.input, sig)
			must(t, err)
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(goPub, digest[:], r, s) {
			t.Fatalf("%v: crypto/ecdsa rejects the signature", tc.mech)
		}
		must(t, m.VerifyInit(h, mech, pub))
		must(t, m.Verify(h, tc.input, sig))
		bad := append([]byte{}, sig...)
		bad[10] ^= 1
		must(t, m.VerifyInit(h, mech, pub))
		wantRV(t, "tampered signature", m.Verify(h, tc.input, bad), ck.CKR_SIGNATURE_INVALID)
		must(t, m.VerifyInit(h, mech, pub))
		wantRV(t, "short signature", m.Verify(h, tc.input, sig[:63]), ck.CKR_SIGNATURE_LEN_RANGE)
	}

	// CKM_ECDSA is single-part only.
	must(t, m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, priv))
	wantRV(t, "SignUpdate with CKM_ECDSA", m.SignUpdate(h, msg), ck.CKR_FUNCTION_NOT_SUPPORTED)

	// Key checks.
	wantRV(t, "no such key", m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, 999999), ck.CKR_KEY_HANDLE_INVALID)
	wantRV(t, "public key cannot sign", m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, pub), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	_, noSign := genP256(t, m, h, ck.CKA_SIGN, false)
	wantRV(t, "CKA_SIGN false", m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, noSign), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	wantRV(t, "parameter for CKM_ECDSA", m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA, Parameter: []byte{1}}, priv), ck.CKR_MECHANISM_PARAM_INVALID)
	if isActive(t, m, h, opSign) {
		t.Fatal("a failed SignInit left an operation")
	}
}

func TestAlwaysAuthenticateKey(t *testing.T) {
	m, _, h := userSession(t)
	_, priv := genP256(t, m, h, ck.CKA_ALWAYS_AUTHENTICATE, true)
	digest := sha256.Sum256([]byte("x"))
	sig := make([]byte, 64)

	must(t, m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, priv))
	_, err := m.Sign(h, digest[:], sig)
	wantRV(t, "Sign without context login", err, ck.CKR_USER_NOT_LOGGED_IN)

	must(t, m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, priv))
	must(t, m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte(testUserPIN)))
	_, err = m.Sign(h, digest[:], sig)
	must(t, err)

	// Keys without the attribute need no context login, and refuse one.
	_, plain := genP256(t, m, h)
	must(t, m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, plain))
	wantRV(t, "context login for a plain key", m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte(testUserPIN)), ck.CKR_OPERATION_NOT_INITIALIZED)
	_, err = m.Sign(h, digest[:], sig)
	must(t, err)
}

func TestAESThroughProvider(t *testing.T) {
	m, _, h := userSession(t)
	k := genAES(t, m, h, ck.CKA_ENCRYPT, true, ck.CKA_DECRYPT, true, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true)
	value := attrOf(t, m, h, k, ck.CKA_VALUE)
	iv := bytes.Repeat([]byte{7}, 16)
	mech := ck.Mechanism{Type: ck.CKM_AES_CBC_PAD, Parameter: iv}
	plain := []byte("twenty-one bytes long")

	must(t, m.EncryptInit(h, mech, k))
	n, err := m.Encrypt(h, plain, nil)
	must(t, err)
	ct := make([]byte, n)
	n, err = m.Encrypt(h, plain, ct)
	must(t, err)
	ct = ct[:n]
	// Independent check with crypto/aes.
	blk, _ := aes.NewCipher(value)
	padded := append(append([]byte{}, plain...), bytes.Repeat([]byte{11}, 11)...)
	want := make([]byte, len(padded))
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(want, padded)
	if !bytes.Equal(ct, want) {
		t.Fatalf("ciphertext %x, want %x", ct, want)
	}

	// Decrypt into a buffer of exactly the plaintext's length (the bound is larger).
	must(t, m.DecryptInit(h, mech, k))
	out := make([]byte, len(plain))
	n, err = m.Decrypt(h, ct, out)
	if err != nil || !bytes.Equal(out[:n], plain) {
		t.Fatalf("Decrypt: %q %v", out[:n], err)
	}

	// Multi-part decryption in odd pieces.
	must(t, m.DecryptInit(h, mech, k))
	var got []byte
	for _, part := range [][]byte{ct[:5], ct[5:17], ct[17:]} {
		buf := make([]byte, len(part)+16)
		n, err := m.DecryptUpdate(h, part, buf)
		must(t, err)
		got = append(got, buf[:n]...)
	}
	buf := make([]byte, 16)
	n, err = m.DecryptFinal(h, buf)
	must(t, err)
	if got = append(got, buf[:n]...); !bytes.Equal(got, plain) {
		t.Fatalf("multi-part decryption %q", got)
	}

	// A key without CKA_ENCRYPT.
	noEnc := genAES(t, m, h, ck.CKA_ENCRYPT, false)
	wantRV(t, "no CKA_ENCRYPT", m.EncryptInit(h, mech, noEnc), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
}

func TestDigestKey(t *testing.T) {
	m, _, h := userSession(t)
	open := genAES(t, m, h, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true)
	value := attrOf(t, m, h, open, ck.CKA_VALUE)

	must(t, m.DigestInit(h, sha256Mech))
	must(t, m.DigestUpdate(h, []byte("x")))
	must(t, m.DigestKey(h, open))
	out := make([]byte, 32)
	_, err := m.DigestFinal(h, out)
	must(t, err)
	if want := sha256.Sum256(append([]byte("x"), value...)); !bytes.Equal(out, want[:]) {
		t.Fatal("C_DigestKey did not digest CKA_VALUE")
	}

	// A sensitive key can be digested; its value never leaves.
	secret := genAES(t, m, h, ck.CKA_SENSITIVE, true)
	must(t, m.DigestInit(h, sha256Mech))
	must(t, m.DigestKey(h, secret))
	_, err = m.DigestFinal(h, out)
	must(t, err)
	if empty := sha256.Sum256(nil); bytes.Equal(out, empty[:]) {
		t.Fatal("sensitive key digested as nothing")
	}

	pub, _ := genP256(t, m, h)
	must(t, m.DigestInit(h, sha256Mech))
	wantRV(t, "public key", m.DigestKey(h, pub), ck.CKR_KEY_INDIGESTIBLE)
	wantRV(t, "ended by the error", m.DigestUpdate(h, []byte("x")), ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.DigestInit(h, sha256Mech))
	wantRV(t, "bad handle", m.DigestKey(h, 999999), ck.CKR_KEY_HANDLE_INVALID)
}

func TestWrapKey(t *testing.T) {
	m, _, h := userSession(t)
	wrapper := genAES(t, m, h, ck.CKA_WRAP, true)
	noWrap := genAES(t, m, h, ck.CKA_WRAP, false)
	target := genAES(t, m, h, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true)
	locked := genAES(t, m, h, ck.CKA_EXTRACTABLE, false)
	trustedOnly := genAES(t, m, h, ck.CKA_EXTRACTABLE, true, ck.CKA_WRAP_WITH_TRUSTED, true)
	value := attrOf(t, m, h, target, ck.CKA_VALUE)
	mech := ck.Mechanism{Type: ckmFakeWrap}

	n, err := m.WrapKey(h, mech, wrapper, target, nil)
	if err != nil || n != len(value) {
		t.Fatalf("length query: %d %v", n, err)
	}
	_, err = m.WrapKey(h, mech, wrapper, target, make([]byte, 3))
	wantRV(t, "short", err, ck.CKR_BUFFER_TOO_SMALL)
	out := make([]byte, n)
	_, err = m.WrapKey(h, mech, wrapper, target, out)
	if err != nil || !bytes.Equal(out, xor5a(value)) {
		t.Fatalf("WrapKey: %x %v", out, err)
	}
	_, err = m.WrapKey(h, mech, wrapper, locked, out)
	wantRV(t, "non-extractable", err, ck.CKR_KEY_UNEXTRACTABLE)
	_, err = m.WrapKey(h, mech, wrapper, trustedOnly, out)
	wantRV(t, "wrap-with-trusted under an untrusted key", err, ck.CKR_KEY_NOT_WRAPPABLE)
	_, err = m.WrapKey(h, mech, noWrap, target, out)
	wantRV(t, "wrapping key without CKA_WRAP", err, ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	_, err = m.WrapKey(h, mech, wrapper, 999999, out)
	wantRV(t, "no such key", err, ck.CKR_KEY_HANDLE_INVALID)
}

// TestCryptoRace runs sessions in parallel, each with its own operations,
// sharing one login and one key; run with -race.
func TestCryptoRace(t *testing.T) {
	m, slot, h := userSession(t)
	pub, priv := genP256(t, m, h)
	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sh, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
			if err != nil {
				errs <- err
				return
			}
			defer m.CloseSession(sh)
			digest := make([]byte, 32)
			sig := make([]byte, 64)
			for i := 0; i < rounds; i++ {
				steps := []func() error{
					func() error { return m.GenerateRandom(sh, digest) },
					func() error { return m.SignInit(sh, ck.Mechanism{Type: ck.CKM_ECDSA}, priv) },
					func() error { _, err := m.Sign(sh, digest, sig); return err },
					func() error { return m.VerifyInit(sh, ck.Mechanism{Type: ck.CKM_ECDSA}, pub) },
					func() error { return m.Verify(sh, digest, sig) },
					func() error { return m.DigestInit(sh, sha256Mech) },
					func() error { _, err := m.Digest(sh, sig, digest); return err },
				}
				for _, step := range steps {
					if err := step(); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestUnwrapAndDeriveKey(t *testing.T) {
	m, _, h := userSession(t)
	wrapper := genAES(t, m, h, ck.CKA_WRAP, true, ck.CKA_UNWRAP, true)
	noUnwrap := genAES(t, m, h, ck.CKA_UNWRAP, false)
	target := genAES(t, m, h, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true)
	value := attrOf(t, m, h, target, ck.CKA_VALUE)
	wrapped := make([]byte, len(value))
	_, err := m.WrapKey(h, ck.Mechanism{Type: ckmFakeWrap}, wrapper, target, wrapped)
	must(t, err)
	unwrap := ck.Mechanism{Type: ckmFakeUnwrap}

	tmpl := crTmpl(ck.CKA_CLASS, int(ck.CKO_SECRET_KEY), ck.CKA_KEY_TYPE, int(ck.CKK_AES),
		ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true, ck.CKA_ENCRYPT, true)
	nk, err := m.UnwrapKey(h, unwrap, wrapper, wrapped, tmpl)
	must(t, err)
	if got := attrOf(t, m, h, nk, ck.CKA_VALUE); !bytes.Equal(got, value) {
		t.Fatalf("unwrapped value %x, want %x", got, value)
	}
	for _, a := range []ck.AttributeType{ck.CKA_LOCAL, ck.CKA_ALWAYS_SENSITIVE, ck.CKA_NEVER_EXTRACTABLE} {
		if v := attrOf(t, m, h, nk, a); !bytes.Equal(v, []byte{0}) {
			t.Fatalf("unwrapped key %v = %x, want false", a, v)
		}
	}
	// The new key works.
	must(t, m.EncryptInit(h, ck.Mechanism{Type: ck.CKM_AES_ECB}, nk))
	_, err = m.Encrypt(h, make([]byte, 16), make([]byte, 16))
	must(t, err)

	_, err = m.UnwrapKey(h, unwrap, noUnwrap, wrapped, tmpl)
	wantRV(t, "no CKA_UNWRAP", err, ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	_, err = m.UnwrapKey(h, unwrap, 999999, wrapped, tmpl)
	wantRV(t, "bad unwrapping key", err, ck.CKR_UNWRAPPING_KEY_HANDLE_INVALID)
	_, err = m.UnwrapKey(h, unwrap, wrapper, wrapped, crTmpl(ck.CKA_CLASS, int(ck.CKO_PUBLIC_KEY)))
	wantRV(t, "public key template", err, ck.CKR_TEMPLATE_INCONSISTENT)
	_, err = m.UnwrapKey(h, unwrap, wrapper, wrapped, crTmpl(ck.CKA_LOCAL, true))
	wantRV(t, "CKA_LOCAL in template", err, ck.CKR_ATTRIBUTE_READ_ONLY)

	// Derivation keeps "always sensitive" and "never extractable" only
	// while the new key stays so.
	base := genAES(t, m, h, ck.CKA_DERIVE, true, ck.CKA_SENSITIVE, true, ck.CKA_EXTRACTABLE, false)
	noDerive := genAES(t, m, h, ck.CKA_DERIVE, false)
	tests := []struct {
		tmpl         ck.Template
		alwaysSens   bool
		neverExtract bool
	}{
		{crTmpl(ck.CKA_SENSITIVE, true, ck.CKA_EXTRACTABLE, false), true, true},
		{crTmpl(ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true), false, false},
	}
	for i, tc := range tests {
		dk, err := m.DeriveKey(h, unwrap, base, tc.tmpl)
		must(t, err)
		want := func(b bool) []byte { return ck.EncodeBool(b) }
		if v := attrOf(t, m, h, dk, ck.CKA_ALWAYS_SENSITIVE); !bytes.Equal(v, want(tc.alwaysSens)) {
			t.Errorf("case %d: CKA_ALWAYS_SENSITIVE %x", i, v)
		}
		if v := attrOf(t, m, h, dk, ck.CKA_NEVER_EXTRACTABLE); !bytes.Equal(v, want(tc.neverExtract)) {
			t.Errorf("case %d: CKA_NEVER_EXTRACTABLE %x", i, v)
		}
		if v := attrOf(t, m, h, dk, ck.CKA_LOCAL); !bytes.Equal(v, want(false)) {
			t.Errorf("case %d: CKA_LOCAL %x", i, v)
		}
	}
	_, err = m.DeriveKey(h, unwrap, noDerive, nil)
	wantRV(t, "no CKA_DERIVE", err, ck.CKR_KEY_FUNCTION_NOT_PERMITTED)

	info := mechanisms.MechanismInfo(fakeUnwrap{})
	if info.Flags&(ck.CKF_UNWRAP|ck.CKF_DERIVE) != ck.CKF_UNWRAP|ck.CKF_DERIVE || info.Flags&ck.CKF_WRAP != 0 {
		t.Fatalf("flags %#x", info.Flags)
	}
}

// BenchmarkSignECDSA measures C_SignInit+C_Sign with a cached key, the hot
// path of a TLS server; compare with the mechanism alone (mechanisms package).
func BenchmarkSignECDSA(b *testing.B) {
	m, _, h := userSession(b)
	_, priv := genP256(b, m, h)
	digest := sha256.Sum256([]byte("x"))
	sig := make([]byte, 64)
	mech := ck.Mechanism{Type: ck.CKM_ECDSA}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.SignInit(h, mech, priv); err != nil {
			b.Fatal(err)
		}
		if _, err := m.Sign(h, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
