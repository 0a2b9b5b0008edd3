package provider

// objects.go: object management (PKCS#11 3.0 section 5.7): C_CreateObject,
// C_CopyObject, C_DestroyObject, C_GetObjectSize, C_GetAttributeValue and
// C_SetAttributeValue, and the end of a session's objects.

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// AttributeResult is one entry of C_GetAttributeValue: the value, or why not
// (CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID).
type AttributeResult struct {
	Value []byte
	Err   ck.RV
}

func isSO(l *loginState) bool { return l != nil && l.user.Role == store.RoleCO }

// checkWrite applies the session state table to making or changing an
// object: token objects need a R/W session, private objects a Crypto User.
func checkWrite(s *Session, l *loginState, token, private bool) error {
	if token && !s.rw {
		return ck.CKR_SESSION_READ_ONLY
	}
	if private && !isCU(l) {
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	return nil
}

// CreateObject is C_CreateObject.
func (m *Module) CreateObject(h ck.SessionHandle, tmpl ck.Template) (oh ck.ObjectHandle, err error) {
	na := &newAudit{op: "C_CreateObject"}
	defer m.auditNewIn(h, na, &err, &oh)
	s, err := m.session(h)
	if err != nil {
		return 0, err
	}
	tm, err := attrMap(tmpl)
	if err != nil {
		return 0, err
	}
	k, err := classKeyOf(tm, ck.ObjectClass(ck.UnavailableInformation))
	if err != nil {
		return 0, err
	}
	l := s.token.current()
	attrs, err := buildAttrs(opCreate, k, tm, nil, isSO(l))
	if err != nil {
		return 0, err
	}
	o := m.newObject(s, l, k, attrs)
	if err := m.commitObjectsAudited(s, l, na, o); err != nil {
		return 0, err
	}
	return o.handle, nil
}

// newObject makes an unpublished object of s's token owned by the login.
func (m *Module) newObject(s *Session, l *loginState, k classKey, attrs map[ck.AttributeType][]byte) *object {
	o := &object{tokenID: s.token.id, key: k, class: k.class, attrs: attrs}
	if l != nil {
		o.owner = l.user.ID
	}
	delete(o.attrs, ck.CKA_UNIQUE_ID)
	return o
}

// batchCreator is implemented by stores that create several objects in one
// transaction (sqlite does), so that a key pair is stored whole or not at all.
type batchCreator interface {
	CreateObjects(objs []*store.Object, s *seal.Sealer) error
}

// commitObjects checks the session state for new objects and publishes
// them: token objects to the store (all or none), session objects to s.
// It assigns their handles. It takes s.mu (for session objects): callers
// must not hold it.
func (m *Module) commitObjects(s *Session, l *loginState, objs ...*object) error {
	return m.commitObjectsAudited(s, l, nil, objs...)
}

// commitObjectsAudited is commitObjects that writes the creation records of
// na's call (nil: none) for the token objects in the transaction that
// stores them, when the store can (audit.go: newAudit).
func (m *Module) commitObjectsAudited(s *Session, l *loginState, na *newAudit, objs ...*object) error {
	var tokenObjs []*store.Object
	for _, o := range objs {
		token := boolOf(o.attrs, ck.CKA_TOKEN)
		if err := checkWrite(s, l, token, o.private()); err != nil {
			return err
		}
		if token {
			so := toStore(o)
			if len(so.Secret) > 0 && l == nil {
				// Key material is sealed under the master key, which only a login unwraps.
				return ck.CKR_USER_NOT_LOGGED_IN
			}
			tokenObjs = append(tokenObjs, so)
		}
	}
	if len(tokenObjs) > 0 {
		var rec *creationRecords
		if len(tokenObjs) == len(objs) {
			// Only when every new object is a token object: records keep the
			// call's object order (a session object's is written after it).
			rec = m.creationRecords(s, na, tokenObjs)
		}
		if err := m.storeObjects(l, tokenObjs, rec); err != nil {
			return err
		}
	}
	i := 0
	var sessionObjs []*object
	for _, o := range objs {
		if !boolOf(o.attrs, ck.CKA_TOKEN) {
			sessionObjs = append(sessionObjs, o)
			continue
		}
		so := tokenObjs[i]
		i++
		o.dbID, o.version = so.ID, so.Version
		o.attrs[ck.CKA_UNIQUE_ID] = uniqueID(so.ID)
		o.handle = m.handles.forToken(o.tokenID, so.ID)
		if l != nil {
			l.keys.put(o)
		}
	}
	if len(sessionObjs) > 0 {
		if err := m.addSessionObjects(s, sessionObjs); err != nil {
			// The session ended meanwhile: a pair is kept whole or not at all.
			for _, o := range objs {
				if o.dbID != 0 {
					if derr := m.store.DestroyObject(o.tokenID, o.dbID); derr != nil {
						m.log.WithError(derr).Error("gohsm: cannot undo a partly created key pair")
					}
					m.handles.forget(o.handle)
					if l != nil {
						l.keys.drop(o.dbID)
					}
				}
			}
			return err
		}
	}
	return nil
}

// storeObjects creates token objects in one transaction when the store can,
// else one by one, destroying the first ones if a later one fails. With rec
// (non-nil), a store that can appends their audit records in the same
// transaction.
func (m *Module) storeObjects(l *loginState, objs []*store.Object, rec *creationRecords) error {
	var sealer *seal.Sealer
	if l != nil {
		sealer = l.sealer
	}
	if a, ok := m.store.(auditedCreator); ok && rec != nil {
		if err := a.CreateObjectsAudited(objs, sealer, rec.records, m.audit.Sealer()); err != nil {
			return m.storeErr(err)
		}
		rec.written()
		return nil
	}
	if b, ok := m.store.(batchCreator); ok && len(objs) > 1 {
		if err := b.CreateObjects(objs, sealer); err != nil {
			return m.storeErr(err)
		}
		return nil
	}
	for i, so := range objs {
		if err := m.store.CreateObject(so, sealer); err != nil {
			for _, done := range objs[:i] {
				if derr := m.store.DestroyObject(done.TokenID, done.ID); derr != nil {
					m.log.WithError(derr).Error("gohsm: cannot undo a partly created key pair")
				}
			}
			return m.storeErr(err)
		}
	}
	return nil
}

// addSessionObjects publishes session objects, unless s has ended.
func (m *Module) addSessionObjects(s *Session, objs []*object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ck.CKR_SESSION_HANDLE_INVALID
	}
	sessObjMu.Lock()
	defer sessObjMu.Unlock()
	if s.objects == nil {
		s.objects = map[ck.ObjectHandle]*object{}
	}
	for _, o := range objs {
		o.session = s.handle
		o.attrs[ck.CKA_UNIQUE_ID] = randomUniqueID()
		o.handle = m.handles.forSession(o.tokenID, s.handle)
		s.objects[o.handle] = o
	}
	return nil
}

