package sqlite

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gohsm/gohsm/store"
)

func TestQuorumPolicies(t *testing.T) {
	f := newFixture(t)
	alice := f.addUser(t, "alice", false)
	key := f.create(t, keyObject(f.tok.ID, alice.ID, "k", true, []byte("0123456789abcdef")))
	if _, err := f.d.QuorumPolicy(f.tok.ID, "user", 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no policy: %v, want ErrNotFound", err)
	}
	v0, _ := f.d.ObjectVersion(f.tok.ID, key)
	steps := []store.QuorumPolicy{
		{TokenID: f.tok.ID, Service: "user", M: 2},
		{TokenID: f.tok.ID, Service: "user", M: 3}, // replaces
		{TokenID: f.tok.ID, Service: "key-usage", Object: key, M: 2},
	}
	for _, p := range steps {
		if err := f.d.SetQuorumPolicy(p); err != nil {
			t.Fatalf("SetQuorumPolicy(%+v): %v", p, err)
		}
		got, err := f.d.QuorumPolicy(p.TokenID, p.Service, p.Object)
		if err != nil || got != p {
			t.Fatalf("QuorumPolicy = %+v, %v; want %+v", got, err, p)
		}
	}
	if v1, _ := f.d.ObjectVersion(f.tok.ID, key); v1 == v0 {
		t.Errorf("a per-key policy did not bump the key's version (%d)", v1)
	}
	ps, err := f.d.QuorumPolicies(f.tok.ID)
	if err != nil || len(ps) != 2 {
		t.Fatalf("QuorumPolicies = %+v, %v; want 2", ps, err)
	}
	if err := f.d.SetQuorumPolicy(store.QuorumPolicy{TokenID: f.tok.ID, Service: "key-usage", Object: 999, M: 2}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("policy on a missing key: %v, want ErrNotFound", err)
	}
	if err := f.d.SetQuorumPolicy(store.QuorumPolicy{TokenID: f.tok.ID, Service: "user"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.QuorumPolicy(f.tok.ID, "user", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removed policy: %v, want ErrNotFound", err)
	}
}

func TestQuorumTokens(t *testing.T) {
	f := newFixture(t)
	alice := f.addUser(t, "alice", false)
	if _, err := f.d.QuorumKey(alice.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no key: %v", err)
	}
	k := store.QuorumKey{UserID: alice.ID, PublicKey: []byte("spki"), Registered: time.Now().UTC()}
	if err := f.d.SetQuorumKey(k); err != nil {
		t.Fatal(err)
	}
	if got, err := f.d.QuorumKey(alice.ID); err != nil || !bytes.Equal(got.PublicKey, k.PublicKey) || !got.Registered.Equal(k.Registered) {
		t.Fatalf("QuorumKey = %+v, %v", got, err)
	}

	now := time.Now().UTC()
	tok := store.QuorumToken{ID: "0123456789abcdef", TokenID: f.tok.ID, Service: "user", Op: "user.delete name=bob",
		Nonce: bytes.Repeat([]byte{7}, 32), Requester: f.co.ID, Created: now, Expires: now.Add(10 * time.Minute)}
	if err := f.d.CreateQuorumToken(tok); err != nil {
		t.Fatal(err)
	}
	if err := f.d.CreateQuorumToken(tok); !errors.Is(err, store.ErrExists) {
		t.Fatalf("same ID twice: %v, want ErrExists", err)
	}
	a := store.QuorumApproval{TokenID: tok.ID, UserID: alice.ID, Signature: []byte("sig"), Time: now}
	if err := f.d.AddQuorumApproval(a); err != nil {
		t.Fatal(err)
	}
	if err := f.d.AddQuorumApproval(a); !errors.Is(err, store.ErrExists) {
		t.Fatalf("duplicate approval: %v, want ErrExists", err)
	}
	if err := f.d.AddQuorumApproval(store.QuorumApproval{TokenID: "nope", UserID: alice.ID, Signature: []byte("s")}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("approval of a missing token: %v, want ErrNotFound", err)
	}
	got, as, err := f.d.QuorumToken(tok.ID)
	if err != nil || got.Op != tok.Op || !bytes.Equal(got.Nonce, tok.Nonce) || !got.Expires.Equal(tok.Expires) || !got.Consumed.IsZero() || len(as) != 1 || as[0].UserID != alice.ID {
		t.Fatalf("QuorumToken = %+v, %+v, %v", got, as, err)
	}

	// Many consumers race; exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.d.ConsumeQuorumToken(tok.ID, time.Now())
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrExists):
				t.Errorf("losing consumer: %v, want ErrExists", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d consumers won, want 1", wins)
	}
	if err := f.d.ConsumeQuorumToken("missing", now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing token: %v", err)
	}
	if n, err := f.d.PurgeQuorumTokens(now.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	if _, _, err := f.d.QuorumToken(tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("purged token: %v", err)
	}
}
