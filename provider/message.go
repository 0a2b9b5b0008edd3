package provider

// message.go is the PKCS#11 3.0 message-based encryption and decryption
// (base 3.0 §5.10, §5.13): C_MessageEncryptInit, then any number of
// messages, each whole (C_EncryptMessage) or in parts (Begin, then Next
// until CKF_END_OF_MESSAGE), then C_MessageEncryptFinal; the decryption
// twins share the code. The mechanism keeps the per-key state (the IV
// counter); one message in parts is buffered here and sealed or opened at
// its end, so Next returns no output before the last part. A failed message
// ends that message, not the message-based operation.

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// msgDir is the direction of a message-based operation.
type msgDir int

const (
	msgEncrypt msgDir = iota
	msgDecrypt
)

// msgOp is an active message-based operation.
type msgOp struct {
	mech ck.MechanismType
	ctx  mechanisms.MessageContext

	inMsg bool   // between Begin and the last Next
	aad   []byte // of the message in parts
	buf   []byte // its input so far
}

// MessageEncryptInit is C_MessageEncryptInit; the key needs CKA_ENCRYPT.
func (m *Module) MessageEncryptInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.messageInit(h, msgEncrypt, mech, key)
}

// MessageDecryptInit is C_MessageDecryptInit; the key needs CKA_DECRYPT.
func (m *Module) MessageDecryptInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.messageInit(h, msgDecrypt, mech, key)
}

func (m *Module) messageInit(h ck.SessionHandle, d msgDir, mech ck.Mechanism, keyH ck.ObjectHandle) (err error) {
	kind, usage := opEncrypt, ck.CKA_ENCRYPT
	if d == msgDecrypt {
		kind, usage = opDecrypt, ck.CKA_DECRYPT
	}
	defer m.auditKeyUse(h, kind, mech.Type, keyH, &err)
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	active := s.ops.msg[d] != nil
	s.mu.Unlock()
	if active {
		return ck.CKR_OPERATION_ACTIVE
	}
	if mech.Parameter != nil { // the parameters come with each message
		return ck.CKR_MECHANISM_PARAM_INVALID
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return err
	}
	var init func(*mechanisms.Key) (mechanisms.MessageContext, error)
	switch d {
	case msgEncrypt:
		if e, ok := mm.(mechanisms.MessageEncrypter); ok {
			init = e.MessageEncryptInit
		}
	case msgDecrypt:
		if e, ok := mm.(mechanisms.MessageDecrypter); ok {
			init = e.MessageDecryptInit
		}
	}
	if init == nil {
		return ck.CKR_MECHANISM_INVALID
	}
	k, _, err := m.keyForMech(s, keyH, usage, mech.Type)
	if err != nil {
		return err
	}
	ctx, err := init(k)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ck.CKR_SESSION_HANDLE_INVALID
	}
	if s.ops.msg[d] != nil {
		return ck.CKR_OPERATION_ACTIVE
	}
	s.ops.msg[d] = &msgOp{mech: mech.Type, ctx: ctx}
	return nil
}

