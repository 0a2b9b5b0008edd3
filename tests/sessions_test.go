package tests

import (
	"sync"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

func wantState(t *testing.T, p *pkcs11.Ctx, s pkcs11.SessionHandle, what string, state uint) {
	t.Helper()
	si, err := p.GetSessionInfo(s)
	if err != nil {
		t.Errorf("%s: C_GetSessionInfo: %v", what, err)
		return
	}
	if si.State != state {
		t.Errorf("%s: session state %d, want %d", what, si.State, state)
	}
}

// TestSessionStateTable walks the specification's session state table
// (PKCS#11 3.0 section 5.6): R/O and R/W public, user and SO functions.
func TestSessionStateTable(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	p := hsmtest.Load(t)
	slot := hsmtest.InitToken(t, p, hsmtest.Label)
	_, err := p.OpenSession(slot, pkcs11.CKF_RW_SESSION)
	hsmtest.WantRV(t, err, "C_OpenSession without CKF_SERIAL_SESSION", pkcs11.CKR_SESSION_PARALLEL_NOT_SUPPORTED)
	_, err = p.OpenSession(0xdeadbeef, pkcs11.CKF_SERIAL_SESSION)
	hsmtest.WantRV(t, err, "C_OpenSession bad slot", pkcs11.CKR_SLOT_ID_INVALID)

	ro := hsmtest.OpenRO(t, p, slot)
	rw := hsmtest.OpenRW(t, p, slot)
	wantState(t, p, ro, "R/O public", pkcs11.CKS_RO_PUBLIC_SESSION)
	wantState(t, p, rw, "R/W public", pkcs11.CKS_RW_PUBLIC_SESSION)
	si, err := p.GetSessionInfo(rw)
	hsmtest.Must(t, err, "C_GetSessionInfo")
	if si.SlotID != slot || si.Flags&(pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION) != pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION {
		t.Errorf("session info %+v: want slot %d and serial+rw flags", si, slot)
	}
	hsmtest.WantRV(t, p.Login(rw, pkcs11.CKU_USER, hsmtest.UserPIN), "user login before C_InitPIN", pkcs11.CKR_USER_PIN_NOT_INITIALIZED)
	hsmtest.WantRV(t, p.Login(rw, 7, hsmtest.UserPIN), "login with user type 7", pkcs11.CKR_USER_TYPE_INVALID)
	hsmtest.WantRV(t, p.Logout(rw), "C_Logout nobody logged in", pkcs11.CKR_USER_NOT_LOGGED_IN)

	// SO: not with a R/O session open; then R/W SO functions, and no new R/O session.
	hsmtest.WantRV(t, p.Login(rw, pkcs11.CKU_SO, hsmtest.SOPIN), "SO login with a R/O session", pkcs11.CKR_SESSION_READ_ONLY_EXISTS)
	hsmtest.Must(t, p.CloseSession(ro), "C_CloseSession(RO)")
	hsmtest.WantRV(t, p.InitPIN(rw, hsmtest.UserPIN), "C_InitPIN without SO login", pkcs11.CKR_USER_NOT_LOGGED_IN)
	hsmtest.Must(t, p.Login(rw, pkcs11.CKU_SO, hsmtest.SOPIN), "C_Login(SO)")
	wantState(t, p, rw, "R/W SO", pkcs11.CKS_RW_SO_FUNCTIONS)
	_, err = p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
	hsmtest.WantRV(t, err, "R/O session while SO is logged in", pkcs11.CKR_SESSION_READ_WRITE_SO_EXISTS)
	rw2 := hsmtest.OpenRW(t, p, slot)
	wantState(t, p, rw2, "second R/W session, SO", pkcs11.CKS_RW_SO_FUNCTIONS)
	// The SO works on public objects only.
	soData := func(private bool) error {
		_, err := p.CreateObject(rw, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, private),
		})
		return err
	}
	hsmtest.Must(t, soData(false), "SO creates a public token object")
	hsmtest.WantRV(t, soData(true), "SO creates a private object", pkcs11.CKR_USER_NOT_LOGGED_IN)
	hsmtest.WantRV(t, p.Login(rw2, pkcs11.CKU_SO, hsmtest.SOPIN), "SO login twice", pkcs11.CKR_USER_ALREADY_LOGGED_IN)
	hsmtest.WantRV(t, p.Login(rw2, pkcs11.CKU_USER, hsmtest.UserPIN), "user login while SO", pkcs11.CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
	hsmtest.Must(t, p.InitPIN(rw, hsmtest.UserPIN), "C_InitPIN")
	hsmtest.Must(t, p.Logout(rw2), "C_Logout(SO) from the other session")
	wantState(t, p, rw, "after SO logout", pkcs11.CKS_RW_PUBLIC_SESSION)

	// User: the login is shared by every session, old and new.
	ro = hsmtest.OpenRO(t, p, slot)
	hsmtest.Must(t, p.Login(ro, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login(USER) on a R/O session")
	wantState(t, p, ro, "R/O user", pkcs11.CKS_RO_USER_FUNCTIONS)
	wantState(t, p, rw, "R/W user", pkcs11.CKS_RW_USER_FUNCTIONS)
	ro2 := hsmtest.OpenRO(t, p, slot)
	wantState(t, p, ro2, "new R/O session, user", pkcs11.CKS_RO_USER_FUNCTIONS)
	hsmtest.WantRV(t, p.Login(rw, pkcs11.CKU_USER, hsmtest.UserPIN), "user login twice", pkcs11.CKR_USER_ALREADY_LOGGED_IN)
	hsmtest.WantRV(t, p.Login(rw, pkcs11.CKU_SO, hsmtest.SOPIN), "SO login while user", pkcs11.CKR_USER_ANOTHER_ALREADY_LOGGED_IN, pkcs11.CKR_SESSION_READ_ONLY_EXISTS)
	hsmtest.Must(t, p.Logout(ro2), "C_Logout(USER)")
	for _, s := range []pkcs11.SessionHandle{ro, ro2} {
		wantState(t, p, s, "R/O after logout", pkcs11.CKS_RO_PUBLIC_SESSION)
	}
	wantState(t, p, rw, "R/W after logout", pkcs11.CKS_RW_PUBLIC_SESSION)

	// Closing the last session logs out; a closed handle is invalid.
	hsmtest.Must(t, p.Login(rw, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login(USER)")
	hsmtest.Must(t, p.CloseAllSessions(slot), "C_CloseAllSessions")
	_, err = p.GetSessionInfo(rw)
	hsmtest.WantRV(t, err, "C_GetSessionInfo on a closed session", pkcs11.CKR_SESSION_HANDLE_INVALID)
	hsmtest.WantRV(t, p.CloseSession(rw), "C_CloseSession twice", pkcs11.CKR_SESSION_HANDLE_INVALID)
	ti, err := p.GetTokenInfo(slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	if ti.SessionCount != 0 || ti.RwSessionCount != 0 {
		t.Errorf("after C_CloseAllSessions: session counts %d/%d", ti.SessionCount, ti.RwSessionCount)
	}
	s := hsmtest.OpenRW(t, p, slot)
	wantState(t, p, s, "new session after C_CloseAllSessions", pkcs11.CKS_RW_PUBLIC_SESSION)
	if s == rw || s == rw2 || s == ro || s == ro2 {
		t.Errorf("session handle %d reused", s)
	}
}

// TestNamedUserLogin: C_Login takes "name:password" for a named Crypto User
// and a bare PIN for the default user made by C_InitPIN (DESIGN.md rule 6).
func TestNamedUserLogin(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	p := hsmtest.Load(t)
	slot := hsmtest.InitToken(t, p, hsmtest.Label)
	s := hsmtest.OpenRW(t, p, slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "C_Login(SO)")
	hsmtest.Must(t, p.InitPIN(s, hsmtest.UserPIN), "C_InitPIN(default user)")
	hsmtest.Must(t, p.InitPIN(s, "alice:alice-secret"), "C_InitPIN(alice)")
	hsmtest.Must(t, p.Logout(s), "C_Logout")

	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, "alice:"+hsmtest.UserPIN), "alice with the default user's PIN", pkcs11.CKR_PIN_INCORRECT)
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, "alice-secret"), "alice's password as a bare PIN", pkcs11.CKR_PIN_INCORRECT)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, "alice:alice-secret"), "C_Login(alice:password)")
	// alice's private object is not the default user's.
	_, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "alice-only"),
	})
	hsmtest.Must(t, err, "C_CreateObject as alice")
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "default user while alice", pkcs11.CKR_USER_ANOTHER_ALREADY_LOGGED_IN, pkcs11.CKR_USER_ALREADY_LOGGED_IN)
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login(bare PIN)")
	if got := findAll(t, p, s, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, "alice-only")}); len(got) != 0 {
		t.Errorf("the default user sees alice's private object")
	}
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, "admin:"+hsmtest.SOPIN), "C_Login(SO as admin:PIN)")
	hsmtest.Must(t, p.Logout(s), "C_Logout")

	// C_LoginUser (3.0) names the user and takes the bare password.
	raw := hsmtest.Raw(t)
	var a capi.Arena
	defer a.Free()
	loginUser := func(name, pw string) uint64 {
		return raw.Call("C_LoginUser", uint64(s), pkcs11.CKU_USER, a.Bytes([]byte(pw)), uint64(len(pw)), a.Bytes([]byte(name)), uint64(len(name)))
	}
	if rv := loginUser("alice", "wrong-secret"); rv != pkcs11.CKR_PIN_INCORRECT {
		t.Errorf("C_LoginUser(alice, wrong): %s", hsmtest.RVName(uint(rv)))
	}
	if rv := loginUser("alice", "alice-secret"); rv != pkcs11.CKR_OK {
		t.Fatalf("C_LoginUser(alice): %s", hsmtest.RVName(uint(rv)))
	}
	if got := findAll(t, p, s, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, "alice-only")}); len(got) != 1 {
		t.Errorf("alice logged in with C_LoginUser finds %d of her objects", len(got))
	}
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	if rv := loginUser("admin", hsmtest.SOPIN); rv != pkcs11.CKR_USER_TYPE_INVALID && rv != pkcs11.CKR_PIN_INCORRECT {
		t.Errorf("C_LoginUser(CKU_USER, the officer's name): %s", hsmtest.RVName(uint(rv)))
	}
}

