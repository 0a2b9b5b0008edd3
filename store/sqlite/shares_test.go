package sqlite

import (
	"errors"
	"slices"
	"testing"

	"github.com/gohsm/gohsm/store"
)

func TestShares(t *testing.T) {
	f := newFixture(t)
	alice := f.addUser(t, "alice", false)
	bob := f.addUser(t, "bob", false)
	carol := f.addUser(t, "carol", false)
	key := f.create(t, keyObject(f.tok.ID, alice.ID, "k", true, []byte("0123456789abcdef")))
	other := f.addToken(t, 2)
	otherUser, err := f.d.CreateUser(store.User{TokenID: other.ID, Name: "dave", Role: store.RoleCU, Secret: pinSecret(t, "dave-pin", f.mk)})
	if err != nil {
		t.Fatal(err)
	}

	version := func() int64 {
		t.Helper()
		v, err := f.d.ObjectVersion(f.tok.ID, key)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	wantShares := func(what string, want ...int64) {
		t.Helper()
		got, err := f.d.Shares(f.tok.ID, key)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("%s: Shares = %v, %v; want %v", what, got, err, want)
		}
		for _, u := range []int64{alice.ID, bob.ID, carol.ID} {
			ok, err := f.d.IsShared(f.tok.ID, key, u)
			if err != nil || ok != slices.Contains(want, u) {
				t.Fatalf("%s: IsShared(user %d) = %v, %v", what, u, ok, err)
			}
		}
	}
	viewerFinds := func(what string, viewer int64, want bool) {
		t.Helper()
		ids, err := f.d.FindObjects(store.Query{TokenID: f.tok.ID, Viewer: viewer})
		if err != nil || slices.Contains(ids, key) != want {
			t.Fatalf("%s: FindObjects(viewer %d) = %v, %v; want found=%v", what, viewer, ids, err, want)
		}
	}

	wantShares("new key")
	viewerFinds("unshared", bob.ID, false)
	v0 := version()
	v1, err := f.d.AddShare(f.tok.ID, key, bob.ID)
	if err != nil || v1 != v0+1 || version() != v1 {
		t.Fatalf("AddShare = %d, %v; version was %d, now %d", v1, err, v0, version())
	}
	wantShares("shared with bob", bob.ID)
	viewerFinds("shared", bob.ID, true)
	viewerFinds("not shared with carol", carol.ID, false)
	if v, err := f.d.AddShare(f.tok.ID, key, bob.ID); err != nil || v != v1+1 {
		t.Fatalf("AddShare again = %d, %v (want success and a new version)", v, err)
	}
	wantShares("shared twice", bob.ID)

	v2, err := f.d.SetShares(f.tok.ID, key, []int64{carol.ID, bob.ID, carol.ID})
	if err != nil || v2 <= v1 {
		t.Fatalf("SetShares = %d, %v", v2, err)
	}
	wantShares("set bob, carol", bob.ID, carol.ID)
	v3, err := f.d.RemoveShare(f.tok.ID, key, bob.ID)
	if err != nil || v3 != v2+1 {
		t.Fatalf("RemoveShare = %d, %v", v3, err)
	}
	wantShares("bob removed", carol.ID)
	viewerFinds("unshared again", bob.ID, false)
	if _, err := f.d.RemoveShare(f.tok.ID, key, bob.ID); err != nil {
		t.Fatalf("RemoveShare of a user not shared: %v", err)
	}

	// Refusals change nothing: a user of another token, a missing user or object.
	for _, tc := range []struct {
		name string
		fn   func() error
	}{
		{"user of another token", func() error { _, err := f.d.AddShare(f.tok.ID, key, otherUser.ID); return err }},
		{"missing user", func() error { _, err := f.d.AddShare(f.tok.ID, key, 987654); return err }},
		{"set with a missing user", func() error { _, err := f.d.SetShares(f.tok.ID, key, []int64{bob.ID, 987654}); return err }},
		{"missing object", func() error { _, err := f.d.AddShare(f.tok.ID, 42, bob.ID); return err }},
		{"object of another token", func() error { _, err := f.d.AddShare(other.ID, key, otherUser.ID); return err }},
		{"shares of a missing object", func() error { _, err := f.d.Shares(f.tok.ID, 42); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := version()
			if err := tc.fn(); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("got %v, want ErrNotFound", err)
			}
			if version() != before {
				t.Fatalf("a refused change bumped the version")
			}
			wantShares("after refusal", carol.ID)
		})
	}

	// Destroying the object drops its shares.
	if err := f.d.DestroyObject(f.tok.ID, key); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.d.db.QueryRow(`SELECT count(*) FROM shares WHERE object_id = ?`, key).Scan(&n); err != nil || n != 0 {
		t.Fatalf("shares left after destroy: %d, %v", n, err)
	}
}
