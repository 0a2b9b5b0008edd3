package mechanisms

import "github.com/gohsm/gohsm/ck"

// CKM_AES_KEY_GEN: 16, 24 or 32 bytes; AES key sizes are counted in bytes.
func init() {
	Register(secretKeyGen{
		typ:   ck.CKM_AES_KEY_GEN,
		kt:    ck.CKK_AES,
		valid: validAESKeyLen,
		info:  Info{MinKeySize: 16, MaxKeySize: 32},
	})
}

func validAESKeyLen(n ck.ULong) bool { return n == 16 || n == 24 || n == 32 }
