package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// noInitNeeded are the functions the specification lets run before C_Initialize.
var noInitNeeded = map[string]bool{"C_Initialize": true, "C_GetFunctionList": true, "C_GetInterfaceList": true, "C_GetInterface": true}

// legacy are the functions of parallel execution, gone since 2.0: always CKR_FUNCTION_NOT_PARALLEL.
var legacy = map[string]bool{"C_GetFunctionStatus": true, "C_CancelFunction": true}

// sweepNotInitialized calls every function that needs an initialised library.
func (e *rawEnv) sweepNotInitialized(when string) {
	e.t.Helper()
	for _, f := range capi.All {
		if noInitNeeded[f.Name] {
			continue
		}
		want := codes(ck.CKR_CRYPTOKI_NOT_INITIALIZED)
		if legacy[f.Name] {
			want = codes(ck.CKR_CRYPTOKI_NOT_INITIALIZED, ck.CKR_FUNCTION_NOT_PARALLEL)
		}
		e.want(when+": "+f.Name, e.call(f.Name, e.args(f.Name, 1)...), want)
	}
}

// TestBadInputInitialize: the function lists and interfaces, every function
// before C_Initialize and after C_Finalize, and C_Initialize's arguments.
func TestBadInputInitialize(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := openRaw(t)
	if e.l.Version != [2]byte{3, 2} {
		t.Errorf("C_GetInterface(\"PKCS 11\", 3.2) version %d.%d, want 3.2", e.l.Version[0], e.l.Version[1])
	}
	pp := e.a.Buf(8)
	e.want("C_GetFunctionList(NULL)", e.l.CallSym("C_GetFunctionList", 1, 0), codes(ck.CKR_ARGUMENTS_BAD))
	if e.want("C_GetFunctionList", e.l.CallSym("C_GetFunctionList", 1, pp), codes(ck.CKR_OK)) {
		if v, n := capi.FunctionList(capi.ReadULong(pp), capi.Functions240); v != [2]byte{2, 40} || n != capi.Functions240 {
			t.Errorf("C_GetFunctionList: version %d.%d with %d of %d functions, want 2.40 and all", v[0], v[1], n, capi.Functions240)
		}
	}
	if e.want("C_GetInterface(PKCS 11)", e.call("C_GetInterface", e.a.CString("PKCS 11"), 0, pp, 0), codes(ck.CKR_OK)) {
		// CK_INTERFACE: name, function list, flags.
		iface := capi.ReadULong(pp)
		if v, n := capi.FunctionList(capi.ReadULong(iface+8), len(capi.Functions)); v != [2]byte{3, 0} || n != len(capi.Functions) {
			t.Errorf("3.0 interface: version %d.%d with %d of %d functions", v[0], v[1], n, len(capi.Functions))
		}
	}
	if e.want("C_GetInterface(PKCS 11, 3.2)", e.call("C_GetInterface", e.a.CString("PKCS 11"), e.a.Bytes([]byte{3, 2}), pp, 0), codes(ck.CKR_OK)) {
		if v, n := capi.FunctionList(capi.ReadULong(capi.ReadULong(pp)+8), len(capi.All)); v != [2]byte{3, 2} || n != len(capi.All) {
			t.Errorf("3.2 interface: version %d.%d with %d of %d functions", v[0], v[1], n, len(capi.All))
		}
	}
	e.want("C_GetInterface(NULL name: default)", e.call("C_GetInterface", 0, 0, pp, 0), codes(ck.CKR_OK))
	e.want("C_GetInterface(unknown name)", e.call("C_GetInterface", e.a.CString("Vendor X"), 0, pp, 0), codes(ck.CKR_ARGUMENTS_BAD))
	e.want("C_GetInterface(version 9.9)", e.call("C_GetInterface", e.a.CString("PKCS 11"), e.a.Bytes([]byte{9, 9}), pp, 0), codes(ck.CKR_ARGUMENTS_BAD))
	e.want("C_GetInterface(NULL out)", e.call("C_GetInterface", e.a.CString("PKCS 11"), 0, 0, 0), codes(ck.CKR_ARGUMENTS_BAD))
	e.want("C_GetInterface(2.40)", e.call("C_GetInterface", e.a.CString("PKCS 11"), e.a.Bytes([]byte{2, 40}), pp, 0), codes(ck.CKR_OK))
	pn := e.a.ULong(0)
	e.want("C_GetInterfaceList(NULL, NULL)", e.call("C_GetInterfaceList", 0, 0), codes(ck.CKR_ARGUMENTS_BAD))
	if e.want("C_GetInterfaceList length query", e.call("C_GetInterfaceList", 0, pn), codes(ck.CKR_OK)) {
		n := capi.ReadULong(pn)
		if n < 1 {
			t.Errorf("C_GetInterfaceList: %d interfaces", n)
		}
		capi.WriteULong(pn, n-1)
		e.want("C_GetInterfaceList short", e.call("C_GetInterfaceList", e.a.Buf(24*int(n)), pn), codes(ck.CKR_BUFFER_TOO_SMALL))
		if got := capi.ReadULong(pn); got != n {
			t.Errorf("C_GetInterfaceList short buffer: count %d, want %d", got, n)
		}
	}

	e.sweepNotInitialized("before C_Initialize")

	// CK_C_INITIALIZE_ARGS: CreateMutex, DestroyMutex, LockMutex, UnlockMutex, flags, pReserved.
	initArgs := func(mutexes int, flags uint64, reserved uint64) uint64 {
		p := e.a.Buf(48)
		for i := 0; i < mutexes; i++ {
			capi.WriteULong(p+uint64(8*i), e.a.Buf(16)) // never called: the call must fail first
		}
		capi.WriteULong(p+32, flags)
		capi.WriteULong(p+40, reserved)
		return p
	}
	e.want("C_Initialize(some mutex functions)", e.call("C_Initialize", initArgs(2, 0, 0)), codes(ck.CKR_ARGUMENTS_BAD))
	e.want("C_Initialize(pReserved not NULL)", e.call("C_Initialize", initArgs(0, 0, e.a.CString("junk"))), codes(ck.CKR_ARGUMENTS_BAD))
	e.want("C_GetInfo after failed C_Initialize", e.call("C_GetInfo", e.a.Buf(256)), codes(ck.CKR_CRYPTOKI_NOT_INITIALIZED))
	// The Go runtime makes threads, so CKR_NEED_TO_CREATE_THREADS is the literal
	// answer; CKR_OK is what GnuTLS, which always sets the flag, needs (TestP11tool).
	rv := e.call("C_Initialize", initArgs(0, uint64(ck.CKF_LIBRARY_CANT_CREATE_OS_THREADS), 0))
	e.want("C_Initialize(CKF_LIBRARY_CANT_CREATE_OS_THREADS)", rv, codes(ck.CKR_NEED_TO_CREATE_THREADS, ck.CKR_OK))
	if rv == 0 {
		e.must("C_Finalize", 0)
	}
	// Mutex callbacks without CKF_OS_LOCKING_OK: the library must use them or say CKR_CANT_LOCK.
	withMutexes := initArgs(0, 0, 0)
	capi.MutexFunctions(withMutexes)
	rv = e.call("C_Initialize", withMutexes)
	if e.want("C_Initialize(mutex callbacks)", rv, codes(ck.CKR_OK, ck.CKR_CANT_LOCK)) && rv == 0 {
		e.want("C_GetInfo with the application's mutexes", e.call("C_GetInfo", e.a.Buf(256)), codes(ck.CKR_OK))
		e.must("C_Finalize", 0)
		t.Logf("C_Initialize accepted mutex callbacks; the library called them %d times", capi.MutexCalls())
	}
	capi.WriteULong(withMutexes+32, uint64(ck.CKF_OS_LOCKING_OK))
	e.want("C_Initialize(mutex callbacks and CKF_OS_LOCKING_OK)", e.call("C_Initialize", withMutexes), codes(ck.CKR_OK))
	e.must("C_Finalize", 0)
	e.must("C_Initialize", initArgs(0, uint64(ck.CKF_OS_LOCKING_OK), 0))
	e.want("C_Initialize twice", e.call("C_Initialize", 0), codes(ck.CKR_CRYPTOKI_ALREADY_INITIALIZED))
	e.want("C_GetInfo(NULL)", e.call("C_GetInfo", 0), codes(ck.CKR_ARGUMENTS_BAD))
	e.want("C_Finalize(pReserved not NULL)", e.call("C_Finalize", e.a.Buf(8)), codes(ck.CKR_ARGUMENTS_BAD))
	e.must("C_Finalize", 0)
	e.want("C_Finalize twice", e.call("C_Finalize", 0), codes(ck.CKR_CRYPTOKI_NOT_INITIALIZED))
	e.sweepNotInitialized("after C_Finalize")
	// And usable again.
	e.must("C_Initialize", 0)
	e.want("C_GetInfo after re-initialisation", e.call("C_GetInfo", e.a.Buf(256)), codes(ck.CKR_OK))
	e.must("C_Finalize", 0)
}

