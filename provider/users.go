package provider

// users.go: user management in the CloudHSM model (DESIGN.md rule 6), for
// the gohsm CLI and any Go caller. Every call takes a session handle in
// which a Crypto Officer is logged in (C_Login(CKU_SO)), so the checks are
// the session state table's and the same whether the officer came through
// PKCS#11 or the CLI. Refusals are ck.RV codes wrapped with a sentence for
// people: errors.As(err, &rv) gives the code (cexport does that), and the
// exported sentinels below can be matched with errors.Is.
//
//   - no officer logged in (nobody, or a Crypto User): CKR_USER_NOT_LOGGED_IN,
//     as C_InitPIN answers a Crypto User.
//   - a bad name or role, an unknown or existing user: CKR_ARGUMENTS_BAD.
//   - a password outside 7..64 bytes: CKR_PIN_LEN_RANGE. (PKCS#11 C_InitPIN
//     and C_SetPIN keep accepting 4..128 for the tools that expect it.)
//   - the 1,025th user: CKR_TOKEN_RESOURCE_EXCEEDED.
//   - deleting the last officer, oneself, or a user who owns objects
//     (without force): CKR_ACTION_PROHIBITED.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// Role is a user's role: RoleCO (Crypto Officer, CKU_SO) or RoleCU (Crypto User, CKU_USER).
type Role = store.Role

const (
	RoleCO = store.RoleCO
	RoleCU = store.RoleCU
)

// MaxUsers is the number of users (officers and crypto users) a token holds at most.
const MaxUsers = 1024

// Password lengths, in bytes, that CreateUser and ChangePassword accept.
const (
	MinPasswordLen = 7
	MaxPasswordLen = 64
)

// Refusals of the user management calls; each wraps its ck.RV.
var (
	ErrNotOfficer     = fmt.Errorf("%w: a Crypto Officer must be logged in to manage users", ck.CKR_USER_NOT_LOGGED_IN)
	ErrBadUserName    = fmt.Errorf("%w: a user name is 1 to 31 letters, digits, '_', '.' or '-'", ck.CKR_ARGUMENTS_BAD)
	ErrBadRole        = fmt.Errorf("%w: the role must be CO or CU", ck.CKR_ARGUMENTS_BAD)
	ErrUserExists     = fmt.Errorf("%w: a user of that name exists", ck.CKR_ARGUMENTS_BAD)
	ErrNoSuchUser     = fmt.Errorf("%w: no user of that name", ck.CKR_ARGUMENTS_BAD)
	ErrPasswordLength = fmt.Errorf("%w: a password is %d to %d bytes", ck.CKR_PIN_LEN_RANGE, MinPasswordLen, MaxPasswordLen)
	ErrTooManyUsers   = fmt.Errorf("%w: the token holds its maximum of %d users", ck.CKR_TOKEN_RESOURCE_EXCEEDED, MaxUsers)
	ErrLastOfficer    = fmt.Errorf("%w: the token's last Crypto Officer cannot be deleted", ck.CKR_ACTION_PROHIBITED)
	ErrDeleteSelf     = fmt.Errorf("%w: the logged-in officer cannot delete itself", ck.CKR_ACTION_PROHIBITED)
	ErrUserOwnsKeys   = fmt.Errorf("%w: the user owns objects; delete them first or force the deletion", ck.CKR_ACTION_PROHIBITED)
)

// UserInfo is one user as ListUsers shows it; never a secret.
type UserInfo struct {
	Name         string
	Role         Role
	FailedLogins int
	Locked       bool
	Created      time.Time
	Default      bool // the Crypto User a bare PIN logs in
}

// officer returns the Crypto Officer logged in to s's token. It holds the
// token's loginMu, as C_InitPIN does, so that a concurrent C_Logout cannot
// wipe the master key while a password is being wrapped; the caller calls
// unlock.
func officer(s *Session) (l *loginState, unlock func(), err error) {
	s.token.loginMu.Lock()
	l = s.token.current()
	if l == nil || l.user.Role != store.RoleCO {
		s.token.loginMu.Unlock()
		return nil, nil, ErrNotOfficer
	}
	return l, s.token.loginMu.Unlock, nil
}

// checkPassword applies the CLI-facing password rule.
func checkPassword(pw []byte) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return ErrPasswordLength
	}
	return nil
}

// userNamed returns the token's user called name.
func (m *Module) userNamed(tokenID int64, name string) (store.User, error) {
	if !validUserName.MatchString(name) {
		return store.User{}, ErrBadUserName
	}
	u, err := m.store.UserByName(tokenID, name)
	if errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("user %q: %w", name, ErrNoSuchUser)
	}
	if err != nil {
		return u, m.storeErr(err)
	}
	return u, nil
}

