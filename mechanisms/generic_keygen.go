package mechanisms

import "github.com/gohsm/gohsm/ck"

// maxGenericSecretLen bounds CKM_GENERIC_SECRET_KEY_GEN (bytes); HMAC keys
// longer than a hash block are hashed anyway, 512 bytes is plenty.
const maxGenericSecretLen = 512

// CKM_GENERIC_SECRET_KEY_GEN: 1..512 bytes; its key sizes are counted in bits.
func init() {
	Register(secretKeyGen{
		typ:   ck.CKM_GENERIC_SECRET_KEY_GEN,
		kt:    ck.CKK_GENERIC_SECRET,
		valid: func(n ck.ULong) bool { return n >= 1 && n <= maxGenericSecretLen },
		info:  Info{MinKeySize: 8, MaxKeySize: 8 * maxGenericSecretLen},
	})
	// CKM_HKDF_KEY_GEN makes CKK_HKDF keys, the base and salt keys of
	// CKM_HKDF_DERIVE; like generic secrets, with sizes in bytes (3.0 §2.43).
	Register(secretKeyGen{
		typ:   ck.CKM_HKDF_KEY_GEN,
		kt:    ck.CKK_HKDF,
		valid: func(n ck.ULong) bool { return n >= 1 && n <= maxGenericSecretLen },
		info:  Info{MinKeySize: 1, MaxKeySize: maxGenericSecretLen},
	})
}
