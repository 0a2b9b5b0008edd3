package provider

import (
	"bytes"
	"errors"
	"regexp"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// UserNamePattern is the alphabet of user names: 1 to 31 letters, digits,
// '_', '-', '.' (exported for the CLI, which checks names before asking for passwords).
var UserNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,31}$`)

var validUserName = UserNamePattern

// defaultCUName is the Crypto User that C_InitPIN makes from a bare PIN.
const defaultCUName = "user"

func checkPINLen(pw []byte) error {
	if len(pw) < minPINLen || len(pw) > maxPINLen {
		return ck.CKR_PIN_LEN_RANGE
	}
	return nil
}

// splitName splits "name:password" at the first colon when name is a valid
// user name; otherwise the whole PIN is a password and name is "".
func splitName(pin []byte) (name string, pw []byte) {
	if i := bytes.IndexByte(pin, ':'); i > 0 && validUserName.Match(pin[:i]) {
		return string(pin[:i]), pin[i+1:]
	}
	return "", pin
}

// splitNewPIN is splitName for C_InitToken, where a bare PIN names the default officer.
func splitNewPIN(pin []byte) (name string, pw []byte) {
	if name, pw = splitName(pin); name == "" {
		name = defaultCOName
	}
	return name, pw
}

// resolveUser finds who a login means: username if given (C_LoginUser); else
// the user named by a "name:" prefix; else the role's default user. A name of
// a user with another role is CKR_USER_TYPE_INVALID.
func (m *Module) resolveUser(t store.Token, role store.Role, pin, username []byte) (store.User, []byte, error) {
	name, pw := string(username), pin
	if username == nil {
		name, pw = splitName(pin)
	}
	if name != "" {
		u, err := m.store.UserByName(t.ID, name)
		switch {
		case err == nil && u.Role != role:
			return store.User{}, nil, ck.CKR_USER_TYPE_INVALID
		case err == nil:
			return u, pw, nil
		case !errors.Is(err, store.ErrNotFound):
			return store.User{}, nil, err
		case username != nil:
			// Unknown names fail like wrong passwords, so logins do not reveal who exists.
			return store.User{}, nil, ck.CKR_PIN_INCORRECT
		}
		pw = pin // no such user: the colon is part of a bare PIN
	}
	users, err := m.store.Users(t.ID)
	if err != nil {
		return store.User{}, nil, err
	}
	u, ok := defaultUser(users, role)
	if !ok {
		return store.User{}, nil, ck.CKR_USER_PIN_NOT_INITIALIZED
	}
	return u, pw, nil
}

// checkPIN verifies pw for u and returns the token master key. Failures are
// counted in the store, so the count holds across processes; at the limit the
// user is locked until an officer unlocks it.
func (m *Module) checkPIN(u store.User, pw []byte) ([]byte, error) {
	if u.Locked {
		return nil, ck.CKR_PIN_LOCKED
	}
	mk, err := u.Secret.Unwrap(pw)
	if errors.Is(err, seal.ErrWrongPIN) {
		failed, locked, serr := m.store.LoginFailed(u.ID, m.cfg.MaxLoginFailures)
		if serr != nil {
			return nil, serr
		}
		m.log.WithFields(map[string]any{"user": u.Name, "failed": failed, "locked": locked}).Warn("gohsm: wrong PIN")
		return nil, ck.CKR_PIN_INCORRECT
	}
	if err != nil {
		return nil, err
	}
	if u.FailedLogins > 0 {
		if err := m.store.LoginSucceeded(u.ID); err != nil {
			seal.Wipe(mk)
			return nil, err
		}
	}
	return mk, nil
}

func roleOf(ut ck.UserType) (store.Role, error) {
	switch ut {
	case ck.CKU_SO:
		return store.RoleCO, nil
	case ck.CKU_USER:
		return store.RoleCU, nil
	}
	return 0, ck.CKR_USER_TYPE_INVALID
}

// Login is C_Login: pin is "name:password" or a bare PIN for the default user.
func (m *Module) Login(h ck.SessionHandle, ut ck.UserType, pin []byte) (err error) {
	defer m.auditLogin(h, "C_Login", ut, pin, nil, &err)
	return m.login(h, ut, pin, nil)
}

// LoginUser is C_LoginUser (3.0): the user is named, the PIN is the password.
func (m *Module) LoginUser(h ck.SessionHandle, ut ck.UserType, pin, username []byte) (err error) {
	defer m.auditLogin(h, "C_LoginUser", ut, pin, username, &err)
	if len(username) == 0 {
		return ck.CKR_ARGUMENTS_BAD
	}
	return m.login(h, ut, pin, username)
}

func (m *Module) login(h ck.SessionHandle, ut ck.UserType, pin, username []byte) error {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	t, err := m.store.Token(s.token.id)
	if err != nil {
		return err
	}
	ts := s.token
	ts.loginMu.Lock()
	defer ts.loginMu.Unlock()
	cur := ts.current()
	if ut == ck.CKU_CONTEXT_SPECIFIC {
		return m.contextLogin(s, t, cur, pin, username)
	}
	role, err := roleOf(ut)
	if err != nil {
		return err
	}
	if cur != nil {
		if cur.user.Role != role {
			return ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN
		}
		if u, _, err := m.resolveUser(t, role, pin, username); err == nil && u.ID != cur.user.ID {
			return ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN
		}
		return ck.CKR_USER_ALREADY_LOGGED_IN
	}
	if role == store.RoleCO && m.hasReadOnlySession(t.ID) {
		return ck.CKR_SESSION_READ_ONLY_EXISTS
	}
	u, pw, err := m.resolveUser(t, role, pin, username)
	if err != nil {
		return err
	}
	mk, err := m.checkPIN(u, pw)
	if err != nil {
		return err
	}
	sealer, err := seal.NewSealer(mk)
	if err != nil {
		seal.Wipe(mk)
		return err
	}
	ts.mu.Lock()
	ts.login.Store(&loginState{user: u, masterKey: mk, sealer: sealer})
	ts.mu.Unlock()
	m.log.WithFields(map[string]any{"user": u.Name, "slot": ts.slotID}).Info("gohsm: login")
	return nil
}

// contextLogin is C_Login(CKU_CONTEXT_SPECIFIC): the logged-in user proves
// the PIN again for the operation that needs it (CKA_ALWAYS_AUTHENTICATE).
func (m *Module) contextLogin(s *Session, t store.Token, cur *loginState, pin, username []byte) error {
	if cur == nil {
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	u, err := m.store.UserByName(t.ID, cur.user.Name) // fresh lock state and counters
	if err != nil {
		return err
	}
	pw := pin
	if username != nil {
		if string(username) != u.Name {
			return ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN
		}
	} else if name, rest := splitName(pin); name == u.Name {
		pw = rest
	}
	mk, err := m.checkPIN(u, pw)
	if err != nil {
		return err
	}
	seal.Wipe(mk)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ops.authorizeContext()
}

// Logout is C_Logout: the login ends for every session of the application
// with the token; their operations end too, and the keys parsed during the
// login are wiped.
func (m *Module) Logout(h ck.SessionHandle) (err error) {
	defer m.auditBefore(h, "C_Logout", 0, "", &err)()
	s, err := m.session(h)
	if err != nil {
		return err
	}
	s.token.loginMu.Lock()
	defer s.token.loginMu.Unlock()
	if s.token.current() == nil {
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	m.sessions.Range(func(_, v any) bool {
		if o := v.(*Session); o.token == s.token {
			o.mu.Lock()
			o.cancelOps(allOps)
			o.find = nil
			o.mu.Unlock()
		}
		return true
	})
	s.token.logout()
	return nil
}

// InitPIN is C_InitPIN, for an officer: a bare PIN sets the default Crypto
// User's PIN, "name:password" creates or resets the Crypto User name. A reset
// user is unlocked.
func (m *Module) InitPIN(h ck.SessionHandle, pin []byte) (err error) {
	defer m.auditInitPIN(h, pin, &err)
	s, err := m.session(h)
	if err != nil {
		return err
	}
	if s.state() != ck.CKS_RW_SO_FUNCTIONS {
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	s.token.loginMu.Lock()
	defer s.token.loginMu.Unlock()
	l := s.token.current()
	if l == nil {
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	name, pw := splitName(pin)
	if err := checkPINLen(pw); err != nil {
		return err
	}
	secret, err := seal.WrapForPIN(pw, l.masterKey, m.kdf)
	if err != nil {
		return err
	}
	var u store.User
	if name == "" {
		users, err := m.store.Users(s.token.id)
		if err != nil {
			return err
		}
		var ok bool
		if u, ok = defaultUser(users, store.RoleCU); !ok {
			u = store.User{Name: defaultCUName, Default: true}
		}
	} else if u, err = m.store.UserByName(s.token.id, name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	} else if err != nil {
		u = store.User{Name: name}
	}
	switch {
	case u.ID != 0 && u.Role != store.RoleCU:
		return ck.CKR_ARGUMENTS_BAD // the name belongs to an officer
	case u.ID != 0:
		if err := m.requireQuorum(s, QuorumUsers, 0, QuorumOp("user.passwd", 0, "name="+u.Name)); err != nil { // quorum.go
			return err
		}
		return m.resetUser(u.ID, secret)
	}
	if err := m.requireQuorum(s, QuorumUsers, 0, QuorumOp("user.create", 0, "name="+u.Name, "role=CU")); err != nil { // quorum.go
		return err
	}
	u.TokenID, u.Role, u.Secret, u.Created = s.token.id, store.RoleCU, secret, time.Now().UTC()
	if err := m.addUser(u); err != nil { // users.go: at most MaxUsers
		return rvOfErr(err)
	}
	return nil
}

func (m *Module) resetUser(id int64, secret seal.PINSecret) error {
	if err := m.store.UpdateUserSecret(id, secret); err != nil {
		return err
	}
	if err := m.store.LoginSucceeded(id); err != nil {
		return err
	}
	return m.store.SetLocked(id, false)
}

// SetPIN is C_SetPIN: the logged-in user's PIN, or the default Crypto User's
// in a public session. It needs a R/W session.
func (m *Module) SetPIN(h ck.SessionHandle, oldPIN, newPIN []byte) (err error) {
	defer m.auditSetPIN(h, oldPIN, &err)
	s, err := m.session(h)
	if err != nil {
		return err
	}
	if !s.rw {
		return ck.CKR_SESSION_READ_ONLY
	}
	t, err := m.store.Token(s.token.id)
	if err != nil {
		return err
	}
	s.token.loginMu.Lock()
	defer s.token.loginMu.Unlock()
	var u store.User
	oldPw := oldPIN
	if cur := s.token.current(); cur != nil {
		if u, err = m.store.UserByName(t.ID, cur.user.Name); err != nil {
			return err
		}
		if name, rest := splitName(oldPIN); name == u.Name {
			oldPw = rest
		}
	} else if u, oldPw, err = m.resolveUser(t, store.RoleCU, oldPIN, nil); err != nil {
		return err
	}
	newPw := newPIN
	if name, rest := splitName(newPIN); name == u.Name {
		newPw = rest
	}
	if err := checkPINLen(newPw); err != nil {
		return err
	}
	mk, err := m.checkPIN(u, oldPw)
	if err != nil {
		return err
	}
	defer seal.Wipe(mk)
	secret, err := seal.WrapForPIN(newPw, mk, m.kdf)
	if err != nil {
		return err
	}
	return m.store.UpdateUserSecret(u.ID, secret)
}
