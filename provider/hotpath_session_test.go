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
