package interop

import (
	"bytes"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// The token session of the asymmetric tests (asym_*_test.go) and the
// operations they run on it.

// env is a logged-in R/W session and a scratch directory for openssl's files.
type env struct {
	p    *pkcs11.Ctx
	s    pkcs11.SessionHandle
	slot uint
	dir  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	tk := hsmtest.NewToken(t)
	return &env{p: tk.P, s: tk.Session, slot: tk.Slot, dir: t.TempDir()}
}

// sub returns an env on a new session of the same login, closed when t
// ends, so that an operation a failed check leaves active does not disturb
// the next subtest. Session objects made in it go with it.
func (e *env) sub(t testing.TB) *env {
	t.Helper()
	s := hsmtest.OpenRW(t, e.p, e.slot)
	t.Cleanup(func() { e.p.CloseSession(s) })
	return &env{p: e.p, s: s, slot: e.slot, dir: e.dir}
}

// file writes data to a fresh file in the scratch directory.
func (e *env) file(t testing.TB, name string, data []byte) string {
	t.Helper()
	f, err := os.CreateTemp(e.dir, name+"-*")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

func attr(t uint, v any) *pkcs11.Attribute { return pkcs11.NewAttribute(t, v) }

func mech(m uint, param any) []*pkcs11.Mechanism {
	return []*pkcs11.Mechanism{pkcs11.NewMechanism(m, param)}
}

func mustDER(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) attrs(t testing.TB, o pkcs11.ObjectHandle, types ...uint) [][]byte {
	t.Helper()
	tmpl := make([]*pkcs11.Attribute, len(types))
	for i, typ := range types {
		tmpl[i] = attr(typ, nil)
	}
	got, err := e.p.GetAttributeValue(e.s, o, tmpl)
	hsmtest.Must(t, err, "C_GetAttributeValue")
	out := make([][]byte, len(got))
	for i, a := range got {
		out[i] = a.Value
	}
	return out
}

// secretKey creates an extractable AES (or generic) key object with a known value.
func (e *env) secretKey(t testing.TB, typ uint, value []byte, extra ...*pkcs11.Attribute) pkcs11.ObjectHandle {
	t.Helper()
	tmpl := append([]*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), attr(pkcs11.CKA_KEY_TYPE, typ),
		attr(pkcs11.CKA_TOKEN, false), attr(pkcs11.CKA_VALUE, value), attr(pkcs11.CKA_EXTRACTABLE, true), attr(pkcs11.CKA_SENSITIVE, false),
		attr(pkcs11.CKA_ENCRYPT, true), attr(pkcs11.CKA_DECRYPT, true), attr(pkcs11.CKA_WRAP, true), attr(pkcs11.CKA_UNWRAP, true)}, extra...)
	h, err := e.p.CreateObject(e.s, tmpl)
	hsmtest.Must(t, err, "C_CreateObject(secret key)")
	return h
}

// oneCall runs an operation's Init and its single-part call fn (C_Sign,
// C_Encrypt, C_Decrypt) on data, failing the test on an error.
func (e *env) oneCall(t testing.TB, fn string, init func(pkcs11.SessionHandle, []*pkcs11.Mechanism, pkcs11.ObjectHandle) error,
	call func(pkcs11.SessionHandle, []byte) ([]byte, error), m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data []byte, what ...string) []byte {
	t.Helper()
	hsmtest.Must(t, init(e.s, m, key), fmt.Sprint(what, " ", fn, "Init"))
	out, err := call(e.s, data)
	hsmtest.Must(t, err, fmt.Sprint(what, " ", fn))
	return out
}

// feedParts gives data to update (C_SignUpdate, C_VerifyUpdate) in parts of n bytes.
func feedParts(t testing.TB, fn string, update func(pkcs11.SessionHandle, []byte) error, s pkcs11.SessionHandle, data []byte, n int) {
	t.Helper()
	for len(data) > 0 {
		c := min(n, len(data))
		hsmtest.Must(t, update(s, data[:c]), fn)
		data = data[c:]
	}
}

