package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// The legacy CBC-MAC of PKCS#11: CKM_AES_MAC / CKM_DES3_MAC (half a block)
// and their _GENERAL forms (block_mac.go). The data is zero-padded to whole
// blocks (empty data to one block) and CBC-encrypted under a zero IV; the
// MAC is the start of the last block.
func init() {
	aes := Info{MinKeySize: 16, MaxKeySize: 32}
	for _, m := range []blockMAC{
		{typ: ck.CKM_AES_MAC, block: aesBlock, info: aes},
		{typ: ck.CKM_AES_MAC_GENERAL, general: true, block: aesBlock, info: aes},
		{typ: ck.CKM_DES3_MAC, block: des3Block, info: des3Info},
		{typ: ck.CKM_DES3_MAC_GENERAL, general: true, block: des3Block, info: des3Info},
	} {
		m.newMAC = func(b cipher.Block) macState { return &cbcMAC{b: b, x: make([]byte, b.BlockSize())} }
		m.defLen = func(bs int) int { return bs / 2 }
		Register(m)
	}
}

// cbcMAC is one running CBC-MAC.
type cbcMAC struct {
	b   cipher.Block
	x   []byte // chaining value
	buf []byte // partial block
	any bool   // some data was given; empty data MACs one zero block
}

func (c *cbcMAC) Write(p []byte) {
	bs := c.b.BlockSize()
	c.any = c.any || len(p) > 0
	c.buf = append(c.buf, p...)
	for len(c.buf) >= bs {
		subtle.XORBytes(c.x, c.x, c.buf[:bs])
		c.b.Encrypt(c.x, c.x)
		c.buf = c.buf[bs:]
	}
	c.buf = append([]byte(nil), c.buf...)
}

func (c *cbcMAC) Sum() []byte {
	if len(c.buf) > 0 || !c.any {
		c.Write(make([]byte, c.b.BlockSize()-len(c.buf)))
	}
	return append([]byte(nil), c.x...)
}
