package provider

// object.go: what an object is in memory, how a token object is read from
// and written to the store, and how a handle resolves to a visible object.

import (
	"errors"
	"sync"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
	"github.com/gohsm/gohsm/store"
)

// object is one object as provider sees it. It is never changed once
// published (C_SetAttributeValue makes a new one), so it can be shared by
// sessions, the key cache and running operations without locks.
type object struct {
	handle  ck.ObjectHandle
	tokenID int64
	dbID    int64            // token object's store ID; 0 for a session object
	session ck.SessionHandle // session object's session; 0 for a token object
	version int64            // store version the attributes were read at
	owner   int64            // owning user ID; 0 when created without a login
	key     classKey
	class   ck.ObjectClass
	attrs   map[ck.AttributeType][]byte
	// sealed: a token object read without a login; its secret-at-rest
	// attributes are not in attrs.
	sealed bool
	// sharedWith: the user this token object was read for, when it is
	// shared with that user (share.go: noteShare); 0 otherwise.
	sharedWith int64

	keyOnce sync.Once
	mkey    *mechanisms.Key
}

func (o *object) private() bool { return boolOf(o.attrs, ck.CKA_PRIVATE) }

// mechKey is the object as a mechanism sees it, made once per object.
func (o *object) mechKey() *mechanisms.Key {
	o.keyOnce.Do(func() {
		attrs := make(map[ck.AttributeType][]byte, len(o.attrs))
		for t, v := range o.attrs {
			attrs[t] = v
		}
		o.mkey = &mechanisms.Key{Class: o.class, KeyType: ck.KeyType(o.key.sub), Attrs: attrs}
	})
	return o.mkey
}

// sessObjMu guards the objects map of every Session. Session objects are
// visible to every session of the application with the same token, so a
// lookup may read another session's map; this lock is never held while
// taking another.
var sessObjMu sync.RWMutex

// isCU reports whether l is a Crypto User's login.
func isCU(l *loginState) bool { return l != nil && l.user.Role == store.RoleCU }

// visible: a private object only to the Crypto User who owns it and those
// it is shared with (share.go); public objects to everyone, logged in or not.
func visible(o *object, l *loginState) bool {
	if !o.private() {
		return true
	}
	return isCU(l) && (l.user.ID == o.owner || sharedTo(o, l))
}

// canChange: an object owned by a user may be changed or destroyed only by
// that user (DESIGN.md rule 6); objects made without a login by anyone.
func canChange(o *object, l *loginState) bool {
	return o.owner == 0 || (l != nil && l.user.ID == o.owner)
}

// resolve finds the visible object behind a handle of s's token, with the
// login it was resolved under. Unknown, destroyed, foreign-token and
// invisible objects are all CKR_OBJECT_HANDLE_INVALID, so a handle reveals
// nothing about objects the caller may not see.
func (m *Module) resolve(s *Session, h ck.ObjectHandle) (*object, *loginState, error) {
	ref, ok := m.handles.lookup(h)
	if !ok || ref.tokenID != s.token.id {
		return nil, nil, ck.CKR_OBJECT_HANDLE_INVALID
	}
	l := s.token.current()
	var o *object
	if ref.dbID != 0 {
		var err error
		if o, err = m.loadTokenObject(h, ref, l); err != nil {
			return nil, nil, err
		}
	} else if o = m.sessionObject(h, ref.session); o == nil {
		return nil, nil, ck.CKR_OBJECT_HANDLE_INVALID
	}
	if !visible(o, l) {
		return nil, nil, ck.CKR_OBJECT_HANDLE_INVALID
	}
	return o, l, nil
}

// sessionObject returns a session object, or nil.
func (m *Module) sessionObject(h ck.ObjectHandle, sh ck.SessionHandle) *object {
	v, ok := m.sessions.Load(sh)
	if !ok {
		return nil
	}
	sessObjMu.RLock()
	defer sessObjMu.RUnlock()
	return v.(*Session).objects[h]
}

