package provider

// keymgmt_ops.go is C_WrapKey, C_UnwrapKey and C_DeriveKey (PKCS#11 3.0
// §5.14), through the mechanism registry: a mechanism without the
// capability is CKR_MECHANISM_INVALID, never a silent CKR_OK. New keys are
// made with the objects' building blocks (attrpolicy.go, objects.go).

import (
	"bytes"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// WrapKey is C_WrapKey. Only secret and private keys can be wrapped; a key
// that is not extractable never is (CKR_KEY_UNEXTRACTABLE), and a key with
// CKA_WRAP_WITH_TRUSTED only under a CKA_TRUSTED wrapping key
// (CKR_KEY_NOT_WRAPPABLE). A length query wraps and returns the length; the
// real call wraps again (wrapped bytes are not secret, and a randomised
// wrapping is valid either way).
func (m *Module) WrapKey(h ck.SessionHandle, mech ck.Mechanism, wrapping, key ck.ObjectHandle, out []byte) (n int, err error) {
	defer m.auditWrap(h, mech.Type, wrapping, key, out == nil, &err)()
	s, err := m.session(h)
	if err != nil {
		return 0, err
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return 0, err
	}
	w, ok := mm.(mechanisms.KeyWrapper)
	if !ok {
		return 0, ck.CKR_MECHANISM_INVALID
	}
	wk, _, err := m.keyForMech(s, wrapping, ck.CKA_WRAP, mech.Type)
	if err == ck.CKR_KEY_HANDLE_INVALID {
		err = ck.CKR_WRAPPING_KEY_HANDLE_INVALID
	}
	if err != nil {
		return 0, err
	}
	k, _, err := m.keyForUse(s, key, 0)
	if err != nil {
		return 0, err
	}
	if err := m.wrapAllowed(s, key); err != nil { // share.go: only the owner wraps a key
		return 0, err
	}
	if err := wrappable(wk, k); err != nil {
		return 0, err
	}
	if err := wrapTemplateMatches(wk, k); err != nil { // arrayattrs.go
		return 0, err
	}
	wrapped, err := w.WrapKey(wk, k, mech.Parameter)
	if err != nil {
		return 0, err
	}
	if out == nil {
		return len(wrapped), nil
	}
	if len(out) < len(wrapped) {
		return len(wrapped), ck.CKR_BUFFER_TOO_SMALL
	}
	return copy(out, wrapped), nil
}

// wrappable applies the attribute rules of C_WrapKey to the key k wrapped under wk.
func wrappable(wk, k *mechanisms.Key) error {
	if k.Class != ck.CKO_SECRET_KEY && k.Class != ck.CKO_PRIVATE_KEY {
		return ck.CKR_KEY_NOT_WRAPPABLE
	}
	if !keyBool(k, ck.CKA_EXTRACTABLE) {
		return ck.CKR_KEY_UNEXTRACTABLE
	}
	if keyBool(k, ck.CKA_WRAP_WITH_TRUSTED) && !keyBool(wk, ck.CKA_TRUSTED) {
		return ck.CKR_KEY_NOT_WRAPPABLE
	}
	return nil
}

// keyBool reads a CK_BBOOL attribute of k; absent or malformed is false,
// which is the safe reading for every attribute asked here.
func keyBool(k *mechanisms.Key, t ck.AttributeType) bool {
	v, ok := k.Attrs[t]
	if !ok {
		return false
	}
	b, err := ck.DecodeBool(v)
	return err == nil && b
}

// UnwrapKey is C_UnwrapKey: the unwrapping key needs CKA_UNWRAP; the new
// key is built from the template and what the mechanism recovered, through
// the attribute policy, like a generated key but not CKA_LOCAL, and never
// "always sensitive" or "never extractable" (its value was outside).
func (m *Module) UnwrapKey(h ck.SessionHandle, mech ck.Mechanism, unwrapping ck.ObjectHandle, wrapped []byte, tmpl ck.Template) (oh ck.ObjectHandle, err error) {
	defer m.auditNew(h, "C_UnwrapKey", m.keyRef(mech.Type, unwrapping), &err, &oh)
	s, err := m.session(h)
	if err != nil {
		return 0, err
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return 0, err
	}
	u, ok := mm.(mechanisms.KeyUnwrapper)
	if !ok {
		return 0, ck.CKR_MECHANISM_INVALID
	}
	tm, l, err := m.newKeyTemplate(s, tmpl)
	if err != nil {
		return 0, err
	}
	uk, _, err := m.keyForMech(s, unwrapping, ck.CKA_UNWRAP, mech.Type)
	if err == ck.CKR_KEY_HANDLE_INVALID {
		err = ck.CKR_UNWRAPPING_KEY_HANDLE_INVALID
	}
	if err != nil {
		return 0, err
	}
	if tmpl, tm, err = m.withKeyTemplate(s, uk, ck.CKA_UNWRAP_TEMPLATE, tmpl, tm); err != nil {
		return 0, err
	}
	vals, err := u.UnwrapKey(uk, mech.Parameter, wrapped, tmpl)
	if err != nil {
		return 0, err
	}
	dropInputValueLen(tm, vals)
	return m.createKey(s, l, tm, vals, false, false)
}

// DeriveKey is C_DeriveKey: the base key needs CKA_DERIVE (HKDF's may be a
// data object: derive_base.go). A mechanism that
// derives data (CKM_HKDF_DATA) makes a CKO_DATA object instead of a key
// (derive_data.go). The new key is
// "always sensitive" only if the base key was and the new one is sensitive,
// "never extractable" only if the base key was and the new one is not
// extractable (PKCS#11 3.0 §4.10).
func (m *Module) DeriveKey(h ck.SessionHandle, mech ck.Mechanism, base ck.ObjectHandle, tmpl ck.Template) (oh ck.ObjectHandle, err error) {
	defer m.auditNew(h, "C_DeriveKey", m.keyRef(mech.Type, base), &err, &oh)
	s, err := m.session(h)
	if err != nil {
		return 0, err
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return 0, err
	}
	d, ok := mm.(mechanisms.KeyDeriver)
	if !ok {
		return 0, ck.CKR_MECHANISM_INVALID
	}
	data := derivedClass(mm) == ck.CKO_DATA // CKM_HKDF_DATA: derive_data.go
	newTemplate := m.newKeyTemplate
	if data {
		newTemplate = m.newDataTemplate
	}
	tm, l, err := newTemplate(s, tmpl)
	if err != nil {
		return 0, err
	}
	bk, err := m.deriveBase(s, base, mm) // derive_base.go: a key with CKA_DERIVE, or HKDF's data object
	if err != nil {
		return 0, err
	}
	if data {
		tmpl, tm, err = m.withDataDeriveTemplate(s, bk, tmpl, tm)
	} else {
		tmpl, tm, err = m.withKeyTemplate(s, bk, ck.CKA_DERIVE_TEMPLATE, tmpl, tm)
	}
	if err != nil {
		return 0, err
	}
	param, err := m.resolveDeriveParam(s, mech) // derive_params.go: HKDF salt key
	if err != nil {
		return 0, err
	}
	vals, err := d.DeriveKey(bk, param, tmpl)
	if err != nil {
		return 0, err
	}
	if data {
		return m.createData(s, l, tm, vals)
	}
	dropInputValueLen(tm, vals)
	return m.createKey(s, l, tm, vals, keyBool(bk, ck.CKA_ALWAYS_SENSITIVE), keyBool(bk, ck.CKA_NEVER_EXTRACTABLE))
}

// dropInputValueLen removes CKA_VALUE_LEN from the new key's template when
// the mechanism made a secret key without one (DES2, DES3): the mechanism
// took it as its input ("truncates ... according to ... the CKA_VALUE_LEN
// attribute of the template, if it has one and the key type supports it")
// and checked it against the type; it is not an attribute of the new key.
// A private key (unwrapped PKCS #8) keeps the template as it is.
func dropInputValueLen(tm, vals map[ck.AttributeType][]byte) {
	if _, secret := vals[ck.CKA_VALUE]; !secret {
		return
	}
	if _, ok := vals[ck.CKA_VALUE_LEN]; !ok {
		if kt, ok := vals[ck.CKA_KEY_TYPE]; ok && (bytes.Equal(kt, ck.EncodeULong(ck.ULong(ck.CKK_DES2))) || bytes.Equal(kt, ck.EncodeULong(ck.ULong(ck.CKK_DES3)))) {
			delete(tm, ck.CKA_VALUE_LEN)
		}
	}
}

// newKeyTemplate checks, before any cryptography, what the template of an
// unwrapped or derived key can be refused for (class, session state).
func (m *Module) newKeyTemplate(s *Session, tmpl ck.Template) (map[ck.AttributeType][]byte, *loginState, error) {
	tm, err := attrMap(tmpl)
	if err != nil {
		return nil, nil, err
	}
	l := s.token.current()
	class := ck.CKO_SECRET_KEY
	if v, ok := tm[ck.CKA_CLASS]; ok {
		c, err := ck.DecodeULong(v)
		if err != nil {
			return nil, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		class = ck.ObjectClass(c)
	}
	if class != ck.CKO_SECRET_KEY && class != ck.CKO_PRIVATE_KEY {
		return nil, nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	if err := checkGenTemplate(s, l, tm, class); err != nil {
		return nil, nil, err
	}
	return tm, l, nil
}

// createKey makes and publishes the key object for C_UnwrapKey and
// C_DeriveKey with the objects' own path (attribute policy, store, handles).
// baseSensitive and baseNeverExtractable are the base key's flags (false
// for an unwrapped key).
func (m *Module) createKey(s *Session, l *loginState, tm, vals map[ck.AttributeType][]byte, baseSensitive, baseNeverExtractable bool) (ck.ObjectHandle, error) {
	merged := make(map[ck.AttributeType][]byte, len(tm)+len(vals))
	for t, v := range tm {
		merged[t] = v
	}
	for t, v := range vals {
		merged[t] = v
	}
	class := ck.CKO_SECRET_KEY // the default when the template names none
	if _, named := tm[ck.CKA_CLASS]; named {
		class = ck.ObjectClass(ck.UnavailableInformation)
	}
	k, err := classKeyOf(merged, class)
	if err != nil {
		return 0, err
	}
	set := make(map[ck.AttributeType][]byte, len(vals)+2)
	for t, v := range vals {
		set[t] = v
	}
	set[ck.CKA_CLASS] = ck.EncodeULong(ck.ULong(k.class))
	set[ck.CKA_LOCAL] = ck.EncodeBool(false)
	attrs, err := buildAttrs(opGenerate, k, tm, set, isSO(l))
	if err != nil {
		return 0, err
	}
	// A mechanism that mixes in a second key (CKM_CONCATENATE_BASE_AND_KEY)
	// returns these false when that key's are.
	mechTrue := func(t ck.AttributeType) bool { _, ok := vals[t]; return !ok || boolOf(vals, t) }
	attrs[ck.CKA_ALWAYS_SENSITIVE] = ck.EncodeBool(baseSensitive && boolOf(attrs, ck.CKA_SENSITIVE) && mechTrue(ck.CKA_ALWAYS_SENSITIVE))
	attrs[ck.CKA_NEVER_EXTRACTABLE] = ck.EncodeBool(baseNeverExtractable && !boolOf(attrs, ck.CKA_EXTRACTABLE) && mechTrue(ck.CKA_NEVER_EXTRACTABLE))
	o := m.newObject(s, l, k, attrs)
	if err := m.commitObjects(s, l, o); err != nil {
		return 0, err
	}
	return o.handle, nil
}
