package sqlite

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/store"
)

func TestUsers(t *testing.T) {
	f := newFixture(t)
	alice := f.addUser(t, "alice", false)
	got, err := f.d.UserByName(f.tok.ID, "alice")
	if err != nil || got.ID != alice.ID || got.Role != store.RoleCU || got.Default ||
		!bytes.Equal(got.Secret.Salt, alice.Secret.Salt) || got.Secret.KDF != testKDF || !got.Created.Equal(alice.Created) {
		t.Fatalf("UserByName = %+v, %v; want %+v", got, err, alice)
	}
	mk, err := got.Secret.Unwrap([]byte("alice-pin"))
	if err != nil || !bytes.Equal(mk, f.mk) {
		t.Fatalf("stored secret does not unwrap the master key: %v", err)
	}

	for _, tc := range []struct {
		name string
		u    store.User
		want error
	}{
		{"duplicate name", store.User{TokenID: f.tok.ID, Name: "alice", Role: store.RoleCU}, store.ErrExists},
		{"missing token", store.User{TokenID: 999, Name: "bob", Role: store.RoleCU}, store.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.d.CreateUser(tc.u); !errors.Is(err, tc.want) {
				t.Fatalf("CreateUser = %v, want %v", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name    string
		tokenID int64
		user    string
	}{
		{"missing user", f.tok.ID, "nobody"},
		{"other token", 999, "alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.d.UserByName(tc.tokenID, tc.user); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("UserByName = %v, want ErrNotFound", err)
			}
		})
	}
	// Same name on another token is fine.
	other := f.addToken(t, 2)
	if _, err := f.d.CreateUser(store.User{TokenID: other.ID, Name: "alice", Role: store.RoleCU, Secret: alice.Secret}); err != nil {
		t.Fatalf("same name on another token: %v", err)
	}
	us, err := f.d.Users(f.tok.ID)
	if err != nil || len(us) != 2 || us[0].ID != f.co.ID || us[1].ID != alice.ID {
		t.Fatalf("Users = %+v, %v", us, err)
	}
}

func TestDefaultUser(t *testing.T) {
	f := newFixture(t)
	if _, err := f.d.DefaultUser(f.tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DefaultUser with none = %v, want ErrNotFound", err)
	}
	first := f.addUser(t, "first", true)
	if u, err := f.d.DefaultUser(f.tok.ID); err != nil || u.ID != first.ID {
		t.Fatalf("DefaultUser = %+v, %v; want first", u, err)
	}
	second := f.addUser(t, "second", true)
	if u, err := f.d.DefaultUser(f.tok.ID); err != nil || u.ID != second.ID {
		t.Fatalf("DefaultUser = %+v, %v; want second", u, err)
	}
	if u, _ := f.d.UserByName(f.tok.ID, "first"); u.Default {
		t.Fatal("the previous default user kept its flag")
	}
	// A default user on another token is independent.
	other := f.addToken(t, 2)
	if _, err := f.d.CreateUser(store.User{TokenID: other.ID, Name: "x", Role: store.RoleCU, Default: true, Secret: first.Secret}); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.d.DefaultUser(f.tok.ID); u.ID != second.ID {
		t.Fatal("another token's default user changed this token's")
	}
}

func TestLoginCounting(t *testing.T) {
	f := newFixture(t)
	u := f.addUser(t, "alice", false)
	for i, want := range []struct {
		failed int
		locked bool
	}{{1, false}, {2, false}, {3, true}, {4, true}} {
		failed, locked, err := f.d.LoginFailed(u.ID, 3)
		if err != nil || failed != want.failed || locked != want.locked {
			t.Fatalf("failure %d: LoginFailed = %d, %v, %v; want %d, %v", i+1, failed, locked, err, want.failed, want.locked)
		}
	}
	if err := f.d.LoginSucceeded(u.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := f.d.UserByName(f.tok.ID, "alice")
	if got.FailedLogins != 0 || !got.Locked {
		t.Fatalf("after LoginSucceeded: failed %d locked %v; want 0, still locked", got.FailedLogins, got.Locked)
	}
	if err := f.d.SetLocked(u.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.d.UserByName(f.tok.ID, "alice"); got.Locked {
		t.Fatal("SetLocked(false) did not unlock")
	}
	if _, locked, _ := f.d.LoginFailed(u.ID, 0); locked {
		t.Fatal("max 0 locked the user")
	}
	if err := f.d.SetLocked(u.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.d.UserByName(f.tok.ID, "alice"); !got.Locked || got.FailedLogins != 1 {
		t.Fatalf("SetLocked(true): %+v", got)
	}

	for name, fn := range map[string]func() error{
		"LoginFailed":      func() error { _, _, err := f.d.LoginFailed(999, 3); return err },
		"LoginSucceeded":   func() error { return f.d.LoginSucceeded(999) },
		"SetLocked":        func() error { return f.d.SetLocked(999, true) },
		"UpdateUserSecret": func() error { return f.d.UpdateUserSecret(999, u.Secret) },
	} {
		if err := fn(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s(missing user) = %v, want ErrNotFound", name, err)
		}
	}
}

func TestUpdateUserSecret(t *testing.T) {
	f := newFixture(t)
	u := f.addUser(t, "alice", false)
	s := pinSecret(t, "changed", f.mk)
	if err := f.d.UpdateUserSecret(u.ID, s); err != nil {
		t.Fatal(err)
	}
	got, _ := f.d.UserByName(f.tok.ID, "alice")
	if _, err := got.Secret.Unwrap([]byte("alice-pin")); err == nil {
		t.Fatal("old PIN still unwraps")
	}
	if mk, err := got.Secret.Unwrap([]byte("changed")); err != nil || !bytes.Equal(mk, f.mk) {
		t.Fatalf("new PIN: %v", err)
	}
}