// loadTokenObject reads a token object, from the login's cache when the
// store's version shows that no process changed it since. A token object
// destroyed by any process is forgotten: CKR_OBJECT_HANDLE_INVALID.
//
// When the store signals changes (keycache.go: storeGen), a cached key whose
// tag equals the store's generation is used without asking the store: no
// process committed anything since it was known current.
func (m *Module) loadTokenObject(h ck.ObjectHandle, ref objectRef, l *loginState) (*object, error) {
	var gen uint64
	if l != nil {
		gen = m.storeGen()
		if e := l.keys.entry(ref.dbID); e != nil {
			if gen != 0 && e.gen.Load() == gen {
				return e.o, nil
			}
			v, err := m.store.ObjectVersion(ref.tokenID, ref.dbID)
			if err != nil {
				return nil, m.objectErr(h, ref, err)
			}
			if v == e.o.version {
				e.gen.Store(gen)
				return e.o, nil
			}
		}
	}
	var so *store.Object
	var err error
	if l != nil {
		so, err = m.store.Object(ref.tokenID, ref.dbID, l.sealer)
	} else {
		so, err = m.store.Object(ref.tokenID, ref.dbID, nil)
	}
	if err != nil {
		return nil, m.objectErr(h, ref, err)
	}
	o, err := objectFromStore(so, h, l == nil)
	if err != nil {
		m.log.WithField("object", ref.dbID).Error("gohsm: stored object has an unknown class")
		return nil, ck.CKR_DEVICE_ERROR
	}
	if err := m.noteShare(o, l); err != nil {
		return nil, m.objectErr(h, ref, err)
	}
	if l != nil {
		l.keys.putAt(o, gen)
	}
	return o, nil
}

// objectErr maps a store error on one object: gone is an invalid handle.
func (m *Module) objectErr(h ck.ObjectHandle, ref objectRef, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		m.handles.forget(h)
		return ck.CKR_OBJECT_HANDLE_INVALID
	}
	return m.storeErr(err)
}

// storeErr logs a store failure (never a value) and returns CKR_DEVICE_ERROR.
func (m *Module) storeErr(err error) error {
	if rv, ok := err.(ck.RV); ok {
		return rv
	}
	m.log.WithError(err).Error("gohsm: token store")
	return ck.CKR_DEVICE_ERROR
}

// objectFromStore turns a stored object into its attribute set: the indexed
// columns, the clear attributes and (when read with a sealer) the sealed ones.
func objectFromStore(so *store.Object, h ck.ObjectHandle, sealed bool) (*object, error) {
	attrs := make(map[ck.AttributeType][]byte, len(so.Public)+len(so.Secret)+6)
	for t, v := range so.Public {
		attrs[t] = v
	}
	if !sealed {
		for t, v := range so.Secret {
			attrs[t] = v
		}
	}
	attrs[ck.CKA_CLASS] = ck.EncodeULong(ck.ULong(so.Class))
	switch so.Class {
	case ck.CKO_PUBLIC_KEY, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY:
		attrs[ck.CKA_KEY_TYPE] = ck.EncodeULong(ck.ULong(so.KeyType))
	}
	attrs[ck.CKA_LABEL] = nonNilBytes(so.Label)
	attrs[ck.CKA_PRIVATE] = ck.EncodeBool(so.Private)
	attrs[ck.CKA_TOKEN] = vTrue
	attrs[ck.CKA_UNIQUE_ID] = uniqueID(so.ID)
	k, err := classKeyOf(attrs, ck.ObjectClass(ck.UnavailableInformation))
	if err != nil {
		return nil, err
	}
	if _, ok := policy[k][ck.CKA_ID]; ok {
		attrs[ck.CKA_ID] = nonNilBytes(so.CKAID)
	}
	if !sealed || !so.Private {
		fillPublicKeyInfo(k, attrs) // pubkeyinfo.go: objects stored before it was filled
	}
	return &object{
		handle: h, tokenID: so.TokenID, dbID: so.ID, version: so.Version, owner: so.Owner,
		key: k, class: so.Class, attrs: attrs, sealed: sealed,
	}, nil
}

// toStore splits an object's attributes into the store's columns, its clear
// map and its sealed map (attrpolicy.go: secretAtRest).
func toStore(o *object) *store.Object {
	so := &store.Object{
		ID: o.dbID, TokenID: o.tokenID, Owner: o.owner, Class: o.class,
		KeyType: ck.KeyType(ck.UnavailableInformation),
		CKAID:   nonNilBytes(o.attrs[ck.CKA_ID]), Label: nonNilBytes(o.attrs[ck.CKA_LABEL]),
		Private: o.private(),
		Public:  map[ck.AttributeType][]byte{}, Secret: map[ck.AttributeType][]byte{},
	}
	if kt, ok := ulongOf(o.attrs, ck.CKA_KEY_TYPE); ok {
		so.KeyType = ck.KeyType(kt)
	}
	rules := policy[o.key]
	for t, v := range o.attrs {
		if indexedAttrs[t] || implicitAttrs[t] || t == ck.CKA_CLASS {
			continue
		}
		r, ok := rules[t]
		if t == ck.CKA_CERTIFICATE_TYPE || (ok && !secretAtRest(r, t, so.Private)) {
			// The certificate type picks the object's rules, like the class.
			so.Public[t] = v
		} else {
			so.Secret[t] = v
		}
	}
	if o.sealed {
		so.Secret = nil // read without a sealer: keep the sealed values as stored
	}
	return so
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
