package tests

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// rawEnv is the state the bad-input tests work on, through the raw C ABI only:
// token A with the user logged in on a R/W session, token B with nobody
// logged in, and a few objects on A.
type rawEnv struct {
	t   *testing.T
	l   *capi.Lib
	a   capi.Arena
	fns map[string]capi.Func

	slot, slotB   uint64
	s, pubB       uint64
	data, aes     uint64 // a public data object, a sensitive AES key
	ecPriv, ecPb  uint64 // an imported P-256 key pair (private: CKA_SIGN, public: CKA_VERIFY)
	kemPub, kemPv uint64 // a generated ML-KEM-768 pair, for C_EncapsulateKey/C_DecapsulateKey
	km            keyMaterial
	checked       int // calls whose code was checked
	un            map[string]bool
}

// badConfig keeps wrong PINs from locking the tokens during the sweeps.
var badConfig = hsmtest.Config{MaxLoginFailures: 1000}

func openRaw(t *testing.T) *rawEnv {
	e := &rawEnv{t: t, l: hsmtest.Raw(t), fns: map[string]capi.Func{}}
	for _, f := range capi.All {
		e.fns[f.Name] = f
	}
	t.Cleanup(func() {
		if e.checked > 0 {
			t.Logf("%d calls checked", e.checked)
		}
		e.a.Free()
	})
	return e
}

func codes(rvs ...ck.RV) []uint64 {
	out := make([]uint64, len(rvs))
	for i, r := range rvs {
		out[i] = uint64(r)
	}
	return out
}

func rvName(rv uint64) string { return ck.RV(rv).String() }

func (e *rawEnv) call(name string, args ...uint64) uint64 { return e.l.Call(name, args...) }

// must fails the test unless the call returns CKR_OK; name may add a note
// in parentheses: "C_SignInit(ECDSA)".
func (e *rawEnv) must(name string, args ...uint64) {
	e.t.Helper()
	fn, _, _ := strings.Cut(name, "(")
	if rv := e.call(fn, args...); rv != 0 {
		e.t.Fatalf("%s: %s", name, rvName(rv))
	}
}

// want checks rv against the allowed codes.
func (e *rawEnv) want(what string, rv uint64, want []uint64) bool {
	e.t.Helper()
	e.checked++
	for _, w := range want {
		if rv == w {
			return true
		}
	}
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = rvName(w)
	}
	e.t.Errorf("%s: got %s, want %s", what, rvName(rv), strings.Join(names, " or "))
	return false
}

// label32 is a blank-padded CK_UTF8CHAR[32] label.
func (e *rawEnv) label32(s string) uint64 {
	b := bytes.Repeat([]byte(" "), 32)
	copy(b, s)
	return e.a.Bytes(b)
}

// slots returns C_GetSlotList(present).
func (e *rawEnv) slots(present uint64) []uint64 {
	e.t.Helper()
	pn := e.a.ULong(0)
	e.must("C_GetSlotList", present, 0, pn)
	n := capi.ReadULong(pn)
	buf := e.a.Buf(8 * int(n))
	e.must("C_GetSlotList", present, buf, pn)
	out := make([]uint64, capi.ReadULong(pn))
	for i := range out {
		out[i] = capi.ReadULong(buf + uint64(8*i))
	}
	return out
}

// tokenInfo returns the label and flags of a slot's token.
func (e *rawEnv) tokenInfo(slot uint64) (string, uint64) {
	e.t.Helper()
	info := e.a.Buf(512)
	e.must("C_GetTokenInfo", slot, info)
	// CK_TOKEN_INFO: label[32] manufacturerID[32] model[16] serialNumber[16] flags ...
	return strings.TrimRight(string(capi.Read(info, 32)), " "), capi.ReadULong(info + 96)
}

func (e *rawEnv) freeSlot() uint64 {
	e.t.Helper()
	for _, s := range e.slots(0) {
		if _, f := e.tokenInfo(s); f&uint64(ck.CKF_TOKEN_INITIALIZED) == 0 {
			return s
		}
	}
	e.t.Fatal("no free slot")
	return 0
}

func (e *rawEnv) slotOf(label string) uint64 {
	e.t.Helper()
	for _, s := range e.slots(1) {
		if l, _ := e.tokenInfo(s); l == label {
			return s
		}
	}
	e.t.Fatalf("no token %q", label)
	return 0
}

// open opens a R/W (rw) or R/O session.
func (e *rawEnv) open(slot uint64, rw bool) uint64 {
	e.t.Helper()
	flags := uint64(ck.CKF_SERIAL_SESSION)
	if rw {
		flags |= uint64(ck.CKF_RW_SESSION)
	}
	ph := e.a.ULong(0)
	e.must("C_OpenSession", slot, flags, 0, 0, ph)
	return capi.ReadULong(ph)
}

func (e *rawEnv) login(s uint64, user ck.UserType, pin string) uint64 {
	return e.call("C_Login", s, uint64(user), e.a.Bytes([]byte(pin)), uint64(len(pin)))
}

