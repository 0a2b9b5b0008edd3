package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// blockModeCtx runs a block mode (of AES or DES3) over single-part or multipart input.
// Unpadded modes need whole blocks in total; CBC-PAD encryption adds PKCS #7
// padding at the end, and its decryption holds back the last block until
// Final, since that block carries the padding.
type blockModeCtx struct {
	bm           cipher.BlockMode
	pad, encrypt bool
	buf          []byte // input not yet processed, less than two blocks
}

func (c *blockModeCtx) lenErr() error {
	if c.encrypt {
		return ck.CKR_DATA_LEN_RANGE
	}
	return ck.CKR_ENCRYPTED_DATA_LEN_RANGE
}

// OutputLen is exact except for CBC-PAD decryption, where it is a bound.
func (c *blockModeCtx) OutputLen(n int) int {
	if blk := c.bm.BlockSize(); c.pad && c.encrypt {
		return n + blk - n%blk
	}
	return n
}

func (c *blockModeCtx) Do(in []byte) ([]byte, error) {
	out, err := c.Update(in)
	if err != nil {
		return nil, err
	}
	last, err := c.Final()
	if err != nil {
		return nil, err
	}
	return append(out, last...), nil
}

// DoInto is Do writing into dst (CipherInto): the single-part result goes
// straight into the caller's buffer, without Do's copies of the whole input
// and output. dst has room for OutputLen(len(in)) and is in itself or apart.
func (c *blockModeCtx) DoInto(dst, in []byte) (int, error) {
	if len(c.buf) != 0 { // not single-part (provider refuses that before)
		out, err := c.Do(in)
		return copy(dst, out), err
	}
	blk := c.bm.BlockSize()
	full := len(in) - len(in)%blk
	switch {
	case !c.pad:
		if full != len(in) {
			return 0, c.lenErr()
		}
		c.bm.CryptBlocks(dst[:full], in)
		return full, nil
	case c.encrypt:
		c.bm.CryptBlocks(dst[:full], in[:full])
		last := dst[full : full+blk]
		p := blk - copy(last, in[full:])
		for i := blk - p; i < blk; i++ {
			last[i] = byte(p)
		}
		c.bm.CryptBlocks(last, last)
		return full + blk, nil
	}
	if len(in) == 0 || full != len(in) {
		return 0, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	c.bm.CryptBlocks(dst[:full], in)
	n, ok := pkcs7Unpad(dst[full-blk : full])
	if !ok {
		clear(dst[:full]) // no plaintext out of a failed decryption
		return 0, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	clear(dst[full-blk+n : full]) // the padding
	return full - blk + n, nil
}

// keep is how many of n buffered bytes Update must hold back.
func (c *blockModeCtx) keep(n int) int {
	blk := c.bm.BlockSize()
	k := n % blk
	if c.pad && !c.encrypt && k == 0 && n > 0 {
		k = blk
	}
	return k
}

func (c *blockModeCtx) UpdateLen(n int) int {
	total := len(c.buf) + n
	return total - c.keep(total)
}

func (c *blockModeCtx) Update(in []byte) ([]byte, error) {
	total := len(c.buf) + len(in)
	n := total - c.keep(total)
	out := make([]byte, n)
	if n > 0 {
		src := append(c.buf, in[:n-len(c.buf)]...)
		c.bm.CryptBlocks(out, src)
		c.buf = append([]byte(nil), in[n-len(c.buf):]...)
	} else {
		c.buf = append(c.buf, in...)
	}
	return out, nil
}

func (c *blockModeCtx) FinalLen() int {
	if c.pad {
		return c.bm.BlockSize()
	}
	return 0
}

func (c *blockModeCtx) Final() ([]byte, error) {
	blk := c.bm.BlockSize()
	buf := c.buf
	c.buf = nil
	switch {
	case !c.pad:
		if len(buf) != 0 {
			return nil, c.lenErr()
		}
		return []byte{}, nil
	case c.encrypt:
		p := blk - len(buf)
		last := append(buf, make([]byte, p)...)
		for i := len(buf); i < blk; i++ {
			last[i] = byte(p)
		}
		c.bm.CryptBlocks(last, last)
		return last, nil
	}
	if len(buf) != blk {
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	last := make([]byte, blk)
	c.bm.CryptBlocks(last, buf)
	n, ok := pkcs7Unpad(last)
	if !ok {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return last[:n], nil
}

// pkcs7Unpad checks PKCS #7 padding of one block without branching on the
// padding bytes, and returns the length of the data before it.
func pkcs7Unpad(b []byte) (int, bool) {
	blk := len(b)
	p := int(b[len(b)-1])
	good := subtle.ConstantTimeLessOrEq(1, p) & subtle.ConstantTimeLessOrEq(p, blk)
	for i := 0; i < blk; i++ {
		inPad := subtle.ConstantTimeLessOrEq(blk-p, i)
		good &= subtle.ConstantTimeByteEq(b[i], byte(p)) | (inPad ^ 1)
	}
	if good != 1 {
		return 0, false
	}
	return blk - p, true
}
