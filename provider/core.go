package provider

import (
	"sync"
	"sync/atomic"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// tokenState is this process's view of one token: who is logged in. Login is
// shared by every session of the application on that token (PKCS#11 5.6).
type tokenState struct {
	id     int64
	slotID ck.SlotID

	loginMu sync.Mutex // serialises C_Login/C_InitPIN/C_SetPIN, which stretch PINs slowly
	mu      sync.RWMutex
	// login is nil when nobody is logged in. It is written with mu held and
	// read without it: current runs several times in every call.
	login atomic.Pointer[loginState]
}

// loginState is one logged-in user, holding the unwrapped master key's sealer
// and the keys parsed during this login (wiped on logout).
type loginState struct {
	user      store.User
	masterKey []byte // to wrap it for new PINs (C_InitPIN, C_SetPIN)
	sealer    *seal.Sealer
	keys      keyCache
}

// current returns the login, or nil.
func (t *tokenState) current() *loginState { return t.login.Load() }

// logout forgets the login and wipes what it held.
func (t *tokenState) logout() {
	t.mu.Lock()
	l := t.login.Swap(nil)
	t.mu.Unlock()
	if l != nil {
		l.keys.wipe()
		seal.Wipe(l.masterKey)
	}
}

// Session is one PKCS#11 session. Its mutex serialises the calls on it: a
// session is used by one thread at a time (PKCS#11 5.2), and the lock only
// keeps a misbehaving application from corrupting the state.
type Session struct {
	handle ck.SessionHandle
	slotID ck.SlotID
	token  *tokenState
	rw     bool

	mu      sync.Mutex
	closed  bool
	objects map[ck.ObjectHandle]*object // session objects, destroyed with the session
	find    *findOp
	ops     sessionOps // active cryptographic operations (crypto.go)
}

// handleTable maps object handles to objects. Handles are never reused in a
// process, and a token object keeps its handle for the life of the process.
type handleTable struct {
	mu     sync.RWMutex
	next   ck.ObjectHandle
	byDBID map[int64]ck.ObjectHandle // token objects
	refs   map[ck.ObjectHandle]objectRef
}

// objectRef says where an object lives: in the store (dbID) or in a session.
type objectRef struct {
	tokenID int64
	dbID    int64            // token object, or 0
	session ck.SessionHandle // session object's owner, or 0
}

func (h *handleTable) init() {
	h.byDBID = map[int64]ck.ObjectHandle{}
	h.refs = map[ck.ObjectHandle]objectRef{}
}

// forToken returns the stable handle of a token object, making one the first time.
func (h *handleTable) forToken(tokenID, dbID int64) ck.ObjectHandle {
	h.mu.RLock()
	hd, ok := h.byDBID[dbID]
	h.mu.RUnlock()
	if ok {
		return hd
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if hd, ok := h.byDBID[dbID]; ok {
		return hd
	}
	h.next++
	h.byDBID[dbID] = h.next
	h.refs[h.next] = objectRef{tokenID: tokenID, dbID: dbID}
	return h.next
}

// forSession makes the handle of a new session object.
func (h *handleTable) forSession(tokenID int64, s ck.SessionHandle) ck.ObjectHandle {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	h.refs[h.next] = objectRef{tokenID: tokenID, session: s}
	return h.next
}

// lookup resolves a handle.
func (h *handleTable) lookup(hd ck.ObjectHandle) (objectRef, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	r, ok := h.refs[hd]
	return r, ok
}

// forget drops a destroyed object's handle; it is not given out again.
func (h *handleTable) forget(hd ck.ObjectHandle) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r, ok := h.refs[hd]; ok && r.dbID != 0 {
		delete(h.byDBID, r.dbID)
	}
	delete(h.refs, hd)
}
