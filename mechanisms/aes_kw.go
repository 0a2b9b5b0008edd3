package mechanisms

import (
	"bytes"
	"crypto/cipher"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// aesKW is CKM_AES_KEY_WRAP (RFC 3394; optional 8-byte IV parameter),
// CKM_AES_KEY_WRAP_KWP (RFC 5649; optional 4-byte IV prefix), and
// CKM_AES_KEY_WRAP_PKCS7 and CKM_AES_KEY_WRAP_PAD, which the specification
// defines as PKCS #7 padding to 8 bytes followed by RFC 3394 (so gohsm's
// KEY_WRAP_PAD is not SoftHSMv2's, which is RFC 5649: use KWP for that). All
// wrap and unwrap secret keys and encrypt and decrypt data single-part.
type aesKW struct {
	typ       ck.MechanismType
	kwp, pad7 bool
}

func init() {
	Register(aesKW{typ: ck.CKM_AES_KEY_WRAP})
	Register(aesKW{typ: ck.CKM_AES_KEY_WRAP_KWP, kwp: true})
	Register(aesKW{typ: ck.CKM_AES_KEY_WRAP_PKCS7, pad7: true})
	Register(aesKW{typ: ck.CKM_AES_KEY_WRAP_PAD, pad7: true})
}

func (m aesKW) Type() ck.MechanismType { return m.typ }
func (m aesKW) Info() Info             { return Info{MinKeySize: 16, MaxKeySize: 32} }

// init returns the cipher and the IV (or IV prefix) to use.
func (m aesKW) init(key *Key, param any) (cipher.Block, []byte, error) {
	iv := kwDefaultIV
	if m.kwp {
		iv = kwpDefaultIV
	}
	if p, ok := param.([]byte); ok && len(p) > 0 {
		if len(p) != len(iv) {
			return nil, nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		iv = append([]byte(nil), p...)
	} else if err := noParam(param); err != nil {
		return nil, nil, err
	}
	b, err := aesBlock(key)
	if err != nil {
		return nil, nil, err
	}
	return b, iv, nil
}

// wrap applies the mechanism to raw bytes; false means a length it cannot
// wrap (each caller has its own error code for that).
func (m aesKW) wrap(b cipher.Block, iv, p []byte) ([]byte, bool) {
	if m.kwp {
		if len(p) == 0 || len(p) > 1<<31 {
			return nil, false
		}
		return kwpWrap(b, iv, p), true
	}
	if m.pad7 {
		n := 8 - len(p)%8
		p = append(append([]byte(nil), p...), bytes.Repeat([]byte{byte(n)}, n)...)
	}
	if len(p) < 16 || len(p)%8 != 0 {
		return nil, false
	}
	return kwWrap(b, iv, p), true
}

// unwrap returns (data, lengthOK, integrityOK).
func (m aesKW) unwrap(b cipher.Block, iv, c []byte) ([]byte, bool, bool) {
	if len(c) < 16 || len(c)%8 != 0 || (!m.kwp && len(c) < 24) {
		return nil, false, false
	}
	if m.kwp {
		p, ok := kwpUnwrap(b, iv, c)
		return p, true, ok
	}
	a, p := kwUnwrap(b, c)
	if subtle.ConstantTimeCompare(a, iv) != 1 {
		return nil, true, false
	}
	if m.pad7 {
		n := int(p[len(p)-1])
		if n < 1 || n > 8 || subtle.ConstantTimeCompare(p[len(p)-n:], bytes.Repeat([]byte{byte(n)}, n)) != 1 {
			return nil, true, false
		}
		p = p[:len(p)-n]
	}
	return p, true, true
}

func (m aesKW) outLen(n int, encrypt bool) int {
	switch {
	case !encrypt:
		return max(n-8, 0)
	case m.pad7:
		return n + 8 - n%8 + 8
	}
	return (n+7)/8*8 + 8
}

func (m aesKW) WrapKey(wrapping, key *Key, param any) ([]byte, error) {
	b, iv, err := m.init(wrapping, param)
	if err != nil {
		return nil, err
	}
	v, err := wrapValue(key)
	if err != nil {
		return nil, err
	}
	out, ok := m.wrap(b, iv, v)
	if !ok {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	return out, nil
}

func (m aesKW) UnwrapKey(unwrapping *Key, param any, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	b, iv, err := m.init(unwrapping, param)
	if err != nil {
		return nil, err
	}
	p, lenOK, ok := m.unwrap(b, iv, wrapped)
	if !lenOK {
		return nil, ck.CKR_WRAPPED_KEY_LEN_RANGE
	}
	if !ok {
		return nil, ck.CKR_WRAPPED_KEY_INVALID
	}
	return unwrapAttrs(p, tmpl)
}

func (m aesKW) EncryptInit(key *Key, param any) (CipherContext, error) {
	b, iv, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return &kwCipher{m: m, b: b, iv: iv, encrypt: true}, nil
}

func (m aesKW) DecryptInit(key *Key, param any) (CipherContext, error) {
	b, iv, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return &kwCipher{m: m, b: b, iv: iv}, nil
}

// kwCipher is C_Encrypt/C_Decrypt with a key-wrap mechanism (single-part).
type kwCipher struct {
	m       aesKW
	b       cipher.Block
	iv      []byte
	encrypt bool
}

func (c *kwCipher) OutputLen(n int) int { return c.m.outLen(n, c.encrypt) }

func (c *kwCipher) Do(in []byte) ([]byte, error) {
	if c.encrypt {
		out, ok := c.m.wrap(c.b, c.iv, in)
		if !ok {
			return nil, ck.CKR_DATA_LEN_RANGE
		}
		return out, nil
	}
	p, lenOK, ok := c.m.unwrap(c.b, c.iv, in)
	if !lenOK {
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	if !ok {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return p, nil
}