// TestUnsupportedListedInREADME: a function that is not offered returns
// CKR_FUNCTION_NOT_SUPPORTED and is listed in the README (issue 3).
func TestUnsupportedListedInREADME(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := openRaw(t)
	e.setup()
	readme, err := os.ReadFile(filepath.Join("..", "README.md")) // go test runs in tests/
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range e.unsupported() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !bytes.Contains(readme, []byte(name)) {
			t.Errorf("%s returns CKR_FUNCTION_NOT_SUPPORTED but README.md does not list it", name)
		}
	}
}

// sessionCodes is what a function may answer to a bad session handle.
func sessionCodes(fn string, unsupported map[string]bool) []uint64 {
	switch {
	case legacy[fn]:
		return codes(ck.CKR_FUNCTION_NOT_PARALLEL, ck.CKR_SESSION_HANDLE_INVALID)
	case unsupported[fn]:
		return codes(ck.CKR_FUNCTION_NOT_SUPPORTED)
	}
	return codes(ck.CKR_SESSION_HANDLE_INVALID)
}

// TestBadInputSessionHandles: every function that takes a session, with a
// handle never issued, CK_INVALID_HANDLE and a closed session's handle.
func TestBadInputSessionHandles(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := openRaw(t)
	e.setup()
	un := e.unsupported()
	closed := e.open(e.slot, true)
	e.must("C_CloseSession", closed)
	for _, f := range capi.All {
		if f.Args[0] != 'S' {
			continue
		}
		for _, bad := range []struct {
			name string
			h    uint64
		}{{"never issued", 0x7eadbeef}, {"CK_INVALID_HANDLE", 0}, {"closed", closed}} {
			e.want(f.Name+" with a "+bad.name+" session", e.call(f.Name, e.args(f.Name, bad.h)...), sessionCodes(f.Name, un))
		}
	}
	// The good session still works after all that.
	e.want("C_GetSessionInfo after the sweep", e.call("C_GetSessionInfo", e.s, e.a.Buf(64)), codes(ck.CKR_OK))
}

