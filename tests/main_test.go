// Package tests holds gohsm's black-box tests: they load the built
// libgohsm.so through its C ABI (github.com/miekg/pkcs11, and raw C calls
// through tests/internal/capi), each test in its own process and store.
package tests

import (
	"testing"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

func TestMain(m *testing.M) { hsmtest.Main(m) }
