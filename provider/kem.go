package provider

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// kem.go: C_EncapsulateKey and C_DecapsulateKey (PKCS#11 3.2 section 5.18).
// The shared secret becomes a secret key object through the same path as
// derived and unwrapped keys (createKey: attribute policy, store, handles).

// EncapsulateKey is C_EncapsulateKey: the public key needs CKA_ENCAPSULATE.
// With out == nil it only reports the ciphertext length and makes no key;
// a buffer too small is CKR_BUFFER_TOO_SMALL with the length, and no key.
func (m *Module) EncapsulateKey(h ck.SessionHandle, mech ck.Mechanism, pub ck.ObjectHandle, tmpl ck.Template, out []byte) (n int, oh ck.ObjectHandle, err error) {
	defer func() {
		if out != nil { // a length query creates nothing worth a record
			m.auditNew(h, "C_EncapsulateKey", m.keyRef(mech.Type, pub), &err, &oh)
		}
	}()
	s, err := m.session(h)
	if err != nil {
		return 0, 0, err
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return 0, 0, err
	}
	e, ok := mm.(mechanisms.Encapsulator)
	if !ok {
		return 0, 0, ck.CKR_MECHANISM_INVALID
	}
	tm, l, err := m.kemKeyTemplate(s, tmpl)
	if err != nil {
		return 0, 0, err
	}
	pk, _, err := m.keyForMech(s, pub, ck.CKA_ENCAPSULATE, mech.Type)
	if err != nil {
		return 0, 0, err
	}
	if pk.Class != ck.CKO_PUBLIC_KEY {
		return 0, 0, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	need, err := e.CiphertextLen(pk, mech.Parameter)
	if err != nil {
		return 0, 0, err
	}
	if out == nil {
		return need, 0, nil
	}
	if len(out) < need {
		return need, 0, ck.CKR_BUFFER_TOO_SMALL
	}
	ct, vals, err := e.Encapsulate(pk, mech.Parameter, tmpl)
	if err != nil {
		return 0, 0, err
	}
	oh, err = m.createKey(s, l, tm, vals, false, false)
	if err != nil {
		return 0, 0, err
	}
	return copy(out, ct), oh, nil
}

// DecapsulateKey is C_DecapsulateKey: the private key needs CKA_DECAPSULATE.
// The new key is "always sensitive" and "never extractable" only as far as
// the private key was, as for C_DeriveKey.
func (m *Module) DecapsulateKey(h ck.SessionHandle, mech ck.Mechanism, priv ck.ObjectHandle, tmpl ck.Template, ciphertext []byte) (oh ck.ObjectHandle, err error) {
	defer m.auditNew(h, "C_DecapsulateKey", m.keyRef(mech.Type, priv), &err, &oh)
	s, err := m.session(h)
	if err != nil {
		return 0, err
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return 0, err
	}
	d, ok := mm.(mechanisms.Decapsulator)
	if !ok {
		return 0, ck.CKR_MECHANISM_INVALID
	}
	tm, l, err := m.kemKeyTemplate(s, tmpl)
	if err != nil {
		return 0, err
	}
	sk, _, err := m.keyForMech(s, priv, ck.CKA_DECAPSULATE, mech.Type)
	if err != nil {
		return 0, err
	}
	if sk.Class != ck.CKO_PRIVATE_KEY {
		return 0, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	vals, err := d.Decapsulate(sk, mech.Parameter, ciphertext, tmpl)
	if err != nil {
		return 0, err
	}
	return m.createKey(s, l, tm, vals, keyBool(sk, ck.CKA_ALWAYS_SENSITIVE), keyBool(sk, ck.CKA_NEVER_EXTRACTABLE))
}

// kemKeyTemplate is newKeyTemplate for a shared secret: a secret key only.
func (m *Module) kemKeyTemplate(s *Session, tmpl ck.Template) (map[ck.AttributeType][]byte, *loginState, error) {
	tm, l, err := m.newKeyTemplate(s, tmpl)
	if err != nil {
		return nil, nil, err
	}
	if v, ok := tm[ck.CKA_CLASS]; ok {
		if c, err := ck.DecodeULong(v); err != nil || ck.ObjectClass(c) != ck.CKO_SECRET_KEY {
			return nil, nil, ck.CKR_TEMPLATE_INCONSISTENT
		}
	}
	return tm, l, nil
}
