package provider

// keymgmt_ops.go is C_WrapKey, C_UnwrapKey and C_DeriveKey (PKCS#11 3.0
// §5.14), through the mechanism registry: a mechanism without the
// capability is CKR_MECHANISM_INVALID, never a silent CKR_OK.

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// WrapKey is C_WrapKey. Only secret and private keys can be wrapped; a key
// that is not extractable never is (CKR_KEY_UNEXTRACTABLE), and a key with
// CKA_WRAP_WITH_TRUSTED only under a CKA_TRUSTED wrapping key
// (CKR_KEY_NOT_WRAPPABLE). A length query wraps and returns the length; the
// real call wraps again (wrapped bytes are not secret, and a randomised
// wrapping is valid either way).
func (m *Module) WrapKey(h ck.SessionHandle, mech ck.Mechanism, wrapping, key ck.ObjectHandle, out []byte) (int, error) {
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
	wk, _, err := m.keyForUse(s, wrapping, ck.CKA_WRAP)
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
	if err := wrappable(wk, k); err != nil {
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

// UnwrapKey is C_UnwrapKey. No registered mechanism unwraps yet, and the
// new key would have to be made through the objects' creation path (with
// the attribute policy), which this file does not own: until both exist,
// CKR_MECHANISM_INVALID after the session and mechanism checks.
func (m *Module) UnwrapKey(h ck.SessionHandle, mech ck.Mechanism, unwrapping ck.ObjectHandle, wrapped []byte, tmpl ck.Template) (ck.ObjectHandle, error) {
	if _, err := m.session(h); err != nil {
		return 0, err
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return 0, err
	}
	if _, ok := mm.(mechanisms.KeyUnwrapper); !ok {
		return 0, ck.CKR_MECHANISM_INVALID
	}
	return 0, ck.CKR_MECHANISM_INVALID
}

// DeriveKey is C_DeriveKey; as UnwrapKey, it waits for a deriving mechanism
// and the objects' creation path.
func (m *Module) DeriveKey(h ck.SessionHandle, mech ck.Mechanism, base ck.ObjectHandle, tmpl ck.Template) (ck.ObjectHandle, error) {
	if _, err := m.session(h); err != nil {
		return 0, err
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return 0, err
	}
	if _, ok := mm.(mechanisms.KeyDeriver); !ok {
		return 0, ck.CKR_MECHANISM_INVALID
	}
	return 0, ck.CKR_MECHANISM_INVALID
}
