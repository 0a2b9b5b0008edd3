package provider

// dual.go is the dual-function updates (PKCS#11 3.0 §5.13): two active
// operations of the allowed pairs fed by one call. Each is the cipher's
// Update with the output convention; the other operation receives its part
// only when the cipher's output is delivered, never for a length query or a
// short buffer, as §5.13 requires.

import "github.com/gohsm/gohsm/ck"

// DigestEncryptUpdate is C_DigestEncryptUpdate: the plaintext is digested and encrypted.
func (m *Module) DigestEncryptUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return m.dualUpdate(h, opEncrypt, opDigest, in, out, func(other *operation, plain []byte) error {
		other.digest.Write(plain)
		return nil
	}, true)
}

// DecryptDigestUpdate is C_DecryptDigestUpdate: the recovered plaintext is digested.
func (m *Module) DecryptDigestUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return m.dualUpdate(h, opDecrypt, opDigest, in, out, func(other *operation, plain []byte) error {
		other.digest.Write(plain)
		return nil
	}, false)
}

// SignEncryptUpdate is C_SignEncryptUpdate: the plaintext is signed and encrypted.
func (m *Module) SignEncryptUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return m.dualUpdate(h, opEncrypt, opSign, in, out, func(other *operation, plain []byte) error {
		mp, err := multipartSign(other)
		if err != nil {
			return err
		}
		return mp.Update(plain)
	}, true)
}

// DecryptVerifyUpdate is C_DecryptVerifyUpdate: the recovered plaintext is verified.
func (m *Module) DecryptVerifyUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return m.dualUpdate(h, opDecrypt, opVerify, in, out, func(other *operation, plain []byte) error {
		mp, err := multipartVerify(other)
		if err != nil {
			return err
		}
		return mp.Update(plain)
	}, false)
}

// dualUpdate runs the Update of operation cipherK and passes the plaintext
// (the input when plainIsInput, else the delivered output) to operation
// otherK. Both must be active; an error ends both, like the error of
// either single Update would.
func (m *Module) dualUpdate(h ck.SessionHandle, cipherK, otherK opKind, in, out []byte,
	feed func(other *operation, plain []byte) error, plainIsInput bool) (int, error) {
	s, err := m.opSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if s.ops.active[cipherK] == nil || s.ops.active[otherK] == nil {
		return 0, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	cop, err := s.ops.use(cipherK, out != nil)
	if err != nil {
		s.ops.end(otherK)
		return 0, err
	}
	other, err := s.ops.use(otherK, out != nil)
	if err != nil {
		s.ops.end(cipherK)
		return 0, err
	}
	if other.pend != nil || other.single || cop.single {
		err = ck.CKR_OPERATION_ACTIVE // a single-part call began on one of them (ops.go: single)
	}
	// Check that the other operation takes parts before the cipher moves on.
	if err == nil && otherK == opSign {
		_, err = multipartSign(other)
	}
	if err == nil && otherK == opVerify {
		_, err = multipartVerify(other)
	}
	var n int
	var delivered, plainIn []byte
	if plainIsInput {
		// in and out may be the same memory (§5.2 allows it for Go callers
		// too): keep the plaintext before the ciphertext overwrites it.
		plainIn = cloneBytes(in)
	}
	if err == nil {
		n, delivered, err = updateCipher(cop, callDual, in, out)
	}
	if err == nil && delivered != nil {
		plain := delivered
		if plainIsInput {
			plain = plainIn
		}
		err = feed(other, plain)
		other.updated = true
	}
	if err != nil && err != ck.CKR_BUFFER_TOO_SMALL {
		s.ops.end(cipherK)
		s.ops.end(otherK)
	}
	return n, err
}
