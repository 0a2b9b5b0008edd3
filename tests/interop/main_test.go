// Package interop checks libgohsm.so against an independent implementation:
// what the token signs, encrypts, MACs, wraps or derives through its C ABI,
// OpenSSL's command line (or libcrypto through a small C program) verifies,
// decrypts or recomputes; and what OpenSSL makes, the token accepts.
// Each top-level test runs in its own process and store (hsmtest.InChild).
package interop

import (
	"testing"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

func TestMain(m *testing.M) { hsmtest.Main(m) }
