package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// ccm is CCM (NIST SP 800-38C, RFC 3610) over a 128-bit block cipher, with
// a nonce of 7..13 bytes and a tag of 4..16 even bytes; Go offers none.
type ccm struct {
	b      cipher.Block
	nonce  []byte
	tagLen int
}

// lenBytes is L, the size of the message-length field.
func (c *ccm) lenBytes() int { return 15 - len(c.nonce) }

// maxLen is the longest message L bytes of length can describe.
func (c *ccm) maxLen() uint64 {
	if l := c.lenBytes(); l < 8 {
		return 1<<(8*l) - 1
	}
	return ^uint64(0)
}

// mac is the CBC-MAC of B0, the encoded associated data and the message.
func (c *ccm) mac(aad, msg []byte) []byte {
	var x, b0 [16]byte
	flags := byte((c.tagLen-2)/2) << 3
	flags |= byte(c.lenBytes() - 1)
	if len(aad) > 0 {
		flags |= 1 << 6
	}
	b0[0] = flags
	copy(b0[1:], c.nonce)
	var l [8]byte
	binary.BigEndian.PutUint64(l[:], uint64(len(msg)))
	copy(b0[1+len(c.nonce):], l[8-c.lenBytes():])
	c.b.Encrypt(x[:], b0[:])
	absorb := func(p []byte) { // p padded with zeros to whole blocks
		for len(p) > 0 {
			n := min(16, len(p))
			subtle.XORBytes(x[:n], x[:n], p[:n])
			c.b.Encrypt(x[:], x[:])
			p = p[n:]
		}
	}
	if len(aad) > 0 {
		var hdr []byte
		switch n := uint64(len(aad)); {
		case n < 1<<16-1<<8:
			hdr = binary.BigEndian.AppendUint16(nil, uint16(n))
		case n <= 1<<32-1:
			hdr = binary.BigEndian.AppendUint32([]byte{0xff, 0xfe}, uint32(n))
		default:
			hdr = binary.BigEndian.AppendUint64([]byte{0xff, 0xff}, n)
		}
		absorb(append(hdr, aad...))
	}
	absorb(msg)
	return x[:]
}

// ctr XORs msg with the key stream from counter block 1 and returns s0, the
// encryption of counter block 0 that masks the tag.
func (c *ccm) ctr(dst, msg []byte) []byte {
	var a [16]byte
	a[0] = byte(c.lenBytes() - 1)
	copy(a[1:], c.nonce)
	s0 := make([]byte, 16)
	c.b.Encrypt(s0, a[:])
	a[15] = 1
	cipher.NewCTR(c.b, a[:]).XORKeyStream(dst, msg)
	return s0
}

func (c *ccm) seal(aad, pt []byte) []byte {
	out := make([]byte, len(pt)+c.tagLen)
	s0 := c.ctr(out, pt)
	subtle.XORBytes(out[len(pt):], c.mac(aad, pt)[:c.tagLen], s0[:c.tagLen])
	return out
}

func (c *ccm) open(aad, ct []byte) ([]byte, bool) {
	n := len(ct) - c.tagLen
	pt := make([]byte, n)
	s0 := c.ctr(pt, ct[:n])
	tag := make([]byte, c.tagLen)
	subtle.XORBytes(tag, c.mac(aad, pt)[:c.tagLen], s0[:c.tagLen])
	if subtle.ConstantTimeCompare(tag, ct[n:]) != 1 {
		clear(pt)
		return nil, false
	}
	return pt, true
}