// sign signs data in one part with key.
func (e *env) sign(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data []byte, what ...string) []byte {
	t.Helper()
	return e.oneCall(t, "C_Sign", e.p.SignInit, e.p.Sign, m, key, data, what...)
}

// verify verifies in one part; the error is the token's answer.
func (e *env) verify(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data, sig []byte) error {
	t.Helper()
	hsmtest.Must(t, e.p.VerifyInit(e.s, m, key), "C_VerifyInit")
	return e.p.Verify(e.s, data, sig)
}

// signParts signs data fed in parts of n bytes (C_SignUpdate, C_SignFinal).
func (e *env) signParts(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data []byte, n int) []byte {
	t.Helper()
	hsmtest.Must(t, e.p.SignInit(e.s, m, key), "C_SignInit")
	feedParts(t, "C_SignUpdate", e.p.SignUpdate, e.s, data, n)
	sig, err := e.p.SignFinal(e.s)
	hsmtest.Must(t, err, "C_SignFinal")
	return sig
}

// verifyParts verifies data fed in parts of n bytes (C_VerifyUpdate, C_VerifyFinal).
func (e *env) verifyParts(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data, sig []byte, n int) error {
	t.Helper()
	hsmtest.Must(t, e.p.VerifyInit(e.s, m, key), "C_VerifyInit")
	feedParts(t, "C_VerifyUpdate", e.p.VerifyUpdate, e.s, data, n)
	return e.p.VerifyFinal(e.s, sig)
}

func (e *env) encrypt(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data []byte) []byte {
	t.Helper()
	return e.oneCall(t, "C_Encrypt", e.p.EncryptInit, e.p.Encrypt, m, key, data)
}

func (e *env) decrypt(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data []byte) []byte {
	t.Helper()
	return e.oneCall(t, "C_Decrypt", e.p.DecryptInit, e.p.Decrypt, m, key, data)
}

// verifyRecover is C_VerifyRecoverInit and C_VerifyRecover (length query,
// then the call) through the raw C ABI: miekg/pkcs11 v1.1.2's VerifyRecover
// calls C_DecryptVerifyUpdate instead.
func (e *env) verifyRecover(t testing.TB, m uint, key pkcs11.ObjectHandle, sig []byte) ([]byte, error) {
	t.Helper()
	l, err := capi.Open(hsmtest.LibPath(t)) // the loaded library: dlopen returns it again
	if err != nil {
		t.Fatal(err)
	}
	var a capi.Arena
	defer a.Free()
	mp := a.Bytes( // CK_MECHANISM{m, NULL, 0}
		append(binary.NativeEndian.AppendUint64(nil, uint64(m)), make([]byte, 16)...))
	if rv := l.Call("C_VerifyRecoverInit", uint64(e.s), mp, uint64(key)); rv != 0 {
		t.Fatalf("C_VerifyRecoverInit: %s", hsmtest.RVName(uint(rv)))
	}
	in, pn := a.Bytes(sig), a.ULong(0)
	if rv := l.Call("C_VerifyRecover", uint64(e.s), in, uint64(len(sig)), 0, pn); rv != 0 {
		return nil, pkcs11.Error(rv)
	}
	out := a.Buf(int(capi.ReadULong(pn)))
	if rv := l.Call("C_VerifyRecover", uint64(e.s), in, uint64(len(sig)), out, pn); rv != 0 {
		return nil, pkcs11.Error(rv)
	}
	return capi.Read(out, int(capi.ReadULong(pn))), nil
}

// osslVerify runs an openssl command that verifies and reports whether it
// printed openssl's success line.
func osslVerify(t testing.TB, args ...string) bool {
	t.Helper()
	out, err := opensslErr(t, nil, args...)
	return err == nil && (bytes.Contains(out, []byte("Verified OK")) || bytes.Contains(out, []byte("Signature Verified Successfully")))
}

// flip returns a copy of b with one bit changed.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i%len(c)] ^= 0x10
	return c
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
