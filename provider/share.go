package provider

// share.go: key ownership and sharing in the CloudHSM model (DESIGN.md rule
// 6). Every token key has one owner, the Crypto User who made it. The owner
// shares it with other Crypto Users of the token and takes shares back,
// through the Go API below (gohsm key share/unshare) or through PKCS#11 with
// the vendor attribute CKA_GOHSM_SHARED_WITH.
//
// What a user who is not the owner gets (the "foreign" user):
//   - a private object is visible only if it is shared with the user; else it
//     is never found and its handle is CKR_OBJECT_HANDLE_INVALID.
//   - a shared key can be used within its usage flags (sign, verify, encrypt,
//     decrypt, wrap with it, unwrap with it); deriving from it is
//     CKR_KEY_FUNCTION_NOT_PERMITTED, and so is any use of another user's
//     private or secret key that is visible (CKA_PRIVATE false) but not shared.
//   - C_SetAttributeValue, C_DestroyObject, C_CopyObject: CKR_ACTION_PROHIBITED
//     (copying a non-private object without key material, such as a public
//     key or a certificate, stays allowed).
//   - wrapping the key itself with C_WrapKey: CKR_KEY_NOT_WRAPPABLE (the key
//     may be extractable; the token refuses to wrap it for this user).
//   - key material through C_GetAttributeValue (or C_FindObjects matching on
//     it): CKR_ATTRIBUTE_SENSITIVE, even when the key is extractable and not
//     sensitive.
//   - sharing: only the owner shares (else CKR_ACTION_PROHIBITED).
//
// CKA_GOHSM_SHARED_WITH (0x80474801: CKA_VENDOR_DEFINED|0x474801) is an
// attribute of token keys only (others: CKR_ATTRIBUTE_TYPE_INVALID). Its value
// is the comma-separated names of the users the key is shared with, sorted,
// empty for none. The owner and the users it is shared with may read it
// (others: CKR_ATTRIBUTE_SENSITIVE). Only the owner may set it, with
// C_SetAttributeValue in a R/W session, and only alone in its template
// (CKR_TEMPLATE_INCONSISTENT otherwise: the shares live apart from the
// object's attributes and could not change atomically with them); the new
// value replaces the set, and a name that is not another Crypto User of the
// token is CKR_ATTRIBUTE_VALUE_INVALID. Sharing does not need CKA_MODIFIABLE:
// it changes who may use the key, not the key. It cannot be given to
// C_CreateObject, C_CopyObject or the key generators (CKR_ATTRIBUTE_TYPE_INVALID:
// share once the key exists), and a search template holding it matches nothing.
//
// A share taken back takes effect at the next use in every process: each
// change bumps the object's version, and every use of a cached key already
// compares versions (keycache.go), so the sign path costs nothing more. An
// operation initialised before the change runs to its end.

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// Refusals of the sharing calls; each wraps its ck.RV.
var (
	ErrNotCryptoUser = fmt.Errorf("%w: a Crypto User must be logged in", ck.CKR_USER_NOT_LOGGED_IN)
	ErrNotShareable  = fmt.Errorf("%w: only token keys can be shared", ck.CKR_ACTION_PROHIBITED)
	ErrNotOwner      = fmt.Errorf("%w: only the key's owner may share it", ck.CKR_ACTION_PROHIBITED)
	ErrShareTarget   = fmt.Errorf("%w: a key is shared with Crypto Users of its token other than its owner", ck.CKR_ARGUMENTS_BAD)
)

// ShareInfo is who holds a key: its owner's name ("" if nobody owns it) and
// the users it is shared with, sorted by name.
type ShareInfo struct {
	Owner      string
	SharedWith []string
}

func isKeyClass(c ck.ObjectClass) bool {
	return c == ck.CKO_PUBLIC_KEY || c == ck.CKO_PRIVATE_KEY || c == ck.CKO_SECRET_KEY
}

// shareable: token keys. Session objects live in one process and die with
// their session; sharing them would mean nothing.
func shareable(o *object) bool { return o.dbID != 0 && isKeyClass(o.class) }

// foreign: o has an owner and l is not logged in as that owner.
func foreign(o *object, l *loginState) bool {
	return o.owner != 0 && (l == nil || l.user.ID != o.owner)
}

