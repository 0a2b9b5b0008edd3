package provider

// find.go: C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal. The
// template's indexed attributes become a store query, so a search among many
// token objects uses the index; the rest are matched in memory, exactly, and
// only on attributes the caller could read (a search does not leak what
// C_GetAttributeValue would refuse).

import (
	"bytes"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// findOp is one active search of a session.
type findOp struct {
	tokenID  int64
	found    []ck.ObjectHandle // session objects, matched at init
	ids      []int64           // token objects the index selected, still to check
	residual ck.Template       // what the index did not check
}

// FindObjectsInit is C_FindObjectsInit.
func (m *Module) FindObjectsInit(h ck.SessionHandle, tmpl ck.Template) error {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.find != nil {
		return ck.CKR_OPERATION_ACTIVE
	}
	op, err := m.startFind(s, tmpl)
	if err != nil {
		return err
	}
	s.find = op
	return nil
}

// startFind selects the candidates of a search.
func (m *Module) startFind(s *Session, tmpl ck.Template) (*findOp, error) {
	op := &findOp{tokenID: s.token.id}
	tm, err := attrMap(tmpl)
	if err != nil {
		return op, nil // an attribute asked with two values matches nothing
	}
	l := s.token.current()
	wantToken, wantSession := true, true
	if v, ok := tm[ck.CKA_TOKEN]; ok {
		b, err := ck.DecodeBool(v)
		if err != nil {
			return op, nil
		}
		wantToken, wantSession = b, !b
	}
	if wantSession {
		op.found = m.findSessionObjects(s.token.id, tmpl, l)
	}
	if wantToken {
		q, residual, ok := findQuery(s.token.id, tm, l)
		if !ok {
			return op, nil
		}
		ids, err := m.store.FindObjects(q)
		if err != nil {
			return nil, m.storeErr(err)
		}
		op.ids, op.residual = ids, residual
	}
	return op, nil
}

// findQuery splits a search template into a store query on the indexed
// columns and the residual template matched in memory. ok is false when the
// template can match no token object (a malformed class, say).
func findQuery(tokenID int64, tm map[ck.AttributeType][]byte, l *loginState) (q store.Query, residual ck.Template, ok bool) {
	q = store.Query{TokenID: tokenID}
	if isCU(l) {
		q.Viewer = l.user.ID
	}
	for t, v := range tm {
		switch t {
		case ck.CKA_TOKEN:
			continue // handled by the caller
		case ck.CKA_CLASS:
			c, err := ck.DecodeULong(v)
			if err != nil {
				return q, nil, false
			}
			cls := ck.ObjectClass(c)
			q.Class = &cls
			continue
		case ck.CKA_KEY_TYPE:
			kt, err := ck.DecodeULong(v)
			if err != nil {
				return q, nil, false
			}
			k := ck.KeyType(kt)
			q.KeyType = &k
			// Non-keys hold CK_UNAVAILABLE_INFORMATION in the column but
			// have no CKA_KEY_TYPE: only the in-memory match can tell.
			if kt != ck.UnavailableInformation {
				continue
			}
		case ck.CKA_ID:
			q.CKAID = nonNilBytes(v)
			// Data objects hold an empty column but have no CKA_ID.
			if len(v) > 0 {
				continue
			}
		case ck.CKA_LABEL:
			q.Label = nonNilBytes(v)
			continue
		}
		residual = append(residual, ck.Attribute{Type: t, Value: v})
	}
	return q, residual, true
}

// findSessionObjects matches the application's visible session objects with
// the token.
func (m *Module) findSessionObjects(tokenID int64, tmpl ck.Template, l *loginState) []ck.ObjectHandle {
	var out []ck.ObjectHandle
	m.sessions.Range(func(_, v any) bool {
		s := v.(*Session)
		if s.token.id != tokenID {
			return true
		}
		sessObjMu.RLock()
		for h, o := range s.objects {
			if visible(o, l) && matches(o, l, tmpl) {
				out = append(out, h)
			}
		}
		sessObjMu.RUnlock()
		return true
	})
	return out
}

// matches reports whether every attribute of tmpl is readable on o by the
// login l and equal to o's value, byte for byte.
func matches(o *object, l *loginState, tmpl ck.Template) bool {
	for _, a := range tmpl {
		v, rv := readAttrAs(o, l, a.Type)
		if rv != ck.CKR_OK || !bytes.Equal(v, a.Value) {
			return false
		}
	}
	return true
}

// FindObjects is C_FindObjects: up to max more handles.
func (m *Module) FindObjects(h ck.SessionHandle, max int) ([]ck.ObjectHandle, error) {
	s, err := m.session(h)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	op := s.find
	if op == nil {
		return nil, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	out := []ck.ObjectHandle{}
	for len(out) < max && len(op.found) > 0 {
		out = append(out, op.found[0])
		op.found = op.found[1:]
	}
	l := s.token.current()
	for len(out) < max && len(op.ids) > 0 {
		id := op.ids[0]
		op.ids = op.ids[1:]
		oh := m.handles.forToken(op.tokenID, id)
		if len(op.residual) == 0 {
			out = append(out, oh)
			continue
		}
		o, err := m.loadTokenObject(oh, objectRef{tokenID: op.tokenID, dbID: id}, l)
		if err == ck.CKR_OBJECT_HANDLE_INVALID {
			continue // destroyed since the search began
		}
		if err != nil {
			return nil, err
		}
		if visible(o, l) && matches(o, l, op.residual) {
			out = append(out, oh)
		}
	}
	return out, nil
}

// FindObjectsFinal is C_FindObjectsFinal.
func (m *Module) FindObjectsFinal(h ck.SessionHandle) error {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.find == nil {
		return ck.CKR_OPERATION_NOT_INITIALIZED
	}
	s.find = nil
	return nil
}