// initToken makes a token labelled label with the user PIN set; it returns its slot.
func (e *rawEnv) initToken(label string) uint64 {
	e.t.Helper()
	e.must("C_InitToken", e.freeSlot(), e.a.Bytes([]byte(hsmtest.SOPIN)), uint64(len(hsmtest.SOPIN)), e.label32(label))
	slot := e.slotOf(label)
	s := e.open(slot, true)
	if rv := e.login(s, ck.CKU_SO, hsmtest.SOPIN); rv != 0 {
		e.t.Fatalf("SO login: %s", rvName(rv))
	}
	e.must("C_InitPIN", s, e.a.Bytes([]byte(hsmtest.UserPIN)), uint64(len(hsmtest.UserPIN)))
	e.must("C_Logout", s)
	e.must("C_CloseSession", s)
	return slot
}

// create makes an object from attrs and returns its handle.
func (e *rawEnv) create(s uint64, attrs ...capi.Attr) uint64 {
	e.t.Helper()
	tp, n := e.a.Template(attrs...)
	ph := e.a.ULong(0)
	e.must("C_CreateObject", s, tp, n, ph)
	return capi.ReadULong(ph)
}

// setup initialises the library and makes tokens A and B and A's objects.
func (e *rawEnv) setup() {
	e.t.Helper()
	e.must("C_Initialize", 0)
	e.t.Cleanup(func() { e.call("C_Finalize", 0) })
	e.slot = e.initToken("A")
	e.slotB = e.initToken("B")
	e.s = e.open(e.slot, true)
	if rv := e.login(e.s, ck.CKU_USER, hsmtest.UserPIN); rv != 0 {
		e.t.Fatalf("user login: %s", rvName(rv))
	}
	e.pubB = e.open(e.slotB, true)
	e.km = newKeyMaterial(e.t)
	a := &e.a
	cls := func(c ck.ObjectClass) capi.Attr { return a.Num(uint64(ck.CKA_CLASS), uint64(c)) }
	kt := func(k ck.KeyType) capi.Attr { return a.Num(uint64(ck.CKA_KEY_TYPE), uint64(k)) }
	at := func(typ ck.AttributeType) uint64 { return uint64(typ) }
	e.data = e.create(e.s, cls(ck.CKO_DATA), a.Bool(at(ck.CKA_TOKEN), true), a.Val(at(ck.CKA_LABEL), []byte("data")),
		a.Val(at(ck.CKA_VALUE), []byte("data value")))
	e.aes = e.create(e.s, cls(ck.CKO_SECRET_KEY), kt(ck.CKK_AES), a.Bool(at(ck.CKA_SENSITIVE), true),
		a.Bool(at(ck.CKA_ENCRYPT), true), a.Bool(at(ck.CKA_DECRYPT), true), a.Val(at(ck.CKA_VALUE), e.km.aes))
	e.ecPriv = e.create(e.s, cls(ck.CKO_PRIVATE_KEY), kt(ck.CKK_EC), a.Val(at(ck.CKA_EC_PARAMS), p256),
		a.Bool(at(ck.CKA_SIGN), true), a.Val(at(ck.CKA_VALUE), e.km.ecScalar))
	e.ecPb = e.create(e.s, cls(ck.CKO_PUBLIC_KEY), kt(ck.CKK_EC), a.Val(at(ck.CKA_EC_PARAMS), p256),
		a.Bool(at(ck.CKA_VERIFY), true), a.Val(at(ck.CKA_EC_POINT), e.km.ecPoint))
	pt, pn := a.Template(a.Num(at(ck.CKA_PARAMETER_SET), uint64(ck.CKP_ML_KEM_768)))
	ph, vh := a.ULong(0), a.ULong(0)
	e.must("C_GenerateKeyPair(ML-KEM)", e.s, a.Mechanism(uint64(ck.CKM_ML_KEM_KEY_PAIR_GEN), nil), pt, pn, 0, 0, ph, vh)
	e.kemPub, e.kemPv = capi.ReadULong(ph), capi.ReadULong(vh)
}

// mechanismFor is the mechanism a valid call of fn uses.
func mechanismFor(fn string) ck.MechanismType {
	switch {
	case strings.Contains(fn, "Digest"):
		return ck.CKM_SHA256
	case strings.Contains(fn, "Sign"), strings.Contains(fn, "Verify"):
		return ck.CKM_ECDSA
	case fn == "C_GenerateKey":
		return ck.CKM_AES_KEY_GEN
	case fn == "C_GenerateKeyPair":
		return ck.CKM_EC_KEY_PAIR_GEN
	case fn == "C_WrapKey", fn == "C_UnwrapKey":
		return ck.CKM_AES_KEY_WRAP
	case fn == "C_DeriveKey":
		return ck.CKM_ECDH1_DERIVE
	case fn == "C_EncapsulateKey", fn == "C_DecapsulateKey":
		return ck.CKM_ML_KEM
	}
	return ck.CKM_AES_ECB
}