// uniqueID is CKA_UNIQUE_ID of a token object: its store ID, which is
// random, never reused, and the same in every process.
func uniqueID(dbID int64) []byte { return []byte(strconv.FormatInt(dbID, 10)) }

// randomUniqueID is CKA_UNIQUE_ID of a session object: it must not collide
// with any token object's, so it has a prefix no decimal number has.
func randomUniqueID() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return []byte("s" + hex.EncodeToString(b))
}

// CopyObject is C_CopyObject: the copy takes the template's changes under
// the same rules as C_SetAttributeValue, plus CKA_TOKEN, CKA_PRIVATE and
// CKA_MODIFIABLE.
func (m *Module) CopyObject(h ck.SessionHandle, oh ck.ObjectHandle, tmpl ck.Template) (copied ck.ObjectHandle, err error) {
	na := &newAudit{op: "C_CopyObject", target: "from " + m.handleName(oh)}
	defer m.auditNewIn(h, na, &err, &copied)
	s, err := m.session(h)
	if err != nil {
		return 0, err
	}
	o, l, err := m.resolve(s, oh)
	if err != nil {
		return 0, err
	}
	if !boolOf(o.attrs, ck.CKA_COPYABLE) || !mayCopy(o, l) {
		return 0, ck.CKR_ACTION_PROHIBITED
	}
	if o.sealed && (o.class == ck.CKO_PRIVATE_KEY || o.class == ck.CKO_SECRET_KEY) {
		return 0, ck.CKR_USER_NOT_LOGGED_IN // its key material is sealed
	}
	attrs, err := changeAttrs(o.key, o.attrs, tmpl, true, isSO(l))
	if err != nil {
		return 0, err
	}
	c := m.newObject(s, l, o.key, attrs)
	if err := m.commitObjectsAudited(s, l, na, c); err != nil {
		return 0, err
	}
	return c.handle, nil
}

// DestroyObject is C_DestroyObject.
func (m *Module) DestroyObject(h ck.SessionHandle, oh ck.ObjectHandle) (err error) {
	defer m.auditBefore(h, "C_DestroyObject", oh, "", &err)()
	s, err := m.session(h)
	if err != nil {
		return err
	}
	o, l, err := m.resolve(s, oh)
	if err != nil {
		return err
	}
	if o.dbID != 0 && !s.rw {
		return ck.CKR_SESSION_READ_ONLY
	}
	if !boolOf(o.attrs, ck.CKA_DESTROYABLE) || !canChange(o, l) {
		return ck.CKR_ACTION_PROHIBITED
	}
	if o.dbID != 0 {
		if err := m.requireQuorum(s, QuorumKeyManagement, o.dbID, QuorumOp("key.destroy", o.dbID)); err != nil { // quorum.go
			return err
		}
		err := m.store.DestroyObject(o.tokenID, o.dbID)
		if l != nil {
			l.keys.drop(o.dbID)
		}
		if err != nil {
			return m.objectErr(oh, objectRef{tokenID: o.tokenID, dbID: o.dbID}, err)
		}
	} else {
		v, ok := m.sessions.Load(o.session)
		if ok {
			sessObjMu.Lock()
			delete(v.(*Session).objects, oh)
			sessObjMu.Unlock()
		}
	}
	m.handles.forget(oh)
	return nil
}

