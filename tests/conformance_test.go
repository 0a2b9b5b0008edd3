package tests

// Regression tests for what google/pkcs11test (a public PKCS#11 conformance
// suite, run by hand as tests/CONFORMANCE.md says) found wrong in gohsm. Each
// test names the suite's case and the specification text it rests on.

import (
	"bytes"
	"crypto/aes"
	"fmt"
	"syscall"
	"testing"
	"unsafe"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestConformanceInitReserved: C_Initialize with a pReserved that is not
// NULL must return CKR_ARGUMENTS_BAD (base 3.0 §5.4). gohsm reads its own
// "gohsm:..." option string there, so it must not crash on a pointer that
// is not a readable string (pkcs11test Init.InitArgsBadReserved passes 1).
func TestConformanceInitReserved(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	l := hsmtest.Raw(t)
	var a capi.Arena
	defer a.Free()

	// Two pages, the second unreadable: a string that runs into it has no end.
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	unterminated := []byte("gohsm:store_dir=/tmp/x")
	copy(mem[page-len(unterminated):], unterminated)
	base := uint64(uintptr(unsafe.Pointer(&mem[0]))) // not Go memory: mmap'd

	// CK_C_INITIALIZE_ARGS: four mutex callbacks, flags, pReserved.
	initArgs := func(reserved uint64) uint64 {
		p := a.Buf(48)
		capi.WriteULong(p+40, reserved)
		return p
	}
	cases := []struct {
		name     string
		reserved uint64
	}{
		{"pReserved = (void*)1", 1},
		{"pReserved in an unreadable page", base + uint64(page)},
		{"pReserved runs into an unreadable page", base + uint64(page-len(unterminated))},
		{"pReserved a foreign string", a.CString("junk")},
	}
	for _, c := range cases {
		if rv := l.Call("C_Initialize", initArgs(c.reserved)); rv != uint64(ck.CKR_ARGUMENTS_BAD) {
			t.Errorf("C_Initialize(%s): %s, want CKR_ARGUMENTS_BAD", c.name, hsmtest.RVName(uint(rv)))
		}
	}
	if rv := l.Call("C_Initialize", 0); rv != 0 {
		t.Fatalf("C_Initialize(NULL) after the refusals: %s", hsmtest.RVName(uint(rv)))
	}
	if rv := l.Call("C_Finalize", 0); rv != 0 {
		t.Errorf("C_Finalize: %s", hsmtest.RVName(uint(rv)))
	}
}

// confSecret generates a readable (not sensitive) secret key for wrapping.
func confSecret(t *testing.T, p *pkcs11.Ctx, s pkcs11.SessionHandle, gen uint, valueLen int, usage ...uint) pkcs11.ObjectHandle {
	t.Helper()
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	}
	if valueLen > 0 {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, valueLen))
	}
	for _, u := range usage {
		tmpl = append(tmpl, pkcs11.NewAttribute(u, true))
	}
	h, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(gen, nil)}, tmpl)
	hsmtest.Must(t, err, "C_GenerateKey")
	return h
}

