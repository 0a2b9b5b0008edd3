package mechanisms

import "hash"

// hashThenSign makes any digest signer a multipart data signer.
type hashThenSign struct {
	inner SignContext
	h     hash.Hash
}

func (s *hashThenSign) SignatureLen() int { return s.inner.SignatureLen() }
func (s *hashThenSign) Sign(data []byte) ([]byte, error) {
	s.h.Write(data)
	return s.Final()
}
func (s *hashThenSign) Update(data []byte) error {
	s.h.Write(data)
	return nil
}
func (s *hashThenSign) Final() ([]byte, error) { return s.inner.Sign(s.h.Sum(nil)) }

// hashThenVerify makes any digest verifier a multipart data verifier.
type hashThenVerify struct {
	inner VerifyContext
	h     hash.Hash
}

func (v *hashThenVerify) Verify(data, sig []byte) error {
	v.h.Write(data)
	return v.Final(sig)
}
func (v *hashThenVerify) Update(data []byte) error {
	v.h.Write(data)
	return nil
}
func (v *hashThenVerify) Final(sig []byte) error { return v.inner.Verify(v.h.Sum(nil), sig) }
