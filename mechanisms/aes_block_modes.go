package mechanisms

import (
	"crypto/aes"
	"crypto/cipher"

	"github.com/gohsm/gohsm/ck"
)

// aesMode is CKM_AES_ECB, CKM_AES_CBC or CKM_AES_CBC_PAD (PKCS #7 padding).
// ECB takes no parameter; the CBC modes take the 16-byte IV as []byte.
// All are multipart, buffering partial blocks between updates.
type aesMode struct {
	typ      ck.MechanismType
	cbc, pad bool
}

func init() {
	Register(aesMode{typ: ck.CKM_AES_ECB})
	Register(aesMode{typ: ck.CKM_AES_CBC, cbc: true})
	Register(aesMode{typ: ck.CKM_AES_CBC_PAD, cbc: true, pad: true})
}

func (m aesMode) Type() ck.MechanismType { return m.typ }
func (m aesMode) Info() Info             { return Info{MinKeySize: 16, MaxKeySize: 32} }

func (m aesMode) EncryptInit(key *Key, param any) (CipherContext, error) {
	b, iv, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	var bm cipher.BlockMode = ecbEncrypter{b}
	if m.cbc {
		bm = cipher.NewCBCEncrypter(b, iv)
	}
	return &aesBlockCtx{bm: bm, pad: m.pad, encrypt: true}, nil
}

func (m aesMode) DecryptInit(key *Key, param any) (CipherContext, error) {
	b, iv, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	var bm cipher.BlockMode = ecbDecrypter{b}
	if m.cbc {
		bm = cipher.NewCBCDecrypter(b, iv)
	}
	return &aesBlockCtx{bm: bm, pad: m.pad}, nil
}

func (m aesMode) init(key *Key, param any) (cipher.Block, []byte, error) {
	var iv []byte
	if m.cbc {
		p, ok := param.([]byte)
		if !ok || len(p) != aes.BlockSize {
			return nil, nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		iv = p
	} else if err := noParam(param); err != nil {
		return nil, nil, err
	}
	b, err := aesBlock(key)
	if err != nil {
		return nil, nil, err
	}
	return b, iv, nil
}

// ecbEncrypter and ecbDecrypter are ECB as a cipher.BlockMode: Go offers no
// ECB mode of its own.
type ecbEncrypter struct{ b cipher.Block }

func (e ecbEncrypter) BlockSize() int { return aes.BlockSize }
func (e ecbEncrypter) CryptBlocks(dst, src []byte) {
	for i := 0; i < len(src); i += aes.BlockSize {
		e.b.Encrypt(dst[i:i+aes.BlockSize], src[i:i+aes.BlockSize])
	}
}

type ecbDecrypter struct{ b cipher.Block }

func (d ecbDecrypter) BlockSize() int { return aes.BlockSize }
func (d ecbDecrypter) CryptBlocks(dst, src []byte) {
	for i := 0; i < len(src); i += aes.BlockSize {
		d.b.Decrypt(dst[i:i+aes.BlockSize], src[i:i+aes.BlockSize])
	}
}
