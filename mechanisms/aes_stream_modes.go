package mechanisms

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

// aesStream is a mode that turns AES into a stream cipher: CKM_AES_CTR
// (parameter CK_AES_CTR_PARAMS as raw bytes: ulCounterBits, then the
// 16-byte counter block), CKM_AES_OFB, CKM_AES_CFB8 and CKM_AES_CFB128 (the
// 16-byte IV as []byte). Any length, multipart, output as long as the input.
type aesStream struct {
	typ  ck.MechanismType
	mode string // "ctr", "ofb", "cfb8", "cfb128"
}

func init() {
	for _, m := range []aesStream{
		{ck.CKM_AES_CTR, "ctr"}, {ck.CKM_AES_OFB, "ofb"}, {ck.CKM_AES_CFB8, "cfb8"}, {ck.CKM_AES_CFB128, "cfb128"},
	} {
		Register(m)
	}
}

func (m aesStream) Type() ck.MechanismType { return m.typ }
func (m aesStream) Info() Info             { return Info{MinKeySize: 16, MaxKeySize: 32} }

func (m aesStream) EncryptInit(key *Key, param any) (CipherContext, error) {
	return m.init(key, param, true)
}

func (m aesStream) DecryptInit(key *Key, param any) (CipherContext, error) {
	return m.init(key, param, false)
}

// ctrParamsSize is sizeof(CK_AES_CTR_PARAMS) on LP64.
const ctrParamsSize = 8 + aes.BlockSize

func (m aesStream) init(key *Key, param any, encrypt bool) (CipherContext, error) {
	p, ok := param.([]byte)
	var iv []byte
	limit := int64(-1) // bytes the counter allows, -1: no limit that matters
	switch {
	case !ok:
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	case m.mode == "ctr":
		if len(p) != ctrParamsSize {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		bits := binary.NativeEndian.Uint64(p)
		if bits < 1 || bits > 128 {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		iv = append([]byte(nil), p[8:]...)
		limit = ctrLimit(iv, int(bits))
	case len(p) != aes.BlockSize:
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	default:
		iv = append([]byte(nil), p...)
	}
	b, err := aesBlock(key)
	if err != nil {
		return nil, err
	}
	var s cipher.Stream
	switch m.mode {
	case "ctr":
		s = cipher.NewCTR(b, iv)
	case "ofb":
		s = cipher.NewOFB(b, iv) //nolint:staticcheck // CKM_AES_OFB is what the client asked for
	case "cfb8":
		s = &cfb8{b: b, reg: iv, encrypt: encrypt}
	case "cfb128":
		if encrypt {
			s = cipher.NewCFBEncrypter(b, iv) //nolint:staticcheck // CKM_AES_CFB128 asked for
		} else {
			s = cipher.NewCFBDecrypter(b, iv) //nolint:staticcheck
		}
	}
	return &streamCtx{s: s, limit: limit, encrypt: encrypt}, nil
}

// ctrLimit is how many bytes the counter block iv allows before its low
// bits counter bits wrap around: PKCS#11 forbids reusing a counter value,
// while Go's CTR would carry into the nonce bits. Capped to fit an int64.
func ctrLimit(iv []byte, bits int) int64 {
	if bits >= 64 {
		return -1 // 2^64 blocks: more than any request
	}
	ctr := new(big.Int).SetBytes(iv)
	ctr.And(ctr, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), big.NewInt(1)))
	blocks := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(bits)), ctr)
	n := new(big.Int).Mul(blocks, big.NewInt(aes.BlockSize))
	if !n.IsInt64() {
		return -1
	}
	return n.Int64()
}

// streamCtx runs a cipher.Stream over single-part or multipart input.
type streamCtx struct {
	s       cipher.Stream
	limit   int64 // bytes left before the counter wraps, -1 for none
	encrypt bool
}

func (c *streamCtx) OutputLen(n int) int { return n }
func (c *streamCtx) UpdateLen(n int) int { return n }
func (c *streamCtx) FinalLen() int       { return 0 }
func (c *streamCtx) Final() ([]byte, error) {
	return []byte{}, nil
}

func (c *streamCtx) Do(in []byte) ([]byte, error) { return c.Update(in) }

func (c *streamCtx) Update(in []byte) ([]byte, error) {
	if c.limit >= 0 {
		if int64(len(in)) > c.limit {
			if c.encrypt {
				return nil, ck.CKR_DATA_LEN_RANGE
			}
			return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
		}
		c.limit -= int64(len(in))
	}
	out := make([]byte, len(in))
	c.s.XORKeyStream(out, in)
	return out, nil
}

// cfb8 is CFB with 8-bit feedback (SP 800-38A), which Go does not offer.
type cfb8 struct {
	b       cipher.Block
	reg     []byte
	encrypt bool
}

func (c *cfb8) XORKeyStream(dst, src []byte) {
	var ks [aes.BlockSize]byte
	for i := range src {
		c.b.Encrypt(ks[:], c.reg)
		out := src[i] ^ ks[0]
		fb := out // the ciphertext byte is fed back
		if !c.encrypt {
			fb = src[i]
		}
		copy(c.reg, c.reg[1:])
		c.reg[len(c.reg)-1] = fb
		dst[i] = out
	}
}
