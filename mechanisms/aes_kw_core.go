package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// RFC 3394 default IV and the RFC 5649 alternative IV prefix.
var (
	kwDefaultIV  = []byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}
	kwpDefaultIV = []byte{0xa6, 0x59, 0x59, 0xa6}
)

// kwWrap is the RFC 3394 wrapping process W over p (a multiple of 8 bytes,
// at least 16) with the 8-byte initial value iv.
func kwWrap(b cipher.Block, iv, p []byte) []byte {
	n := len(p) / 8
	out := make([]byte, 8+len(p))
	copy(out, iv)
	copy(out[8:], p)
	var buf [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			copy(buf[:8], out[:8])
			copy(buf[8:], out[8*i:8*i+8])
			b.Encrypt(buf[:], buf[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(out[:8], binary.BigEndian.Uint64(buf[:8])^t)
			copy(out[8*i:], buf[8:])
		}
	}
	return out
}

// kwUnwrap is the RFC 3394 unwrapping process W⁻¹; it returns the recovered
// initial value and the data, for the caller to check.
func kwUnwrap(b cipher.Block, c []byte) (iv, p []byte) {
	n := len(c)/8 - 1
	a := make([]byte, 8)
	copy(a, c[:8])
	r := make([]byte, 8*n)
	copy(r, c[8:])
	var buf [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(buf[:8], binary.BigEndian.Uint64(a)^t)
			copy(buf[8:], r[8*(i-1):8*i])
			b.Decrypt(buf[:], buf[:])
			copy(a, buf[:8])
			copy(r[8*(i-1):], buf[8:])
		}
	}
	return a, r
}

// kwpWrap is RFC 5649: the 4-byte prefix and the 32-bit length as the
// initial value, the data padded with zeros to a multiple of 8; one block is
// encrypted directly.
func kwpWrap(b cipher.Block, prefix, p []byte) []byte {
	aiv := make([]byte, 8)
	copy(aiv, prefix)
	binary.BigEndian.PutUint32(aiv[4:], uint32(len(p)))
	padded := make([]byte, (len(p)+7)/8*8)
	copy(padded, p)
	if len(padded) == 8 {
		out := append(aiv, padded...)
		b.Encrypt(out, out)
		return out
	}
	return kwWrap(b, aiv, padded)
}

// kwpUnwrap undoes kwpWrap and checks prefix, length and zero padding
// (one error for every kind of mismatch); ok is false on any.
func kwpUnwrap(b cipher.Block, prefix, c []byte) ([]byte, bool) {
	var a, p []byte
	if len(c) == 16 {
		blk := make([]byte, 16)
		b.Decrypt(blk, c)
		a, p = blk[:8], blk[8:]
	} else {
		a, p = kwUnwrap(b, c)
	}
	mli := int(binary.BigEndian.Uint32(a[4:]))
	if subtle.ConstantTimeCompare(a[:4], prefix) != 1 || mli <= len(p)-8 || mli > len(p) {
		return nil, false
	}
	var pad byte
	for _, x := range p[mli:] {
		pad |= x
	}
	if pad != 0 {
		return nil, false
	}
	return p[:mli], true
}
