package hsmtest

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"
)

// PINs and label of the token NewToken makes.
const (
	SOPIN   = "so-secret-4711"
	UserPIN = "user-secret-0815"
	Label   = "gohsm-test"
)

// Load dlopens libgohsm.so and calls C_Initialize; C_Finalize runs at cleanup
// (a test that finalizes itself may call it again: CKR_CRYPTOKI_NOT_INITIALIZED is ignored).
func Load(t testing.TB) *pkcs11.Ctx {
	t.Helper()
	p := pkcs11.New(LibPath(t))
	if p == nil {
		t.Fatalf("pkcs11.New(%s): cannot load the library or find C_GetFunctionList", LibPath(t))
	}
	if err := p.Initialize(); err != nil {
		t.Fatalf("C_Initialize: %v", err)
	}
	t.Cleanup(func() {
		if err := p.Finalize(); err != nil && Code(err) != pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED {
			t.Errorf("C_Finalize at cleanup: %v", err)
		}
	})
	return p
}

// Token is an initialised token with a R/W session where the user is logged in.
type Token struct {
	P       *pkcs11.Ctx
	Slot    uint
	Session pkcs11.SessionHandle
}

// NewToken loads the library and makes a ready token: C_InitToken on the free
// slot, a R/W session, SO login, C_InitPIN, C_Logout, user login.
func NewToken(t testing.TB) *Token {
	t.Helper()
	p := Load(t)
	slot := InitToken(t, p, Label)
	s := OpenRW(t, p, slot)
	Must(t, p.Login(s, pkcs11.CKU_SO, SOPIN), "C_Login(SO)")
	Must(t, p.InitPIN(s, UserPIN), "C_InitPIN")
	Must(t, p.Logout(s), "C_Logout(SO)")
	Must(t, p.Login(s, pkcs11.CKU_USER, UserPIN), "C_Login(USER)")
	return &Token{P: p, Slot: slot, Session: s}
}

// FreeSlot returns the slot whose token is present but not initialised.
func FreeSlot(t testing.TB, p *pkcs11.Ctx) uint {
	t.Helper()
	slots, err := p.GetSlotList(false)
	Must(t, err, "C_GetSlotList(false)")
	for _, s := range slots {
		ti, err := p.GetTokenInfo(s)
		if err == nil && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			return s
		}
	}
	t.Fatalf("no slot with an uninitialised token among %v", slots)
	return 0
}

// InitToken initialises the free slot's token with label and SOPIN and
// returns the slot that then holds the token (found by its label).
func InitToken(t testing.TB, p *pkcs11.Ctx, label string) uint {
	t.Helper()
	Must(t, p.InitToken(FreeSlot(t, p), SOPIN, label), "C_InitToken")
	return SlotByLabel(t, p, label)
}

// SlotByLabel finds the initialised token labelled label.
func SlotByLabel(t testing.TB, p *pkcs11.Ctx, label string) uint {
	t.Helper()
	slots, err := p.GetSlotList(true)
	Must(t, err, "C_GetSlotList(true)")
	for _, s := range slots {
		ti, err := p.GetTokenInfo(s)
		if err == nil && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 && strings.TrimRight(ti.Label, " ") == label {
			return s
		}
	}
	t.Fatalf("no initialised token labelled %q among slots %v", label, slots)
	return 0
}

// OpenRW opens a R/W session on slot.
func OpenRW(t testing.TB, p *pkcs11.Ctx, slot uint) pkcs11.SessionHandle {
	t.Helper()
	s, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	Must(t, err, "C_OpenSession(RW)")
	return s
}

// OpenRO opens a R/O session on slot.
func OpenRO(t testing.TB, p *pkcs11.Ctx, slot uint) pkcs11.SessionHandle {
	t.Helper()
	s, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	Must(t, err, "C_OpenSession(RO)")
	return s
}

// Must fails the test when err is not nil.
func Must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Code is the CK_RV of err (0 for nil, CKR_GENERAL_ERROR for a non-PKCS#11 error).
func Code(err error) uint {
	var e pkcs11.Error
	switch {
	case err == nil:
		return pkcs11.CKR_OK
	case errors.As(err, &e):
		return uint(e)
	default:
		return pkcs11.CKR_GENERAL_ERROR
	}
}

// WantRV fails unless err carries one of the codes in want.
func WantRV(t testing.TB, err error, what string, want ...uint) {
	t.Helper()
	got := Code(err)
	for _, w := range want {
		if got == w {
			return
		}
	}
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = RVName(w)
	}
	t.Errorf("%s: got %s, want %s", what, RVName(got), strings.Join(names, " or "))
}

// RVName names a CK_RV for messages.
func RVName(rv uint) string {
	if rv == 0 {
		return "CKR_OK"
	}
	return fmt.Sprintf("%s (%#x)", pkcs11.Error(rv).Error(), rv)
}

// RoleT is the testing.TB of a helper process: Fatal prints and exits 1.
func RoleT() testing.TB { return roleT{} }

type roleT struct{ testing.TB }

func (roleT) Helper()                   {}
func (roleT) Cleanup(func())            {}
func (roleT) Logf(f string, a ...any)   { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (roleT) Errorf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }
func (roleT) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }
func (roleT) Fatal(a ...any)            { fmt.Fprintln(os.Stderr, a...); os.Exit(1) }
func (roleT) Name() string              { return os.Getenv(envRole) }
func (roleT) Skipf(f string, a ...any)  { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }
func (roleT) TempDir() string           { d, _ := os.MkdirTemp("", "gohsm-role"); return d }
func (roleT) Setenv(k, v string)        { os.Setenv(k, v) }
func (roleT) Log(a ...any)              { fmt.Fprintln(os.Stderr, a...) }
func (roleT) Error(a ...any)            { fmt.Fprintln(os.Stderr, a...); os.Exit(1) }
func (roleT) Failed() bool              { return false }
func (roleT) Skip(a ...any)             { fmt.Fprintln(os.Stderr, a...); os.Exit(1) }
func (roleT) SkipNow()                  { os.Exit(1) }
func (roleT) FailNow()                  { os.Exit(1) }
func (roleT) Fail()                     { os.Exit(1) }
func (roleT) Skipped() bool             { return false }
