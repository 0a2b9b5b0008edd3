package provider

import (
	"sync/atomic"

	"github.com/gohsm/gohsm/ck"
)

// sessionCache is a direct-mapped, lock-free front of Module.sessions for
// Module.session, which every call makes: a sync.Map hashes and compares
// its interface keys (about 30 ns a lookup, measured with perf on
// C_GetSessionInfo), one atomic load here. Handles are sequential and never
// reused, so 256 slots hold every session of most applications.
//
// The map stays the truth. A slot is filled after a map hit and the map is
// checked again afterwards, and closeSession clears the slot after deleting
// from the map; so a closed session never stays cached: either the re-check
// sees it gone and the filler clears the slot, or the close comes later and
// clears it.
type sessionCache [256]atomic.Pointer[Session]

func (c *sessionCache) slot(h ck.SessionHandle) *atomic.Pointer[Session] {
	return &c[h%ck.SessionHandle(len(c))]
}

// get returns the cached session h, or nil.
func (c *sessionCache) get(h ck.SessionHandle) *Session {
	if s := c.slot(h).Load(); s != nil && s.handle == h {
		return s
	}
	return nil
}

func (c *sessionCache) put(s *Session) { c.slot(s.handle).Store(s) }

// drop clears s's slot if it still holds s.
func (c *sessionCache) drop(s *Session) { c.slot(s.handle).CompareAndSwap(s, nil) }