// MessageMechanism is the mechanism of the active message-based operation,
// which tells cexport how to read the per-message parameters.
func (m *Module) MessageMechanism(h ck.SessionHandle, encrypt bool) (ck.MechanismType, error) {
	s, err := m.opSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op := s.ops.msg[dirOf(encrypt)]
	if op == nil {
		return 0, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	return op.mech, nil
}

func dirOf(encrypt bool) msgDir {
	if encrypt {
		return msgEncrypt
	}
	return msgDecrypt
}

// msgSession returns the locked session and its active operation of d.
func (m *Module) msgSession(h ck.SessionHandle, d msgDir) (*Session, *msgOp, error) {
	s, err := m.opSession(h)
	if err != nil {
		return nil, nil, err
	}
	op := s.ops.msg[d]
	if op == nil {
		s.mu.Unlock()
		return nil, nil, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	return s, op, nil
}

// EncryptMessage is C_EncryptMessage: out nil asks for the length.
func (m *Module) EncryptMessage(h ck.SessionHandle, param any, aad, in, out []byte) (int, error) {
	return m.wholeMessage(h, msgEncrypt, param, aad, in, out)
}

// DecryptMessage is C_DecryptMessage.
func (m *Module) DecryptMessage(h ck.SessionHandle, param any, aad, in, out []byte) (int, error) {
	return m.wholeMessage(h, msgDecrypt, param, aad, in, out)
}

func (m *Module) wholeMessage(h ck.SessionHandle, d msgDir, param any, aad, in, out []byte) (int, error) {
	s, op, err := m.msgSession(h, d)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if op.inMsg {
		return 0, ck.CKR_OPERATION_ACTIVE
	}
	return op.seal(d, param, true, aad, in, out)
}

// seal runs one whole message under the output convention: out nil asks
// for the length, a short out is CKR_BUFFER_TOO_SMALL before any IV is used.
func (op *msgOp) seal(d msgDir, param any, generate bool, aad, in, out []byte) (int, error) {
	n := len(in) // GCM and ChaCha20-Poly1305: the tag is in the parameter
	if err := op.ctx.Check(param); err != nil {
		return 0, err
	}
	if out == nil {
		return n, nil
	}
	if len(out) < n {
		return n, ck.CKR_BUFFER_TOO_SMALL
	}
	var res []byte
	var err error
	if d == msgEncrypt {
		res, err = op.ctx.Seal(param, generate, aad, in)
	} else {
		res, err = op.ctx.Open(param, aad, in)
	}
	if err != nil {
		return 0, err
	}
	return copy(out, res), nil
}

// EncryptMessageBegin is C_EncryptMessageBegin: a generated IV is written
// into param here, for the application to read.
func (m *Module) EncryptMessageBegin(h ck.SessionHandle, param any, aad []byte) error {
	return m.beginMessage(h, msgEncrypt, param, aad)
}

// DecryptMessageBegin is C_DecryptMessageBegin.
func (m *Module) DecryptMessageBegin(h ck.SessionHandle, param any, aad []byte) error {
	return m.beginMessage(h, msgDecrypt, param, aad)
}

func (m *Module) beginMessage(h ck.SessionHandle, d msgDir, param any, aad []byte) error {
	s, op, err := m.msgSession(h, d)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if op.inMsg {
		return ck.CKR_OPERATION_ACTIVE
	}
	if d == msgEncrypt {
		err = op.ctx.Begin(param)
	} else {
		err = op.ctx.Check(param)
	}
	if err != nil {
		return err
	}
	op.inMsg, op.aad, op.buf = true, append([]byte(nil), aad...), nil
	return nil
}

// EncryptMessageNext is C_EncryptMessageNext: the output comes with the part
// flagged CKF_END_OF_MESSAGE, whose param receives the tag.
func (m *Module) EncryptMessageNext(h ck.SessionHandle, param any, in, out []byte, flags ck.Flags) (int, error) {
	return m.nextMessage(h, msgEncrypt, param, in, out, flags)
}

// DecryptMessageNext is C_DecryptMessageNext: the last part's param holds the tag.
func (m *Module) DecryptMessageNext(h ck.SessionHandle, param any, in, out []byte, flags ck.Flags) (int, error) {
	return m.nextMessage(h, msgDecrypt, param, in, out, flags)
}

func (m *Module) nextMessage(h ck.SessionHandle, d msgDir, param any, in, out []byte, flags ck.Flags) (int, error) {
	s, op, err := m.msgSession(h, d)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if !op.inMsg {
		return 0, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	if flags&^ck.CKF_END_OF_MESSAGE != 0 {
		return 0, ck.CKR_ARGUMENTS_BAD
	}
	if flags&ck.CKF_END_OF_MESSAGE == 0 {
		if out != nil { // a length query does not take the part
			op.buf = append(op.buf, in...)
		}
		return 0, nil
	}
	all := append(append([]byte(nil), op.buf...), in...)
	n, err := op.seal(d, param, false, op.aad, all, out)
	if (err == nil && out != nil) || (err != nil && err != ck.CKR_BUFFER_TOO_SMALL) {
		clear(op.buf)
		op.inMsg, op.aad, op.buf = false, nil, nil
	}
	return n, err
}

// MessageEncryptFinal is C_MessageEncryptFinal: it ends the operation (and
// any message left unfinished).
func (m *Module) MessageEncryptFinal(h ck.SessionHandle) error {
	return m.finalMessage(h, msgEncrypt)
}

// MessageDecryptFinal is C_MessageDecryptFinal.
func (m *Module) MessageDecryptFinal(h ck.SessionHandle) error {
	return m.finalMessage(h, msgDecrypt)
}

func (m *Module) finalMessage(h ck.SessionHandle, d msgDir) error {
	s, _, err := m.msgSession(h, d)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.ops.endMessage(d)
	return nil
}

// endMessage forgets the message-based operation of d.
func (o *sessionOps) endMessage(d msgDir) {
	if op := o.msg[d]; op != nil {
		clear(op.buf)
		o.msg[d] = nil
	}
}
