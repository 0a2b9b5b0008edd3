package mechanisms

import "github.com/gohsm/gohsm/ck"

// derived_key.go: the key type and length of a secret key that a derivation
// (or an unwrap, or a KEM) makes, read from the application's template.
//
// Every secret key type of the token can be asked for. Its lengths:
//   - free (1..512 bytes): generic secrets and their kin, the HMAC key types
//     and CKK_HKDF;
//   - a choice: AES (16, 24, 32), AES-XTS (32, 64: two AES keys);
//   - fixed by the type: DES2 (16), DES3 (24), ChaCha20 (32).
//
// CKA_VALUE_LEN, when given, must be one of the type's lengths (for a fixed
// type, the one), else CKR_TEMPLATE_INCONSISTENT: the mechanisms
// specification's "if both a key type and a length are provided in the
// template, the length must be compatible with that key type". DES key
// objects have no CKA_VALUE_LEN, so a derived DES key never gets one (the
// provider drops a compatible one the template held).

// secretKind is how long a secret key of one type may be.
type secretKind struct {
	fixed int // the type's only length; 0 when it has a choice or is free
	valid func(n int) bool
	free  bool // generic-like: any length in 1..maxGenericSecretLen
}

func freeLen(n int) bool { return n >= 1 && n <= maxGenericSecretLen }

var (
	freeKind    = secretKind{valid: freeLen, free: true}
	aesKind     = secretKind{valid: func(n int) bool { return validAESKeyLen(ck.ULong(n)) }}
	xtsKind     = secretKind{valid: func(n int) bool { return n == 32 || n == 64 }}
	fixedKind   = func(n int) secretKind { return secretKind{fixed: n, valid: func(m int) bool { return m == n }} }
	secretKinds = map[ck.KeyType]secretKind{
		ck.CKK_GENERIC_SECRET: freeKind, ck.CKK_HKDF: freeKind,
		ck.CKK_MD5_HMAC: freeKind, ck.CKK_SHA_1_HMAC: freeKind,
		ck.CKK_SHA224_HMAC: freeKind, ck.CKK_SHA256_HMAC: freeKind, ck.CKK_SHA384_HMAC: freeKind, ck.CKK_SHA512_HMAC: freeKind,
		ck.CKK_SHA512_224_HMAC: freeKind, ck.CKK_SHA512_256_HMAC: freeKind,
		ck.CKK_SHA3_224_HMAC: freeKind, ck.CKK_SHA3_256_HMAC: freeKind, ck.CKK_SHA3_384_HMAC: freeKind, ck.CKK_SHA3_512_HMAC: freeKind,
		ck.CKK_AES:      aesKind,
		ck.CKK_AES_XTS:  xtsKind,
		ck.CKK_DES2:     fixedKind(16),
		ck.CKK_DES3:     fixedKind(24),
		ck.CKK_CHACHA20: fixedKind(32),
	}
)

// derivedKeyKind reads the secret key type a template asks for (generic
// secret when absent). A type the token has no secret keys of is
// CKR_TEMPLATE_INCONSISTENT.
func derivedKeyKind(tmpl ck.Template) (ck.KeyType, secretKind, error) {
	v, ok, err := tmpl.ULong(ck.CKA_KEY_TYPE)
	if err != nil {
		return 0, secretKind{}, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	kt := ck.CKK_GENERIC_SECRET
	if ok {
		kt = ck.KeyType(v)
	}
	k, known := secretKinds[kt]
	if !known {
		return 0, secretKind{}, ck.CKR_TEMPLATE_INCONSISTENT
	}
	return kt, k, nil
}

// derivedKeyLen is the key type and length of a derived key: CKA_VALUE_LEN
// from the template, else the type's fixed length, else def, the
// mechanism's natural length (HKDF: the hash's; ECDH: Z's), when the type
// allows it. No length that fits is CKR_TEMPLATE_INCOMPLETE.
func derivedKeyLen(tmpl ck.Template, def int) (ck.KeyType, int, error) {
	return keyLen(tmpl, def, false)
}

// derivedKeyLenStrict is derivedKeyLen for the derivations whose
// specification text says "if no length is provided in the template, but a
// key type is, then that key type must have a well-defined length ... if it
// doesn't, an error will be returned" (concatenations, XOR, extract,
// encrypt-data, SHA*_KEY_DERIVATION): def applies only to a generic secret
// (the text's default type) and its free-length kin, so an AES or AES-XTS key
// needs CKA_VALUE_LEN.
func derivedKeyLenStrict(tmpl ck.Template, def int) (ck.KeyType, int, error) {
	return keyLen(tmpl, def, true)
}

func keyLen(tmpl ck.Template, def int, strict bool) (ck.KeyType, int, error) {
	kt, k, err := derivedKeyKind(tmpl)
	if err != nil {
		return 0, 0, err
	}
	n, ok, err := tmpl.ULong(ck.CKA_VALUE_LEN)
	if err != nil {
		return 0, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	switch {
	case ok:
		if n > maxGenericSecretLen || !k.valid(int(n)) {
			return 0, 0, ck.CKR_TEMPLATE_INCONSISTENT
		}
		return kt, int(n), nil
	case k.fixed != 0:
		return kt, k.fixed, nil
	case (k.free || !strict) && k.valid(def):
		return kt, def, nil
	}
	return 0, 0, ck.CKR_TEMPLATE_INCOMPLETE
}

// desKeyLens are the lengths of the DES key types a derivation can make.
var desKeyLens = map[ck.KeyType]int{ck.CKK_DES2: 16, ck.CKK_DES3: 24}

// secretKeyAttrs is what a deriving or unwrapping mechanism determines of a
// new secret key. A derived DES key gets its parity bits set, as the
// specification says of the simple derivations (it changes no DES result),
// and no CKA_VALUE_LEN, which DES key objects do not have.
func secretKeyAttrs(kt ck.KeyType, value []byte) map[ck.AttributeType][]byte {
	if _, des := desKeyLens[kt]; des {
		v := make([]byte, len(value))
		for i, b := range value {
			v[i] = oddParity(b)
		}
		return map[ck.AttributeType][]byte{ck.CKA_KEY_TYPE: ck.EncodeULong(ck.ULong(kt)), ck.CKA_VALUE: v}
	}
	return map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:  ck.EncodeULong(ck.ULong(kt)),
		ck.CKA_VALUE:     value,
		ck.CKA_VALUE_LEN: ck.EncodeULong(ck.ULong(len(value))),
	}
}