func confValue(t *testing.T, p *pkcs11.Ctx, s pkcs11.SessionHandle, h pkcs11.ObjectHandle) []byte {
	t.Helper()
	a, err := p.GetAttributeValue(s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
	hsmtest.Must(t, err, "C_GetAttributeValue(CKA_VALUE)")
	return a[0].Value
}

// TestConformanceWrapSecretKeys: the block modes without padding wrap a
// secret key's value "padded on the trailing end with up to block size minus
// one null bytes", and unwrapping "truncates the result according to the
// CKA_KEY_TYPE attribute of the template and, if it has one, and the key type
// supports it, the CKA_VALUE_LEN attribute" (mechanisms 3.0, AES-ECB/AES-CBC
// and the DES3 block modes). Key types of one fixed length (DES2, DES3,
// ChaCha20) unwrap under every wrapping mechanism. pkcs11test
// ROUserSessionTest.WrapUnwrap: a DES3 key under DES3-ECB, unwrapped with
// CKA_KEY_TYPE CKK_DES3, was CKR_TEMPLATE_INCONSISTENT.
func TestConformanceWrapSecretKeys(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	iv := bytes.Repeat([]byte{0x5a}, 16)
	aesKEK := confSecret(t, p, s, pkcs11.CKM_AES_KEY_GEN, 32, pkcs11.CKA_WRAP, pkcs11.CKA_UNWRAP, pkcs11.CKA_DECRYPT)
	desKEK := confSecret(t, p, s, pkcs11.CKM_DES3_KEY_GEN, 0, pkcs11.CKA_WRAP, pkcs11.CKA_UNWRAP, pkcs11.CKA_DECRYPT)

	cases := []struct {
		name       string
		mech       *pkcs11.Mechanism
		kek        pkcs11.ObjectHandle
		gen        uint // the wrapped key's generation mechanism
		genLen     int  // its CKA_VALUE_LEN, 0: none
		keyType    uint
		valueLen   int // CKA_VALUE_LEN in the unwrap template, 0: none
		wrappedLen int
	}{
		{"DES3 key under DES3-ECB (pkcs11test's case)", pkcs11.NewMechanism(pkcs11.CKM_DES3_ECB, nil), desKEK, pkcs11.CKM_DES3_KEY_GEN, 0, pkcs11.CKK_DES3, 0, 24},
		{"DES2 key under DES3-CBC", pkcs11.NewMechanism(pkcs11.CKM_DES3_CBC, iv[:8]), desKEK, pkcs11.CKM_DES2_KEY_GEN, 0, pkcs11.CKK_DES2, 0, 16},
		{"DES3 key under AES-ECB: 24 bytes padded to 32", pkcs11.NewMechanism(pkcs11.CKM_AES_ECB, nil), aesKEK, pkcs11.CKM_DES3_KEY_GEN, 0, pkcs11.CKK_DES3, 0, 32},
		{"20-byte secret under AES-CBC, CKA_VALUE_LEN 20", pkcs11.NewMechanism(pkcs11.CKM_AES_CBC, iv), aesKEK, pkcs11.CKM_GENERIC_SECRET_KEY_GEN, 20, pkcs11.CKK_GENERIC_SECRET, 20, 32},
		{"AES-128 key under DES3-ECB", pkcs11.NewMechanism(pkcs11.CKM_DES3_ECB, nil), desKEK, pkcs11.CKM_AES_KEY_GEN, 16, pkcs11.CKK_AES, 0, 16},
		{"DES3 key under AES key wrap", pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_WRAP, nil), aesKEK, pkcs11.CKM_DES3_KEY_GEN, 0, pkcs11.CKK_DES3, 0, 32},
		{"ChaCha20 key under AES key wrap", pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_WRAP, nil), aesKEK, uint(ck.CKM_CHACHA20_KEY_GEN), 0, uint(ck.CKK_CHACHA20), 0, 40},
	}
	for _, c := range cases {
		mech := []*pkcs11.Mechanism{c.mech}
		key := confSecret(t, p, s, c.gen, c.genLen)
		value := confValue(t, p, s, key)
		wrapped, err := p.WrapKey(s, mech, c.kek, key)
		if err != nil {
			t.Errorf("%s: C_WrapKey: %v", c.name, err)
			continue
		}
		if len(wrapped) != c.wrappedLen {
			t.Errorf("%s: wrapped %d bytes, want %d", c.name, len(wrapped), c.wrappedLen)
		}
		if c.mech.Mechanism != pkcs11.CKM_AES_KEY_WRAP {
			// The wrapped bytes are the value and zero bytes, encrypted as data.
			hsmtest.Must(t, p.DecryptInit(s, mech, c.kek), c.name+": C_DecryptInit")
			plain, err := p.Decrypt(s, wrapped)
			hsmtest.Must(t, err, c.name+": C_Decrypt")
			want := append(bytes.Clone(value), make([]byte, c.wrappedLen-len(value))...)
			if !bytes.Equal(plain, want) {
				t.Errorf("%s: wrapped value decrypts to %x, want %x", c.name, plain, want)
			}
		}
		tmpl := []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, c.keyType),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
			pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
		}
		if c.valueLen > 0 {
			tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, c.valueLen))
		}
		back, err := p.UnwrapKey(s, mech, c.kek, wrapped, tmpl)
		if err != nil {
			t.Errorf("%s: C_UnwrapKey: %v", c.name, err)
			continue
		}
		if got := confValue(t, p, s, back); !bytes.Equal(got, value) {
			t.Errorf("%s: unwrapped value %x, want %x", c.name, got, value)
		}
	}

	// Too little to truncate: 16 bytes cannot hold a 24-byte DES3 key.
	ecb := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_ECB, nil)}
	short := confSecret(t, p, s, pkcs11.CKM_AES_KEY_GEN, 16)
	wrapped, err := p.WrapKey(s, ecb, aesKEK, short)
	hsmtest.Must(t, err, "C_WrapKey(AES-128 under AES-ECB)")
	_, err = p.UnwrapKey(s, ecb, aesKEK, wrapped, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_DES3),
	})
	hsmtest.WantRV(t, err, "C_UnwrapKey of 16 bytes as a DES3 key", pkcs11.CKR_TEMPLATE_INCONSISTENT, pkcs11.CKR_WRAPPED_KEY_LEN_RANGE)

	// The padding is zero bytes, as an outside AES-ECB decryption shows.
	kek := confValue(t, p, s, aesKEK)
	des := confSecret(t, p, s, pkcs11.CKM_DES3_KEY_GEN, 0)
	wrapped, err = p.WrapKey(s, ecb, aesKEK, des)
	hsmtest.Must(t, err, "C_WrapKey(DES3 under AES-ECB)")
	b, err := aes.NewCipher(kek)
	if err != nil {
		t.Fatal(err)
	}
	plain := make([]byte, len(wrapped))
	for i := 0; i < len(wrapped); i += aes.BlockSize {
		b.Decrypt(plain[i:], wrapped[i:])
	}
	if want := append(confValue(t, p, s, des), make([]byte, 8)...); !bytes.Equal(plain, want) {
		t.Errorf("AES-ECB wrap of a DES3 key, decrypted outside: %x, want %x", plain, want)
	}
}

