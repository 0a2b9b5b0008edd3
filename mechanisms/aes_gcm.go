package mechanisms

import (
	"crypto/cipher"

	"github.com/gohsm/gohsm/ck"
)

// aesGCM is CKM_AES_GCM with CK_GCM_PARAMS (*ck.GCMParams from cexport).
// The ciphertext is the encrypted data followed by the tag. Multipart calls
// buffer the input: encryption outputs everything at Final, and decryption
// must, since no plaintext may be released before the tag is checked.
type aesGCM struct{}

func init() { Register(aesGCM{}) }

func (aesGCM) Type() ck.MechanismType { return ck.CKM_AES_GCM }
func (aesGCM) Info() Info             { return Info{MinKeySize: 16, MaxKeySize: 32} }

func (aesGCM) EncryptInit(key *Key, param any) (CipherContext, error) {
	a, p, err := gcmInit(key, param)
	if err != nil {
		return nil, err
	}
	return &aeadCtx{aead: a, iv: p.IV, aad: p.AAD, encrypt: true}, nil
}

func (aesGCM) DecryptInit(key *Key, param any) (CipherContext, error) {
	a, p, err := gcmInit(key, param)
	if err != nil {
		return nil, err
	}
	return &aeadCtx{aead: a, iv: p.IV, aad: p.AAD}, nil
}

// gcmInit checks the parameter. Go's GCM takes a 12-byte IV with a tag of
// 96..128 bits, or another IV length with a 128-bit tag; the specification's
// shorter tags (below 96 bits) are refused as unsafe.
func gcmInit(key *Key, param any) (cipher.AEAD, *ck.GCMParams, error) {
	var p *ck.GCMParams
	switch v := param.(type) {
	case *ck.GCMParams:
		p = v
	case ck.GCMParams:
		p = &v
	}
	if p == nil || len(p.IV) == 0 || p.TagBits%8 != 0 || p.TagBits < 96 || p.TagBits > 128 {
		return nil, nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if len(p.IV) != 12 && p.TagBits != 128 {
		return nil, nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	b, err := aesBlock(key)
	if err != nil {
		return nil, nil, err
	}
	var a cipher.AEAD
	if len(p.IV) == 12 {
		a, err = cipher.NewGCMWithTagSize(b, int(p.TagBits/8))
	} else {
		a, err = cipher.NewGCMWithNonceSize(b, len(p.IV))
	}
	if err != nil {
		return nil, nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	// Copy: the caller's buffers must not change the operation later.
	return a, &ck.GCMParams{IV: append([]byte(nil), p.IV...), AAD: append([]byte(nil), p.AAD...), TagBits: p.TagBits}, nil
}

type aeadCtx struct {
	aead     cipher.AEAD
	iv, aad  []byte
	encrypt  bool
	buf      []byte
	finished bool
}

func (c *aeadCtx) OutputLen(n int) int {
	if c.encrypt {
		return n + c.aead.Overhead()
	}
	return max(n-c.aead.Overhead(), 0)
}

func (c *aeadCtx) Do(in []byte) ([]byte, error) {
	c.buf = append(c.buf, in...)
	return c.Final()
}

func (c *aeadCtx) UpdateLen(int) int { return 0 }

func (c *aeadCtx) Update(in []byte) ([]byte, error) {
	c.buf = append(c.buf, in...)
	return []byte{}, nil
}

func (c *aeadCtx) FinalLen() int { return c.OutputLen(len(c.buf)) }

func (c *aeadCtx) Final() ([]byte, error) {
	if c.finished { // one IV, one message: never seal twice under it
		return nil, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	c.finished = true
	buf := c.buf
	c.buf = nil
	if c.encrypt {
		return c.aead.Seal(nil, c.iv, buf, c.aad), nil
	}
	if len(buf) < c.aead.Overhead() {
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	out, err := c.aead.Open(nil, c.iv, buf, c.aad)
	if err != nil {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return out, nil
}
