package provider

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// wantCode checks the ck.RV an error carries (wrapped or not); nil is CKR_OK.
func wantCode(t testing.TB, what string, err error, want ck.RV) {
	t.Helper()
	got := ck.CKR_OK
	if err != nil {
		var rv ck.RV
		if !errors.As(err, &rv) {
			t.Fatalf("%s: non-PKCS#11 error %v, want %v", what, err, want)
		}
		got = rv
	}
	if got != want {
		t.Fatalf("%s: got %v (%v), want %v", what, got, err, want)
	}
}

// officerSession opens a R/W session with the default officer logged in.
func officerSession(t testing.TB, m *Module, slot ck.SlotID) ck.SessionHandle {
	t.Helper()
	h := openRW(t, m, slot)
	must(t, m.Login(h, ck.CKU_SO, []byte(testSOPIN)))
	return h
}

// loginAs opens a R/W session of m and logs the Crypto User name in.
func loginAs(t testing.TB, m *Module, slot ck.SlotID, name string) ck.SessionHandle {
	t.Helper()
	h := openRW(t, m, slot)
	must(t, m.Login(h, ck.CKU_USER, []byte(name+":"+name+"-password")))
	return h
}

func TestCreateAndListUsers(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	so := officerSession(t, m, slot)
	must(t, m.CreateUser(so, "alice", RoleCU, []byte("alice-password")))
	must(t, m.CreateUser(so, "officer2", RoleCO, []byte("officer2-password")))

	us, err := m.ListUsers(so)
	must(t, err)
	got := map[string]UserInfo{}
	for _, u := range us {
		got[u.Name] = u
	}
	if len(us) != 4 || got["alice"].Role != RoleCU || got["officer2"].Role != RoleCO ||
		!got[defaultCUName].Default || got["alice"].Default || got["alice"].Created.IsZero() {
		t.Fatalf("ListUsers = %+v", us)
	}

	// The new users log in with their passwords.
	must(t, m.Logout(so))
	must(t, m.Login(so, ck.CKU_USER, []byte("alice:alice-password")))
	if us, err := m.ListUsers(so); err != nil || len(us) != 4 {
		t.Fatalf("a Crypto User lists users: %d, %v", len(us), err)
	}
	wantCode(t, "CU creates a user", m.CreateUser(so, "mallory", RoleCU, []byte("mallory-pw")), ck.CKR_USER_NOT_LOGGED_IN)
	must(t, m.Logout(so))
	_, err = m.ListUsers(so)
	wantCode(t, "public session lists users", err, ck.CKR_USER_NOT_LOGGED_IN)
	wantCode(t, "public session creates a user", m.CreateUser(so, "mallory", RoleCU, []byte("mallory-pw")), ck.CKR_USER_NOT_LOGGED_IN)
	must(t, m.LoginUser(so, ck.CKU_SO, []byte("officer2-password"), []byte("officer2")))

	for _, tc := range []struct {
		name, user string
		role       Role
		pw         string
		want       ck.RV
		is         error
	}{
		{"empty name", "", RoleCU, "password", ck.CKR_ARGUMENTS_BAD, ErrBadUserName},
		{"32-character name", strings.Repeat("a", 32), RoleCU, "password", ck.CKR_ARGUMENTS_BAD, ErrBadUserName},
		{"space in name", "a b", RoleCU, "password", ck.CKR_ARGUMENTS_BAD, ErrBadUserName},
		{"colon in name", "a:b", RoleCU, "password", ck.CKR_ARGUMENTS_BAD, ErrBadUserName},
		{"bad role", "bob", Role(7), "password", ck.CKR_ARGUMENTS_BAD, ErrBadRole},
		{"6-byte password", "bob", RoleCU, "123456", ck.CKR_PIN_LEN_RANGE, ErrPasswordLength},
		{"65-byte password", "bob", RoleCU, strings.Repeat("p", 65), ck.CKR_PIN_LEN_RANGE, ErrPasswordLength},
		{"existing name", "alice", RoleCO, "password", ck.CKR_ARGUMENTS_BAD, ErrUserExists},
		{"31-character name, 64-byte password", strings.Repeat("b", 31), RoleCU, strings.Repeat("p", 64), ck.CKR_OK, nil},
		{"7-byte password, every name character", "A-z.0_9", RoleCU, "1234567", ck.CKR_OK, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := m.CreateUser(so, tc.user, tc.role, []byte(tc.pw))
			wantCode(t, "CreateUser", err, tc.want)
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("CreateUser = %v, want errors.Is %v", err, tc.is)
			}
		})
	}
	_, err = m.ListUsers(12345)
	wantCode(t, "bad session", err, ck.CKR_SESSION_HANDLE_INVALID)

	r, err := ParseRole("cu")
	if err != nil || r != RoleCU || RoleName(RoleCO) != "CO" {
		t.Fatalf("ParseRole/RoleName: %v %v", r, err)
	}
	if _, err := ParseRole("AU"); !errors.Is(err, ErrBadRole) {
		t.Fatalf("ParseRole(AU) = %v", err)
	}
}