// keyFor is the object a valid call of fn uses.
func (e *rawEnv) keyFor(fn string) uint64 {
	switch {
	case fn == "C_EncapsulateKey":
		return e.kemPub
	case fn == "C_DecapsulateKey":
		return e.kemPv
	case strings.Contains(fn, "Sign"), fn == "C_DeriveKey":
		return e.ecPriv
	case strings.Contains(fn, "Verify"):
		return e.ecPb
	case strings.Contains(fn, "crypt"), strings.Contains(fn, "Wrap"), strings.Contains(fn, "Unwrap"), fn == "C_DigestKey":
		return e.aes
	}
	return e.data
}

// template is the template a valid call of fn uses (nth: which T argument).
func (e *rawEnv) template(fn string, nth int) (uint64, uint64) {
	a := &e.a
	at := func(typ ck.AttributeType) uint64 { return uint64(typ) }
	switch fn {
	case "C_CreateObject":
		return a.Template(a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_DATA)), a.Val(at(ck.CKA_LABEL), []byte("made")))
	case "C_GetAttributeValue":
		return a.Template(a.Out(at(ck.CKA_LABEL), 64))
	case "C_GenerateKey":
		return a.Template(a.Num(at(ck.CKA_VALUE_LEN), 16))
	case "C_GenerateKeyPair":
		if nth == 0 {
			return a.Template(a.Val(at(ck.CKA_EC_PARAMS), p256), a.Bool(at(ck.CKA_VERIFY), true))
		}
		return a.Template(a.Bool(at(ck.CKA_SIGN), true))
	case "C_UnwrapKey", "C_DeriveKey", "C_EncapsulateKey", "C_DecapsulateKey":
		return a.Template(a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_SECRET_KEY)), a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_AES)),
			a.Num(at(ck.CKA_VALUE_LEN), 16))
	}
	return a.Template(a.Val(at(ck.CKA_LABEL), []byte("made")))
}

// args builds a valid-looking call of fn in session s: every pointer points
// at enough memory, every length fits, so a test can break one argument.
func (e *rawEnv) args(fn string, s uint64) []uint64 {
	f := e.fns[fn]
	out := make([]uint64, len(f.Args))
	tNth, kNth := 0, 0
	for i, k := range f.Args {
		switch k {
		case 'S':
			out[i] = s
		case 'l':
			out[i] = e.slot
		case 'f':
			switch fn {
			case "C_OpenSession":
				out[i] = uint64(ck.CKF_SERIAL_SESSION | ck.CKF_RW_SESSION)
			case "C_WaitForSlotEvent":
				out[i] = uint64(ck.CKF_DONT_BLOCK)
			}
		case 'u':
			out[i] = uint64(ck.CKU_USER)
		case 'm':
			out[i] = uint64(ck.CKM_SHA256)
		case 'K':
			out[i] = e.keyFor(fn)
			if fn == "C_DestroyObject" && e.s != 0 { // a valid call really destroys: give it its own object
				out[i] = e.create(e.s, e.a.Num(uint64(ck.CKA_CLASS), uint64(ck.CKO_DATA)))
			}
			if kNth > 0 { // C_WrapKey's key to wrap, C_SetOperationState's authentication key
				out[i] = e.aes
			}
			kNth++
		case 'M':
			out[i] = e.a.Mechanism(uint64(mechanismFor(fn)), nil)
		case 'B':
			out[i] = e.a.Bytes(bytes.Repeat([]byte("x"), 64))
			if fn == "C_InitToken" && i == 3 {
				out[i] = e.label32("A")
			}
		case 'L':
			out[i] = 32
		case 'T':
			out[i], out[i+1] = e.template(fn, tNth)
			tNth++
		case 'N':
			if out[i] == 0 {
				out[i] = 16 // C_FindObjects' maximum
			}
		case 'O', 'o':
			out[i] = e.a.Buf(4096)
		case 'P', 'p':
			out[i] = e.a.ULong(4096)
		case 'C':
			out[i] = e.a.CString("PKCS 11")
		}
	}
	return out
}

// unsupportedOnce is unsupported, worked out once per process.
func (e *rawEnv) unsupportedOnce() map[string]bool {
	if e.un == nil {
		e.un = e.unsupported()
	}
	return e.un
}

// unsupported lists the functions that answer CKR_FUNCTION_NOT_SUPPORTED to a
// valid call: they must answer it to every call.
func (e *rawEnv) unsupported() map[string]bool {
	e.t.Helper()
	un := map[string]bool{}
	for _, f := range capi.All {
		switch f.Name {
		case "C_Initialize", "C_Finalize", "C_CloseSession", "C_CloseAllSessions", "C_Logout", "C_InitToken":
			continue // state changing, and certainly offered
		}
		s := e.open(e.slot, true)
		if e.call(f.Name, e.args(f.Name, s)...) == uint64(ck.CKR_FUNCTION_NOT_SUPPORTED) {
			un[f.Name] = true
		}
		e.call("C_CloseSession", s)
	}
	return un
}
