package provider

// message_sign.go is the PKCS#11 3.0 message-based signing and verifying
// (base 3.0 §5.15, §5.17) for the MAC mechanisms that offer it
// (mechanisms.MessageSigner): C_MessageSignInit takes the mechanism and its
// parameter once; every message, whole (C_SignMessage) or in parts
// (C_SignMessageBegin, then C_SignMessageNext until the last part), is one
// MAC operation. The per-message parameter must be empty. A failed message
// ends that message, not the operation.

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

const (
	msgSign = iota
	msgVerify
)

// msgSignOp is an active message-based signing or verifying operation.
type msgSignOp struct {
	mech ck.Mechanism
	m    mechanisms.MessageSigner
	key  *mechanisms.Key

	sign   mechanisms.MultipartSign   // the message in parts, when signing
	verify mechanisms.MultipartVerify // or verifying
}

// MessageSignInit is C_MessageSignInit; the key needs CKA_SIGN.
func (m *Module) MessageSignInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.messageSignInit(h, msgSign, mech, key)
}

// MessageVerifyInit is C_MessageVerifyInit; the key needs CKA_VERIFY.
func (m *Module) MessageVerifyInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.messageSignInit(h, msgVerify, mech, key)
}

func (m *Module) messageSignInit(h ck.SessionHandle, d int, mech ck.Mechanism, keyH ck.ObjectHandle) (err error) {
	kind, usage := opSign, ck.CKA_SIGN
	if d == msgVerify {
		kind, usage = opVerify, ck.CKA_VERIFY
	}
	defer m.auditKeyUse(h, kind, mech.Type, keyH, &err)
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	active := s.ops.msgSig[d] != nil
	s.mu.Unlock()
	if active {
		return ck.CKR_OPERATION_ACTIVE
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return err
	}
	ms, ok := mm.(mechanisms.MessageSigner)
	if !ok {
		return ck.CKR_MECHANISM_INVALID
	}
	k, _, err := m.keyForMech(s, keyH, usage, mech.Type)
	if err != nil {
		return err
	}
	// Check key and parameter now, as C_SignInit would.
	if d == msgSign {
		_, err = ms.SignInit(k, mech.Parameter)
	} else {
		_, err = ms.VerifyInit(k, mech.Parameter)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ck.CKR_SESSION_HANDLE_INVALID
	}
	if s.ops.msgSig[d] != nil {
		return ck.CKR_OPERATION_ACTIVE
	}
	s.ops.msgSig[d] = &msgSignOp{mech: mech, m: ms, key: k}
	return nil
}