// CreateUser makes a Crypto Officer or Crypto User with a password of
// MinPasswordLen..MaxPasswordLen bytes. h must have an officer logged in.
func (m *Module) CreateUser(h ck.SessionHandle, name string, role Role, password []byte) (err error) {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	defer func() { m.auditUser(s, "user create", name, err) }()
	l, unlock, err := officer(s)
	if err != nil {
		return err
	}
	defer unlock()
	if !validUserName.MatchString(name) {
		return ErrBadUserName
	}
	if role != RoleCO && role != RoleCU {
		return ErrBadRole
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	if err := m.requireQuorum(s, QuorumUsers, 0, QuorumOp("user.create", 0, "name="+name, "role="+RoleName(role))); err != nil {
		return err
	}
	secret, err := seal.WrapForPIN(password, l.masterKey, m.kdf)
	if err != nil {
		return err
	}
	u := store.User{TokenID: s.token.id, Name: name, Role: role, Secret: secret, Created: time.Now().UTC()}
	if err := m.addUser(u); err != nil {
		return fmt.Errorf("user %q: %w", name, err)
	}
	m.log.WithFields(map[string]any{"user": name, "role": RoleName(role), "by": l.user.Name}).Info("gohsm: user created")
	return nil
}

// addUser stores a new user within MaxUsers (C_InitPIN uses it too).
func (m *Module) addUser(u store.User) error {
	_, err := m.store.CreateUserMax(u, MaxUsers)
	switch {
	case errors.Is(err, store.ErrExists):
		return ErrUserExists
	case errors.Is(err, store.ErrLimit):
		return ErrTooManyUsers
	case err != nil:
		return m.storeErr(err)
	}
	return nil
}

// DeleteUser removes a user and the shares made to it. A user who owns
// objects is refused unless force, which destroys them too; destroyed is how
// many. The last officer and the logged-in officer cannot be deleted. A
// deleted user's keys and shares stop working at their next use in every
// process (their versions change).
func (m *Module) DeleteUser(h ck.SessionHandle, name string, force bool) (destroyed int, err error) {
	s, err := m.session(h)
	if err != nil {
		return 0, err
	}
	defer func() { m.auditUser(s, "user delete", name, err) }()
	l, unlock, err := officer(s)
	if err != nil {
		return 0, err
	}
	defer unlock()
	u, err := m.userNamed(s.token.id, name)
	if err != nil {
		return 0, err
	}
	if u.ID == l.user.ID {
		return 0, ErrDeleteSelf
	}
	if err := m.requireQuorum(s, QuorumUsers, 0, QuorumOp("user.delete", 0, "name="+name)); err != nil {
		return 0, err
	}
	n, err := m.store.DeleteUser(s.token.id, u.ID, force)
	switch {
	case errors.Is(err, store.ErrLastOfficer):
		return 0, ErrLastOfficer
	case errors.Is(err, store.ErrHasObjects):
		owned, _ := m.store.CountOwned(s.token.id, u.ID)
		return 0, fmt.Errorf("user %q owns %d objects: %w", name, owned, ErrUserOwnsKeys)
	case errors.Is(err, store.ErrNotFound):
		return 0, fmt.Errorf("user %q: %w", name, ErrNoSuchUser)
	case err != nil:
		return 0, m.storeErr(err)
	}
	m.log.WithFields(map[string]any{"user": name, "objects_destroyed": n, "by": l.user.Name}).Info("gohsm: user deleted")
	return n, nil
}

// ListUsers lists the token's users in creation order. Any logged-in user
// may list them (as CloudHSM's listUsers); a public session may not
// (CKR_USER_NOT_LOGGED_IN).
func (m *Module) ListUsers(h ck.SessionHandle) ([]UserInfo, error) {
	s, err := m.session(h)
	if err != nil {
		return nil, err
	}
	if s.token.current() == nil {
		return nil, ck.CKR_USER_NOT_LOGGED_IN
	}
	us, err := m.store.Users(s.token.id)
	if err != nil {
		return nil, m.storeErr(err)
	}
	out := make([]UserInfo, len(us))
	for i, u := range us {
		out[i] = UserInfo{Name: u.Name, Role: u.Role, FailedLogins: u.FailedLogins, Locked: u.Locked, Created: u.Created, Default: u.Default}
	}
	return out, nil
}

// ChangePassword is an officer's reset of any user's password (its own
// included); the user is unlocked and its failure count cleared. A user
// changes its own password with C_SetPIN (Module.SetPIN).
func (m *Module) ChangePassword(h ck.SessionHandle, name string, password []byte) (err error) {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	defer func() { m.auditUser(s, "user passwd", name, err) }()
	l, unlock, err := officer(s)
	if err != nil {
		return err
	}
	defer unlock()
	u, err := m.userNamed(s.token.id, name)
	if err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	if err := m.requireQuorum(s, QuorumUsers, 0, QuorumOp("user.passwd", 0, "name="+name)); err != nil {
		return err
	}
	secret, err := seal.WrapForPIN(password, l.masterKey, m.kdf)
	if err != nil {
		return err
	}
	if err := m.resetUser(u.ID, secret); err != nil {
		return m.userStoreErr(name, err)
	}
	m.log.WithFields(map[string]any{"user": name, "by": l.user.Name}).Info("gohsm: password reset")
	return nil
}

// UnlockUser unlocks a user locked by failed logins and clears its count.
func (m *Module) UnlockUser(h ck.SessionHandle, name string) (err error) {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	defer func() { m.auditUser(s, "user unlock", name, err) }()
	l, unlock, err := officer(s)
	if err != nil {
		return err
	}
	defer unlock()
	u, err := m.userNamed(s.token.id, name)
	if err != nil {
		return err
	}
	if err := m.store.SetLocked(u.ID, false); err != nil {
		return m.userStoreErr(name, err)
	}
	m.log.WithFields(map[string]any{"user": name, "by": l.user.Name}).Info("gohsm: user unlocked")
	return nil
}

// userStoreErr maps a store error about a user found a moment ago: gone
// meanwhile (another process deleted it) is ErrNoSuchUser.
func (m *Module) userStoreErr(name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %q: %w", name, ErrNoSuchUser)
	}
	return m.storeErr(err)
}

// ParseRole reads "CO" or "CU" (any case), for command lines.
func ParseRole(s string) (Role, error) {
	switch strings.ToUpper(s) {
	case "CO":
		return RoleCO, nil
	case "CU":
		return RoleCU, nil
	}
	return 0, ErrBadRole
}

// RoleName is "CO" or "CU".
func RoleName(r Role) string {
	switch r {
	case RoleCO:
		return "CO"
	case RoleCU:
		return "CU"
	}
	return fmt.Sprintf("role(%d)", int(r))
}