// The "badlogin" role makes one failed user login in a process of its own.
var _ = hsmtest.Role("badlogin", func([]string) int {
	t := hsmtest.RoleT()
	p := hsmtest.Load(t)
	s := hsmtest.OpenRW(t, p, hsmtest.SlotByLabel(t, p, hsmtest.Label))
	if rv := hsmtest.Code(p.Login(s, pkcs11.CKU_USER, "wrong-pin-xx")); rv != pkcs11.CKR_PIN_INCORRECT && rv != pkcs11.CKR_PIN_LOCKED {
		t.Fatalf("wrong login in a second process: %s", hsmtest.RVName(rv))
	}
	return 0
})

// TestLockoutAcrossProcesses: failures are counted in the store, so wrong
// PINs in several processes add up to max_login_failures.
func TestLockoutAcrossProcesses(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{MaxLoginFailures: 4}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	for i := 0; i < 2; i++ {
		hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, "wrong-pin-here"), "wrong user PIN", pkcs11.CKR_PIN_INCORRECT)
		if out, err := hsmtest.RoleCmd("badlogin").CombinedOutput(); err != nil {
			t.Fatalf("badlogin process: %v\n%s", err, out)
		}
	}
	ti, err := p.GetTokenInfo(tok.Slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	if ti.Flags&pkcs11.CKF_USER_PIN_LOCKED == 0 {
		t.Errorf("after 4 failures in 3 processes: token flags %#x lack CKF_USER_PIN_LOCKED", ti.Flags)
	}
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "right PIN after lockout", pkcs11.CKR_PIN_LOCKED)
	// The officer is a different user and is not locked.
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "C_Login(SO) while the user is locked")
	// C_InitPIN by the officer resets the locked default user.
	hsmtest.Must(t, p.InitPIN(s, hsmtest.UserPIN), "C_InitPIN(reset)")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "user login after the reset")
}

