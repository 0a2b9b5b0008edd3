package main

/*
#include <stdlib.h>
#include "pkcs11.h"
*/
import "C"

import (
	"errors"
	"os"
	"strings"
	"unsafe"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

// goInitialize makes the module. reserved is C_Initialize's "gohsm:..."
// string or NULL (the C front has checked its prefix); the store directory is
// written to dir for a forked child's helper.
//
//export goInitialize
func goInitialize(reserved *C.char, dir *C.char, dirLen C.size_t) (rv C.CK_RV) {
	defer recoverRV("C_Initialize", &rv)
	syncEnv()
	opts := provider.Options{}
	if reserved != nil {
		opts.Reserved = C.GoString(reserved)
		if err := checkReserved(opts.Reserved); err != nil {
			fallbackLog.WithError(err).Error("gohsm: C_Initialize: bad pReserved")
			return C.CKR_ARGUMENTS_BAD
		}
	}
	m, err := provider.New(opts)
	if err != nil {
		var code ck.RV
		if errors.As(err, &code) && code != ck.CKR_OK {
			return C.CK_RV(code)
		}
		// provider.New has logged the reason (a bad configuration, a store
		// that cannot be opened).
		return C.CKR_GENERAL_ERROR
	}
	module.Store(m)
	d := m.StoreDir()
	if dir != nil && dirLen > 0 {
		out := unsafe.Slice((*byte)(unsafe.Pointer(dir)), int(dirLen))
		if len(d) >= len(out) || strings.IndexByte(d, 0) >= 0 {
			d = "" // the child's helper then uses its own configuration
		}
		n := copy(out, d)
		out[n] = 0
	}
	return C.CKR_OK
}

// envVars are the variables the configuration reads (config.Load).
var envVars = []string{"GOHSM_DIR", "GOHSM_CONF", "XDG_DATA_HOME", "HOME"}

// syncEnv copies envVars from the C environment into Go's. The Go runtime
// took its copy when the library was loaded; an application may well set
// GOHSM_DIR after dlopen and before C_Initialize, and expects it to count.
func syncEnv() {
	for _, k := range envVars {
		ck := C.CString(k)
		v := C.getenv(ck)
		C.free(unsafe.Pointer(ck))
		if v == nil {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, C.GoString(v))
		}
	}
}

// checkReserved accepts "gohsm:" followed by ";"-separated key=value options
// with the keys provider understands, each with an absolute path.
func checkReserved(s string) error {
	rest, ok := strings.CutPrefix(s, "gohsm:")
	if !ok {
		return errors.New(`pReserved must start with "gohsm:"`)
	}
	for _, kv := range strings.Split(rest, ";") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "dir", "conf":
			if !strings.HasPrefix(v, "/") {
				return errors.New("pReserved: " + k + " must be an absolute path")
			}
		default:
			return errors.New("pReserved: unknown option " + k)
		}
	}
	return nil
}

//export goFinalize
func goFinalize() (rv C.CK_RV) {
	defer recoverRV("C_Finalize", &rv)
	m := module.Swap(nil)
	if m == nil {
		return C.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	if err := m.Close(); err != nil {
		m.Log().WithError(err).Error("gohsm: C_Finalize: closing the store failed")
	}
	return C.CKR_OK
}

//export goGetInfo
func goGetInfo(p *C.CK_INFO) (rv C.CK_RV) {
	defer recoverRV("C_GetInfo", &rv)
	m, err := mod()
	if err != nil {
		return rvOf("C_GetInfo", err)
	}
	info := m.Info()
	p.cryptokiVersion = version(info.CryptokiVersion)
	padded(unsafe.Pointer(&p.manufacturerID[0]), len(p.manufacturerID), info.ManufacturerID)
	p.flags = C.CK_FLAGS(info.Flags)
	padded(unsafe.Pointer(&p.libraryDescription[0]), len(p.libraryDescription), info.LibraryDescription)
	p.libraryVersion = version(info.LibraryVersion)
	return C.CKR_OK
}
