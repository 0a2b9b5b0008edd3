package provider

// digest.go is message digesting (PKCS#11 3.0 §5.10): C_DigestInit,
// C_Digest, C_DigestUpdate, C_DigestKey and C_DigestFinal.

import (
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// DigestInit is C_DigestInit; it needs no key and no login.
func (m *Module) DigestInit(h ck.SessionHandle, mech ck.Mechanism) error {
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := s.ops.canStart(opDigest); err != nil {
		return err
	}
	mm, err := lookupMech(mech.Type)
	if err != nil {
		return err
	}
	d, ok := mm.(mechanisms.Digester)
	if !ok {
		return ck.CKR_MECHANISM_INVALID
	}
	hh, err := d.DigestInit(mech.Parameter)
	if err != nil {
		return err
	}
	op := s.ops.takeSpare()
	op.mech, op.digest = mech.Type, hh
	return s.ops.start(opDigest, op)
}

// Digest is C_Digest.
func (m *Module) Digest(h ck.SessionHandle, in, out []byte) (int, error) {
	s, err := m.opSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(opDigest, true)
	if err != nil {
		return 0, err
	}
	if op.updated {
		s.ops.end(opDigest) // see signOnce
		return 0, ck.CKR_OPERATION_ACTIVE
	}
	n, done, err := op.produce(callSingle, in, out, op.digest.Size(), func() ([]byte, error) {
		op.digest.Write(in)
		return op.digest.Sum(nil), nil
	})
	s.ops.finish(opDigest, done, err)
	return n, err
}

// DigestUpdate is C_DigestUpdate.
func (m *Module) DigestUpdate(h ck.SessionHandle, in []byte) error {
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(opDigest, true)
	if err != nil {
		return err
	}
	if op.pend != nil || op.single {
		s.ops.end(opDigest)
		return ck.CKR_OPERATION_ACTIVE // a single-part call began (ops.go: single)
	}
	op.digest.Write(in)
	op.updated = true
	return nil
}

// DigestKey is C_DigestKey: it digests the CKA_VALUE of a secret key. The
// value stays inside: even a sensitive key can be digested, as the
// specification allows. Other key classes are CKR_KEY_INDIGESTIBLE.
func (m *Module) DigestKey(h ck.SessionHandle, keyH ck.ObjectHandle) error {
	s, err := m.opSession(h)
	if err != nil {
		return err
	}
	_, err = s.ops.use(opDigest, true)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	key, _, kerr := m.keyForUse(s, keyH, 0) // without s.mu: keyForUse may take it
	s.mu.Lock()
	defer s.mu.Unlock()
	op, err := s.ops.use(opDigest, true)
	if err != nil {
		return err
	}
	if kerr == nil && (op.pend != nil || op.single) {
		kerr = ck.CKR_OPERATION_ACTIVE
	}
	if kerr == nil {
		kerr = digestibleValue(key, func(v []byte) { op.digest.Write(v) })
	}
	if kerr != nil {
		s.ops.end(opDigest)
		return kerr
	}
	op.updated = true
	return nil
}

// digestibleValue hands the value of a secret key to feed.
func digestibleValue(key *mechanisms.Key, feed func([]byte)) error {
	if key == nil || key.Class != ck.CKO_SECRET_KEY {
		return ck.CKR_KEY_INDIGESTIBLE
	}
	v, ok := key.Attrs[ck.CKA_VALUE]
	if !ok {
		return ck.CKR_KEY_INDIGESTIBLE
	}
	feed(v)
	return nil
}

// DigestFinal is C_DigestFinal.
func (m *Module) DigestFinal(h ck.SessionHandle, out []byte) (int, error) {
	s, err := m.opSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := s.ops.use(opDigest, true)
	if err != nil {
		return 0, err
	}
	n, done, err := op.produce(callFinal, nil, out, op.digest.Size(), func() ([]byte, error) {
		return op.digest.Sum(nil), nil
	})
	s.ops.finish(opDigest, done, err)
	return n, err
}
