package mechanisms

import (
	"crypto/aes"
	"crypto/cipher"

	"github.com/gohsm/gohsm/ck"
)

// aesCTS is CKM_AES_CTS: CBC with ciphertext stealing, variant CS1 of the
// SP 800-38A addendum (the partial block's ciphertext stays before the last
// full block), which is what NSS, Java's SunPKCS11 default and OpenSSL's
// AES-CBC-CTS use; the specification does not name a variant. Input of at
// least one block; the 16-byte IV as []byte. Multipart, holding back the
// last two blocks until Final.
type aesCTS struct{}

func init() { Register(aesCTS{}) }

func (aesCTS) Type() ck.MechanismType { return ck.CKM_AES_CTS }
func (aesCTS) Info() Info             { return Info{MinKeySize: 16, MaxKeySize: 32} }

func (aesCTS) EncryptInit(key *Key, param any) (CipherContext, error) {
	return ctsInit(key, param, true)
}
func (aesCTS) DecryptInit(key *Key, param any) (CipherContext, error) {
	return ctsInit(key, param, false)
}

func ctsInit(key *Key, param any, encrypt bool) (CipherContext, error) {
	iv, ok := param.([]byte)
	if !ok || len(iv) != aes.BlockSize {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	b, err := aesBlock(key)
	if err != nil {
		return nil, err
	}
	iv = append([]byte(nil), iv...)
	c := &ctsCtx{b: b, encrypt: encrypt}
	if encrypt {
		c.cbc = cipher.NewCBCEncrypter(b, iv)
	} else {
		c.cbc = cipher.NewCBCDecrypter(b, iv)
	}
	return c, nil
}

type ctsCtx struct {
	b       cipher.Block
	cbc     cipher.BlockMode
	encrypt bool
	buf     []byte // unprocessed input, at most two blocks after an Update
}

// ctsHold is how much Update keeps back: the last full block and a partial
// one may need stealing.
const ctsHold = 2 * aes.BlockSize

func (c *ctsCtx) OutputLen(n int) int { return n }
func (c *ctsCtx) FinalLen() int       { return len(c.buf) }

func (c *ctsCtx) UpdateLen(n int) int {
	total := len(c.buf) + n
	if total <= ctsHold {
		return 0
	}
	return (total - ctsHold + aes.BlockSize - 1) / aes.BlockSize * aes.BlockSize
}

func (c *ctsCtx) Update(in []byte) ([]byte, error) {
	n := c.UpdateLen(len(in))
	c.buf = append(c.buf, in...)
	out := make([]byte, n)
	c.cbc.CryptBlocks(out, c.buf[:n])
	c.buf = append([]byte(nil), c.buf[n:]...)
	return out, nil
}

func (c *ctsCtx) Do(in []byte) ([]byte, error) {
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

func (c *ctsCtx) Final() ([]byte, error) {
	const bs = aes.BlockSize
	buf := c.buf
	c.buf = nil
	if len(buf) < bs {
		if c.encrypt {
			return nil, ck.CKR_DATA_LEN_RANGE
		}
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	out := make([]byte, len(buf))
	d := len(buf) % bs
	if d == 0 { // whole blocks: plain CBC
		c.cbc.CryptBlocks(out, buf)
		return out, nil
	}
	// len(buf) = bs + d: one full block and a partial one.
	if c.encrypt {
		prev := make([]byte, bs)
		c.cbc.CryptBlocks(prev, buf[:bs])
		last := make([]byte, bs)
		copy(last, buf[bs:])
		c.cbc.CryptBlocks(last, last) // chained on prev, zero-padded
		copy(out, prev[:d])
		copy(out[d:], last)
		return out, nil
	}
	stolen, last := buf[:d], buf[d:]
	z := make([]byte, bs)
	c.b.Decrypt(z, last)
	prev := append(append([]byte(nil), stolen...), z[d:]...)
	c.cbc.CryptBlocks(out[:bs], prev) // chained on the block before
	for i := 0; i < d; i++ {
		out[bs+i] = z[i] ^ stolen[i]
	}
	return out, nil
}
