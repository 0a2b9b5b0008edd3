package provider

import (
	"github.com/gohsm/gohsm/ck"
)

// resolveDeriveParam fills in what a derivation parameter names by handle,
// so that mechanisms only ever see values: the salt key of CK_HKDF_PARAMS
// (CKF_HKDF_SALT_KEY). The salt key is used like a base key: it must be a
// secret key this user may use, with CKA_DERIVE and the mechanism in its
// CKA_ALLOWED_MECHANISMS. The caller's parameter is not changed; a copy
// carries the salt.
func (m *Module) resolveDeriveParam(s *Session, mech ck.Mechanism) (any, error) {
	param := mech.Parameter
	if c, ok := param.(*ck.ConcatenateKeyParams); ok && c != nil {
		return m.resolveOtherKey(s, mech, c)
	}
	p, ok := param.(*ck.HKDFParams)
	if !ok || p == nil || p.SaltType != ck.CKF_HKDF_SALT_KEY || !p.Extract {
		return param, nil // no salt key, or one HKDF ignores (expand only)
	}
	k, _, err := m.keyForMech(s, p.SaltKey, ck.CKA_DERIVE, mech.Type)
	if err != nil {
		return nil, err
	}
	v := k.Attrs[ck.CKA_VALUE]
	if k.Class != ck.CKO_SECRET_KEY || len(v) == 0 {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	c := *p
	c.Salt = append([]byte(nil), v...)
	return &c, nil
}

// resolveOtherKey gives CKM_CONCATENATE_BASE_AND_KEY the second key, checked
// like the base key (usable by this user, CKA_DERIVE, allowed mechanisms);
// the mechanism reads its value and its protection attributes.
func (m *Module) resolveOtherKey(s *Session, mech ck.Mechanism, p *ck.ConcatenateKeyParams) (any, error) {
	k, _, err := m.keyForMech(s, p.Other, ck.CKA_DERIVE, mech.Type)
	if err != nil {
		return nil, err
	}
	c := *p
	c.OtherClass, c.OtherAttrs = k.Class, k.Attrs
	return &c, nil
}
