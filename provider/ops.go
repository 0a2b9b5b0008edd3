package provider

// ops.go is the operation state of a session (PKCS#11 3.0 §5.1.4 and the
// function descriptions of §5.8–5.13): which cryptographic operation of each
// kind is active, whether it still needs a context-specific login, and the
// output that a too-short buffer could not take yet.

import (
	"bytes"
	"hash"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// opKind is one kind of operation that C_XxxInit makes active.
type opKind int

const (
	opEncrypt opKind = iota
	opDecrypt
	opDigest
	opSign
	opVerify
	opSignRecover
	opVerifyRecover
	numOpKinds
)

// opFlag names each kind as C_SessionCancel does.
var opFlag = [numOpKinds]ck.Flags{
	opEncrypt:       ck.CKF_ENCRYPT,
	opDecrypt:       ck.CKF_DECRYPT,
	opDigest:        ck.CKF_DIGEST,
	opSign:          ck.CKF_SIGN,
	opVerify:        ck.CKF_VERIFY,
	opSignRecover:   ck.CKF_SIGN_RECOVER,
	opVerifyRecover: ck.CKF_VERIFY_RECOVER,
}

// dualPairs are the only two kinds a session may have active together: the
// specification ("Capabilities of sessions", and the dual-function chapter
// §5.12) allows digest+encrypt, decrypt+digest, sign+encrypt and
// decrypt+verify; any other second operation is CKR_OPERATION_ACTIVE.
// (Object search is kept apart, in Session.find.)
var dualPairs = map[[2]opKind]bool{
	{opEncrypt, opDigest}: true,
	{opDecrypt, opDigest}: true,
	{opEncrypt, opSign}:   true,
	{opDecrypt, opVerify}: true,
}

func pairOK(a, b opKind) bool {
	if a > b {
		a, b = b, a
	}
	return dualPairs[[2]opKind{a, b}]
}

// callKind tells which function computed a pending output, so that only the
// same call with the same input can collect it.
type callKind int

const (
	callSingle callKind = iota + 1
	callUpdate
	callFinal
	callDual
)

// operation is one active operation. Exactly one of the context fields is set.
type operation struct {
	mech ck.MechanismType

	sign    mechanisms.SignContext
	verify  mechanisms.VerifyContext
	cipher  mechanisms.CipherContext
	digest  hash.Hash
	recover mechanisms.VerifyRecoverContext

	// updated is set by the first Update: from then on single-part calls
	// are refused (C_Sign "cannot be used to terminate a multi-part operation").
	updated bool
	// single is its mirror, set by the first single-part call (a length
	// query too): from then on Update and Final are refused, so that, say,
	// C_DigestFinal after a C_Digest length query is not the digest of nothing.
	single bool

	// needAuth is set for a CKA_ALWAYS_AUTHENTICATE key: every use of the
	// operation needs C_Login(CKU_CONTEXT_SPECIFIC) after Init.
	needAuth, authorized bool

	pend *pendingOut
}

// pendingOut is output already computed for a call whose buffer was too
// short. The cryptographic state has moved on, so the retry returns exactly
// these bytes (a signature the caller can verify, not a second one).
type pendingOut struct {
	call callKind
	in   []byte
	out  []byte
}

// sessionOps holds the active operations of a session; Session.mu guards it.
type sessionOps struct {
	active [numOpKinds]*operation
	msg    [2]*msgOp     // message-based encryption and decryption (message.go)
	msgSig [2]*msgSignOp // message-based signing and verifying (message_sign.go)
	// spare is the struct of the last ended operation, zeroed, for the next
	// C_XxxInit of the session (takeSpare): one allocation less per operation.
	spare *operation
}

// canStart reports CKR_OPERATION_ACTIVE when kind k may not start now.
func (o *sessionOps) canStart(k opKind) error {
	if o.active[k] != nil {
		return ck.CKR_OPERATION_ACTIVE
	}
	for other, op := range o.active {
		if op != nil && !pairOK(k, opKind(other)) {
			return ck.CKR_OPERATION_ACTIVE
		}
	}
	return nil
}

// start makes op the active operation of kind k.
func (o *sessionOps) start(k opKind, op *operation) error {
	if err := o.canStart(k); err != nil {
		return err
	}
	o.active[k] = op
	return nil
}

// use returns the active operation of kind k for a call on it:
// CKR_OPERATION_NOT_INITIALIZED when there is none, and, when the call uses
// the key (anything but a length query), CKR_USER_NOT_LOGGED_IN (which ends
// the operation) if the key wants a context login that was not given. A
// length query before C_Login(CKU_CONTEXT_SPECIFIC) is allowed: it does not
// use the key, and some clients size their buffer first.
func (o *sessionOps) use(k opKind, usesKey bool) (*operation, error) {
	op := o.active[k]
	if op == nil {
		return nil, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	if usesKey && op.needAuth && !op.authorized {
		o.end(k)
		return nil, ck.CKR_USER_NOT_LOGGED_IN
	}
	return op, nil
}

// end forgets the operation of kind k.
func (o *sessionOps) end(k opKind) {
	if op := o.active[k]; op != nil {
		o.active[k] = nil
		*op = operation{} // drops the context and any pending output
		o.spare = op
	}
}

// takeSpare returns a zeroed operation to fill, the session's spare if it
// has one. The caller holds s.mu.
func (o *sessionOps) takeSpare() *operation {
	op := o.spare
	o.spare = nil
	if op == nil {
		op = new(operation)
	}
	return op
}

// finish applies the rule every function shares: an error other than
// CKR_BUFFER_TOO_SMALL ends the operation, and so does delivered final output.
func (o *sessionOps) finish(k opKind, done bool, err error) {
	if (err != nil && err != ck.CKR_BUFFER_TOO_SMALL) || (err == nil && done) {
		o.end(k)
	}
}

// authorizeContext is called by C_Login(CKU_CONTEXT_SPECIFIC) after the PIN
// was verified, with s.mu held: it authorises the active operations whose
// key needs it, or returns CKR_OPERATION_NOT_INITIALIZED when none does.
func (o *sessionOps) authorizeContext() error {
	found := false
	for _, op := range o.active {
		if op != nil && op.needAuth {
			op.authorized = true
			found = true
		}
	}
	if !found {
		return ck.CKR_OPERATION_NOT_INITIALIZED
	}
	return nil
}

// cancelOps ends the operations named by flags (C_SessionCancel, session
// end, logout; C_XxxInit with a NULL mechanism goes through
// Module.SessionCancel too), with CKF_MESSAGE_ENCRYPT/DECRYPT for the
// message-based ones (message.go, message_sign.go).
// CKF_FIND_OBJECTS is the caller's (s.find). The caller holds s.mu.
func (s *Session) cancelOps(flags ck.Flags) {
	for k := opKind(0); k < numOpKinds; k++ {
		if flags&opFlag[k] != 0 {
			s.ops.end(k)
		}
	}
	if flags&ck.CKF_MESSAGE_ENCRYPT != 0 {
		s.ops.endMessage(msgEncrypt)
	}
	if flags&ck.CKF_MESSAGE_DECRYPT != 0 {
		s.ops.endMessage(msgDecrypt)
	}
	if flags&ck.CKF_MESSAGE_SIGN != 0 {
		s.ops.msgSig[msgSign] = nil
	}
	if flags&ck.CKF_MESSAGE_VERIFY != 0 {
		s.ops.msgSig[msgVerify] = nil
	}
}

// produce implements the output convention of PKCS#11 §5.2 for one call:
// out == nil asks for the length (bound suffices, nothing is computed, the
// operation stays active); otherwise compute runs once, and output that does
// not fit is kept for the retry with CKR_BUFFER_TOO_SMALL and its exact
// length. Returns the length written (or needed) and whether the output was
// delivered.
func (op *operation) produce(call callKind, in, out []byte, bound int, compute func() ([]byte, error)) (int, bool, error) {
	switch {
	case call == callSingle:
		op.single = true
	case op.single && (call == callUpdate || call == callFinal):
		return 0, false, ck.CKR_OPERATION_ACTIVE // the caller's finish ends the operation
	}
	var res []byte
	if p := op.pend; p != nil {
		if p.call != call || !bytes.Equal(p.in, in) {
			// The state already consumed the earlier input: a different
			// call cannot be served consistently.
			return 0, false, ck.CKR_ARGUMENTS_BAD
		}
		res = p.out
	} else {
		if out == nil {
			return bound, false, nil
		}
		r, err := compute()
		if err != nil {
			return 0, false, err
		}
		res = r
	}
	switch {
	case out == nil:
		op.pend = &pendingOut{call: call, in: cloneBytes(in), out: res}
		return len(res), false, nil
	case len(out) < len(res):
		op.pend = &pendingOut{call: call, in: cloneBytes(in), out: res}
		return len(res), false, ck.CKR_BUFFER_TOO_SMALL
	}
	op.pend = nil
	return copy(out, res), true, nil
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
