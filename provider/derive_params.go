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
	p, ok := param.(*ck.HKDFParams)
	if !ok || p == nil || p.SaltType != ck.CKF_HKDF_SALT_KEY {
		return param, nil
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
