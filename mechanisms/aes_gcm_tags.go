package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// gcmTagBitsOK says whether ulTagBits is one of NIST SP 800-38D's tag
// lengths (5.2.1.2): 128, 120, 112, 104, 96, and 64 and 32 for some
// applications. PKCS#11 allows any value up to 128, but other truncations
// only weaken the tag, and OpenSSL and NSS interoperate on these lengths;
// the rest are CKR_MECHANISM_PARAM_INVALID.
func gcmTagBitsOK(bits ck.ULong) bool {
	switch bits {
	case 32, 64, 96, 104, 112, 120, 128:
		return true
	}
	return false
}

// newGCM is AES-GCM on b for an IV of ivLen bytes and a tag of tagLen bytes
// (a length gcmTagBitsOK allows). Go's GCM pairs a 12-byte IV with tags of
// 12..16 bytes, and other IV lengths with 16 only: the other pairs are the
// 16-byte-tag GCM with its tag cut (gcmShortTag).
func newGCM(b cipher.Block, ivLen, tagLen int) (cipher.AEAD, error) {
	var a cipher.AEAD
	var err error
	switch {
	case ivLen == 12 && tagLen >= 12:
		a, err = cipher.NewGCMWithTagSize(b, tagLen)
	case ivLen == 12:
		a, err = cipher.NewGCM(b)
	default:
		a, err = cipher.NewGCMWithNonceSize(b, ivLen)
	}
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if a.Overhead() != tagLen {
		a = gcmShortTag{full: a, tagLen: tagLen}
	}
	return a, nil
}

// gcmMaxPlain is GCM's longest plaintext, (2^32-2) blocks (SP 800-38D 5.2.1.1).
const gcmMaxPlain = (1<<32 - 2) * 16

// gcmShortTag is GCM with a t-byte tag, t < 16, on a GCM full with a
// 16-byte tag and the operation's IV length: the tag of length t is the
// leftmost t bytes of the full tag (SP 800-38D 7.1). It has no state of its
// own, so it may be shared like full.
type gcmShortTag struct {
	full   cipher.AEAD
	tagLen int
}

func (g gcmShortTag) NonceSize() int { return g.full.NonceSize() }
func (g gcmShortTag) Overhead() int  { return g.tagLen }

// Seal appends ciphertext and the t-byte tag to dst. The full seal goes to
// a buffer of its own first: dst may have room for the short tag only
// (CipherInto writes into the caller's buffer).
func (g gcmShortTag) Seal(dst, iv, plaintext, aad []byte) []byte {
	sealed := g.full.Seal(nil, iv, plaintext, aad)
	return append(dst, sealed[:len(plaintext)+g.tagLen]...)
}

// Open checks a t-byte tag. Go's Open needs the full tag, which the
// receiver does not have, so it is recomputed: GCM's encryption of zeros is
// its keystream (the same J0 and inc32 counter for any IV length), which
// XORed onto the ciphertext gives the candidate plaintext, whose seal under
// the same IV and AAD gives the ciphertext again and the full tag. The
// candidate stays in a buffer of its own, cleared when the tag does not
// match: no plaintext leaves before the tag is checked.
func (g gcmShortTag) Open(dst, iv, ciphertext, aad []byte) ([]byte, error) {
	if len(ciphertext) < g.tagLen || uint64(len(ciphertext)-g.tagLen) > gcmMaxPlain {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	n := len(ciphertext) - g.tagLen
	p := make([]byte, n, n+16)
	g.full.Seal(p[:0], iv, p, aad) // in place: p becomes the keystream
	subtle.XORBytes(p, p, ciphertext[:n])
	sealed := g.full.Seal(nil, iv, p, aad)
	if subtle.ConstantTimeCompare(sealed[n:n+g.tagLen], ciphertext[n:]) != 1 {
		clear(p)
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	out := append(dst, p...) // dst may be ciphertext[:0]: ciphertext is no longer read
	clear(p)
	return out, nil
}
