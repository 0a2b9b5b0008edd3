package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// cbcMAC is the legacy CBC-MAC of PKCS#11: CKM_AES_MAC / CKM_DES3_MAC (half
// a block) and their _GENERAL forms (CK_MAC_GENERAL_PARAMS: 1..block size).
// The data is zero-padded to whole blocks (empty data to one block) and
// CBC-encrypted under a zero IV; the MAC is the start of the last block.
// Multipart.
type cbcMAC struct {
	typ     ck.MechanismType
	general bool
	block   func(*Key) (cipher.Block, error)
	info    Info
}

func init() {
	aes := Info{MinKeySize: 16, MaxKeySize: 32}
	Register(cbcMAC{typ: ck.CKM_AES_MAC, block: aesBlock, info: aes})
	Register(cbcMAC{typ: ck.CKM_AES_MAC_GENERAL, general: true, block: aesBlock, info: aes})
	Register(cbcMAC{typ: ck.CKM_DES3_MAC, block: des3Block, info: des3Info})
	Register(cbcMAC{typ: ck.CKM_DES3_MAC_GENERAL, general: true, block: des3Block, info: des3Info})
}

func (m cbcMAC) Type() ck.MechanismType { return m.typ }
func (m cbcMAC) Info() Info             { return m.info }

func (m cbcMAC) init(key *Key, param any) (*cbcMACCtx, error) {
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
	n := b.BlockSize() / 2
	if m.general {
		if l > ck.ULong(b.BlockSize()) {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		n = int(l)
	}
	return &cbcMACCtx{b: b, x: make([]byte, b.BlockSize()), n: n}, nil
}

func (m cbcMAC) SignInit(key *Key, param any) (SignContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (m cbcMAC) VerifyInit(key *Key, param any) (VerifyContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return &cbcMACVerifier{c}, nil
}

type cbcMACCtx struct {
	b   cipher.Block
	x   []byte // chaining value
	buf []byte // partial block
	n   int
	any bool // some data was given; empty data MACs one zero block
}

func (c *cbcMACCtx) SignatureLen() int { return c.n }

func (c *cbcMACCtx) Update(p []byte) error {
	bs := c.b.BlockSize()
	c.any = c.any || len(p) > 0
	c.buf = append(c.buf, p...)
	for len(c.buf) >= bs {
		subtle.XORBytes(c.x, c.x, c.buf[:bs])
		c.b.Encrypt(c.x, c.x)
		c.buf = c.buf[bs:]
	}
	c.buf = append([]byte(nil), c.buf...)
	return nil
}

func (c *cbcMACCtx) Final() ([]byte, error) {
	if len(c.buf) > 0 || !c.any {
		c.Update(make([]byte, c.b.BlockSize()-len(c.buf)))
	}
	return append([]byte(nil), c.x[:c.n]...), nil
}

func (c *cbcMACCtx) Sign(data []byte) ([]byte, error) {
	c.Update(data)
	return c.Final()
}

type cbcMACVerifier struct{ c *cbcMACCtx }

func (v *cbcMACVerifier) Update(p []byte) error { return v.c.Update(p) }
func (v *cbcMACVerifier) Verify(data, sig []byte) error {
	v.c.Update(data)
	return v.Final(sig)
}
func (v *cbcMACVerifier) Final(sig []byte) error {
	if len(sig) != v.c.n {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	want, _ := v.c.Final()
	if subtle.ConstantTimeCompare(want, sig) != 1 {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
