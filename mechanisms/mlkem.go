package mechanisms

import (
	"github.com/gohsm/gohsm/ck"
)

// mlkem is CKM_ML_KEM: FIPS 203 ML-KEM.Encaps (C_EncapsulateKey, public key)
// and ML-KEM.Decaps (C_DecapsulateKey, private key). It has no parameter.
// The 32-byte shared secret becomes the CKA_VALUE of a secret key of the
// template's CKA_KEY_TYPE (generic secret by default); a shorter CKA_VALUE_LEN
// keeps its leading bytes, as derived keys do.
type mlkem struct{}

func init() { Register(mlkem{}) }

func (mlkem) Type() ck.MechanismType { return ck.CKM_ML_KEM }
func (mlkem) Info() Info             { return mlkemInfo() }

func (mlkem) CiphertextLen(key *Key, param any) (int, error) {
	if err := noParam(param); err != nil {
		return 0, err
	}
	if _, err := mlkemPublicKey(key); err != nil {
		return 0, err
	}
	s, _ := keyMLKEMSet(key)
	return s.CiphertextSize(), nil
}

func (m mlkem) Encapsulate(key *Key, param any, tmpl ck.Template) ([]byte, map[ck.AttributeType][]byte, error) {
	if _, err := m.CiphertextLen(key, param); err != nil {
		return nil, nil, err
	}
	kt, n, err := derivedKeyLen(tmpl, 32)
	if err != nil {
		return nil, nil, err
	}
	if n > 32 {
		return nil, nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	pk, _ := mlkemPublicKey(key)
	s, _ := keyMLKEMSet(key)
	ct, ss, err := s.Encapsulate(pk)
	if err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	return ct, secretKeyAttrs(kt, ss[:n]), nil
}

// Decapsulate: a ciphertext of the wrong length is CKR_ENCRYPTED_DATA_LEN_RANGE;
// a forged one of the right length gives ML-KEM's implicit-rejection secret,
// as FIPS 203 requires (no error that would tell the two apart).
func (mlkem) Decapsulate(key *Key, param any, ct []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	sk, err := mlkemPrivateKey(key)
	if err != nil {
		return nil, err
	}
	kt, n, err := derivedKeyLen(tmpl, 32)
	if err != nil {
		return nil, err
	}
	if n > 32 {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	s, _ := keyMLKEMSet(key)
	if len(ct) != s.CiphertextSize() {
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	ss, err := s.Decapsulate(sk, ct)
	if err != nil {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return secretKeyAttrs(kt, ss[:n]), nil
}
