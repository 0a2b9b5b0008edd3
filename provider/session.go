package provider

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// allOps names every operation kind, for cancelling all of them.
const allOps = ck.CKF_ENCRYPT | ck.CKF_DECRYPT | ck.CKF_DIGEST | ck.CKF_SIGN | ck.CKF_SIGN_RECOVER |
	ck.CKF_VERIFY | ck.CKF_VERIFY_RECOVER | ck.CKF_MESSAGE_ENCRYPT | ck.CKF_MESSAGE_DECRYPT |
	ck.CKF_MESSAGE_SIGN | ck.CKF_MESSAGE_VERIFY | ck.CKF_FIND_OBJECTS

// session returns the open session h.
func (m *Module) session(h ck.SessionHandle) (*Session, error) {
	if m.closed.Load() {
		return nil, ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	if s := m.sessCache.get(h); s != nil {
		return s, nil
	}
	v, ok := m.sessions.Load(h)
	if !ok {
		return nil, ck.CKR_SESSION_HANDLE_INVALID
	}
	s := v.(*Session)
	m.sessCache.put(s)
	if _, ok := m.sessions.Load(h); !ok { // closed meanwhile: see sessionCache
		m.sessCache.drop(s)
		return nil, ck.CKR_SESSION_HANDLE_INVALID
	}
	return s, nil
}

// state is the session's state in the PKCS#11 session state table.
func (s *Session) state() ck.State {
	l := s.token.current()
	switch {
	case l != nil && l.user.Role == store.RoleCO:
		return ck.CKS_RW_SO_FUNCTIONS
	case l != nil && s.rw:
		return ck.CKS_RW_USER_FUNCTIONS
	case l != nil:
		return ck.CKS_RO_USER_FUNCTIONS
	case s.rw:
		return ck.CKS_RW_PUBLIC_SESSION
	}
	return ck.CKS_RO_PUBLIC_SESSION
}

// OpenSession is C_OpenSession (notification callbacks are not used: gohsm
// never returns CKR_OK from a function that would need one).
func (m *Module) OpenSession(id ck.SlotID, flags ck.Flags) (ck.SessionHandle, error) {
	if flags&ck.CKF_SERIAL_SESSION == 0 {
		return 0, ck.CKR_SESSION_PARALLEL_NOT_SUPPORTED
	}
	v, err := m.slots()
	if err != nil {
		return 0, err
	}
	t, free, err := v.token(id)
	if err != nil {
		return 0, err
	}
	if free {
		return 0, ck.CKR_TOKEN_NOT_RECOGNIZED
	}
	ts := m.tokenState(t)
	rw := flags&ck.CKF_RW_SESSION != 0
	if l := ts.current(); !rw && l != nil && l.user.Role == store.RoleCO {
		return 0, ck.CKR_SESSION_READ_WRITE_SO_EXISTS
	}
	s := &Session{
		handle:  ck.SessionHandle(m.nextSession.Add(1)),
		slotID:  id,
		token:   ts,
		rw:      rw,
		objects: map[ck.ObjectHandle]*object{},
	}
	m.sessions.Store(s.handle, s)
	return s.handle, nil
}

// CloseSession is C_CloseSession. Closing the application's last session
// with a token logs the user out (PKCS#11 5.6).
func (m *Module) CloseSession(h ck.SessionHandle) error {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	m.closeSession(s)
	return nil
}

func (m *Module) closeSession(s *Session) {
	if _, loaded := m.sessions.LoadAndDelete(s.handle); !loaded {
		return // closed by a concurrent call
	}
	m.sessCache.drop(s)
	m.endSession(s)
	if n, _ := m.sessionCounts(s.token.id); n == 0 {
		s.token.logout()
	}
}

// endSession ends what a session holds: operations, searches, session objects.
func (m *Module) endSession(s *Session) {
	s.mu.Lock()
	s.closed = true
	s.cancelOps(allOps)
	s.find = nil
	s.mu.Unlock()
	m.destroySessionObjects(s)
}

// CloseAllSessions is C_CloseAllSessions.
func (m *Module) CloseAllSessions(id ck.SlotID) error {
	if err := m.checkSlot(id); err != nil {
		return err
	}
	m.sessions.Range(func(_, v any) bool {
		if s := v.(*Session); s.slotID == id {
			m.closeSession(s)
		}
		return true
	})
	return nil
}

// SessionInfo is C_GetSessionInfo.
func (m *Module) SessionInfo(h ck.SessionHandle) (ck.SessionInfo, error) {
	s, err := m.session(h)
	if err != nil {
		return ck.SessionInfo{}, err
	}
	f := ck.CKF_SERIAL_SESSION
	if s.rw {
		f |= ck.CKF_RW_SESSION
	}
	return ck.SessionInfo{SlotID: s.slotID, State: s.state(), Flags: f}, nil
}

// SessionCancel is C_SessionCancel (3.0): it ends the operations named by flags.
func (m *Module) SessionCancel(h ck.SessionHandle, flags ck.Flags) error {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelOps(flags)
	if flags&ck.CKF_FIND_OBJECTS != 0 {
		s.find = nil
	}
	return nil
}

// sessionCounts counts this application's sessions with a token: all, and R/W.
func (m *Module) sessionCounts(tokenID int64) (all, rw ck.ULong) {
	m.sessions.Range(func(_, v any) bool {
		if s := v.(*Session); s.token.id == tokenID {
			all++
			if s.rw {
				rw++
			}
		}
		return true
	})
	return all, rw
}

// hasReadOnlySession reports whether the application has a R/O session with the token.
func (m *Module) hasReadOnlySession(tokenID int64) bool {
	found := false
	m.sessions.Range(func(_, v any) bool {
		if s := v.(*Session); s.token.id == tokenID && !s.rw {
			found = true
			return false
		}
		return true
	})
	return found
}