// sharedTo: o was read for l's user and found shared with it.
func sharedTo(o *object, l *loginState) bool {
	return o.sharedWith != 0 && l != nil && o.sharedWith == l.user.ID
}

// holdsSecret: private and secret keys, whose use is the owner's right.
func holdsSecret(o *object) bool {
	return o.class == ck.CKO_PRIVATE_KEY || o.class == ck.CKO_SECRET_KEY
}

// noteShare records on a token object just read for l whether it is shared
// with l's user, when that decides anything: the object is private (is it
// visible?) or a private or secret key (may it be used?). The object is then
// cached for this login only, and a share change gives it a new version.
func (m *Module) noteShare(o *object, l *loginState) error {
	if !isCU(l) || !foreign(o, l) || (!o.private() && !holdsSecret(o)) {
		return nil
	}
	ok, err := m.store.IsShared(o.tokenID, o.dbID, l.user.ID)
	if err != nil {
		return err
	}
	if ok {
		o.sharedWith = l.user.ID
	}
	return nil
}

// readAttrAs is readAttr for the login l: a user who does not own a key
// never reads its key material, whatever CKA_SENSITIVE and CKA_EXTRACTABLE say.
func readAttrAs(o *object, l *loginState, t ck.AttributeType) ([]byte, ck.RV) {
	if r, ok := policy[o.key][t]; ok && r.has(material) && foreign(o, l) {
		return nil, ck.CKR_ATTRIBUTE_SENSITIVE
	}
	return readAttr(o, t)
}

// attrFor is one attribute of C_GetAttributeValue for the login l.
func (m *Module) attrFor(o *object, l *loginState, t ck.AttributeType) ([]byte, ck.RV) {
	if t != ck.CKA_GOHSM_SHARED_WITH {
		return readAttrAs(o, l, t)
	}
	if !shareable(o) {
		return nil, ck.CKR_ATTRIBUTE_TYPE_INVALID
	}
	if foreign(o, l) && !m.isSharedWith(o, l) {
		return nil, ck.CKR_ATTRIBUTE_SENSITIVE
	}
	info, err := m.shareInfo(o)
	if err != nil {
		return nil, rvOfErr(m.storeErr(err))
	}
	return []byte(strings.Join(info.SharedWith, ",")), ck.CKR_OK
}

// isSharedWith asks the store when the object did not need noteShare (a
// public key, say).
func (m *Module) isSharedWith(o *object, l *loginState) bool {
	if sharedTo(o, l) {
		return true
	}
	if !isCU(l) || o.dbID == 0 {
		return false
	}
	ok, err := m.store.IsShared(o.tokenID, o.dbID, l.user.ID)
	return err == nil && ok
}

// rvOfErr is the ck.RV an error carries (CKR_GENERAL_ERROR if none).
func rvOfErr(err error) ck.RV {
	var rv ck.RV
	if errors.As(err, &rv) {
		return rv
	}
	return ck.CKR_GENERAL_ERROR
}

// mayCopy: a foreign user copies only what holds no secret: a non-private
// public key, certificate or data object. Never a shared key.
func mayCopy(o *object, l *loginState) bool {
	return !foreign(o, l) || (!o.private() && !holdsSecret(o))
}

// useAllowed checks a private or secret key's use by l for keyForUse: the
// owner uses it within its flags; a user it is shared with too, but never
// to derive; anybody else not at all.
func useAllowed(o *object, l *loginState, usage ck.AttributeType) error {
	if !foreign(o, l) {
		return nil
	}
	if !sharedTo(o, l) || usage == ck.CKA_DERIVE {
		return ck.CKR_KEY_FUNCTION_NOT_PERMITTED
	}
	return nil
}

// wrapAllowed: only its owner may wrap a key (export it under another key).
func (m *Module) wrapAllowed(s *Session, h ck.ObjectHandle) error {
	o, l, err := m.resolve(s, h)
	if err != nil {
		return err
	}
	if foreign(o, l) {
		return ck.CKR_KEY_NOT_WRAPPABLE
	}
	return nil
}