// p256 is the DER OID of NIST P-256 (CKA_EC_PARAMS).
var p256 = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}

// genEC makes a P-256 key pair; extra attributes go on the private key.
func genEC(t testing.TB, p *pkcs11.Ctx, s pkcs11.SessionHandle, label string, token bool, extra ...*pkcs11.Attribute) (pub, priv pkcs11.ObjectHandle) {
	t.Helper()
	pubT := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, token),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
	privT := append([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, token),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}, extra...)
	pub, priv, err := p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)}, pubT, privT)
	hsmtest.Must(t, err, "C_GenerateKeyPair(EC P-256)")
	return pub, priv
}

func TestContextSpecificLogin(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	_, priv := genEC(t, p, s, "always-auth", false, pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_AUTHENTICATE, true))
	ecdsa := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
	digest := make([]byte, 32)

	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_CONTEXT_SPECIFIC, hsmtest.UserPIN), "context login without an operation", pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	hsmtest.Must(t, p.SignInit(s, ecdsa, priv), "C_SignInit")
	_, err := p.Sign(s, digest)
	hsmtest.WantRV(t, err, "C_Sign without the context login", pkcs11.CKR_USER_NOT_LOGGED_IN)

	hsmtest.Must(t, p.SignInit(s, ecdsa, priv), "C_SignInit again")
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_CONTEXT_SPECIFIC, "wrong-pin-zz"), "context login, wrong PIN", pkcs11.CKR_PIN_INCORRECT)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_CONTEXT_SPECIFIC, hsmtest.UserPIN), "C_Login(CONTEXT_SPECIFIC)")
	sig, err := p.Sign(s, digest)
	hsmtest.Must(t, err, "C_Sign after the context login")
	if len(sig) != 64 {
		t.Errorf("ECDSA P-256 signature is %d bytes, want 64", len(sig))
	}
	// The context login covered one operation only.
	hsmtest.Must(t, p.SignInit(s, ecdsa, priv), "C_SignInit third")
	_, err = p.Sign(s, digest)
	hsmtest.WantRV(t, err, "second C_Sign without a new context login", pkcs11.CKR_USER_NOT_LOGGED_IN)
	wantState(t, p, s, "after context logins", pkcs11.CKS_RW_USER_FUNCTIONS)
}

// TestLockoutConcurrentProcesses: wrong PINs tried at the same moment in
// several processes are all counted (no lost update), so the user is locked.
func TestLockoutConcurrentProcesses(t *testing.T) {
	const tries = 6
	if !hsmtest.InChild(t, hsmtest.Config{MaxLoginFailures: tries}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	var wg sync.WaitGroup
	for i := 0; i < tries; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := hsmtest.RoleCmd("badlogin").CombinedOutput(); err != nil {
				t.Errorf("badlogin process: %v\n%s", err, out)
			}
		}()
	}
	wg.Wait()
	ti, err := p.GetTokenInfo(tok.Slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	if ti.Flags&pkcs11.CKF_USER_PIN_LOCKED == 0 {
		t.Errorf("%d simultaneous wrong PINs with max_login_failures=%d: not locked (flags %#x): failures were lost", tries, tries, ti.Flags)
	}
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "right PIN after the lockout", pkcs11.CKR_PIN_LOCKED)
}