func TestUserLimit(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m) // admin and the default user
	so := officerSession(t, m, slot)
	tok := m.tokenState(mustToken(t, m, slot)).id
	// Fill the token straight through the store (a user per write), up to one short.
	for i := 2; i < MaxUsers-1; i++ {
		if _, err := m.store.CreateUser(store.User{TokenID: tok, Name: fmt.Sprintf("u%d", i), Role: store.RoleCU}); err != nil {
			t.Fatal(err)
		}
	}
	must(t, m.CreateUser(so, "last", RoleCU, []byte("last-password")))
	err := m.CreateUser(so, "onemore", RoleCU, []byte("onemore-password"))
	wantCode(t, "user 1025", err, ck.CKR_TOKEN_RESOURCE_EXCEEDED)
	if !errors.Is(err, ErrTooManyUsers) {
		t.Fatalf("user 1025: %v", err)
	}
	wantRV(t, "C_InitPIN of user 1025", m.InitPIN(so, []byte("onemore:onemore-password")), ck.CKR_TOKEN_RESOURCE_EXCEEDED)
	must(t, m.InitPIN(so, []byte("last:reset-password"))) // resetting an existing user still works
	if _, err := m.DeleteUser(so, "u2", false); err != nil {
		t.Fatal(err)
	}
	must(t, m.CreateUser(so, "onemore", RoleCU, []byte("onemore-password")))
}

// genTokenP256 makes a token EC key pair (private key: CKA_PRIVATE, sign, derive).
func genTokenP256(t testing.TB, m *Module, h ck.SessionHandle, label ...string) (pub, priv ck.ObjectHandle) {
	t.Helper()
	l := []byte("p256")
	if len(label) > 0 {
		l = []byte(label[0])
	}
	pub, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
		crTmpl(ck.CKA_TOKEN, true, ck.CKA_LABEL, l, ck.CKA_EC_PARAMS, crP256Params, ck.CKA_VERIFY, true),
		crTmpl(ck.CKA_TOKEN, true, ck.CKA_LABEL, l, ck.CKA_SIGN, true, ck.CKA_DERIVE, true))
	must(t, err)
	return pub, priv
}

// mustToken returns the store token in slot.
func mustToken(t testing.TB, m *Module, slot ck.SlotID) store.Token {
	t.Helper()
	v, err := m.slots()
	must(t, err)
	tok, free, err := v.token(slot)
	if err != nil || free {
		t.Fatalf("slot %d: %v free=%v", slot, err, free)
	}
	return tok
}

func TestDeleteUser(t *testing.T) {
	dir := t.TempDir()
	m := openTestModule(t, dir)
	slot := initTestToken(t, m)
	so := officerSession(t, m, slot)
	for _, n := range []string{"alice", "bob"} {
		must(t, m.CreateUser(so, n, RoleCU, []byte(n+"-password")))
	}
	must(t, m.CreateUser(so, "officer2", RoleCO, []byte("officer2-password")))

	// Alice owns two keys, logged in in another process (Module).
	m2 := openTestModule(t, dir)
	ah := loginAs(t, m2, slot, "alice")
	_, priv := genTokenP256(t, m2, ah)
	must(t, m2.SignInit(ah, ck.Mechanism{Type: ck.CKM_ECDSA}, priv))
	_, err := m2.Sign(ah, make([]byte, 32), make([]byte, 64))
	must(t, err)

	_, err = m.DeleteUser(so, "admin", false)
	wantCode(t, "delete self", err, ck.CKR_ACTION_PROHIBITED)
	if !errors.Is(err, ErrDeleteSelf) {
		t.Fatalf("delete self: %v", err)
	}
	_, err = m.DeleteUser(so, "nobody", false)
	wantCode(t, "delete unknown", err, ck.CKR_ARGUMENTS_BAD)
	_, err = m.DeleteUser(so, "bad name", false)
	wantCode(t, "delete bad name", err, ck.CKR_ARGUMENTS_BAD)
	_, err = m.DeleteUser(so, "alice", false)
	wantCode(t, "delete a key owner", err, ck.CKR_ACTION_PROHIBITED)
	if !errors.Is(err, ErrUserOwnsKeys) || !strings.Contains(err.Error(), "owns 2 objects") {
		t.Fatalf("delete a key owner: %v", err)
	}
	n, err := m.DeleteUser(so, "bob", false)
	if err != nil || n != 0 {
		t.Fatalf("delete bob: %d %v", n, err)
	}
	n, err = m.DeleteUser(so, "alice", true)
	if err != nil || n != 2 {
		t.Fatalf("force delete alice: %d %v, want 2 objects destroyed", n, err)
	}
	// Her login in the other process loses her keys at their next use.
	wantRV(t, "sign with a deleted user's key", m2.SignInit(ah, ck.Mechanism{Type: ck.CKM_ECDSA}, priv), ck.CKR_KEY_HANDLE_INVALID)
	// And she cannot log in again.
	h2 := openRW(t, m, slot)
	must(t, m.Logout(so))
	wantRV(t, "deleted user logs in", m.LoginUser(h2, ck.CKU_USER, []byte("alice-password"), []byte("alice")), ck.CKR_PIN_INCORRECT)

	// An officer deletes another; the last one cannot go.
	must(t, m.LoginUser(so, ck.CKU_SO, []byte("officer2-password"), []byte("officer2")))
	if _, err := m.DeleteUser(so, "admin", false); err != nil {
		t.Fatalf("officer2 deletes admin: %v", err)
	}
	_, err = m.DeleteUser(so, "officer2", false)
	wantCode(t, "delete the last officer (itself)", err, ck.CKR_ACTION_PROHIBITED)
	us, err := m.ListUsers(so)
	must(t, err)
	if len(us) != 2 || us[0].Name != defaultCUName || us[1].Name != "officer2" {
		t.Fatalf("users left: %+v", us)
	}
	_, err = m.DeleteUser(so+1000, "user", false)
	wantCode(t, "bad session", err, ck.CKR_SESSION_HANDLE_INVALID)
}

