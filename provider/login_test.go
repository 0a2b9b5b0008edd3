package provider

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestSessionStateTable walks the PKCS#11 session state table.
func TestSessionStateTable(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	ro, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
	must(t, err)
	rw := openRW(t, m, slot)
	state := func(h ck.SessionHandle) ck.State {
		si, err := m.SessionInfo(h)
		must(t, err)
		return si.State
	}
	if state(ro) != ck.CKS_RO_PUBLIC_SESSION || state(rw) != ck.CKS_RW_PUBLIC_SESSION {
		t.Fatalf("public states %v %v", state(ro), state(rw))
	}
	// SO login is refused while a R/O session exists.
	wantRV(t, "SO with R/O session", m.Login(rw, ck.CKU_SO, []byte(testSOPIN)), ck.CKR_SESSION_READ_ONLY_EXISTS)

	// User login is shared by all sessions of the application.
	must(t, m.Login(ro, ck.CKU_USER, []byte(testUserPIN)))
	if state(ro) != ck.CKS_RO_USER_FUNCTIONS || state(rw) != ck.CKS_RW_USER_FUNCTIONS {
		t.Fatalf("user states %v %v", state(ro), state(rw))
	}
	wantRV(t, "again", m.Login(rw, ck.CKU_USER, []byte(testUserPIN)), ck.CKR_USER_ALREADY_LOGGED_IN)
	wantRV(t, "SO while user", m.Login(rw, ck.CKU_SO, []byte(testSOPIN)), ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
	must(t, m.Logout(rw))
	wantRV(t, "logout twice", m.Logout(ro), ck.CKR_USER_NOT_LOGGED_IN)
	if state(ro) != ck.CKS_RO_PUBLIC_SESSION {
		t.Fatalf("after logout %v", state(ro))
	}

	must(t, m.CloseSession(ro))
	must(t, m.Login(rw, ck.CKU_SO, []byte(testSOPIN)))
	if state(rw) != ck.CKS_RW_SO_FUNCTIONS {
		t.Fatalf("SO state %v", state(rw))
	}
	_, err = m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
	wantRV(t, "R/O session while SO", err, ck.CKR_SESSION_READ_WRITE_SO_EXISTS)
	wantRV(t, "user while SO", m.Login(rw, ck.CKU_USER, []byte(testUserPIN)), ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN)

	// Closing the last session logs out.
	must(t, m.CloseSession(rw))
	rw = openRW(t, m, slot)
	if state(rw) != ck.CKS_RW_PUBLIC_SESSION {
		t.Fatalf("login survived the last session: %v", state(rw))
	}
}

func TestSessionErrors(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	_, err := m.OpenSession(slot, ck.CKF_RW_SESSION)
	wantRV(t, "no serial flag", err, ck.CKR_SESSION_PARALLEL_NOT_SUPPORTED)
	_, err = m.OpenSession(freeSlot(t, m), ck.CKF_SERIAL_SESSION)
	wantRV(t, "blank token", err, ck.CKR_TOKEN_NOT_RECOGNIZED)
	_, err = m.OpenSession(slot+9, ck.CKF_SERIAL_SESSION)
	wantRV(t, "bad slot", err, ck.CKR_SLOT_ID_INVALID)
	h := openRW(t, m, slot)
	must(t, m.CloseSession(h))
	wantRV(t, "closed", m.CloseSession(h), ck.CKR_SESSION_HANDLE_INVALID)
	_, err = m.SessionInfo(h)
	wantRV(t, "closed info", err, ck.CKR_SESSION_HANDLE_INVALID)
	wantRV(t, "user type", m.Login(openRW(t, m, slot), 7, []byte(testUserPIN)), ck.CKR_USER_TYPE_INVALID)

	a, b := openRW(t, m, slot), openRW(t, m, slot)
	must(t, m.CloseAllSessions(slot))
	for _, x := range []ck.SessionHandle{a, b} {
		_, err = m.SessionInfo(x)
		wantRV(t, "after CloseAllSessions", err, ck.CKR_SESSION_HANDLE_INVALID)
	}
	if c := openRW(t, m, slot); c <= b {
		t.Fatalf("session handle %d reused (<= %d)", c, b)
	}
}

// TestNamedUsers covers the CloudHSM model: name:password and C_LoginUser.
func TestNamedUsers(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	h := openRW(t, m, slot)
	must(t, m.Login(h, ck.CKU_SO, []byte("admin:"+testSOPIN))) // the default officer by name
	must(t, m.InitPIN(h, []byte("alice:alice-pw")))
	must(t, m.InitPIN(h, []byte("bob:bob-pw-1")))
	must(t, m.Logout(h))

	wantRV(t, "alice wrong", m.Login(h, ck.CKU_USER, []byte("alice:bob-pw-1")), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(h, ck.CKU_USER, []byte("alice:alice-pw")))
	wantRV(t, "bob while alice", m.Login(h, ck.CKU_USER, []byte("bob:bob-pw-1")), ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
	wantRV(t, "alice again", m.Login(h, ck.CKU_USER, []byte("alice:alice-pw")), ck.CKR_USER_ALREADY_LOGGED_IN)
	must(t, m.Logout(h))

	must(t, m.LoginUser(h, ck.CKU_USER, []byte("bob-pw-1"), []byte("bob")))
	must(t, m.Logout(h))
	wantRV(t, "unknown name", m.LoginUser(h, ck.CKU_USER, []byte("x-pw-123"), []byte("carol")), ck.CKR_PIN_INCORRECT)
	wantRV(t, "officer as user", m.LoginUser(h, ck.CKU_USER, []byte(testSOPIN), []byte("admin")), ck.CKR_USER_TYPE_INVALID)
	wantRV(t, "empty name", m.LoginUser(h, ck.CKU_USER, []byte(testSOPIN), nil), ck.CKR_ARGUMENTS_BAD)
	// The default user still logs in with a bare PIN.
	must(t, m.Login(h, ck.CKU_USER, []byte(testUserPIN)))
}

func TestSetPIN(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	ro, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
	must(t, err)
	wantRV(t, "R/O", m.SetPIN(ro, []byte(testUserPIN), []byte("changed-1")), ck.CKR_SESSION_READ_ONLY)
	must(t, m.CloseSession(ro))
	h := openRW(t, m, slot)
	// Public session: the default user's PIN.
	wantRV(t, "wrong old", m.SetPIN(h, []byte("nope-nope"), []byte("changed-1")), ck.CKR_PIN_INCORRECT)
	wantRV(t, "short new", m.SetPIN(h, []byte(testUserPIN), []byte("ab")), ck.CKR_PIN_LEN_RANGE)
	must(t, m.SetPIN(h, []byte(testUserPIN), []byte("changed-1")))
	wantRV(t, "old PIN", m.Login(h, ck.CKU_USER, []byte(testUserPIN)), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(h, ck.CKU_USER, []byte("changed-1")))
	must(t, m.SetPIN(h, []byte("changed-1"), []byte("changed-2")))
	must(t, m.Logout(h))
	must(t, m.Login(h, ck.CKU_SO, []byte(testSOPIN)))
	must(t, m.SetPIN(h, []byte(testSOPIN), []byte("so-changed")))
	must(t, m.Logout(h))
	must(t, m.Login(h, ck.CKU_SO, []byte("so-changed")))
	must(t, m.Logout(h))
	must(t, m.Login(h, ck.CKU_USER, []byte("changed-2")))
}

func TestInitPINNeedsSO(t *testing.T) {
	m, _, h := userSession(t)
	wantRV(t, "as user", m.InitPIN(h, []byte("whatever-1")), ck.CKR_USER_NOT_LOGGED_IN)
	must(t, m.Logout(h))
	wantRV(t, "public", m.InitPIN(h, []byte("whatever-1")), ck.CKR_USER_NOT_LOGGED_IN)
}

// TestLockoutAcrossModules: failures are counted in the store, not per process.
func TestLockoutAcrossModules(t *testing.T) {
	dir := t.TempDir()
	m1 := openTestModule(t, dir)
	slot := initTestToken(t, m1)
	m2 := openTestModule(t, dir)
	h1, h2 := openRW(t, m1, slot), openRW(t, m2, slot)
	for i := 0; i < 5; i++ {
		m := m1
		h := h1
		if i%2 == 1 {
			m, h = m2, h2
		}
		wantRV(t, "wrong", m.Login(h, ck.CKU_USER, []byte("wrong-pin")), ck.CKR_PIN_INCORRECT)
	}
	wantRV(t, "locked in m1", m1.Login(h1, ck.CKU_USER, []byte(testUserPIN)), ck.CKR_PIN_LOCKED)
	wantRV(t, "locked in m2", m2.Login(h2, ck.CKU_USER, []byte(testUserPIN)), ck.CKR_PIN_LOCKED)
}
