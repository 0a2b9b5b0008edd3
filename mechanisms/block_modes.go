package mechanisms

import (
	"crypto/cipher"

	"github.com/gohsm/gohsm/ck"
)

// blockMode is ECB, CBC or CBC-PAD (PKCS #7 padding) of a block cipher:
// CKM_AES_ECB/CBC/CBC_PAD (aes_modes.go), CKM_DES3_* (des3.go). ECB takes no
// parameter; the CBC modes take the IV, one block long, as []byte. All are
// multipart, buffering partial blocks between updates.
type blockMode struct {
	typ      ck.MechanismType
	cbc, pad bool
	block    func(*Key) (cipher.Block, error) // the key's cipher, checked
	info     Info
}

func (m blockMode) Type() ck.MechanismType { return m.typ }
func (m blockMode) Info() Info             { return m.info }

func (m blockMode) EncryptInit(key *Key, param any) (CipherContext, error) {
	b, iv, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	var bm cipher.BlockMode = ecbEncrypter{b}
	if m.cbc {
		bm = cipher.NewCBCEncrypter(b, iv)
	}
	return &blockModeCtx{bm: bm, pad: m.pad, encrypt: true}, nil
}

func (m blockMode) DecryptInit(key *Key, param any) (CipherContext, error) {
	b, iv, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	var bm cipher.BlockMode = ecbDecrypter{b}
	if m.cbc {
		bm = cipher.NewCBCDecrypter(b, iv)
	}
	return &blockModeCtx{bm: bm, pad: m.pad}, nil
}

func (m blockMode) init(key *Key, param any) (cipher.Block, []byte, error) {
	var iv []byte
	if m.cbc {
		p, ok := param.([]byte)
		if !ok || len(p) == 0 {
			return nil, nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		iv = append([]byte(nil), p...)
	} else if err := noParam(param); err != nil {
		return nil, nil, err
	}
	b, err := m.block(key)
	if err != nil {
		return nil, nil, err
	}
	if m.cbc && len(iv) != b.BlockSize() {
		return nil, nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return b, iv, nil
}

// ecbEncrypter and ecbDecrypter are ECB as a cipher.BlockMode: Go offers no
// ECB mode of its own.
type ecbEncrypter struct{ b cipher.Block }

func (e ecbEncrypter) BlockSize() int { return e.b.BlockSize() }
func (e ecbEncrypter) CryptBlocks(dst, src []byte) {
	n := e.b.BlockSize()
	for i := 0; i < len(src); i += n {
		e.b.Encrypt(dst[i:i+n], src[i:i+n])
	}
}

type ecbDecrypter struct{ b cipher.Block }

func (d ecbDecrypter) BlockSize() int { return d.b.BlockSize() }
func (d ecbDecrypter) CryptBlocks(dst, src []byte) {
	n := d.b.BlockSize()
	for i := 0; i < len(src); i += n {
		d.b.Decrypt(dst[i:i+n], src[i:i+n])
	}
}
