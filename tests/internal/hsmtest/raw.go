package hsmtest

import (
	"testing"

	"github.com/gohsm/gohsm/tests/internal/capi"
)

// Raw opens the library's raw C ABI (the same loaded module as Load's, so
// sessions and handles are shared with the pkcs11.Ctx).
func Raw(t testing.TB) *capi.Lib {
	t.Helper()
	l, err := capi.Open(LibPath(t))
	if err != nil {
		t.Fatal(err)
	}
	return l
}
