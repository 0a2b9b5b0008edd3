package provider

// crypto.go holds what the cryptographic functions share: locking the
// session for a call, finding the mechanism, and the common C_XxxInit.
//
// Conventions for every function here (PKCS#11 3.0 §5.2 and chapter 5):
//   - out == nil is a length query: the length that suffices is returned and
//     the operation stays active. cexport must pass nil only for a NULL
//     buffer pointer, and a non-nil empty slice for a real buffer of length 0.
//   - a short out returns the exact needed length with CKR_BUFFER_TOO_SMALL;
//     the output was computed once and is kept, so the retry returns the very
//     same bytes (see operation.produce).
//   - any other error ends the operation; so does a delivered single-part or
//     final result. Errors found by cexport before the call reaches here
//     (NULL pointers: CKR_ARGUMENTS_BAD) must end it too: cexport then calls
//     Module.SessionCancel(h, CKF_XXX).
//   - a single-part call after an Update is CKR_OPERATION_ACTIVE (listed for
//     C_Digest, C_Verify ...); an Update or Final on a single-part-only
//     mechanism is CKR_MECHANISM_INVALID (see multipartSign).
//   - C_XxxInit with a NULL pMechanism (3.0: cancel the active operation of
//     that kind) has no Mechanism value here: cexport calls
//     Module.SessionCancel(h, CKF_XXX) for it.
//   - a CKA_ALWAYS_AUTHENTICATE key's operation needs
//     C_Login(CKU_CONTEXT_SPECIFIC) before its first use (length queries
//     excepted); without it the use is CKR_USER_NOT_LOGGED_IN.

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// opSession returns session h with s.mu held; the caller unlocks it.
func (m *Module) opSession(h ck.SessionHandle) (*Session, error) {
	s, err := m.session(h)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ck.CKR_SESSION_HANDLE_INVALID
	}
	return s, nil
}

// lookupMech returns the registered mechanism t.
func lookupMech(t ck.MechanismType) (mechanisms.Mechanism, error) {
	mm, ok := mechanisms.Lookup(t)
	if !ok {
		return nil, ck.CKR_MECHANISM_INVALID
	}
	return mm, nil
}

// has reports whether mm offers capability T (mechanisms.Signer ...).
func has[T any](mm mechanisms.Mechanism) bool {
	_, ok := mm.(T)
	return ok
}

// initOp is the common C_XxxInit for keyed operations: the session, an
// operation already active, the mechanism and its capability (can), then the
// key (keyForUse checks the handle, the usage attribute and the login), then
// the mechanism's context made by mk. The key lookup runs without s.mu, which
// keyForUse may need; the operation is checked again when it is installed.
func (m *Module) initOp(h ck.SessionHandle, k opKind, mech ck.Mechanism, keyH ck.ObjectHandle,
	usage ck.AttributeType, can func(mechanisms.Mechanism) bool,
	mk func(mechanisms.Mechanism, *mechanisms.Key, *operation) error) (err error) {
	defer m.auditKeyUse(h, k, mech.Type, keyH, &err)
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	err = s.ops.canStart(k)
	var op *operation
	if err == nil {
		op = s.ops.takeSpare() // filled by mk; dropped if anything below fails
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return err
	}
	if !can(mm) {
		return ck.CKR_MECHANISM_INVALID
	}
	key, alwaysAuth, err := m.keyForMech(s, keyH, usage, mech.Type)
	if err != nil {
		return err
	}
	if err := mk(mm, key, op); err != nil {
		return err
	}
	op.mech = mech.Type
	op.needAuth = alwaysAuth
	return install(s, k, op)
}

// install makes op active in s, unless the session closed or an operation
// started meanwhile.
func install(s *Session, k opKind, op *operation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ck.CKR_SESSION_HANDLE_INVALID
	}
	return s.ops.start(k, op)
}