// shareChange runs one change of the shares of the token key oh, which the
// session's Crypto User must own (write: in a R/W session), and records it
// in the audit log as op on target, whatever the result.
func (m *Module) shareChange(h ck.SessionHandle, oh ck.ObjectHandle, op, target string,
	fn func(s *Session, o *object, l *loginState) error) (err error) {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	var o *object
	defer func() { m.auditShare(s, op, o, target, err) }()
	o, l, err := m.resolve(s, oh)
	if err != nil {
		return err
	}
	if err := m.checkOwner(s, o, l, true); err != nil {
		return err
	}
	return fn(s, o, l)
}

func (m *Module) checkOwner(s *Session, o *object, l *loginState, write bool) error {
	switch {
	case write && o.dbID != 0 && !s.rw:
		return ck.CKR_SESSION_READ_ONLY
	case !shareable(o):
		return ErrNotShareable
	case !isCU(l):
		return ErrNotCryptoUser
	case l.user.ID != o.owner:
		return ErrNotOwner
	}
	return nil
}

// ShareObject shares the token key oh with the Crypto User user. The
// session's Crypto User must own the key; sharing twice is not an error.
func (m *Module) ShareObject(h ck.SessionHandle, oh ck.ObjectHandle, user string) error {
	return m.shareChange(h, oh, "share", user, func(s *Session, o *object, l *loginState) error {
		u, err := m.shareTarget(s.token.id, l, user)
		if err != nil {
			return err
		}
		if err := m.requireQuorum(s, QuorumKeyManagement, o.dbID, QuorumOp("key.share", o.dbID, "user="+user)); err != nil { // quorum.go
			return err
		}
		if _, err := m.store.AddShare(o.tokenID, o.dbID, u.ID); err != nil {
			return m.shareStoreErr(oh, o, err)
		}
		m.log.WithFields(map[string]any{"object": o.dbID, "user": user, "by": l.user.Name}).Info("gohsm: key shared")
		return nil
	})
}

// UnshareObject takes back the share of oh with user; a user it is not
// shared with is not an error. It takes effect at the user's next use of
// the key, in every process.
func (m *Module) UnshareObject(h ck.SessionHandle, oh ck.ObjectHandle, user string) error {
	return m.shareChange(h, oh, "unshare", user, func(s *Session, o *object, l *loginState) error {
		u, err := m.shareTarget(s.token.id, l, user)
		if err != nil {
			return err
		}
		if err := m.requireQuorum(s, QuorumKeyManagement, o.dbID, QuorumOp("key.unshare", o.dbID, "user="+user)); err != nil { // quorum.go
			return err
		}
		if _, err := m.store.RemoveShare(o.tokenID, o.dbID, u.ID); err != nil {
			return m.shareStoreErr(oh, o, err)
		}
		m.log.WithFields(map[string]any{"object": o.dbID, "user": user, "by": l.user.Name}).Info("gohsm: key unshared")
		return nil
	})
}

// SetShares replaces the users oh is shared with (none: an empty list).
func (m *Module) SetShares(h ck.SessionHandle, oh ck.ObjectHandle, users []string) error {
	return m.shareChange(h, oh, "share set", strings.Join(users, ","), func(s *Session, o *object, l *loginState) error {
		return m.replaceShares(s, o, l, users)
	})
}

// Shares tells who holds the key oh: its owner and the users it is shared
// with. The owner and those users may ask; anybody else gets
// CKR_ACTION_PROHIBITED.
func (m *Module) Shares(h ck.SessionHandle, oh ck.ObjectHandle) (ShareInfo, error) {
	s, err := m.session(h)
	if err != nil {
		return ShareInfo{}, err
	}
	o, l, err := m.resolve(s, oh)
	if err != nil {
		return ShareInfo{}, err
	}
	if !shareable(o) {
		return ShareInfo{}, ErrNotShareable
	}
	if foreign(o, l) && !m.isSharedWith(o, l) {
		return ShareInfo{}, ErrNotOwner
	}
	info, err := m.shareInfo(o)
	if err != nil {
		return ShareInfo{}, m.shareStoreErr(oh, o, err)
	}
	return info, nil
}

