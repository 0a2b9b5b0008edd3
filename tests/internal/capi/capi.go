// Package capi calls a PKCS#11 module through its raw C ABI, for tests that
// need what a Go wrapper hides: NULL pointers, short buffers, per-attribute
// results, the 3.0 interface. Memory handed to the module is C memory from an
// Arena, so pointers are plain integers and cgo's pointer rules never apply.
package capi

/*
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include <string.h>
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"os"
	"time"
	"unsafe"
)

// CallTimeout bounds one call: a hang is reported by name and ends the process.
var CallTimeout = 20 * time.Second

// Lib is a loaded module and its 3.0 function list.
type Lib struct {
	handle  unsafe.Pointer
	list    *C.capi_list // from C_GetInterface("PKCS 11")
	index   map[string]int
	Version [2]byte // the interface's CK_VERSION
}

// Open dlopens path and takes the "PKCS 11" 3.2 interface from C_GetInterface.
// It calls no other function; the module is not initialised.
func Open(path string) (*Lib, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var cerr *C.char
	h := C.capi_open(cpath, &cerr)
	if h == nil {
		return nil, fmt.Errorf("dlopen %s: %s", path, C.GoString(cerr))
	}
	l := &Lib{handle: h, index: map[string]int{}}
	for i, f := range All {
		l.index[f.Name] = i
	}
	var a Arena
	defer a.Free()
	pp := a.Buf(8)
	if rv := l.CallSym("C_GetInterface", 4, a.CString("PKCS 11"), a.Bytes([]byte{3, 2}), pp, 0); rv != 0 {
		return nil, fmt.Errorf("C_GetInterface(\"PKCS 11\", 3.2): %#x", rv)
	}
	iface := (*C.capi_interface)(ptr(ReadULong(pp)))
	if iface == nil || iface.functionList == nil {
		return nil, fmt.Errorf("C_GetInterface returned no function list")
	}
	l.list = (*C.capi_list)(iface.functionList)
	l.Version = [2]byte{byte(l.list.version.major), byte(l.list.version.minor)}
	return l, nil
}

// Has reports whether the list's entry for fn is filled.
func (l *Lib) Has(fn string) bool { return l.fn(fn) != nil }

func (l *Lib) fn(name string) unsafe.Pointer {
	i, ok := l.index[name]
	if !ok {
		panic("capi: no function " + name)
	}
	fns := unsafe.Slice(C.capi_fns(l.list), len(All))
	return fns[i]
}

// Call calls fn from the 3.2 function list with args (pointers and CK_ULONGs as words).
func (l *Lib) Call(name string, args ...uint64) uint64 {
	f := All[l.index[name]]
	if len(args) != f.Arity() {
		panic(fmt.Sprintf("capi: %s takes %d arguments, got %d", name, f.Arity(), len(args)))
	}
	p := l.fn(name)
	if p == nil {
		panic("capi: " + name + " is NULL in the function list")
	}
	return call(name, p, args)
}

// CallSym calls an exported symbol directly (C_GetInterface, C_GetFunctionList ...).
func (l *Lib) CallSym(name string, arity int, args ...uint64) uint64 {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	p := C.capi_sym(l.handle, cname)
	if p == nil {
		panic("capi: symbol " + name + " not exported")
	}
	if len(args) != arity {
		panic("capi: arity")
	}
	return call(name, p, args)
}

func call(name string, p unsafe.Pointer, args []uint64) uint64 {
	var a [C.CAPI_MAX_ARGS]C.uint64_t
	for i, v := range args {
		a[i] = C.uint64_t(v)
	}
	watchdog := time.AfterFunc(CallTimeout, func() {
		fmt.Fprintf(os.Stderr, "capi: %s did not return within %v: hang\n", name, CallTimeout)
		os.Exit(3)
	})
	defer watchdog.Stop()
	return uint64(C.capi_call(p, C.int(len(args)), &a[0]))
}

// FunctionList returns the version and the non-NULL entries of the list at p
// (a CK_FUNCTION_LIST or CK_FUNCTION_LIST_3_0 with n entries).
func FunctionList(p uint64, n int) (version [2]byte, filled int) {
	l := (*C.capi_list)(ptr(p))
	for _, f := range unsafe.Slice(C.capi_fns(l), n) {
		if f != nil {
			filled++
		}
	}
	return [2]byte{byte(l.version.major), byte(l.version.minor)}, filled
}

// MutexFunctions writes CreateMutex, DestroyMutex, LockMutex and UnlockMutex
// (pthread mutexes) at p, the start of a CK_C_INITIALIZE_ARGS.
func MutexFunctions(p uint64) { C.capi_mutex_fns((*unsafe.Pointer)(ptr(p))) }

// MutexCalls counts the calls the library made to MutexFunctions' callbacks.
func MutexCalls() uint64 { return uint64(C.capi_mutex_calls()) }

func ptr(p uint64) unsafe.Pointer { return C.capi_ptr(C.uint64_t(p)) }
