package provider

// audit.go: the provider's audit hooks. Each management function records
// what it did, by whom, on what, and its result, in the tamper-evident log
// of package audit. A record never holds a PIN, password or key byte: only
// user names that exist (or were given as names), store IDs, class names,
// labels (public attributes), attribute and mechanism names, and CKR names.
//
// A record that cannot be written is logged as an error; the operation's
// result stands, since what it did is already in the store.

import (
	"strconv"
	"strings"
	"sync"

	"github.com/gohsm/gohsm/audit"
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// openAudit opens the audit log beside the store (and the installation
// secret, made at the first open).
func (m *Module) openAudit() error {
	l, err := audit.Open(m.store, m.cfg.StoreDir)
	if err != nil {
		m.log.WithError(err).Error("gohsm: cannot open the audit log")
		return err
	}
	l.SetErrorHandler(func(err error) { m.log.WithError(err).Error("gohsm: cannot write the audit log") })
	m.audit = l
	return nil
}

// SetAuditCommand names the gohsm CLI command (such as "gohsm key generate")
// that this Module serves; every later record carries it.
func (m *Module) SetAuditCommand(cmd string) {
	if m.audit != nil {
		m.audit.SetCommand(cmd)
	}
}

// RecordAudit appends one event: for callers outside provider (backup,
// restore, token deletion by the CLI). The time and process are added.
func (m *Module) RecordAudit(e audit.Event) error {
	if m.audit == nil {
		return nil
	}
	_, err := m.audit.Append(e)
	return err
}

// auditEvent appends e; a failure is logged, not returned.
func (m *Module) auditEvent(e audit.Event) {
	if err := m.RecordAudit(e); err != nil {
		m.log.WithError(err).WithField("op", e.Op).Error("gohsm: cannot write the audit log")
	}
}

// who is the user logged in to s's token, or nobody.
func who(s *Session) (string, store.Role) {
	if l := s.token.current(); l != nil {
		return l.user.Name, l.user.Role
	}
	return "", 0
}

// withObject fills the object fields of e from o (nil: none).
func withObject(e audit.Event, o *object) audit.Event {
	if o == nil {
		return e
	}
	e.Object, e.Class = o.dbID, o.class.String()
	e.Label = string(o.attrs[ck.CKA_LABEL])
	return e
}

// auditSession records op by the login of s's token on object o (may be
// nil), naming target (a user, a mechanism, another object; may be "").
func (m *Module) auditSession(s *Session, op string, o *object, target string, err error) {
	name, role := who(s)
	m.auditEvent(withObject(audit.Event{TokenID: s.token.id, User: name, Role: role, Op: op, Target: target, Result: err}, o))
}

// auditUser records a user-management operation (op: "C_InitPIN",
// "user create", "user delete", "user passwd", "user unlock" ...) by the
// login of s's token on the user named target.
func (m *Module) auditUser(s *Session, op, target string, err error) {
	m.auditSession(s, op, nil, target, err)
}

// auditShare records "share" or "unshare" of o with the user named target.
func (m *Module) auditShare(s *Session, op string, o *object, target string, err error) {
	m.auditSession(s, op, o, target, err)
}

// auditToken records an event of a token outside any session (token
// initialisation, backup, restore, quorum): user and role are who acted.
func (m *Module) auditToken(tokenID int64, user string, role store.Role, op, target string, err error) {
	m.auditEvent(audit.Event{TokenID: tokenID, User: user, Role: role, Op: op, Target: target, Result: err})
}

// handleName names the object behind a handle for a record's target:
// "object <store ID>", "session object", or "" for an unknown handle.
func (m *Module) handleName(h ck.ObjectHandle) string {
	ref, ok := m.handles.lookup(h)
	switch {
	case !ok:
		return ""
	case ref.dbID != 0:
		return "object " + strconv.FormatInt(ref.dbID, 10)
	}
	return "session object"
}

// keyRef is a target naming a mechanism and the key it used.
func (m *Module) keyRef(mt ck.MechanismType, h ck.ObjectHandle) string {
	if n := m.handleName(h); n != "" {
		return mt.String() + " with " + n
	}
	return mt.String()
}

// attrNames lists a template's attribute types (never their values).
func attrNames(tmpl ck.Template) string {
	names := make([]string, len(tmpl))
	for i, a := range tmpl {
		names[i] = a.Type.String()
	}
	return strings.Join(names, ",")
}

// auditBefore captures the object behind oh now and returns the function
// that records op with *err when it runs: `defer m.auditBefore(...)()`, for
// operations after which the object may be gone or changed.
func (m *Module) auditBefore(h ck.SessionHandle, op string, oh ck.ObjectHandle, target string, err *error) func() {
	s, serr := m.session(h)
	if serr != nil {
		return func() {}
	}
	var o *object
	if oh != 0 {
		o, _, _ = m.resolve(s, oh)
	}
	name, role := who(s) // who acted: C_Logout ends the login
	return func() {
		m.auditEvent(withObject(audit.Event{TokenID: s.token.id, User: name, Role: role, Op: op, Target: target, Result: *err}, o))
	}
}

// loginName is the user a login attempt means, for the record: a user name
// given to C_LoginUser, a "name:" prefix naming an existing user, or the
// role's default user. Nothing else of the PIN is ever looked at.
func (m *Module) loginName(tokenID int64, role store.Role, pin, username []byte) string {
	if username != nil {
		if validUserName.Match(username) {
			return string(username)
		}
		return ""
	}
	if name, _ := splitName(pin); name != "" {
		if _, err := m.store.UserByName(tokenID, name); err == nil {
			return name
		}
	}
	users, err := m.store.Users(tokenID)
	if err != nil {
		return ""
	}
	if u, ok := defaultUser(users, role); ok {
		return u.Name
	}
	return ""
}

// auditLogin records a C_Login or C_LoginUser and its result:
// `defer m.auditLogin(h, "C_Login", ut, pin, nil, &err)`.
func (m *Module) auditLogin(h ck.SessionHandle, op string, ut ck.UserType, pin, username []byte, err *error) {
	s, serr := m.session(h)
	if serr != nil {
		return
	}
	name, role := who(s)
	target := ""
	switch {
	case ut == ck.CKU_CONTEXT_SPECIFIC:
		target = "context-specific"
	case *err == nil:
	default:
		r, rerr := roleOf(ut)
		if rerr != nil {
			target = "user type " + strconv.FormatUint(uint64(ut), 10)
			break
		}
		if name == "" || role != r { // a failed login names who it tried to be
			name, role = m.loginName(s.token.id, r, pin, username), r
		}
	}
	m.auditEvent(audit.Event{TokenID: s.token.id, User: name, Role: role, Op: op, Target: target, Result: *err})
}

// auditInitPIN records C_InitPIN with the Crypto User it set:
// `defer m.auditInitPIN(h, pin, &err)`. A "name:" prefix is a user name by
// construction there (C_InitPIN creates that user).
func (m *Module) auditInitPIN(h ck.SessionHandle, pin []byte, err *error) {
	s, serr := m.session(h)
	if serr != nil {
		return
	}
	target, _ := splitName(pin)
	if target == "" {
		target = m.loginName(s.token.id, store.RoleCU, nil, nil)
	}
	m.auditUser(s, "C_InitPIN", target, *err)
}

// auditSetPIN records C_SetPIN with the user whose PIN it set:
// `defer m.auditSetPIN(h, oldPIN, &err)`.
func (m *Module) auditSetPIN(h ck.SessionHandle, oldPIN []byte, err *error) {
	s, serr := m.session(h)
	if serr != nil {
		return
	}
	name, role := who(s)
	if name == "" {
		name, role = m.loginName(s.token.id, store.RoleCU, oldPIN, nil), store.RoleCU
	}
	m.auditEvent(audit.Event{TokenID: s.token.id, User: name, Role: role, Op: "C_SetPIN", Target: name, Result: *err})
}

// auditInitToken records C_InitToken: `defer m.auditInitToken(id, soPIN, label, &err)`.
// A failure on the free slot has no token: it goes to the no-token chain.
func (m *Module) auditInitToken(id ck.SlotID, soPIN []byte, label string, err *error) {
	var tokenID int64
	user := ""
	if v, serr := m.slots(); serr == nil {
		if t, free, terr := v.token(id); terr == nil && !free {
			tokenID = t.ID
			user = m.loginName(t.ID, store.RoleCO, soPIN, nil)
		}
	}
	m.auditToken(tokenID, user, store.RoleCO, "C_InitToken", "label "+strings.TrimRight(label, " \x00"), *err)
}

// auditNew records op with its result and each object it created (one
// record per object; one record without an object when it failed):
// `defer m.auditNew(h, "C_GenerateKey", target, &err, &handle)`.
func (m *Module) auditNew(h ck.SessionHandle, op, target string, err *error, handles ...*ck.ObjectHandle) {
	m.auditNewIn(h, &newAudit{op: op, target: target}, err, handles...)
}

// newAudit is one creating call (C_CreateObject, C_CopyObject ...) whose
// records of new token objects are written in the store transaction that
// creates them (commitObjectsAudited), when the store can: the object and
// its record are durable together, with one sync instead of two. auditNewIn
// records the rest after the call.
type newAudit struct {
	op, target string

	mu      sync.Mutex
	written map[int64]bool // store IDs whose record is in the store
}

// targetFor is the record's target for a new object of class c.
func (na *newAudit) targetFor(c ck.ObjectClass) string {
	if na.op == "C_CreateObject" && (c == ck.CKO_PRIVATE_KEY || c == ck.CKO_SECRET_KEY) {
		return "import" // key material from outside the token
	}
	return na.target
}

func (na *newAudit) wrote(id int64) bool {
	na.mu.Lock()
	defer na.mu.Unlock()
	return na.written[id]
}

// auditedCreator is a store that appends audit records in the transaction
// that creates objects (store/sqlite).
type auditedCreator interface {
	CreateObjectsAudited(objs []*store.Object, s *seal.Sealer,
		records func(ids []int64) []*store.AuditRecord, seal store.AuditSealer) error
}

// creationRecords makes the records of objs for the store's transaction.
type creationRecords struct {
	na   *newAudit
	objs []*store.Object
	ids  []int64 // as given to the last call of records
	ev   audit.Event
	log  *audit.Logger
}

// creationRecords returns what storeObjects needs to record the creation
// of objs by s's login in na's call, or nil (no call, no audit log).
func (m *Module) creationRecords(s *Session, na *newAudit, objs []*store.Object) *creationRecords {
	if na == nil || m.audit == nil {
		return nil
	}
	name, role := who(s)
	return &creationRecords{na: na, objs: objs, log: m.audit,
		ev: audit.Event{TokenID: s.token.id, User: name, Role: role, Op: na.op}}
}

// records is called inside the store's transaction with the new IDs.
func (c *creationRecords) records(ids []int64) []*store.AuditRecord {
	c.ids = append(c.ids[:0], ids...)
	rs := make([]*store.AuditRecord, len(c.objs))
	for i, so := range c.objs {
		e := c.ev
		e.Target = c.na.targetFor(so.Class)
		e.Object, e.Class, e.Label = ids[i], so.Class.String(), string(so.Label)
		rs[i] = c.log.Prepare(e)
	}
	return rs
}

// written notes, after the transaction committed, whose records it holds.
func (c *creationRecords) written() {
	c.na.mu.Lock()
	defer c.na.mu.Unlock()
	if c.na.written == nil {
		c.na.written = map[int64]bool{}
	}
	for _, id := range c.ids {
		c.na.written[id] = true
	}
}

// auditNewIn is auditNew for na's call: objects whose record went into the
// store with them are not recorded again.
func (m *Module) auditNewIn(h ck.SessionHandle, na *newAudit, err *error, handles ...*ck.ObjectHandle) {
	s, serr := m.session(h)
	if serr != nil {
		return
	}
	recorded := false
	for _, hp := range handles {
		if *err != nil || *hp == 0 {
			continue
		}
		if ref, ok := m.handles.lookup(*hp); ok && ref.dbID != 0 && na.wrote(ref.dbID) {
			recorded = true
			continue
		}
		o, _, rerr := m.resolve(s, *hp)
		if rerr != nil {
			o = nil
		}
		t := na.target
		if o != nil {
			t = na.targetFor(o.class)
		}
		m.auditSession(s, na.op, o, t, nil)
		recorded = true
	}
	if !recorded {
		m.auditSession(s, na.op, nil, na.target, *err)
	}
}

// opNames names the C_XxxInit of each operation kind, for key-use records.
var opNames = [numOpKinds]string{
	opEncrypt: "C_EncryptInit", opDecrypt: "C_DecryptInit", opDigest: "C_DigestKey",
	opSign: "C_SignInit", opVerify: "C_VerifyInit",
	opSignRecover: "C_SignRecoverInit", opVerifyRecover: "C_VerifyRecoverInit",
}

// auditKeyUse records a keyed operation's start when [audit] key_use is on
// (written in the background: a record is durable a transaction later, and
// Close writes what is queued):
// `defer m.auditKeyUse(h, k, mech.Type, key, &err)` in initOp.
func (m *Module) auditKeyUse(h ck.SessionHandle, k opKind, mt ck.MechanismType, keyH ck.ObjectHandle, err *error) {
	if !m.cfg.Audit.KeyUse || m.audit == nil {
		return
	}
	s, serr := m.session(h)
	if serr != nil {
		return
	}
	var o *object
	if ref, ok := m.handles.lookup(keyH); ok && ref.tokenID == s.token.id {
		if l := s.token.current(); ref.dbID != 0 && l != nil {
			o = l.keys.get(ref.dbID) // the key was just loaded into the login's cache
		} else if ref.dbID == 0 {
			o = m.sessionObject(keyH, ref.session)
		}
	}
	if o != nil && !visible(o, s.token.current()) {
		o = nil
	}
	name, role := who(s)
	// Key use is frequent: group-committed in the background, not one sync per use.
	m.audit.Later(withObject(audit.Event{TokenID: s.token.id, User: name, Role: role, Op: opNames[k], Target: mt.String(), Result: *err}, o))
}

// auditWrap records C_WrapKey of key under wrapping, except a length query
// and the too-short buffer before its retry (they wrap nothing out):
// `defer m.auditWrap(h, mech.Type, wrapping, key, out == nil, &err)()`.
func (m *Module) auditWrap(h ck.SessionHandle, mt ck.MechanismType, wrapping, key ck.ObjectHandle, query bool, err *error) func() {
	if query {
		return func() {}
	}
	s, serr := m.session(h)
	if serr != nil {
		return func() {}
	}
	var o *object
	if key != 0 {
		o, _, _ = m.resolve(s, key)
	}
	name, role := who(s)
	target := m.keyRef(mt, wrapping)
	return func() {
		if *err == ck.CKR_BUFFER_TOO_SMALL || m.audit == nil {
			return
		}
		// A wrap changes nothing in the store: its record is committed
		// without its own disk sync (audit README: Cost).
		e := withObject(audit.Event{TokenID: s.token.id, User: name, Role: role, Op: "C_WrapKey", Target: target, Result: *err}, o)
		if _, aerr := m.audit.AppendNoSync(e); aerr != nil {
			m.log.WithError(aerr).WithField("op", e.Op).Error("gohsm: cannot write the audit log")
		}
	}
}

// AuditRecords streams the audit records selected by q, oldest first, for
// `gohsm audit show|export`. Whoever can open the store can read the log.
func (m *Module) AuditRecords(q store.AuditQuery, fn func(store.AuditRecord) error) error {
	return m.store.AuditRecords(q, fn)
}

// VerifyAudit recomputes every chain of the audit log (`gohsm audit verify`).
func (m *Module) VerifyAudit() (audit.Report, error) {
	if m.audit == nil {
		return audit.Report{}, ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	return m.audit.Verify()
}
