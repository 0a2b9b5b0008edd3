package provider

import (
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestSessionCacheClosed: a session found through the cache is invalid as
// soon as it is closed, also when closing races with lookups.
func TestSessionCacheClosed(t *testing.T) {
	m, slot, h := userSession(t)
	if _, err := m.SessionInfo(h); err != nil {
		t.Fatal(err)
	}
	if m.sessCache.get(h) == nil {
		t.Fatal("an open session used once is not cached")
	}
	must(t, m.CloseSession(h))
	_, err := m.SessionInfo(h)
	wantRV(t, "closed session", err, ck.CKR_SESSION_HANDLE_INVALID)

	for range 20 {
		h := openRW(t, m, slot)
		var wg sync.WaitGroup
		wg.Go(func() {
			for range 200 {
				_, _ = m.SessionInfo(h)
			}
		})
		wg.Go(func() { _ = m.CloseSession(h) })
		wg.Wait()
		_, err := m.SessionInfo(h)
		wantRV(t, "session closed during lookups", err, ck.CKR_SESSION_HANDLE_INVALID)
	}

	// Handles that share a slot do not see each other.
	a := openRW(t, m, slot)
	var b ck.SessionHandle
	for b = openRW(t, m, slot); b%256 != a%256; b = openRW(t, m, slot) {
	}
	for _, x := range []ck.SessionHandle{a, b, a, b} {
		if s, err := m.session(x); err != nil || s.handle != x {
			t.Fatalf("session %d: %v %v", x, s, err)
		}
	}
}

// TestOperationStructReused: an ended operation's struct is zeroed and
// reused by the session's next C_XxxInit, which then behaves as new (no
// pending output, no single-part mark, no context login carried over).
func TestOperationStructReused(t *testing.T) {
	m, _, h := userSession(t)
	k := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET, ck.CKA_TOKEN, true,
		ck.CKA_SIGN, true, ck.CKA_VALUE, []byte("0123456789abcdef0123456789abcdef")))
	mech := ck.Mechanism{Type: ck.CKM_SHA256_HMAC}
	s, err := m.session(h)
	must(t, err)

	must(t, m.SignInit(h, mech, k))
	_, err = m.Sign(h, []byte("a"), make([]byte, 3)) // short buffer: output pending
	wantRV(t, "short buffer", err, ck.CKR_BUFFER_TOO_SMALL)
	first := s.ops.active[opSign]
	must(t, m.SessionCancel(h, ck.CKF_SIGN))
	if s.ops.spare != first || *first != (operation{}) {
		t.Fatalf("ended operation not kept zeroed as the spare: %+v", first)
	}
	must(t, m.SignInit(h, mech, k))
	if s.ops.active[opSign] != first || s.ops.spare != nil {
		t.Fatal("the spare was not reused")
	}
	// A different input than the cancelled call's: a kept pending output
	// would answer CKR_ARGUMENTS_BAD.
	if err := m.SignUpdate(h, []byte("b")); err != nil {
		t.Fatalf("Update on the reused operation: %v", err)
	}
	mac := make([]byte, 32)
	if _, err := m.SignFinal(h, mac); err != nil {
		t.Fatal(err)
	}
}