// shareInfo reads the owner's and sharers' names.
func (m *Module) shareInfo(o *object) (ShareInfo, error) {
	ids, err := m.store.Shares(o.tokenID, o.dbID)
	if err != nil {
		return ShareInfo{}, err
	}
	users, err := m.store.Users(o.tokenID)
	if err != nil {
		return ShareInfo{}, err
	}
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	info := ShareInfo{Owner: names[o.owner], SharedWith: []string{}}
	for _, id := range ids {
		if n, ok := names[id]; ok {
			info.SharedWith = append(info.SharedWith, n)
		}
	}
	sort.Strings(info.SharedWith)
	return info, nil
}

// shareTarget finds the Crypto User a key is shared with: another CU of
// the token than the owner.
func (m *Module) shareTarget(tokenID int64, l *loginState, name string) (store.User, error) {
	u, err := m.userNamed(tokenID, name)
	if err != nil {
		return u, err
	}
	if u.Role != store.RoleCU || u.ID == l.user.ID {
		return u, fmt.Errorf("user %q: %w", name, ErrShareTarget)
	}
	return u, nil
}

// replaceShares sets the shares of o (owned by l, checked) to the named users.
func (m *Module) replaceShares(s *Session, o *object, l *loginState, names []string) error {
	ids := make([]int64, 0, len(names))
	for _, n := range names {
		u, err := m.shareTarget(s.token.id, l, n)
		if err != nil {
			return err
		}
		ids = append(ids, u.ID)
	}
	if err := m.requireQuorum(s, QuorumKeyManagement, o.dbID, QuorumOp("key.share", o.dbID, "users="+sortedNames(names))); err != nil { // quorum.go
		return err
	}
	if _, err := m.store.SetShares(o.tokenID, o.dbID, ids); err != nil {
		return m.shareStoreErr(o.handle, o, err)
	}
	m.log.WithFields(map[string]any{"object": o.dbID, "users": strings.Join(names, ","), "by": l.user.Name}).Info("gohsm: key shares set")
	return nil
}

// shareStoreErr maps a store error of a sharing call: the object gone is an
// invalid handle, a user gone meanwhile a bad argument.
func (m *Module) shareStoreErr(oh ck.ObjectHandle, o *object, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		if _, verr := m.store.ObjectVersion(o.tokenID, o.dbID); errors.Is(verr, store.ErrNotFound) {
			return m.objectErr(oh, objectRef{tokenID: o.tokenID, dbID: o.dbID}, err)
		}
		return ErrShareTarget
	}
	return m.storeErr(err)
}

// hasSharesAttr reports whether a C_SetAttributeValue template sets CKA_GOHSM_SHARED_WITH.
func hasSharesAttr(tmpl ck.Template) bool {
	for _, a := range tmpl {
		if a.Type == ck.CKA_GOHSM_SHARED_WITH {
			return true
		}
	}
	return false
}

// setSharesAttr is C_SetAttributeValue of CKA_GOHSM_SHARED_WITH, with the
// codes of an attribute: see the top of this file. It returns plain ck.RVs.
// A well-formed request is recorded in the audit log as "share set".
func (m *Module) setSharesAttr(s *Session, o *object, l *loginState, tmpl ck.Template) (err error) {
	if len(tmpl) != 1 {
		return ck.CKR_TEMPLATE_INCONSISTENT
	}
	if !shareable(o) {
		return ck.CKR_ATTRIBUTE_TYPE_INVALID
	}
	if err := m.checkOwner(s, o, l, true); err != nil {
		return rvOfErr(err)
	}
	names, ok := parseShareList(tmpl[0].Value)
	if !ok {
		return ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	defer func() { m.auditShare(s, "share set", o, strings.Join(names, ","), err) }()
	err = m.replaceShares(s, o, l, names)
	if rv := rvOfErr(err); err != nil && rv == ck.CKR_ARGUMENTS_BAD {
		return ck.CKR_ATTRIBUTE_VALUE_INVALID
	} else if err != nil {
		return rv
	}
	return nil
}

// parseShareList reads "alice,bob" (spaces around names allowed, an empty
// value for nobody, duplicates ignored); an empty name or a name outside the
// alphabet is not ok.
func parseShareList(v []byte) ([]string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil, true
	}
	seen := map[string]bool{}
	var out []string
	for _, part := range strings.Split(string(v), ",") {
		n := strings.TrimSpace(part)
		if !validUserName.MatchString(n) {
			return nil, false
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) > MaxUsers {
		return nil, false
	}
	return out, true
}
