package mechanisms

import (
	"crypto/aes"
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
)

// rsaAESWrap is CKM_RSA_AES_KEY_WRAP with *ck.RSAAESKeyWrapParams: a fresh
// AES key of ulAESKeyBits wraps the target (a secret value or a private
// key's PKCS #8) with RFC 5649, and RSA-OAEP wraps that AES key; the output
// is the OAEP block followed by the RFC 5649 block. Wrap and unwrap only.
type rsaAESWrap struct{}

func init() { Register(rsaAESWrap{}) }

func (rsaAESWrap) Type() ck.MechanismType { return ck.CKM_RSA_AES_KEY_WRAP }
func (rsaAESWrap) Info() Info             { return Info{MinKeySize: rsaMinBits, MaxKeySize: rsaMaxBits} }

func decodeRSAAESParams(param any) (*ck.RSAAESKeyWrapParams, error) {
	var p *ck.RSAAESKeyWrapParams
	switch v := param.(type) {
	case *ck.RSAAESKeyWrapParams:
		p = v
	case ck.RSAAESKeyWrapParams:
		p = &v
	}
	if p == nil || !validAESKeyLen(p.AESKeyBits/8) || p.AESKeyBits%8 != 0 {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return p, nil
}

func (rsaAESWrap) WrapKey(wrapping, key *Key, param any) ([]byte, error) {
	p, err := decodeRSAAESParams(param)
	if err != nil {
		return nil, err
	}
	e, err := rsaOAEP{}.EncryptInit(wrapping, &p.OAEP)
	if err != nil {
		return nil, err
	}
	v, err := wrapValue(key)
	if err != nil {
		return nil, err
	}
	tmp := make([]byte, p.AESKeyBits/8)
	if _, err := rand.Read(tmp); err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	defer clear(tmp)
	b, err := aes.NewCipher(tmp)
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	head, err := e.Do(tmp)
	if err != nil {
		return nil, err
	}
	if len(v) == 0 {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	return append(head, kwpWrap(b, kwpDefaultIV, v)...), nil
}

func (rsaAESWrap) UnwrapKey(unwrapping *Key, param any, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	p, err := decodeRSAAESParams(param)
	if err != nil {
		return nil, err
	}
	d, err := rsaOAEP{}.DecryptInit(unwrapping, &p.OAEP)
	if err != nil {
		return nil, err
	}
	priv, _ := rsaPrivateKey(unwrapping) // parsed by DecryptInit
	k := priv.Size()
	if len(wrapped) < k+16 || (len(wrapped)-k)%8 != 0 {
		return nil, ck.CKR_WRAPPED_KEY_LEN_RANGE
	}
	tmp, err := d.Do(wrapped[:k])
	if err != nil || len(tmp) != int(p.AESKeyBits/8) {
		return nil, ck.CKR_WRAPPED_KEY_INVALID
	}
	defer clear(tmp)
	b, err := aes.NewCipher(tmp)
	if err != nil {
		return nil, ck.CKR_WRAPPED_KEY_INVALID
	}
	v, ok := kwpUnwrap(b, kwpDefaultIV, wrapped[k:])
	if !ok {
		return nil, ck.CKR_WRAPPED_KEY_INVALID
	}
	return unwrapAttrs(v, tmpl)
}