// required reports whether argument i of f must not be NULL.
func required(f capi.Func, i int) bool {
	switch f.Args[i] {
	case 'M':
		// PKCS#11 3.0: an *Init with pMechanism NULL_PTR ends the active operation (TestBadInputCases).
		return !strings.HasSuffix(f.Name, "Init")
	case 'O', 'P':
		return true
	case 'T':
		return true // its count is at least 1
	case 'B':
		return i+1 >= len(f.Args) || f.Args[i+1] == 'L' || f.Name == "C_InitToken"
	}
	return false
}

// TestBadInputNullPointers: every function, every required pointer set to
// NULL, otherwise valid arguments, each in a fresh session. The answer is
// CKR_ARGUMENTS_BAD, or the error the same call gives with the pointer in
// place (the specification does not order the checks); never CKR_OK, never
// a crash.
func TestBadInputNullPointers(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := openRaw(t)
	e.setup()
	un := e.unsupported()
	exact := 0 // cases whose valid call succeeds, so only CKR_ARGUMENTS_BAD will do
	defer func() { t.Logf("%d NULL-pointer cases had to give exactly CKR_ARGUMENTS_BAD", exact) }()
	for _, f := range capi.All {
		switch f.Name {
		case "C_Initialize", "C_Finalize", "C_GetFunctionList", "C_GetInterface", "C_GetInterfaceList":
			continue // TestBadInputInitialize
		}
		for i := range f.Args {
			if !required(f, i) {
				continue
			}
			s := e.open(e.slot, true)
			base := e.call(f.Name, e.args(f.Name, s)...)
			e.call("C_CloseSession", s)
			s = e.open(e.slot, true)
			args := e.args(f.Name, s)
			args[i] = 0
			rv := e.call(f.Name, args...)
			e.call("C_CloseSession", s)
			want := codes(ck.CKR_ARGUMENTS_BAD)
			if base == 0 {
				exact++
			}
			switch {
			case un[f.Name]:
				want = codes(ck.CKR_FUNCTION_NOT_SUPPORTED)
			case base != 0 && base != uint64(ck.CKR_BUFFER_TOO_SMALL) && base != uint64(ck.CKR_GENERAL_ERROR):
				want = append(want, base)
			}
			e.want(f.Name+": NULL argument "+string(rune('1'+i))+" ("+string(f.Args[i])+"), valid call gives "+rvName(base), rv, want)
		}
	}
}

