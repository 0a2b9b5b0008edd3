package mechanisms

import "github.com/gohsm/gohsm/ck"

// derivedKeyType reads the secret key type a C_DeriveKey or C_UnwrapKey
// template asks for (generic secret when absent) and returns the value
// lengths it allows.
func derivedKeyType(tmpl ck.Template) (ck.KeyType, func(n int) bool, error) {
	v, ok, err := tmpl.ULong(ck.CKA_KEY_TYPE)
	if err != nil {
		return 0, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	kt := ck.CKK_GENERIC_SECRET
	if ok {
		kt = ck.KeyType(v)
	}
	switch kt {
	case ck.CKK_AES:
		return kt, func(n int) bool { return validAESKeyLen(ck.ULong(n)) }, nil
	case ck.CKK_DES2, ck.CKK_DES3:
		return kt, func(n int) bool { return n == desKeyLens[kt] }, nil
	case ck.CKK_GENERIC_SECRET, ck.CKK_MD5_HMAC, ck.CKK_SHA512_224_HMAC, ck.CKK_SHA512_256_HMAC, ck.CKK_SHA_1_HMAC, ck.CKK_SHA224_HMAC, ck.CKK_SHA256_HMAC, ck.CKK_SHA384_HMAC, ck.CKK_SHA512_HMAC,
		ck.CKK_SHA3_224_HMAC, ck.CKK_SHA3_256_HMAC, ck.CKK_SHA3_384_HMAC, ck.CKK_SHA3_512_HMAC, ck.CKK_HKDF:
		return kt, func(n int) bool { return n >= 1 && n <= maxGenericSecretLen }, nil
	}
	return 0, nil, ck.CKR_TEMPLATE_INCONSISTENT
}

// derivedKeyLen is the length of a derived key: CKA_VALUE_LEN from the
// template, or def when the template has none. A length the key type does not
// allow is CKR_TEMPLATE_INCONSISTENT (given) or CKR_TEMPLATE_INCOMPLETE (default).
func derivedKeyLen(tmpl ck.Template, def int) (ck.KeyType, int, error) {
	kt, valid, err := derivedKeyType(tmpl)
	if err != nil {
		return 0, 0, err
	}
	n, ok, err := tmpl.ULong(ck.CKA_VALUE_LEN)
	if err != nil {
		return 0, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if l, des := desKeyLens[kt]; des && !ok {
		return kt, l, nil // the key type fixes the length (DES keys have no CKA_VALUE_LEN)
	}
	if !ok {
		if !valid(def) {
			return 0, 0, ck.CKR_TEMPLATE_INCOMPLETE
		}
		return kt, def, nil
	}
	if n > maxGenericSecretLen || !valid(int(n)) {
		return 0, 0, ck.CKR_TEMPLATE_INCONSISTENT
	}
	return kt, int(n), nil
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
