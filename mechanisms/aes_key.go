package mechanisms

import (
	"crypto/aes"
	"crypto/cipher"

	"github.com/gohsm/gohsm/ck"
)

// aesBlock returns the AES block cipher of an AES secret key, made once and
// cached on the Key (a cipher.Block is safe for concurrent use).
func aesBlock(k *Key) (cipher.Block, error) {
	if err := checkKey(k, ck.CKO_SECRET_KEY, ck.CKK_AES); err != nil {
		return nil, err
	}
	v, err := k.Parsed("aes.block", func() (any, error) { return newAESBlock(k) })
	if err != nil {
		return nil, err
	}
	return v.(cipher.Block), nil
}

// newAESBlock makes the AES block cipher of k's value (for a cached form
// made inside Key.Parsed, which cannot call aesBlock: Parsed holds the
// Key's lock).
func newAESBlock(k *Key) (cipher.Block, error) {
	if !validAESKeyLen(ck.ULong(len(k.Attrs[ck.CKA_VALUE]))) {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	b, err := aes.NewCipher(k.Attrs[ck.CKA_VALUE])
	if err != nil {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	return b, nil
}
