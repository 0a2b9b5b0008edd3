// Command cexport builds libgohsm.so (-buildmode=c-shared): the PKCS#11 C
// ABI of gohsm (DESIGN.md rule 1).
//
// The exported C_* symbols are C (the *.c files): they keep the initialised
// and forked flags, hand out the static function lists, check the pointer
// arguments, and call the go* shims of this package. A shim converts the C
// arguments to Go values, calls the one provider.Module, converts the result
// back and turns a panic into CKR_GENERAL_ERROR. Only C_* is exported
// (exports.map).
package main

// The C header's constants come from ck/ (DESIGN.md rule 5); TestConstsHeaderCurrent
// fails until this is rerun after a constant is added there.
//go:generate sh -c "cd .. && sh cexport/include/genconsts.sh > cexport/include/pkcs11_consts.h"

/*
#cgo CFLAGS: -I${SRCDIR}/include -Wall
#cgo LDFLAGS: -ldl -lpthread
#include "pkcs11.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

func main() {}

// module is the library instance between C_Initialize and C_Finalize.
var module atomic.Pointer[provider.Module]

// fallbackLog reports what happens with no module (a failed C_Initialize).
var fallbackLog = func() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(os.Stderr)
	l.SetLevel(logrus.WarnLevel)
	return l
}()

func logger() *logrus.Logger {
	if m := module.Load(); m != nil {
		return m.Log()
	}
	return fallbackLog
}

// mod returns the module, or CKR_CRYPTOKI_NOT_INITIALIZED when C_Finalize
// raced the call past the C front's check. Every shim calls it first; it
// also turns a memory fault at any address (a garbage pointer from the
// application) into a panic that recoverRV reports, not a crash of the
// application.
func mod() (*provider.Module, error) {
	debug.SetPanicOnFault(true)
	if m := module.Load(); m != nil {
		return m, nil
	}
	return nil, ck.CKR_CRYPTOKI_NOT_INITIALIZED
}

// recoverRV is deferred by every shim: a panic becomes CKR_GENERAL_ERROR and
// a log line naming the function (never its arguments: they may be PINs,
// keys or data).
func recoverRV(fn string, rv *C.CK_RV) {
	if r := recover(); r != nil {
		logger().WithFields(logrus.Fields{"function": fn, "panic": fmt.Sprint(r), "stack": string(debug.Stack())}).
			Error("gohsm: internal error (panic)")
		*rv = C.CKR_GENERAL_ERROR
	}
}

// rvOf converts a provider error: nil is CKR_OK, a ck.RV is itself, anything
// else is a bug reported as CKR_GENERAL_ERROR.
func rvOf(fn string, err error) C.CK_RV {
	if err == nil {
		return C.CKR_OK
	}
	var rv ck.RV
	if errors.As(err, &rv) && rv != ck.CKR_OK {
		return C.CK_RV(rv)
	}
	logger().WithField("function", fn).WithError(err).Error("gohsm: internal error")
	return C.CKR_GENERAL_ERROR
}
