package provider

// sign.go is signing and MACing (PKCS#11 3.0 §5.11): C_SignInit, C_Sign,
// C_SignUpdate, C_SignFinal, C_SignRecoverInit and C_SignRecover.

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// SignInit is C_SignInit; the key needs CKA_SIGN.
func (m *Module) SignInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.initOp(h, opSign, mech, key, ck.CKA_SIGN, has[mechanisms.Signer], func(mm mechanisms.Mechanism, k *mechanisms.Key, op *operation) error {
		ctx, err := mm.(mechanisms.Signer).SignInit(k, mech.Parameter)
		if err != nil {
			return err
		}
		op.sign = ctx
		return nil
	})
}

// Sign is C_Sign. A length query returns SignatureLen without signing; a
// real call signs once (a too-short buffer keeps that signature for the retry).
func (m *Module) Sign(h ck.SessionHandle, data, out []byte) (int, error) {
	return m.signOnce(h, opSign, data, out)
}

// SignRecover is C_SignRecover: single-part only, like C_Sign.
func (m *Module) SignRecover(h ck.SessionHandle, data, out []byte) (int, error) {
	return m.signOnce(h, opSignRecover, data, out)
}

func (m *Module) signOnce(h ck.SessionHandle, k opKind, data, out []byte) (int, error) {
	s, err := m.opSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(k, out != nil)
	if err != nil {
		return 0, err
	}
	if op.updated {
		// A single-part call cannot finish a multi-part operation (§5.11
		// C_Sign); the spec lists CKR_OPERATION_ACTIVE for this family.
		s.ops.end(k)
		return 0, ck.CKR_OPERATION_ACTIVE
	}
	n, done, err := op.produce(callSingle, data, out, op.sign.SignatureLen(), func() ([]byte, error) {
		return op.sign.Sign(data)
	})
	s.ops.finish(k, done, err)
	return n, err
}

// errNotMultipart answers an Update or Final on a mechanism that is
// single-part only (CKM_ECDSA, CKM_RSA_PKCS). CKR_MECHANISM_INVALID would fit
// the specification's words too, but SoftHSMv2 answers
// CKR_FUNCTION_NOT_SUPPORTED and clients rely on it: OpenSC's pkcs11-tool
// --test takes it as "this mechanism is single-part" and fails on anything else.
const errNotMultipart = ck.CKR_FUNCTION_NOT_SUPPORTED

// multipartSign returns the context's multi-part form, or errNotMultipart.
func multipartSign(op *operation) (mechanisms.MultipartSign, error) {
	mp, ok := op.sign.(mechanisms.MultipartSign)
	if !ok {
		return nil, errNotMultipart
	}
	return mp, nil
}

// SignUpdate is C_SignUpdate.
func (m *Module) SignUpdate(h ck.SessionHandle, data []byte) error {
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(opSign, true)
	if err != nil {
		return err
	}
	mp, err := multipartSign(op)
	if err == nil && (op.pend != nil || op.single) {
		err = ck.CKR_OPERATION_ACTIVE // a single-part call began (ops.go: single)
	}
	if err == nil {
		err = mp.Update(data)
		op.updated = true
	}
	s.ops.finish(opSign, false, err)
	return err
}

// SignFinal is C_SignFinal.
func (m *Module) SignFinal(h ck.SessionHandle, out []byte) (int, error) {
	s, err := m.opSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(opSign, out != nil)
	if err != nil {
		return 0, err
	}
	mp, err := multipartSign(op)
	if err != nil {
		s.ops.end(opSign)
		return 0, err
	}
	n, done, err := op.produce(callFinal, nil, out, op.sign.SignatureLen(), mp.Final)
	s.ops.finish(opSign, done, err)
	return n, err
}

// SignRecoverInit is C_SignRecoverInit; the key needs CKA_SIGN_RECOVER.
func (m *Module) SignRecoverInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.initOp(h, opSignRecover, mech, key, ck.CKA_SIGN_RECOVER, has[mechanisms.SignRecoverer], func(mm mechanisms.Mechanism, k *mechanisms.Key, op *operation) error {
		ctx, err := mm.(mechanisms.SignRecoverer).SignRecoverInit(k, mech.Parameter)
		if err != nil {
			return err
		}
		op.sign = ctx
		return nil
	})
}
