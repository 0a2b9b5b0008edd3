package provider

// random.go is random number generation (PKCS#11 3.0 §5.15).

import (
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
)

// SeedRandom is C_SeedRandom. The generator is the operating system's
// (crypto/rand), which takes no seed from applications.
func (m *Module) SeedRandom(h ck.SessionHandle, seed []byte) error {
	if _, err := m.session(h); err != nil {
		return err
	}
	return ck.CKR_RANDOM_SEED_NOT_SUPPORTED
}

// GenerateRandom is C_GenerateRandom: len(out) bytes from crypto/rand.
func (m *Module) GenerateRandom(h ck.SessionHandle, out []byte) error {
	if _, err := m.session(h); err != nil {
		return err
	}
	if _, err := rand.Read(out); err != nil {
		return ck.CKR_FUNCTION_FAILED
	}
	return nil
}
