package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"
)

// cmac is the CMAC of NIST SP 800-38B over any block cipher, written as a
// running state so it can take data in pieces: the last block is held back
// until Sum because its treatment depends on whether it is complete.
type cmac struct {
	b      cipher.Block
	k1, k2 []byte
	x      []byte // chaining value
	buf    []byte // at most one block not yet processed
}

func newCMAC(b cipher.Block) *cmac {
	n := b.BlockSize()
	l := make([]byte, n)
	b.Encrypt(l, l)
	k1 := cmacDouble(l)
	return &cmac{b: b, k1: k1, k2: cmacDouble(k1), x: make([]byte, n)}
}

// cmacDouble multiplies by x in GF(2^n), with the constant of the block size.
func cmacDouble(in []byte) []byte {
	out := make([]byte, len(in))
	var carry byte
	for i := len(in) - 1; i >= 0; i-- {
		out[i] = in[i]<<1 | carry
		carry = in[i] >> 7
	}
	rb := byte(0x87) // 128-bit blocks
	if len(in) == 8 {
		rb = 0x1b // 64-bit blocks (DES3)
	}
	out[len(out)-1] ^= byte(subtle.ConstantTimeSelect(int(carry), int(rb), 0))
	return out
}

func (c *cmac) Write(p []byte) {
	n := c.b.BlockSize()
	for len(p) > 0 {
		if len(c.buf) == n { // more data follows, so this block is not the last
			subtle.XORBytes(c.x, c.x, c.buf)
			c.b.Encrypt(c.x, c.x)
			c.buf = c.buf[:0]
		}
		k := min(n-len(c.buf), len(p))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
	}
}

// Sum returns the full-length MAC; the state is not to be used afterwards.
func (c *cmac) Sum() []byte {
	n := c.b.BlockSize()
	last := make([]byte, n)
	copy(last, c.buf)
	if len(c.buf) == n {
		subtle.XORBytes(last, last, c.k1)
	} else {
		last[len(c.buf)] = 0x80
		subtle.XORBytes(last, last, c.k2)
	}
	subtle.XORBytes(last, last, c.x)
	c.b.Encrypt(last, last)
	return last
}
