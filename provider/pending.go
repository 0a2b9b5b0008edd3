package provider

// pending.go holds the provider methods and types that are still being
// written. Whoever implements one deletes it here and writes it in its own
// file; this file must be empty (and deleted) before issue 3 is resolved.

import "github.com/gohsm/gohsm/ck"

const notYet = ck.CKR_FUNCTION_NOT_SUPPORTED

// --- objects, attributes, find (objects.go, attrpolicy.go, find.go) ---

type object struct{}
type findOp struct{}
type keyCache struct{}

func (k *keyCache) wipe() {}

// AttributeResult is one entry of C_GetAttributeValue: the value, or why not
// (CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID).
type AttributeResult struct {
	Value []byte
	Err   ck.RV
}

func (m *Module) CreateObject(h ck.SessionHandle, tmpl ck.Template) (ck.ObjectHandle, error) {
	return 0, notYet
}
func (m *Module) CopyObject(h ck.SessionHandle, o ck.ObjectHandle, tmpl ck.Template) (ck.ObjectHandle, error) {
	return 0, notYet
}
func (m *Module) DestroyObject(h ck.SessionHandle, o ck.ObjectHandle) error { return notYet }
func (m *Module) ObjectSize(h ck.SessionHandle, o ck.ObjectHandle) (ck.ULong, error) {
	return 0, notYet
}
func (m *Module) GetAttributeValue(h ck.SessionHandle, o ck.ObjectHandle, types []ck.AttributeType) ([]AttributeResult, error) {
	return nil, notYet
}
func (m *Module) SetAttributeValue(h ck.SessionHandle, o ck.ObjectHandle, tmpl ck.Template) error {
	return notYet
}
func (m *Module) FindObjectsInit(h ck.SessionHandle, tmpl ck.Template) error { return notYet }
func (m *Module) FindObjects(h ck.SessionHandle, max int) ([]ck.ObjectHandle, error) {
	return nil, notYet
}
func (m *Module) FindObjectsFinal(h ck.SessionHandle) error { return notYet }

// --- cryptographic operations (crypto.go and friends) ---
// Output buffers: out == nil is a length query (returns the length, the
// operation stays active); a short out returns the needed length with
// CKR_BUFFER_TOO_SMALL (the operation stays active); anything else ends a
// single-part operation.

type sessionOps struct{}

func (m *Module) EncryptInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return notYet
}
func (m *Module) Encrypt(h ck.SessionHandle, in, out []byte) (int, error)       { return 0, notYet }
func (m *Module) EncryptUpdate(h ck.SessionHandle, in, out []byte) (int, error) { return 0, notYet }
func (m *Module) EncryptFinal(h ck.SessionHandle, out []byte) (int, error)      { return 0, notYet }
func (m *Module) DecryptInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return notYet
}
func (m *Module) Decrypt(h ck.SessionHandle, in, out []byte) (int, error)       { return 0, notYet }
func (m *Module) DecryptUpdate(h ck.SessionHandle, in, out []byte) (int, error) { return 0, notYet }
func (m *Module) DecryptFinal(h ck.SessionHandle, out []byte) (int, error)      { return 0, notYet }
func (m *Module) DigestInit(h ck.SessionHandle, mech ck.Mechanism) error        { return notYet }
func (m *Module) Digest(h ck.SessionHandle, in, out []byte) (int, error)        { return 0, notYet }
func (m *Module) DigestUpdate(h ck.SessionHandle, in []byte) error              { return notYet }
func (m *Module) DigestKey(h ck.SessionHandle, key ck.ObjectHandle) error       { return notYet }
func (m *Module) DigestFinal(h ck.SessionHandle, out []byte) (int, error)       { return 0, notYet }
func (m *Module) SignInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return notYet
}
func (m *Module) Sign(h ck.SessionHandle, data, out []byte) (int, error) { return 0, notYet }
func (m *Module) SignUpdate(h ck.SessionHandle, data []byte) error       { return notYet }
func (m *Module) SignFinal(h ck.SessionHandle, out []byte) (int, error)  { return 0, notYet }
func (m *Module) SignRecoverInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return notYet
}
func (m *Module) SignRecover(h ck.SessionHandle, data, out []byte) (int, error) { return 0, notYet }
func (m *Module) VerifyInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return notYet
}
func (m *Module) Verify(h ck.SessionHandle, data, sig []byte) error  { return notYet }
func (m *Module) VerifyUpdate(h ck.SessionHandle, data []byte) error { return notYet }
func (m *Module) VerifyFinal(h ck.SessionHandle, sig []byte) error   { return notYet }
func (m *Module) VerifyRecoverInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return notYet
}
func (m *Module) VerifyRecover(h ck.SessionHandle, sig, out []byte) (int, error) { return 0, notYet }
func (m *Module) DigestEncryptUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return 0, notYet
}
func (m *Module) DecryptDigestUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return 0, notYet
}
func (m *Module) SignEncryptUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return 0, notYet
}
func (m *Module) DecryptVerifyUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return 0, notYet
}
func (m *Module) GenerateKey(h ck.SessionHandle, mech ck.Mechanism, tmpl ck.Template) (ck.ObjectHandle, error) {
	return 0, notYet
}
func (m *Module) GenerateKeyPair(h ck.SessionHandle, mech ck.Mechanism, pubTmpl, privTmpl ck.Template) (pub, priv ck.ObjectHandle, err error) {
	return 0, 0, notYet
}
func (m *Module) WrapKey(h ck.SessionHandle, mech ck.Mechanism, wrapping, key ck.ObjectHandle, out []byte) (int, error) {
	return 0, notYet
}
func (m *Module) UnwrapKey(h ck.SessionHandle, mech ck.Mechanism, unwrapping ck.ObjectHandle, wrapped []byte, tmpl ck.Template) (ck.ObjectHandle, error) {
	return 0, notYet
}
func (m *Module) DeriveKey(h ck.SessionHandle, mech ck.Mechanism, base ck.ObjectHandle, tmpl ck.Template) (ck.ObjectHandle, error) {
	return 0, notYet
}
func (m *Module) SeedRandom(h ck.SessionHandle, seed []byte) error    { return notYet }
func (m *Module) GenerateRandom(h ck.SessionHandle, out []byte) error { return notYet }

// destroySessionObjects is called when a session ends (objects.go).
func (m *Module) destroySessionObjects(s *Session) {}

// cancelOps ends the operations named by flags (C_SessionCancel, session end,
// logout; crypto.go). The caller holds s.mu.
func (s *Session) cancelOps(flags ck.Flags) {}

// authorizeContext is called by C_Login(CKU_CONTEXT_SPECIFIC) after the PIN
// was verified, with s.mu held (crypto.go): it marks the active operation
// that needs it as authorised, or returns CKR_OPERATION_NOT_INITIALIZED.
func (o *sessionOps) authorizeContext() error { return ck.CKR_OPERATION_NOT_INITIALIZED }
