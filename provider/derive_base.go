package provider

// derive_base.go resolves C_DeriveKey's hBaseKey. It is a key with
// CKA_DERIVE (keyForMech: login, owner or sharer, allowed mechanisms), except
// for a mechanism that also takes a data object (mechanisms.DataBaseDeriver:
// CKM_HKDF_DERIVE and CKM_HKDF_DATA, whose specification lets "a data object
// ... be supplied as an input key").

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// deriveBase returns the base object of a derivation with mechanism mm.
func (m *Module) deriveBase(s *Session, h ck.ObjectHandle, mm mechanisms.Mechanism) (*mechanisms.Key, error) {
	if d, ok := mm.(mechanisms.DataBaseDeriver); ok && d.DerivesFromData() {
		if o, l, err := m.resolve(s, h); err == nil && o.class == ck.CKO_DATA {
			return m.dataBase(s, o, l)
		}
	}
	k, _, err := m.keyForMech(s, h, ck.CKA_DERIVE, mm.Type())
	return k, err
}

// dataBase is a data object used as a derivation's input. A data object has
// no CKA_DERIVE or CKA_ALLOWED_MECHANISMS to check; what still applies is
// what applies to any base key: a Crypto User's login (the result is a
// secret), and only the owner's use of it (a shared object may be used, not
// derived from: useAllowed). The mechanism sees the class and the value only,
// and the new key is never "always sensitive" nor "never extractable": the
// data was not protected as a key.
func (m *Module) dataBase(s *Session, o *object, l *loginState) (*mechanisms.Key, error) {
	if !isCU(l) {
		return nil, ck.CKR_USER_NOT_LOGGED_IN
	}
	if err := useAllowed(o, l, ck.CKA_DERIVE); err != nil {
		return nil, err
	}
	if err := m.keyUseQuorum(s, o); err != nil {
		return nil, err
	}
	v := o.attrs[ck.CKA_VALUE]
	return &mechanisms.Key{
		Class:   ck.CKO_DATA,
		KeyType: ck.KeyType(ck.UnavailableInformation),
		Attrs:   map[ck.AttributeType][]byte{ck.CKA_VALUE: append([]byte(nil), v...)},
	}, nil
}
