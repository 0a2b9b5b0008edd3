package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// cmacMech is CKM_AES_CMAC / CKM_DES3_CMAC (a MAC one block long) and their
// _GENERAL forms (parameter CK_MAC_GENERAL_PARAMS: 1..block size bytes, taken
// from the start). Multipart.
type cmacMech struct {
	typ     ck.MechanismType
	general bool
	block   func(*Key) (cipher.Block, error)
	info    Info
}

func init() {
	aes := Info{MinKeySize: 16, MaxKeySize: 32}
	Register(cmacMech{typ: ck.CKM_AES_CMAC, block: aesBlock, info: aes})
	Register(cmacMech{typ: ck.CKM_AES_CMAC_GENERAL, general: true, block: aesBlock, info: aes})
	Register(cmacMech{typ: ck.CKM_DES3_CMAC, block: des3Block, info: des3Info})
	Register(cmacMech{typ: ck.CKM_DES3_CMAC_GENERAL, general: true, block: des3Block, info: des3Info})
}

func (m cmacMech) Type() ck.MechanismType { return m.typ }
func (m cmacMech) Info() Info             { return m.info }

func (m cmacMech) init(key *Key, param any) (*cmacCtx, error) {
	var l ck.ULong
	if m.general {
		var err error
		if l, err = decodeMACLength(param); err != nil || l < 1 {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
	} else if err := noParam(param); err != nil {
		return nil, err
	}
	b, err := m.block(key)
	if err != nil {
		return nil, err
	}
	n := b.BlockSize()
	if m.general {
		if l > ck.ULong(n) {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		n = int(l)
	}
	return &cmacCtx{mac: newCMAC(b), n: n}, nil
}

func (m cmacMech) SignInit(key *Key, param any) (SignContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (m cmacMech) VerifyInit(key *Key, param any) (VerifyContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return &cmacVerifier{c}, nil
}

// cmacCtx is one CMAC computation truncated to n bytes.
type cmacCtx struct {
	mac *cmac
	n   int
}

func (c *cmacCtx) SignatureLen() int { return c.n }
func (c *cmacCtx) Sign(data []byte) ([]byte, error) {
	c.mac.Write(data)
	return c.Final()
}
func (c *cmacCtx) Update(data []byte) error {
	c.mac.Write(data)
	return nil
}
func (c *cmacCtx) Final() ([]byte, error) { return c.mac.Sum()[:c.n], nil }

type cmacVerifier struct{ c *cmacCtx }

func (v *cmacVerifier) Verify(data, sig []byte) error {
	v.c.mac.Write(data)
	return v.Final(sig)
}
func (v *cmacVerifier) Update(data []byte) error { return v.c.Update(data) }
func (v *cmacVerifier) Final(sig []byte) error {
	if len(sig) != v.c.n {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	want, _ := v.c.Final()
	if subtle.ConstantTimeCompare(want, sig) != 1 {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
