package provider

// derive_data.go is the C_DeriveKey path of a mechanism that makes a data
// object instead of a key (mechanisms.DerivedClasser: CKM_HKDF_DATA). The
// object is built with the data-object rows of the attribute table, so it
// has no key attributes: no CKA_SENSITIVE, CKA_EXTRACTABLE or the "always
// sensitive"/"never extractable" pair, which belong to keys.

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// derivedClass is the class of the object mechanism mm derives.
func derivedClass(mm mechanisms.Mechanism) ck.ObjectClass {
	if c, ok := mm.(mechanisms.DerivedClasser); ok {
		return c.DerivedClass()
	}
	return ck.CKO_SECRET_KEY
}

// newDataTemplate checks, before any cryptography, the template of a derived
// data object: a class other than CKO_DATA contradicts the mechanism
// (CKR_TEMPLATE_INCONSISTENT); CKA_TOKEN/CKA_PRIVATE need the session state
// they need for any new object.
func (m *Module) newDataTemplate(s *Session, tmpl ck.Template) (map[ck.AttributeType][]byte, *loginState, error) {
	tm, err := attrMap(tmpl)
	if err != nil {
		return nil, nil, err
	}
	l := s.token.current()
	if err := checkGenTemplate(s, l, tm, ck.CKO_DATA); err != nil {
		return nil, nil, err
	}
	return tm, l, nil
}

// withDataDeriveTemplate merges the base key's CKA_DERIVE_TEMPLATE into the
// data object's template. The key's owner fixed those attributes for what
// is derived from it; one a data object cannot have (CKA_SENSITIVE, say)
// cannot be honoured, so the derivation is refused rather than the
// restriction dropped.
func (m *Module) withDataDeriveTemplate(s *Session, bk *mechanisms.Key, tmpl ck.Template, tm map[ck.AttributeType][]byte) (ck.Template, map[ck.AttributeType][]byte, error) {
	merged, err := mergeKeyTemplate(bk, ck.CKA_DERIVE_TEMPLATE, tmpl)
	if err != nil {
		return nil, nil, err
	}
	if len(merged) == len(tmpl) {
		return tmpl, tm, nil
	}
	rules := policy[classKey{class: ck.CKO_DATA}]
	for _, a := range merged[len(tmpl):] {
		if _, ok := rules[a.Type]; !ok {
			return nil, nil, ck.CKR_TEMPLATE_INCONSISTENT
		}
	}
	tm, _, err = m.newDataTemplate(s, merged)
	if err != nil {
		return nil, nil, err
	}
	return merged, tm, nil
}

// createData makes and publishes the derived data object. CKA_VALUE_LEN in
// the template was the mechanism's input (the output length), not an
// attribute of a data object; CKA_VALUE comes from the mechanism only (the
// table does not let a template give it here: CKR_ATTRIBUTE_READ_ONLY).
func (m *Module) createData(s *Session, l *loginState, tm, vals map[ck.AttributeType][]byte) (ck.ObjectHandle, error) {
	given := make(map[ck.AttributeType][]byte, len(tm))
	for t, v := range tm {
		if t != ck.CKA_VALUE_LEN {
			given[t] = v
		}
	}
	v, ok := vals[ck.CKA_VALUE]
	if !ok {
		return 0, ck.CKR_GENERAL_ERROR
	}
	k := classKey{class: ck.CKO_DATA}
	set := map[ck.AttributeType][]byte{
		ck.CKA_CLASS: ck.EncodeULong(ck.ULong(ck.CKO_DATA)),
		ck.CKA_VALUE: v,
	}
	attrs, err := buildAttrs(opGenerate, k, given, set, isSO(l))
	if err != nil {
		return 0, err
	}
	o := m.newObject(s, l, k, attrs)
	if err := m.commitObjects(s, l, o); err != nil {
		return 0, err
	}
	return o.handle, nil
}
