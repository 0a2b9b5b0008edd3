package provider

// Test-only operation contexts, to drive the operation-state rules without
// keys: each counts its computations so that tests can prove an output is
// computed once, and fakeMech registers vendor-defined mechanisms.

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// Vendor-defined mechanism types used only by these tests.
const (
	ckmFakeWrap       = ck.CKM_VENDOR_DEFINED + 0x6f51
	ckmFakeUnwrap     = ck.CKM_VENDOR_DEFINED + 0x6f52
	ckmFakeUnregister = ck.CKM_VENDOR_DEFINED + 0x6fff
)

// fakeSigner signs by returning a counter-stamped 8-byte value.
type fakeSigner struct {
	calls int
	buf   []byte
}

func (f *fakeSigner) SignatureLen() int { return 8 }
func (f *fakeSigner) Sign(data []byte) ([]byte, error) {
	f.calls++
	return bytes.Repeat([]byte{byte(f.calls)}, 8), nil
}

// fakeMultiSigner also takes parts.
type fakeMultiSigner struct{ fakeSigner }

func (f *fakeMultiSigner) Update(data []byte) error { f.buf = append(f.buf, data...); return nil }
func (f *fakeMultiSigner) Final() ([]byte, error)   { return f.Sign(f.buf) }

// fakeVerifier accepts a signature equal to the data reversed.
type fakeVerifier struct{ buf []byte }

func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return r
}

func (f *fakeVerifier) Verify(data, sig []byte) error {
	if len(sig) != len(data) {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	if !bytes.Equal(sig, reversed(data)) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
func (f *fakeVerifier) Update(data []byte) error { f.buf = append(f.buf, data...); return nil }
func (f *fakeVerifier) Final(sig []byte) error   { return f.Verify(f.buf, sig) }

// fakeCipher XORs with 0x5a. OutputLen is an upper bound (+16), as for a
// padded decryption, to prove that an exactly sized buffer still works.
// Final emits a 2-byte trailer.
type fakeCipher struct{ calls int }

func xor5a(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[i] = b[i] ^ 0x5a
	}
	return r
}

func (f *fakeCipher) OutputLen(n int) int { return n + 16 }
func (f *fakeCipher) Do(in []byte) ([]byte, error) {
	f.calls++
	if len(in) == 0 {
		return nil, ck.CKR_DATA_LEN_RANGE
	}
	return xor5a(in), nil
}

type fakeMultiCipher struct{ fakeCipher }

func (f *fakeMultiCipher) UpdateLen(n int) int { return n + 16 }
func (f *fakeMultiCipher) Update(in []byte) ([]byte, error) {
	f.calls++
	return xor5a(in), nil
}
func (f *fakeMultiCipher) FinalLen() int          { return 16 }
func (f *fakeMultiCipher) Final() ([]byte, error) { f.calls++; return []byte{0xee, 0xff}, nil }

// fakeRecover recovers the signature reversed; a signature starting with 0
// is invalid.
type fakeRecover struct{}

func (fakeRecover) DataLen(n int) int { return n }
func (fakeRecover) VerifyRecover(sig []byte) ([]byte, error) {
	if len(sig) == 0 || sig[0] == 0 {
		return nil, ck.CKR_SIGNATURE_INVALID
	}
	return reversed(sig), nil
}

// fakeWrap is a registered mechanism that only wraps: the wrapped form is
// the key value XOR 0x5a.
type fakeWrap struct{}

func (fakeWrap) Type() ck.MechanismType { return ckmFakeWrap }
func (fakeWrap) Info() mechanisms.Info  { return mechanisms.Info{} }
func (fakeWrap) WrapKey(w, k *mechanisms.Key, param any) ([]byte, error) {
	return xor5a(k.Attrs[ck.CKA_VALUE]), nil
}

// fakeUnwrap unwraps what fakeWrap made, and derives a 16-byte key: the
// first bytes of the base value XOR 0x5a. It names CKK_AES unless the
// template gives a key type.
type fakeUnwrap struct{}

func (fakeUnwrap) Type() ck.MechanismType { return ckmFakeUnwrap }
func (fakeUnwrap) Info() mechanisms.Info  { return mechanisms.Info{} }

func fakeKeyVals(value []byte, tmpl ck.Template) map[ck.AttributeType][]byte {
	vals := map[ck.AttributeType][]byte{ck.CKA_VALUE: value}
	if _, ok := tmpl.Lookup(ck.CKA_KEY_TYPE); !ok {
		vals[ck.CKA_KEY_TYPE] = ck.EncodeULong(ck.ULong(ck.CKK_AES))
	}
	return vals
}

func (fakeUnwrap) UnwrapKey(u *mechanisms.Key, param any, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	return fakeKeyVals(xor5a(wrapped), tmpl), nil
}

func (fakeUnwrap) DeriveKey(base *mechanisms.Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	return fakeKeyVals(xor5a(base.Attrs[ck.CKA_VALUE][:16]), tmpl), nil
}

func init() {
	mechanisms.Register(fakeWrap{})
	mechanisms.Register(fakeUnwrap{})
}

// installOp makes op the active operation of kind k in session h, as a
// successful C_XxxInit would.
func installOp(t *testing.T, m *Module, h ck.SessionHandle, k opKind, op *operation) {
	t.Helper()
	s, err := m.session(h)
	must(t, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	must(t, s.ops.start(k, op))
}

// isActive reports whether session h has an operation of kind k.
func isActive(t *testing.T, m *Module, h ck.SessionHandle, k opKind) bool {
	t.Helper()
	s, err := m.session(h)
	must(t, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ops.active[k] != nil
}

// publicSession opens a R/W session on a fresh token, nobody logged in.
func publicSession(t *testing.T) (*Module, ck.SessionHandle) {
	t.Helper()
	m := newTestModule(t)
	slot := initTestToken(t, m)
	return m, openRW(t, m, slot)
}