// confRaw runs the test in a child process (a nil token in the parent) with
// a new token, the library's C functions and an arena freed at the end.
func confRaw(t *testing.T) (*hsmtest.Token, *capi.Lib, *capi.Arena) {
	t.Helper()
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return nil, nil, nil
	}
	tok := hsmtest.NewToken(t)
	a := new(capi.Arena)
	t.Cleanup(a.Free)
	return tok, hsmtest.Raw(t), a
}

// confWantRV fails the test unless a raw call returned want.
func confWantRV(t *testing.T, what string, got uint64, want uint) {
	t.Helper()
	if got != uint64(want) {
		t.Errorf("%s: %s, want %s", what, hsmtest.RVName(uint(got)), hsmtest.RVName(want))
	}
}

// TestConformanceSinglePartMode: once a single-part call (C_Digest,
// C_Encrypt, C_Sign) has been made, a length query included, the operation
// is single-part: C_XxxUpdate and C_XxxFinal get CKR_OPERATION_ACTIVE and,
// being failed calls, end the operation (the next call gets
// CKR_OPERATION_NOT_INITIALIZED). It is the mirror of "C_Digest cannot be
// used to terminate a multi-part operation" (base 3.0, C_Digest, C_Encrypt,
// C_Sign), and 3.2 lists CKR_OPERATION_ACTIVE for C_DigestFinal. Before,
// C_DigestFinal after a C_Digest length query returned the digest of nothing
// (pkcs11test DigestTest.DigestFinalIntersperse, SecretKeyTest.EncryptModePolicing2).
func TestConformanceSinglePartMode(t *testing.T) {
	tok, l, a := confRaw(t)
	if tok == nil {
		return
	}
	p, s := tok.P, tok.Session
	rs := uint64(s)
	aes := confSecret(t, p, s, pkcs11.CKM_AES_KEY_GEN, 16)
	hmacKey := confSecret(t, p, s, pkcs11.CKM_GENERIC_SECRET_KEY_GEN, 32)
	data := a.Bytes(bytes.Repeat([]byte{0x42}, 32))
	want := func(what string, got uint64, rv uint) { t.Helper(); confWantRV(t, what, got, rv) }
	ok := func(what string, got uint64) { t.Helper(); want(what, got, pkcs11.CKR_OK) }
	buf := func() (uint64, uint64) { return a.Buf(64), a.ULong(64) }

	type mode struct {
		name          string
		init          func() uint64
		single        func(out, outLen uint64) uint64
		update, final func() uint64
	}
	modes := []mode{
		{
			name:   "digest",
			init:   func() uint64 { return l.Call("C_DigestInit", rs, a.Mechanism(uint64(pkcs11.CKM_SHA256), nil)) },
			single: func(out, n uint64) uint64 { return l.Call("C_Digest", rs, data, 32, out, n) },
			update: func() uint64 { return l.Call("C_DigestUpdate", rs, data, 32) },
			final:  func() uint64 { o, n := buf(); return l.Call("C_DigestFinal", rs, o, n) },
		},
		{
			name: "encrypt",
			init: func() uint64 {
				return l.Call("C_EncryptInit", rs, a.Mechanism(uint64(pkcs11.CKM_AES_ECB), nil), uint64(aes))
			},
			single: func(out, n uint64) uint64 { return l.Call("C_Encrypt", rs, data, 32, out, n) },
			update: func() uint64 { o, n := buf(); return l.Call("C_EncryptUpdate", rs, data, 32, o, n) },
			final:  func() uint64 { o, n := buf(); return l.Call("C_EncryptFinal", rs, o, n) },
		},
		{
			name: "sign",
			init: func() uint64 {
				return l.Call("C_SignInit", rs, a.Mechanism(uint64(pkcs11.CKM_SHA256_HMAC), nil), uint64(hmacKey))
			},
			single: func(out, n uint64) uint64 { return l.Call("C_Sign", rs, data, 32, out, n) },
			update: func() uint64 { return l.Call("C_SignUpdate", rs, data, 32) },
			final:  func() uint64 { o, n := buf(); return l.Call("C_SignFinal", rs, o, n) },
		},
	}
	for _, m := range modes {
		for _, next := range []struct {
			name string
			call func() uint64
		}{{"Update", m.update}, {"Final", m.final}} {
			// After a length query (NULL output).
			ok(m.name+" init", m.init())
			pn := a.ULong(0)
			ok(m.name+" single-part length query", m.single(0, pn))
			want(m.name+": "+next.name+" after a single-part length query", next.call(), pkcs11.CKR_OPERATION_ACTIVE)
			want(m.name+": the refused "+next.name+" ended the operation", m.final(), pkcs11.CKR_OPERATION_NOT_INITIALIZED)

			// After a buffer too short.
			ok(m.name+" init", m.init())
			short := a.ULong(1)
			want(m.name+" single-part short buffer", m.single(a.Buf(1), short), pkcs11.CKR_BUFFER_TOO_SMALL)
			want(m.name+": "+next.name+" after a short single-part buffer", next.call(), pkcs11.CKR_OPERATION_ACTIVE)
			want(m.name+": the refused "+next.name+" ended the operation", m.final(), pkcs11.CKR_OPERATION_NOT_INITIALIZED)
		}
		// The length query then the single-part call itself still work.
		ok(m.name+" init", m.init())
		pn := a.ULong(0)
		ok(m.name+" length query", m.single(0, pn))
		n := capi.ReadULong(pn)
		ok(m.name+" single-part call after its length query", m.single(a.Buf(int(n)), a.ULong(n)))
		want(m.name+": the single-part call ended the operation", m.final(), pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	}
}

// TestConformanceErrorsEndOperations: which failed calls end an operation and
// which keep it, by the function texts of base 3.0 ("A call to C_Encrypt
// always terminates the active encryption operation unless it returns
// CKR_BUFFER_TOO_SMALL or is a successful call ... to determine the length";
// "A call to C_EncryptUpdate which results in an error terminates the current
// encryption operation"; "A call to C_Verify always terminates the active
// verification operation"; a failed C_XxxInit starts nothing). These are the
// cases where SoftHSMv2 keeps operations active (tests/CONFORMANCE.md); each
// row is a call, its expected code, then the next call and its code.
func TestConformanceErrorsEndOperations(t *testing.T) {
	tok, l, a := confRaw(t)
	if tok == nil {
		return
	}
	p, s := tok.P, tok.Session
	rs := uint64(s)
	aes := uint64(confSecret(t, p, s, pkcs11.CKM_AES_KEY_GEN, 16))
	mac := uint64(confSecret(t, p, s, pkcs11.CKM_GENERIC_SECRET_KEY_GEN, 32))
	unusable, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 16), pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, false)})
	hsmtest.Must(t, err, "C_GenerateKey(CKA_ENCRYPT false)")

	data := a.Bytes(bytes.Repeat([]byte{0x41}, 64))
	out := func() (uint64, uint64) { return a.Buf(256), a.ULong(256) }
	mech := func(typ uint, param []byte) uint64 { return a.Mechanism(uint64(typ), param) }
	ecb := mech(pkcs11.CKM_AES_ECB, nil)
	cbcPad := mech(pkcs11.CKM_AES_CBC_PAD, make([]byte, 16))
	hmac := mech(pkcs11.CKM_SHA256_HMAC, nil)
	sha := mech(pkcs11.CKM_SHA256, nil)
	type call struct {
		fn   string
		args func() []uint64
		want uint
	}
	// single: C_Encrypt, C_EncryptUpdate ... on n bytes of data, with a fresh output buffer.
	single := func(fn string, n uint64, want uint) call {
		return call{fn, func() []uint64 { o, on := out(); return []uint64{rs, data, n, o, on} }, want}
	}
	update := single
	final := func(fn string, want uint) call {
		return call{fn, func() []uint64 { o, on := out(); return []uint64{rs, o, on} }, want}
	}
	fixed := func(fn string, want uint, args ...uint64) call {
		return call{fn, func() []uint64 { return args }, want}
	}
	initOp := func(fn string, m, key uint64) call {
		if fn == "C_DigestInit" {
			return fixed(fn, pkcs11.CKR_OK, rs, m)
		}
		return fixed(fn, pkcs11.CKR_OK, rs, m, key)
	}
	const ended, kept = pkcs11.CKR_OPERATION_NOT_INITIALIZED, pkcs11.CKR_OK
	cases := []struct {
		name  string
		calls []call
	}{
		{"C_Encrypt with a NULL pulEncryptedDataLen ends it", []call{initOp("C_EncryptInit", ecb, aes),
			fixed("C_Encrypt", pkcs11.CKR_ARGUMENTS_BAD, rs, data, 16, a.Buf(16), 0), single("C_Encrypt", 16, ended)}},
		{"C_Encrypt of 15 bytes with AES-ECB ends it", []call{initOp("C_EncryptInit", ecb, aes),
			single("C_Encrypt", 15, pkcs11.CKR_DATA_LEN_RANGE), single("C_Encrypt", 16, ended)}},
		{"C_Encrypt with a short buffer keeps it", []call{initOp("C_EncryptInit", ecb, aes),
			fixed("C_Encrypt", pkcs11.CKR_BUFFER_TOO_SMALL, rs, data, 16, a.Buf(1), a.ULong(1)), single("C_Encrypt", 16, kept)}},
		{"C_EncryptUpdate with a NULL pulEncryptedPartLen ends it", []call{initOp("C_EncryptInit", ecb, aes),
			fixed("C_EncryptUpdate", pkcs11.CKR_ARGUMENTS_BAD, rs, data, 16, a.Buf(16), 0), update("C_EncryptUpdate", 16, ended)}},
		{"C_EncryptFinal with 15 bytes left ends it", []call{initOp("C_EncryptInit", ecb, aes),
			update("C_EncryptUpdate", 15, pkcs11.CKR_OK), final("C_EncryptFinal", pkcs11.CKR_DATA_LEN_RANGE), final("C_EncryptFinal", ended)}},
		{"C_Decrypt of 15 bytes ends it", []call{initOp("C_DecryptInit", ecb, aes),
			single("C_Decrypt", 15, pkcs11.CKR_ENCRYPTED_DATA_LEN_RANGE), single("C_Decrypt", 16, ended)}},
		{"C_Decrypt with bad CBC-PAD padding ends it", []call{initOp("C_DecryptInit", cbcPad, aes),
			single("C_Decrypt", 16, pkcs11.CKR_ENCRYPTED_DATA_INVALID), single("C_Decrypt", 16, ended)}},
		{"C_DecryptFinal with bad CBC-PAD padding ends it", []call{initOp("C_DecryptInit", cbcPad, aes),
			update("C_DecryptUpdate", 32, pkcs11.CKR_OK), final("C_DecryptFinal", pkcs11.CKR_ENCRYPTED_DATA_INVALID), final("C_DecryptFinal", ended)}},
		{"C_DecryptFinal with 15 bytes left ends it", []call{initOp("C_DecryptInit", cbcPad, aes),
			update("C_DecryptUpdate", 15, pkcs11.CKR_OK), final("C_DecryptFinal", pkcs11.CKR_ENCRYPTED_DATA_LEN_RANGE), final("C_DecryptFinal", ended)}},
		{"a failed C_EncryptInit starts nothing", []call{
			fixed("C_EncryptInit", pkcs11.CKR_KEY_TYPE_INCONSISTENT, rs, mech(pkcs11.CKM_RSA_PKCS, nil), aes), single("C_Encrypt", 16, ended),
			fixed("C_EncryptInit", pkcs11.CKR_MECHANISM_PARAM_INVALID, rs, mech(pkcs11.CKM_AES_CBC, make([]byte, 15)), aes), single("C_Encrypt", 16, ended),
			fixed("C_EncryptInit", pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED, rs, ecb, uint64(unusable)), single("C_Encrypt", 16, ended),
			fixed("C_EncryptInit", pkcs11.CKR_KEY_HANDLE_INVALID, rs, ecb, 0x7777777), single("C_Encrypt", 16, ended)}},
		{"a second C_EncryptInit is refused and the first goes on", []call{initOp("C_EncryptInit", ecb, aes),
			fixed("C_EncryptInit", pkcs11.CKR_OPERATION_ACTIVE, rs, ecb, aes), single("C_Encrypt", 16, kept)}},
		{"C_Digest with a NULL pulDigestLen ends it", []call{initOp("C_DigestInit", sha, 0),
			fixed("C_Digest", pkcs11.CKR_ARGUMENTS_BAD, rs, data, 16, a.Buf(32), 0), single("C_Digest", 16, ended)}},
		{"C_DigestUpdate with a NULL pPart ends it", []call{initOp("C_DigestInit", sha, 0),
			fixed("C_DigestUpdate", pkcs11.CKR_ARGUMENTS_BAD, rs, 0, 16), fixed("C_DigestUpdate", ended, rs, data, 16)}},
		{"C_DigestFinal with a short buffer keeps it", []call{initOp("C_DigestInit", sha, 0),
			fixed("C_DigestFinal", pkcs11.CKR_BUFFER_TOO_SMALL, rs, a.Buf(1), a.ULong(1)), final("C_DigestFinal", kept)}},
		{"C_SignUpdate with a NULL pPart ends it", []call{initOp("C_SignInit", hmac, mac),
			fixed("C_SignUpdate", pkcs11.CKR_ARGUMENTS_BAD, rs, 0, 16), fixed("C_SignUpdate", ended, rs, data, 16)}},
		{"C_SignFinal with a short buffer keeps it", []call{initOp("C_SignInit", hmac, mac),
			fixed("C_SignUpdate", pkcs11.CKR_OK, rs, data, 16),
			fixed("C_SignFinal", pkcs11.CKR_BUFFER_TOO_SMALL, rs, a.Buf(1), a.ULong(1)), final("C_SignFinal", kept)}},
		{"C_Verify of a wrong MAC ends it", []call{initOp("C_VerifyInit", hmac, mac),
			fixed("C_Verify", pkcs11.CKR_SIGNATURE_INVALID, rs, data, 16, data, 32), fixed("C_Verify", ended, rs, data, 16, data, 32)}},
		{"C_Verify of a 31-byte MAC ends it", []call{initOp("C_VerifyInit", hmac, mac),
			fixed("C_Verify", pkcs11.CKR_SIGNATURE_LEN_RANGE, rs, data, 16, data, 31), fixed("C_Verify", ended, rs, data, 16, data, 32)}},
		{"C_Verify with a NULL pSignature ends it", []call{initOp("C_VerifyInit", hmac, mac),
			fixed("C_Verify", pkcs11.CKR_ARGUMENTS_BAD, rs, data, 16, 0, 32), fixed("C_Verify", ended, rs, data, 16, data, 32)}},
		{"C_VerifyFinal of a wrong MAC ends it", []call{initOp("C_VerifyInit", hmac, mac),
			fixed("C_VerifyUpdate", pkcs11.CKR_OK, rs, data, 16),
			fixed("C_VerifyFinal", pkcs11.CKR_SIGNATURE_INVALID, rs, data, 32), fixed("C_VerifyFinal", ended, rs, data, 32)}},
		{"C_VerifyUpdate with a NULL pPart ends it", []call{initOp("C_VerifyInit", hmac, mac),
			fixed("C_VerifyUpdate", pkcs11.CKR_ARGUMENTS_BAD, rs, 0, 16), fixed("C_VerifyFinal", ended, rs, data, 32)}},
	}
	for _, c := range cases {
		for i, k := range c.calls {
			confWantRV(t, fmt.Sprintf("%s: call %d, %s", c.name, i+1, k.fn), l.Call(k.fn, k.args()...), k.want)
		}
		// Leave the session clean for the next case whatever happened.
		for _, fn := range []string{"C_EncryptInit", "C_DecryptInit", "C_DigestInit", "C_SignInit", "C_VerifyInit"} {
			args := []uint64{rs, 0, 0}
			if fn == "C_DigestInit" {
				args = args[:2]
			}
			l.Call(fn, args...)
		}
	}
}
