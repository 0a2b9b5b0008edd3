package mechanisms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// CKM_AES_XTS (IEEE 1619 / SP 800-38E) on CKK_AES_XTS keys: a double-length
// value K1||K2 (32 or 64 bytes; the halves must differ, as OpenSSL also
// demands), the parameter is the 16-byte tweak as []byte. The data unit is
// the whole input, at least one block; a partial last block uses XTS
// ciphertext stealing. Multipart buffers the data unit until Final.
// CKM_AES_XTS_KEY_GEN makes the keys.
type aesXTS struct{}

func init() {
	Register(aesXTS{})
	Register(secretKeyGen{
		typ:   ck.CKM_AES_XTS_KEY_GEN,
		kt:    ck.CKK_AES_XTS,
		valid: func(n ck.ULong) bool { return n == 32 || n == 64 },
		info:  Info{MinKeySize: 32, MaxKeySize: 64},
	})
}

func (aesXTS) Type() ck.MechanismType { return ck.CKM_AES_XTS }
func (aesXTS) Info() Info             { return Info{MinKeySize: 32, MaxKeySize: 64} }

func (aesXTS) EncryptInit(key *Key, param any) (CipherContext, error) {
	return xtsInit(key, param, true)
}
func (aesXTS) DecryptInit(key *Key, param any) (CipherContext, error) {
	return xtsInit(key, param, false)
}

type xtsCiphers struct{ data, tweak cipher.Block }

func xtsInit(key *Key, param any, encrypt bool) (CipherContext, error) {
	tw, ok := param.([]byte)
	if !ok || len(tw) != aes.BlockSize {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if err := checkKey(key, ck.CKO_SECRET_KEY, ck.CKK_AES_XTS); err != nil {
		return nil, err
	}
	v, err := key.Parsed("aes.xts", func() (any, error) {
		k := key.Attrs[ck.CKA_VALUE]
		if (len(k) != 32 && len(k) != 64) || subtle.ConstantTimeCompare(k[:len(k)/2], k[len(k)/2:]) == 1 {
			return nil, ck.CKR_KEY_SIZE_RANGE
		}
		d, err := aes.NewCipher(k[:len(k)/2])
		if err != nil {
			return nil, ck.CKR_KEY_SIZE_RANGE
		}
		t, err := aes.NewCipher(k[len(k)/2:])
		if err != nil {
			return nil, ck.CKR_KEY_SIZE_RANGE
		}
		return xtsCiphers{d, t}, nil
	})
	if err != nil {
		return nil, err
	}
	c := v.(xtsCiphers)
	t := make([]byte, aes.BlockSize)
	c.tweak.Encrypt(t, tw)
	return &xtsCtx{c: c, t0: t, encrypt: encrypt}, nil
}

type xtsCtx struct {
	c       xtsCiphers
	t0      []byte // E_K2(tweak)
	encrypt bool
	buf     []byte
}

func (x *xtsCtx) OutputLen(n int) int { return n }
func (x *xtsCtx) UpdateLen(int) int   { return 0 }
func (x *xtsCtx) FinalLen() int       { return len(x.buf) }

func (x *xtsCtx) Update(in []byte) ([]byte, error) {
	x.buf = append(x.buf, in...)
	return nil, nil
}

func (x *xtsCtx) Final() ([]byte, error) {
	out, err := x.Do(x.buf)
	clear(x.buf)
	x.buf = nil
	return out, err
}

// xtsMulAlpha multiplies the tweak by α in GF(2^128), little-endian (IEEE 1619 §5.2).
func xtsMulAlpha(t []byte) {
	carry := t[15] >> 7
	for i := 15; i > 0; i-- {
		t[i] = t[i]<<1 | t[i-1]>>7
	}
	t[0] <<= 1
	if carry != 0 {
		t[0] ^= 0x87
	}
}

// block en- or decrypts one block in place under tweak t.
func (x *xtsCtx) block(b, t []byte, encrypt bool) {
	subtle.XORBytes(b, b, t)
	if encrypt {
		x.c.data.Encrypt(b, b)
	} else {
		x.c.data.Decrypt(b, b)
	}
	subtle.XORBytes(b, b, t)
}

func (x *xtsCtx) Do(in []byte) ([]byte, error) {
	const bs = aes.BlockSize
	if len(in) < bs {
		if x.encrypt {
			return nil, ck.CKR_DATA_LEN_RANGE
		}
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	out := append([]byte(nil), in...)
	t := append([]byte(nil), x.t0...)
	full, part := len(in)/bs, len(in)%bs
	if part != 0 {
		full-- // the last full block takes part in the stealing
	}
	for j := 0; j < full; j++ {
		x.block(out[j*bs:(j+1)*bs], t, x.encrypt)
		xtsMulAlpha(t)
	}
	if part == 0 {
		return out, nil
	}
	// Ciphertext stealing over the last full block m-1 and the partial m.
	last, tail := out[full*bs:(full+1)*bs], out[(full+1)*bs:]
	tm := append([]byte(nil), t...)
	xtsMulAlpha(tm)
	first, second := t, tm // encryption: T(m-1) then T(m)
	if !x.encrypt {
		first, second = tm, t
	}
	x.block(last, first, x.encrypt)
	var pp [bs]byte
	copy(pp[:], tail)
	copy(pp[part:], last[part:])
	copy(tail, last[:part])
	x.block(pp[:], second, x.encrypt)
	copy(last, pp[:])
	return out, nil
}