func TestChangePasswordAndUnlock(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	so := officerSession(t, m, slot)
	must(t, m.CreateUser(so, "alice", RoleCU, []byte("alice-password")))
	must(t, m.Logout(so))

	// Five wrong passwords lock her (the default limit).
	for i := 0; i < 5; i++ {
		wantRV(t, "wrong password", m.Login(so, ck.CKU_USER, []byte("alice:wrong")), ck.CKR_PIN_INCORRECT)
	}
	wantRV(t, "locked", m.Login(so, ck.CKU_USER, []byte("alice:alice-password")), ck.CKR_PIN_LOCKED)
	wantCode(t, "unlock without officer", m.UnlockUser(so, "alice"), ck.CKR_USER_NOT_LOGGED_IN)
	must(t, m.Login(so, ck.CKU_SO, []byte(testSOPIN)))
	us, err := m.ListUsers(so)
	must(t, err)
	for _, u := range us {
		if u.Name == "alice" && (!u.Locked || u.FailedLogins != 5) {
			t.Fatalf("alice listed as %+v, want locked with 5 failures", u)
		}
	}
	must(t, m.UnlockUser(so, "alice"))
	wantCode(t, "unlock unknown", m.UnlockUser(so, "nobody"), ck.CKR_ARGUMENTS_BAD)
	must(t, m.Logout(so))
	must(t, m.Login(so, ck.CKU_USER, []byte("alice:alice-password")))
	wantCode(t, "CU resets a password", m.ChangePassword(so, "alice", []byte("new-password")), ck.CKR_USER_NOT_LOGGED_IN)
	must(t, m.Logout(so))

	// An officer's reset: the old password stops working, the new one works, a lock goes.
	for i := 0; i < 5; i++ {
		m.Login(so, ck.CKU_USER, []byte("alice:wrong"))
	}
	must(t, m.Login(so, ck.CKU_SO, []byte(testSOPIN)))
	wantCode(t, "short password", m.ChangePassword(so, "alice", []byte("short")), ck.CKR_PIN_LEN_RANGE)
	wantCode(t, "unknown user", m.ChangePassword(so, "nobody", []byte("new-password")), ck.CKR_ARGUMENTS_BAD)
	must(t, m.ChangePassword(so, "alice", []byte("new-password")))
	must(t, m.Logout(so))
	wantRV(t, "old password", m.Login(so, ck.CKU_USER, []byte("alice:alice-password")), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(so, ck.CKU_USER, []byte("alice:new-password")))
	must(t, m.Logout(so))

	// An officer resets its own password too.
	must(t, m.Login(so, ck.CKU_SO, []byte(testSOPIN)))
	must(t, m.ChangePassword(so, "admin", []byte("officer-new")))
	must(t, m.Logout(so))
	wantRV(t, "officer's old password", m.Login(so, ck.CKU_SO, []byte(testSOPIN)), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(so, ck.CKU_SO, []byte("admin:officer-new")))
}