// TestBadInputObjectHandles: every function that takes an object handle,
// with a handle never issued, CK_INVALID_HANDLE and a destroyed object's.
func TestBadInputObjectHandles(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := openRaw(t)
	e.setup()
	un := e.unsupported()
	gone := e.create(e.s, e.a.Num(uint64(ck.CKA_CLASS), uint64(ck.CKO_DATA)))
	e.must("C_DestroyObject", e.s, gone)
	handleCodes := codes(ck.CKR_OBJECT_HANDLE_INVALID, ck.CKR_KEY_HANDLE_INVALID,
		ck.CKR_WRAPPING_KEY_HANDLE_INVALID, ck.CKR_UNWRAPPING_KEY_HANDLE_INVALID)
	for _, f := range capi.All {
		for i, k := range f.Args {
			if k != 'K' {
				continue
			}
			for _, bad := range []struct {
				name string
				h    uint64
			}{{"never issued", 0x7eadbeef}, {"CK_INVALID_HANDLE", 0}, {"destroyed", gone}} {
				s := e.open(e.slot, true)
				base := e.call(f.Name, e.args(f.Name, s)...)
				e.call("C_CloseSession", s)
				s = e.open(e.slot, true)
				args := e.args(f.Name, s)
				args[i] = bad.h
				rv := e.call(f.Name, args...)
				e.call("C_CloseSession", s)
				want := handleCodes
				switch {
				case un[f.Name]:
					want = codes(ck.CKR_FUNCTION_NOT_SUPPORTED)
				case f.Name == "C_GetAttributeValue", f.Name == "C_SetAttributeValue", f.Name == "C_CopyObject",
					f.Name == "C_DestroyObject", f.Name == "C_GetObjectSize":
					want = codes(ck.CKR_OBJECT_HANDLE_INVALID)
				case base != 0:
					want = append(append([]uint64(nil), handleCodes...), base)
				case f.Name == "C_WrapKey" && i == 2:
					want = codes(ck.CKR_WRAPPING_KEY_HANDLE_INVALID)
				case f.Name == "C_UnwrapKey":
					want = codes(ck.CKR_UNWRAPPING_KEY_HANDLE_INVALID)
				default: // the *Init functions, C_DigestKey, C_DeriveKey, C_WrapKey's key
					want = codes(ck.CKR_KEY_HANDLE_INVALID)
				}
				e.want(f.Name+" with a "+bad.name+" object (valid call gives "+rvName(base)+")", rv, want)
			}
		}
	}
}
