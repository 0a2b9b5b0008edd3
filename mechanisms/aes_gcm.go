package mechanisms

import (
	"crypto/cipher"

	"github.com/gohsm/gohsm/ck"
)

// aesGCM is CKM_AES_GCM with CK_GCM_PARAMS (*ck.GCMParams from cexport).
// The ciphertext is the encrypted data followed by the tag. Multipart calls
// buffer the input: encryption outputs everything at Final, and decryption
// must, since no plaintext may be released before the tag is checked.
type aesGCM struct{}

func init() { Register(aesGCM{}) }

func (aesGCM) Type() ck.MechanismType { return ck.CKM_AES_GCM }
func (aesGCM) Info() Info             { return Info{MinKeySize: 16, MaxKeySize: 32} }

func (aesGCM) EncryptInit(key *Key, param any) (CipherContext, error) {
	c, err := gcmInit(key, param, true)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (aesGCM) DecryptInit(key *Key, param any) (CipherContext, error) {
	c, err := gcmInit(key, param, false)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// gcmInit checks the parameter and makes the context: any IV length with
// any of SP 800-38D's tag lengths (gcmTagBitsOK).
func gcmInit(key *Key, param any, encrypt bool) (*aeadCtx, error) {
	var p *ck.GCMParams
	switch v := param.(type) {
	case *ck.GCMParams:
		p = v
	case ck.GCMParams:
		p = &v
	}
	if p == nil || len(p.IV) == 0 || !gcmTagBitsOK(p.TagBits) {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	a, err := gcmAEAD(key, len(p.IV), int(p.TagBits/8))
	if err != nil {
		return nil, err
	}
	// Copy: the caller's buffers must not change the operation later. The
	// usual 12-byte IV is kept in the context's own allocation.
	c := &gcmCtx{aeadCtx: aeadCtx{aead: a, aad: cloneNonEmpty(p.AAD), encrypt: encrypt}}
	if len(p.IV) == len(c.iv12) {
		c.iv = c.iv12[:]
		copy(c.iv, p.IV)
	} else {
		c.iv = append([]byte(nil), p.IV...)
	}
	return &c.aeadCtx, nil
}

// gcmCtx is an aeadCtx with room for a 12-byte IV.
type gcmCtx struct {
	aeadCtx
	iv12 [12]byte
}

// gcmKinds names the cached GCM of a key per tag length in bytes, for the
// usual 12-byte IV.
var gcmKinds = [17]string{4: "aes.gcm.t4", 8: "aes.gcm.t8", 12: "aes.gcm.t12", 13: "aes.gcm.t13", 14: "aes.gcm.t14", 15: "aes.gcm.t15", 16: "aes.gcm.t16"}

// gcmAEAD returns the key's GCM for ivLen and tagLen. With a 12-byte IV it
// is made once per key and tag length and cached on the Key like the AES
// block (the GCM key H and its tables are a per-key set-up that would
// otherwise run at every C_EncryptInit; a cipher.AEAD has no per-message
// state, so operations share it). Other IV lengths are rare: made each time.
func gcmAEAD(key *Key, ivLen, tagLen int) (cipher.AEAD, error) {
	if err := checkKey(key, ck.CKO_SECRET_KEY, ck.CKK_AES); err != nil {
		return nil, err
	}
	mk := func() (any, error) {
		b, err := newAESBlock(key)
		if err != nil {
			return nil, err
		}
		return newGCM(b, ivLen, tagLen)
	}
	var v any
	var err error
	if ivLen == 12 {
		v, err = key.Parsed(gcmKinds[tagLen], mk) // one lookup: the block is made inside
	} else {
		v, err = mk()
	}
	if err != nil {
		return nil, err
	}
	return v.(cipher.AEAD), nil
}

// cloneNonEmpty copies b, keeping an empty or nil b nil (no allocation).
func cloneNonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

type aeadCtx struct {
	aead     cipher.AEAD
	iv, aad  []byte
	encrypt  bool
	buf      []byte
	finished bool
}

func (c *aeadCtx) OutputLen(n int) int {
	if c.encrypt {
		return n + c.aead.Overhead()
	}
	return max(n-c.aead.Overhead(), 0)
}

func (c *aeadCtx) Do(in []byte) ([]byte, error) {
	if len(c.buf) == 0 {
		return c.once(nil, in) // nothing buffered: no copy of the input
	}
	c.buf = append(c.buf, in...)
	return c.Final()
}

// DoInto is Do writing into dst, which has room for OutputLen(len(in))
// bytes and does not overlap in unless it starts at the same byte
// (mechanisms.CipherInto): the single-part result goes straight into the
// caller's buffer.
func (c *aeadCtx) DoInto(dst, in []byte) (int, error) {
	if len(c.buf) != 0 {
		out, err := c.Do(in)
		return copy(dst, out), err
	}
	out, err := c.once(dst[:0], in)
	return len(out), err
}

func (c *aeadCtx) UpdateLen(int) int { return 0 }

func (c *aeadCtx) Update(in []byte) ([]byte, error) {
	c.buf = append(c.buf, in...)
	return []byte{}, nil
}

func (c *aeadCtx) FinalLen() int { return c.OutputLen(len(c.buf)) }

func (c *aeadCtx) Final() ([]byte, error) {
	buf := c.buf
	c.buf = nil
	return c.once(nil, buf)
}

// once seals or opens the whole message in, appending to dst, once per IV.
func (c *aeadCtx) once(dst, in []byte) ([]byte, error) {
	if c.finished { // one IV, one message: never seal twice under it
		return nil, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	c.finished = true
	if c.encrypt {
		return c.aead.Seal(dst, c.iv, in, c.aad), nil
	}
	if len(in) < c.aead.Overhead() {
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	out, err := c.aead.Open(dst, c.iv, in, c.aad)
	if err != nil {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return out, nil
}