// attrHeader is what C_GetObjectSize counts per attribute besides its value:
// a CK_ATTRIBUTE's type and length.
const attrHeader = 16

// ObjectSize is C_GetObjectSize: the encoded size of the object's attributes.
func (m *Module) ObjectSize(h ck.SessionHandle, oh ck.ObjectHandle) (ck.ULong, error) {
	s, err := m.session(h)
	if err != nil {
		return 0, err
	}
	o, _, err := m.resolve(s, oh)
	if err != nil {
		return 0, err
	}
	var n ck.ULong
	for _, v := range o.attrs {
		n += attrHeader + ck.ULong(len(v))
	}
	return n, nil
}

// GetAttributeValue is C_GetAttributeValue: one result per type asked, in
// order; cexport applies the buffer rules and the overall return value.
func (m *Module) GetAttributeValue(h ck.SessionHandle, oh ck.ObjectHandle, types []ck.AttributeType) ([]AttributeResult, error) {
	s, err := m.session(h)
	if err != nil {
		return nil, err
	}
	o, l, err := m.resolve(s, oh)
	if err != nil {
		return nil, err
	}
	out := make([]AttributeResult, len(types))
	for i, t := range types {
		out[i].Value, out[i].Err = m.attrFor(o, l, t) // share.go: owner's rights, CKA_GOHSM_SHARED_WITH
	}
	return out, nil
}

// readAttr is one attribute's value as C_GetAttributeValue reveals it.
func readAttr(o *object, t ck.AttributeType) ([]byte, ck.RV) {
	if err := revealable(o.key, o.attrs, t); err != nil {
		return nil, err.(ck.RV)
	}
	if v, ok := o.attrs[t]; ok {
		return v, ck.CKR_OK
	}
	if o.sealed && secretAtRest(policy[o.key][t], t, o.private()) {
		return nil, ck.CKR_ATTRIBUTE_SENSITIVE // sealed, and nobody logged in to unseal it
	}
	if t == ck.CKA_ALLOWED_MECHANISMS {
		return nil, ck.CKR_ATTRIBUTE_TYPE_INVALID // no list: unrestricted (arrayattrs.go)
	}
	return []byte{}, ck.CKR_OK
}

// SetAttributeValue is C_SetAttributeValue: every attribute changes, or none.
func (m *Module) SetAttributeValue(h ck.SessionHandle, oh ck.ObjectHandle, tmpl ck.Template) (err error) {
	defer m.auditBefore(h, "C_SetAttributeValue", oh, attrNames(tmpl), &err)()
	s, err := m.session(h)
	if err != nil {
		return err
	}
	o, l, err := m.resolve(s, oh)
	if err != nil {
		return err
	}
	if o.dbID != 0 && !s.rw {
		return ck.CKR_SESSION_READ_ONLY
	}
	if hasSharesAttr(tmpl) {
		return m.setSharesAttr(s, o, l, tmpl) // share.go
	}
	if !boolOf(o.attrs, ck.CKA_MODIFIABLE) || !canChange(o, l) {
		return ck.CKR_ACTION_PROHIBITED
	}
	if err := m.requireQuorum(s, QuorumKeyManagement, o.dbID, QuorumOp("key.set", o.dbID, "attributes="+attrNames(tmpl))); err != nil { // quorum.go
		return err
	}
	attrs, err := changeAttrs(o.key, o.attrs, tmpl, false, isSO(l))
	if err != nil {
		return err
	}
	n := &object{
		handle: o.handle, tokenID: o.tokenID, dbID: o.dbID, session: o.session, version: o.version,
		owner: o.owner, key: o.key, class: o.class, attrs: attrs, sealed: o.sealed,
	}
	if o.dbID == 0 {
		v, ok := m.sessions.Load(o.session)
		if !ok {
			return ck.CKR_OBJECT_HANDLE_INVALID
		}
		sessObjMu.Lock()
		defer sessObjMu.Unlock()
		objs := v.(*Session).objects
		if _, ok := objs[oh]; !ok {
			return ck.CKR_OBJECT_HANDLE_INVALID
		}
		objs[oh] = n
		return nil
	}
	so := toStore(n)
	var sealer *seal.Sealer
	if l != nil {
		sealer = l.sealer
	}
	if err := m.store.UpdateObject(so, sealer); err != nil {
		if l != nil {
			l.keys.drop(o.dbID)
		}
		return m.objectErr(oh, objectRef{tokenID: o.tokenID, dbID: o.dbID}, err)
	}
	n.version = so.Version
	if l != nil {
		l.keys.put(n)
	}
	return nil
}

// destroySessionObjects is called when a session ends: its objects vanish
// and their handles are never given out again.
func (m *Module) destroySessionObjects(s *Session) {
	sessObjMu.Lock()
	objs := s.objects
	s.objects = map[ck.ObjectHandle]*object{}
	sessObjMu.Unlock()
	for h := range objs {
		m.handles.forget(h)
	}
}
