package provider

// cipher.go is encryption and decryption (PKCS#11 3.0 §5.8, §5.9):
// C_EncryptInit/C_Encrypt/C_EncryptUpdate/C_EncryptFinal and their
// decryption twins, which share every rule and so share the code.

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// EncryptInit is C_EncryptInit; the key needs CKA_ENCRYPT.
func (m *Module) EncryptInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.initOp(h, opEncrypt, mech, key, ck.CKA_ENCRYPT, has[mechanisms.Encrypter], func(mm mechanisms.Mechanism, k *mechanisms.Key, op *operation) error {
		ctx, err := mm.(mechanisms.Encrypter).EncryptInit(k, mech.Parameter)
		if err != nil {
			return err
		}
		op.cipher = ctx
		return nil
	})
}

// DecryptInit is C_DecryptInit; the key needs CKA_DECRYPT.
func (m *Module) DecryptInit(h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error {
	return m.initOp(h, opDecrypt, mech, key, ck.CKA_DECRYPT, has[mechanisms.Decrypter], func(mm mechanisms.Mechanism, k *mechanisms.Key, op *operation) error {
		ctx, err := mm.(mechanisms.Decrypter).DecryptInit(k, mech.Parameter)
		if err != nil {
			return err
		}
		op.cipher = ctx
		return nil
	})
}

// Encrypt is C_Encrypt.
func (m *Module) Encrypt(h ck.SessionHandle, in, out []byte) (int, error) {
	return m.cipherOnce(h, opEncrypt, in, out)
}

// Decrypt is C_Decrypt. OutputLen may be an upper bound (padding): a buffer
// of the exact plaintext length still succeeds, since the output is
// computed before it is compared with the buffer.
func (m *Module) Decrypt(h ck.SessionHandle, in, out []byte) (int, error) {
	return m.cipherOnce(h, opDecrypt, in, out)
}

// EncryptUpdate is C_EncryptUpdate.
func (m *Module) EncryptUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return m.cipherUpdate(h, opEncrypt, in, out)
}

// DecryptUpdate is C_DecryptUpdate.
func (m *Module) DecryptUpdate(h ck.SessionHandle, in, out []byte) (int, error) {
	return m.cipherUpdate(h, opDecrypt, in, out)
}

// EncryptFinal is C_EncryptFinal.
func (m *Module) EncryptFinal(h ck.SessionHandle, out []byte) (int, error) {
	return m.cipherFinal(h, opEncrypt, out)
}

// DecryptFinal is C_DecryptFinal.
func (m *Module) DecryptFinal(h ck.SessionHandle, out []byte) (int, error) {
	return m.cipherFinal(h, opDecrypt, out)
}

func (m *Module) cipherOnce(h ck.SessionHandle, k opKind, in, out []byte) (int, error) {
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
		s.ops.end(k) // see signOnce
		return 0, ck.CKR_OPERATION_ACTIVE
	}
	if n, ok, err := cipherInto(op, in, out); ok { // hotpath_into.go
		s.ops.finish(k, true, err)
		return n, err
	}
	n, done, err := op.produce(callSingle, in, out, op.cipher.OutputLen(len(in)), func() ([]byte, error) {
		return op.cipher.Do(in)
	})
	s.ops.finish(k, done, err)
	return n, err
}

// multipartCipher: see multipartSign for the error code.
func multipartCipher(op *operation) (mechanisms.MultipartCipher, error) {
	mp, ok := op.cipher.(mechanisms.MultipartCipher)
	if !ok {
		return nil, errNotMultipart
	}
	return mp, nil
}

// cipherUpdate runs one Update of operation k with the output convention.
func (m *Module) cipherUpdate(h ck.SessionHandle, k opKind, in, out []byte) (int, error) {
	s, err := m.opSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(k, out != nil)
	if err != nil {
		return 0, err
	}
	n, _, err := updateCipher(op, callUpdate, in, out)
	s.ops.finish(k, false, err)
	return n, err
}

// updateCipher is the Update step shared with the dual functions: it returns
// the delivered output, nil when nothing was delivered (a length query or a
// short buffer), so that the dual functions pass nothing on then (§5.13).
func updateCipher(op *operation, call callKind, in, out []byte) (int, []byte, error) {
	mp, err := multipartCipher(op)
	if err != nil {
		return 0, nil, err
	}
	n, done, err := op.produce(call, in, out, mp.UpdateLen(len(in)), func() ([]byte, error) {
		op.updated = true
		return mp.Update(in)
	})
	if !done {
		return n, nil, err
	}
	return n, out[:n], err
}

func (m *Module) cipherFinal(h ck.SessionHandle, k opKind, out []byte) (int, error) {
	s, err := m.opSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(k, out != nil)
	if err != nil {
		return 0, err
	}
	mp, err := multipartCipher(op)
	if err != nil {
		s.ops.end(k)
		return 0, err
	}
	n, done, err := op.produce(callFinal, nil, out, mp.FinalLen(), mp.Final)
	s.ops.finish(k, done, err)
	return n, err
}
