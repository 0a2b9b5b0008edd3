package mechanisms

import (
	"encoding/binary"

	"golang.org/x/crypto/chacha20"

	"github.com/gohsm/gohsm/ck"
)

// CKM_CHACHA20 is the plain ChaCha20 stream cipher with *ck.ChaCha20Params
// (encrypt, decrypt, single- and multi-part, any length; wrap and unwrap
// as the specification's table lists them, a key value encrypted like data).
// The counter bytes are little-endian, as they stand in the ChaCha20 state
// (and as the first bytes of OpenSSL's 16-byte IV). Four layouts run:
//
//	nonce  counter  variant
//	96     32       IETF, RFC 8439 (x/crypto directly)
//	64     64       original (DJB): state words 12-13 the counter, 14-15 the nonce
//	192    64       XChaCha20 as libsodium: HChaCha20 subkey, then the original
//	192    32       XChaCha20 as draft-irtf-cfrg-xchacha: HChaCha20 subkey, then IETF
//
// x/crypto has only the IETF layout, whose 32-bit counter word is followed
// by the three nonce words; the original layout's 64-bit counter is the
// IETF counter (low word) with the high word as the first "nonce" word, so
// it runs as IETF segments of 2^32 blocks, moving to the next high word at
// each boundary (what OpenSSL does: it carries into word 13). Any other
// combination is CKR_MECHANISM_PARAM_INVALID. A counter may not wrap
// within its bits: input beyond that is CKR_DATA_LEN_RANGE
// (CKR_ENCRYPTED_DATA_LEN_RANGE when decrypting).
func init() { Register(chacha20Mech{}) }

type chacha20Mech struct{}

func (chacha20Mech) Type() ck.MechanismType { return ck.CKM_CHACHA20 }

// Info gives key sizes in bits for CKM_CHACHA20, as its section says
// (CKM_CHACHA20_KEY_GEN's says bytes).
func (chacha20Mech) Info() Info { return Info{MinKeySize: 256, MaxKeySize: 256} }

func (chacha20Mech) EncryptInit(key *Key, param any) (CipherContext, error) {
	return chacha20Init(key, param, true)
}

func (chacha20Mech) DecryptInit(key *Key, param any) (CipherContext, error) {
	return chacha20Init(key, param, false)
}

func (m chacha20Mech) WrapKey(wrapping, key *Key, param any) ([]byte, error) {
	e, err := m.EncryptInit(wrapping, param)
	if err != nil {
		return nil, err
	}
	return wrapWith(e, key)
}

func (m chacha20Mech) UnwrapKey(unwrapping *Key, param any, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	d, err := m.DecryptInit(unwrapping, param)
	if err != nil {
		return nil, err
	}
	return unwrapWith(d, wrapped, tmpl)
}

func chacha20Init(key *Key, param any, encrypt bool) (CipherContext, error) {
	var p *ck.ChaCha20Params
	switch v := param.(type) {
	case *ck.ChaCha20Params:
		p = v
	case ck.ChaCha20Params:
		p = &v
	}
	if p == nil || ck.ULong(len(p.BlockCounter))*8 != p.CounterBits || ck.ULong(len(p.Nonce))*8 != p.NonceBits {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if err := checkKey(key, ck.CKO_SECRET_KEY, ck.CKK_CHACHA20); err != nil {
		return nil, err
	}
	k := key.Attrs[ck.CKA_VALUE]
	if len(k) != chacha20.KeySize {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	var ctr uint64
	switch p.CounterBits {
	case 32:
		ctr = uint64(binary.LittleEndian.Uint32(p.BlockCounter))
	case 64:
		ctr = binary.LittleEndian.Uint64(p.BlockCounter)
	}
	nonce := p.Nonce
	if p.NonceBits == 192 {
		sub, err := chacha20.HChaCha20(k, nonce[:16])
		if err != nil {
			return nil, ck.CKR_FUNCTION_FAILED
		}
		k, nonce = sub, nonce[16:]
		if p.CounterBits == 32 { // draft-irtf-cfrg-xchacha: IETF nonce 0x00000000 || last 8 bytes
			nonce = append(make([]byte, 4), nonce...)
		}
	}
	var s *chacha20Stream
	var err error
	switch {
	case p.CounterBits == 32 && len(nonce) == chacha20.NonceSize:
		s, err = newChaCha20Stream(k, nonce, false, ctr)
	case p.CounterBits == 64 && len(nonce) == 8:
		s, err = newChaCha20Stream(k, nonce, true, ctr)
	default:
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if err != nil {
		return nil, err
	}
	return &streamCtx{s: s, limit: chacha20Limit(ctr, int(p.CounterBits)), encrypt: encrypt}, nil
}

// chacha20Limit is how many bytes are left before a counter of bits bits
// starting at ctr wraps; -1 when that is more than an int64 holds.
func chacha20Limit(ctr uint64, bits int) int64 {
	left := (uint64(1)<<32 - ctr) // blocks, for 32 bits
	if bits == 64 {
		rest := ^ctr // 2^64 - 1 - ctr
		if rest >= 1<<57-1 {
			return -1
		}
		left = rest + 1
	}
	return int64(left) * 64
}

// chacha20Stream is ChaCha20 as a cipher.Stream. Without a 64-bit counter it
// is one x/crypto cipher; with one (wide), hi is the counter's high word,
// sent as the first IETF nonce word, and a new segment starts each time the
// low word has run through its 2^32 blocks.
type chacha20Stream struct {
	key, nonce []byte // nonce: 12 bytes, or 8 when wide
	wide       bool
	hi         uint32
	c          *chacha20.Cipher
	left       int64 // bytes before the low counter word wraps (wide only)
}

func newChaCha20Stream(key, nonce []byte, wide bool, ctr uint64) (*chacha20Stream, error) {
	s := &chacha20Stream{key: key, nonce: nonce, wide: wide, hi: uint32(ctr >> 32)}
	if err := s.segment(uint32(ctr)); err != nil {
		return nil, err
	}
	return s, nil
}

// segment starts the x/crypto cipher at low counter word lo.
func (s *chacha20Stream) segment(lo uint32) error {
	n := s.nonce
	if s.wide {
		n = binary.LittleEndian.AppendUint32(make([]byte, 0, chacha20.NonceSize), s.hi)
		n = append(n, s.nonce...)
	}
	c, err := chacha20.NewUnauthenticatedCipher(s.key, n)
	if err != nil {
		return ck.CKR_FUNCTION_FAILED
	}
	c.SetCounter(lo)
	s.c = c
	s.left = (1<<32 - int64(lo)) * 64
	return nil
}

// XORKeyStream never runs past the counter: streamCtx's limit stops the
// caller first, so x/crypto's overflow panic cannot be reached.
func (s *chacha20Stream) XORKeyStream(dst, src []byte) {
	if !s.wide {
		s.c.XORKeyStream(dst, src)
		return
	}
	for len(src) > 0 {
		if s.left == 0 {
			s.hi++
			// Same key and nonce sizes as the first segment, which succeeded.
			_ = s.segment(0)
		}
		n := min(int64(len(src)), s.left)
		s.c.XORKeyStream(dst[:n], src[:n])
		dst, src = dst[n:], src[n:]
		s.left -= n
	}
}