func (m *Module) msgSignSession(h ck.SessionHandle, d int, param []byte) (*Session, *msgSignOp, error) {
	s, err := m.opSession(h)
	if err != nil {
		return nil, nil, err
	}
	op := s.ops.msgSig[d]
	if op == nil {
		s.mu.Unlock()
		return nil, nil, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	if len(param) != 0 {
		s.mu.Unlock()
		return nil, nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return s, op, nil
}

// SignMessage is C_SignMessage: out nil asks for the MAC length.
func (m *Module) SignMessage(h ck.SessionHandle, param, data, out []byte) (int, error) {
	s, op, err := m.msgSignSession(h, msgSign, param)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if op.sign != nil || op.verify != nil {
		return 0, ck.CKR_OPERATION_ACTIVE
	}
	ctx, err := op.m.SignInit(op.key, op.mech.Parameter)
	if err != nil {
		return 0, err
	}
	return macOut(ctx, out, func() ([]byte, error) { return ctx.Sign(data) })
}

// macOut applies the output convention to a MAC of exact length.
func macOut(ctx mechanisms.SignContext, out []byte, mac func() ([]byte, error)) (int, error) {
	n := ctx.SignatureLen()
	if out == nil {
		return n, nil
	}
	if len(out) < n {
		return n, ck.CKR_BUFFER_TOO_SMALL
	}
	sig, err := mac()
	if err != nil {
		return 0, err
	}
	return copy(out, sig), nil
}

// SignMessageBegin is C_SignMessageBegin.
func (m *Module) SignMessageBegin(h ck.SessionHandle, param []byte) error {
	return m.beginSignMessage(h, msgSign, param)
}

// VerifyMessageBegin is C_VerifyMessageBegin.
func (m *Module) VerifyMessageBegin(h ck.SessionHandle, param []byte) error {
	return m.beginSignMessage(h, msgVerify, param)
}

func (m *Module) beginSignMessage(h ck.SessionHandle, d int, param []byte) error {
	s, op, err := m.msgSignSession(h, d, param)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if op.sign != nil || op.verify != nil {
		return ck.CKR_OPERATION_ACTIVE
	}
	if d == msgSign {
		ctx, err := op.m.SignInit(op.key, op.mech.Parameter)
		if err != nil {
			return err
		}
		mp, ok := ctx.(mechanisms.MultipartSign)
		if !ok {
			return ck.CKR_FUNCTION_NOT_SUPPORTED
		}
		op.sign = mp
		return nil
	}
	ctx, err := op.m.VerifyInit(op.key, op.mech.Parameter)
	if err != nil {
		return err
	}
	mp, ok := ctx.(mechanisms.MultipartVerify)
	if !ok {
		return ck.CKR_FUNCTION_NOT_SUPPORTED
	}
	op.verify = mp
	return nil
}

// SignMessageNext is C_SignMessageNext: last says whether this is the last
// part (the application passed pulSignatureLen); then out nil asks for the
// length, and the MAC is returned.
func (m *Module) SignMessageNext(h ck.SessionHandle, param, data []byte, last bool, out []byte) (int, error) {
	s, op, err := m.msgSignSession(h, msgSign, param)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if op.sign == nil {
		return 0, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	if !last {
		if err := op.sign.Update(data); err != nil {
			op.sign = nil
			return 0, err
		}
		return 0, nil
	}
	ctx, _ := op.sign.(mechanisms.SignContext)
	if ctx == nil {
		op.sign = nil
		return 0, ck.CKR_GENERAL_ERROR
	}
	n, err := macOut(ctx, out, func() ([]byte, error) {
		if err := op.sign.Update(data); err != nil {
			return nil, err
		}
		return op.sign.Final()
	})
	if (err == nil && out != nil) || (err != nil && err != ck.CKR_BUFFER_TOO_SMALL) {
		op.sign = nil
	}
	return n, err
}

// VerifyMessage is C_VerifyMessage.
func (m *Module) VerifyMessage(h ck.SessionHandle, param, data, sig []byte) error {
	s, op, err := m.msgSignSession(h, msgVerify, param)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if op.sign != nil || op.verify != nil {
		return ck.CKR_OPERATION_ACTIVE
	}
	ctx, err := op.m.VerifyInit(op.key, op.mech.Parameter)
	if err != nil {
		return err
	}
	return ctx.Verify(data, sig)
}

// VerifyMessageNext is C_VerifyMessageNext: sig nil means not the last part.
func (m *Module) VerifyMessageNext(h ck.SessionHandle, param, data, sig []byte) error {
	s, op, err := m.msgSignSession(h, msgVerify, param)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if op.verify == nil {
		return ck.CKR_OPERATION_NOT_INITIALIZED
	}
	err = op.verify.Update(data)
	if err == nil && sig != nil {
		err = op.verify.Final(sig)
	}
	if err != nil || sig != nil {
		op.verify = nil
	}
	return err
}

// MessageSignFinal is C_MessageSignFinal.
func (m *Module) MessageSignFinal(h ck.SessionHandle) error { return m.finalSignMessage(h, msgSign) }

// MessageVerifyFinal is C_MessageVerifyFinal.
func (m *Module) MessageVerifyFinal(h ck.SessionHandle) error {
	return m.finalSignMessage(h, msgVerify)
}

func (m *Module) finalSignMessage(h ck.SessionHandle, d int) error {
	s, _, err := m.msgSignSession(h, d, nil)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.ops.msgSig[d] = nil
	return nil
}
