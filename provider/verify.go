package provider

// verify.go is verifying signatures and MACs (PKCS#11 3.0 §5.12):
// C_VerifyInit, C_Verify, C_VerifyUpdate, C_VerifyFinal,
// C_VerifyRecoverInit and C_VerifyRecover.

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// VerifyInit is C_VerifyInit; the key needs CKA_VERIFY.
func (m *Module) VerifyInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.initOp(h, opVerify, mech, key, ck.CKA_VERIFY, has[mechanisms.Verifier], func(mm mechanisms.Mechanism, k *mechanisms.Key, op *operation) error {
		ctx, err := mm.(mechanisms.Verifier).VerifyInit(k, mech.Parameter)
		if err != nil {
			return err
		}
		op.verify = ctx
		return nil
	})
}

// Verify is C_Verify; it always ends the operation.
func (m *Module) Verify(h ck.SessionHandle, data, sig []byte) error {
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(opVerify, true)
	if err != nil {
		return err
	}
	defer s.ops.end(opVerify)
	if op.updated {
		return ck.CKR_OPERATION_ACTIVE // see signOnce
	}
	return op.verify.Verify(data, sig)
}

// multipartVerify: see multipartSign for the error code.
func multipartVerify(op *operation) (mechanisms.MultipartVerify, error) {
	mp, ok := op.verify.(mechanisms.MultipartVerify)
	if !ok {
		return nil, errNotMultipart
	}
	return mp, nil
}

// VerifyUpdate is C_VerifyUpdate.
func (m *Module) VerifyUpdate(h ck.SessionHandle, data []byte) error {
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(opVerify, true)
	if err != nil {
		return err
	}
	mp, err := multipartVerify(op)
	if err == nil {
		err = mp.Update(data)
		op.updated = true
	}
	s.ops.finish(opVerify, false, err)
	return err
}

// VerifyFinal is C_VerifyFinal; it always ends the operation.
func (m *Module) VerifyFinal(h ck.SessionHandle, sig []byte) error {
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(opVerify, true)
	if err != nil {
		return err
	}
	defer s.ops.end(opVerify)
	mp, err := multipartVerify(op)
	if err != nil {
		return err
	}
	return mp.Final(sig)
}

// VerifyRecoverInit is C_VerifyRecoverInit; the key needs CKA_VERIFY_RECOVER.
func (m *Module) VerifyRecoverInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.initOp(h, opVerifyRecover, mech, key, ck.CKA_VERIFY_RECOVER, has[mechanisms.VerifyRecoverer], func(mm mechanisms.Mechanism, k *mechanisms.Key, op *operation) error {
		ctx, err := mm.(mechanisms.VerifyRecoverer).VerifyRecoverInit(k, mech.Parameter)
		if err != nil {
			return err
		}
		op.recover = ctx
		return nil
	})
}

// VerifyRecover is C_VerifyRecover. With a buffer the signature is checked
// before its length, so an invalid signature never gets CKR_BUFFER_TOO_SMALL
// (as §5.12 requires); a length query returns DataLen unchecked.
func (m *Module) VerifyRecover(h ck.SessionHandle, sig, out []byte) (int, error) {
	s, err := m.opSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(opVerifyRecover, out != nil)
	if err != nil {
		return 0, err
	}
	n, done, err := op.produce(callSingle, sig, out, op.recover.DataLen(len(sig)), func() ([]byte, error) {
		return op.recover.VerifyRecover(sig)
	})
	s.ops.finish(opVerifyRecover, done, err)
	return n, err
}
