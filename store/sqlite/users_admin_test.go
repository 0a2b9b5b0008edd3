package sqlite

import (
	"errors"
	"testing"

	"github.com/gohsm/gohsm/store"
)

func TestCreateUserMax(t *testing.T) {
	f := newFixture(t) // one user: the CO
	mk := func(name string) store.User {
		return store.User{TokenID: f.tok.ID, Name: name, Role: store.RoleCU, Secret: pinSecret(t, "pin", f.mk)}
	}
	if _, err := f.d.CreateUserMax(mk("u1"), 3); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.CreateUserMax(mk("u1"), 3); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate: %v, want ErrExists", err)
	}
	if _, err := f.d.CreateUserMax(mk("u2"), 3); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.CreateUserMax(mk("u3"), 3); !errors.Is(err, store.ErrLimit) {
		t.Fatalf("fourth user with max 3: %v, want ErrLimit", err)
	}
	us, _ := f.d.Users(f.tok.ID)
	if len(us) != 3 {
		t.Fatalf("%d users, want 3", len(us))
	}
	def := mk("d")
	def.Default = true
	if _, err := f.d.CreateUserMax(def, 10); err != nil {
		t.Fatal(err)
	}
	if u, err := f.d.DefaultUser(f.tok.ID); err != nil || u.Name != "d" {
		t.Fatalf("default user = %+v, %v", u, err)
	}
}

func TestDeleteUser(t *testing.T) {
	f := newFixture(t)
	alice := f.addUser(t, "alice", false)
	bob := f.addUser(t, "bob", false)
	k1 := f.create(t, keyObject(f.tok.ID, alice.ID, "k1", true, []byte("0123456789abcdef")))
	k2 := f.create(t, keyObject(f.tok.ID, alice.ID, "k2", false, []byte("0123456789abcdef")))
	bobs := f.create(t, keyObject(f.tok.ID, bob.ID, "b", true, []byte("0123456789abcdef")))
	if _, err := f.d.AddShare(f.tok.ID, bobs, alice.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := f.d.CountOwned(f.tok.ID, alice.ID); err != nil || n != 2 {
		t.Fatalf("CountOwned = %d, %v", n, err)
	}

	// The only officer cannot go.
	if _, err := f.d.DeleteUser(f.tok.ID, f.co.ID, true); !errors.Is(err, store.ErrLastOfficer) {
		t.Fatalf("delete last CO: %v, want ErrLastOfficer", err)
	}
	co2, err := f.d.CreateUser(store.User{TokenID: f.tok.ID, Name: "co2", Role: store.RoleCO, Secret: pinSecret(t, "p", f.mk)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.DeleteUser(f.tok.ID, f.co.ID, false); err != nil {
		t.Fatalf("delete one of two COs: %v", err)
	}
	if _, err := f.d.DeleteUser(f.tok.ID, co2.ID, false); !errors.Is(err, store.ErrLastOfficer) {
		t.Fatalf("delete the remaining CO: %v, want ErrLastOfficer", err)
	}

	// A user who owns objects: refused without withObjects, nothing changes.
	if _, err := f.d.DeleteUser(f.tok.ID, alice.ID, false); !errors.Is(err, store.ErrHasObjects) {
		t.Fatalf("delete owner: %v, want ErrHasObjects", err)
	}
	if _, err := f.d.UserByName(f.tok.ID, "alice"); err != nil {
		t.Fatalf("refused delete removed the user: %v", err)
	}
	vBefore, _ := f.d.ObjectVersion(f.tok.ID, bobs)
	n, err := f.d.DeleteUser(f.tok.ID, alice.ID, true)
	if err != nil || n != 2 {
		t.Fatalf("delete with objects = %d, %v; want 2", n, err)
	}
	for _, id := range []int64{k1, k2} {
		if _, err := f.d.ObjectVersion(f.tok.ID, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("object %d of a deleted user: %v", id, err)
		}
	}
	// The object shared with her has a new version and no share left.
	if v, _ := f.d.ObjectVersion(f.tok.ID, bobs); v <= vBefore {
		t.Fatalf("shared object's version %d, was %d: caches would not notice", v, vBefore)
	}
	if s, err := f.d.Shares(f.tok.ID, bobs); err != nil || len(s) != 0 {
		t.Fatalf("shares after deleting the user: %v, %v", s, err)
	}
	if _, err := f.d.UserByName(f.tok.ID, "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted user still there: %v", err)
	}
	if _, err := f.d.DeleteUser(f.tok.ID, alice.ID, false); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete twice: %v, want ErrNotFound", err)
	}
	if _, err := f.d.DeleteUser(999, bob.ID, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete with the wrong token: %v, want ErrNotFound", err)
	}
}
