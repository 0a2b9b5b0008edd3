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

	"github.com/gohsm/gohsm/audit"
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// openAudit opens the audit log beside the store (and the installation
// secret, made at the first open).
func (m *Module) openAudit() error {
	l, err := audit.Open(m.store, m.cfg.StoreDir)
	if err != nil {
		m.log.WithError(err).Error("gohsm: cannot open the audit log")
		return err
	}
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
	o, _, _ := m.resolve(s, oh)
	return func() { m.auditSession(s, op, o, target, *err) }
}

// auditNew records op with its result and each object it created (one
// record per object; one record without an object when it failed):
// `defer m.auditNew(h, "C_GenerateKey", target, &err, &handle)`.
func (m *Module) auditNew(h ck.SessionHandle, op, target string, err *error, handles ...*ck.ObjectHandle) {
	s, serr := m.session(h)
	if serr != nil {
		return
	}
	recorded := false
	for _, hp := range handles {
		if *err != nil || *hp == 0 {
			continue
		}
		o, _, rerr := m.resolve(s, *hp)
		if rerr != nil {
			o = nil
		}
		t := target
		if op == "C_CreateObject" && o != nil && (o.class == ck.CKO_PRIVATE_KEY || o.class == ck.CKO_SECRET_KEY) {
			t = "import" // key material from outside the token
		}
		m.auditSession(s, op, o, t, nil)
		recorded = true
	}
	if !recorded {
		m.auditSession(s, op, nil, target, *err)
	}
}

// opNames names the C_XxxInit of each operation kind, for key-use records.
var opNames = [numOpKinds]string{
	opEncrypt: "C_EncryptInit", opDecrypt: "C_DecryptInit", opDigest: "C_DigestKey",
	opSign: "C_SignInit", opVerify: "C_VerifyInit",
	opSignRecover: "C_SignRecoverInit", opVerifyRecover: "C_VerifyRecoverInit",
}

// auditKeyUse records a keyed operation's start when [audit] key_use is on:
// `defer m.auditKeyUse(h, k, mech.Type, key, &err)` in initOp.
func (m *Module) auditKeyUse(h ck.SessionHandle, k opKind, mt ck.MechanismType, keyH ck.ObjectHandle, err *error) {
	if !m.cfg.Audit.KeyUse {
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
	m.auditSession(s, opNames[k], o, mt.String(), *err)
}
