package provider

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestGenerateRandom(t *testing.T) {
	m, h := publicSession(t)
	for _, n := range []int{0, 1, 16, 1000, 1 << 20} {
		a, b := make([]byte, n), make([]byte, n)
		must(t, m.GenerateRandom(h, a))
		must(t, m.GenerateRandom(h, b))
		if n >= 16 && bytes.Equal(a, b) {
			t.Fatalf("two %d-byte outputs are equal", n)
		}
		if n >= 1000 && bytes.Count(a, []byte{0}) > n/64 {
			t.Fatalf("%d-byte output has %d zero bytes", n, bytes.Count(a, []byte{0}))
		}
	}
	wantRV(t, "bad session", m.GenerateRandom(h+99, make([]byte, 8)), ck.CKR_SESSION_HANDLE_INVALID)
	wantRV(t, "seed", m.SeedRandom(h, []byte("seed")), ck.CKR_RANDOM_SEED_NOT_SUPPORTED)
	wantRV(t, "seed bad session", m.SeedRandom(h+99, []byte("seed")), ck.CKR_SESSION_HANDLE_INVALID)
}
