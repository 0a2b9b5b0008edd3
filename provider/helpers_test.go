package provider

// Shared test helpers for every provider test file: a Module on a fresh
// store with cheap Argon2 costs, and a token with an officer and a user.

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/config"
)

const (
	testSOPIN   = "so-secret"
	testUserPIN = "user-secret"
)

// newTestModule opens a Module on a fresh store in t.TempDir().
func newTestModule(t testing.TB) *Module {
	t.Helper()
	return openTestModule(t, t.TempDir())
}

// openTestModule opens a Module on the store in dir (which may be shared).
func openTestModule(t testing.TB, dir string) *Module {
	t.Helper()
	cfg := config.Default()
	cfg.StoreDir = dir
	cfg.Log.Level = "error"
	cfg.KDF = config.KDF{Time: 1, MemoryKiB: 64, Threads: 1}
	m, err := New(Options{Config: &cfg})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// freeSlot returns the slot of the uninitialised token.
func freeSlot(t testing.TB, m *Module) ck.SlotID {
	t.Helper()
	ids, err := m.SlotList(false)
	if err != nil || len(ids) == 0 {
		t.Fatalf("SlotList: %v %v", ids, err)
	}
	return ids[len(ids)-1]
}

// initTestToken initialises a token with testSOPIN and a default user with
// testUserPIN, leaving nobody logged in and no session open.
func initTestToken(t testing.TB, m *Module) ck.SlotID {
	t.Helper()
	slot := freeSlot(t, m)
	must(t, m.InitToken(slot, []byte(testSOPIN), "test token"))
	h := openRW(t, m, slot)
	must(t, m.Login(h, ck.CKU_SO, []byte(testSOPIN)))
	must(t, m.InitPIN(h, []byte(testUserPIN)))
	must(t, m.CloseSession(h))
	return slot
}

// userSession opens a R/W session on a fresh token with the default user logged in.
func userSession(t testing.TB) (*Module, ck.SlotID, ck.SessionHandle) {
	t.Helper()
	m := newTestModule(t)
	slot := initTestToken(t, m)
	h := openRW(t, m, slot)
	must(t, m.Login(h, ck.CKU_USER, []byte(testUserPIN)))
	return m, slot, h
}

func openRW(t testing.TB, m *Module, slot ck.SlotID) ck.SessionHandle {
	t.Helper()
	h, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
	must(t, err)
	return h
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantRV checks that err is the PKCS#11 code want (nil for CKR_OK).
func wantRV(t testing.TB, what string, err error, want ck.RV) {
	t.Helper()
	var got ck.RV
	if err != nil {
		rv, ok := err.(ck.RV)
		if !ok {
			t.Fatalf("%s: non-PKCS#11 error %v, want %v", what, err, want)
		}
		got = rv
	}
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}
