package mechanisms

import (
	"slices"

	"github.com/gohsm/gohsm/ck"
)

// unwrap_secret.go: the value of a wrapped and of an unwrapped secret key.
// Of the block modes without padding (AES-ECB, AES-CBC, DES3-ECB, DES3-CBC)
// the mechanisms specification says: wrapping encrypts CKA_VALUE "padded on
// the trailing end with up to block size minus one null bytes", and unwrapping
// "truncates the result according to the CKA_KEY_TYPE attribute of the
// template and, if it has one, and the key type supports it, the
// CKA_VALUE_LEN attribute of the template".

// secretLens are the value lengths of the secret key types whose length the
// key type fixes (or nearly: an XTS key is two AES-128 or AES-256 keys).
// derivedKeyLen covers the types of free length (AES, generic, HMAC, HKDF).
var secretLens = map[ck.KeyType][]int{
	ck.CKK_DES2:     {16},
	ck.CKK_DES3:     {24},
	ck.CKK_CHACHA20: {32},
	ck.CKK_AES_XTS:  {32, 64},
}

// zeroPad is a secret key's value as a block mode without padding wraps it.
func zeroPad(v []byte, blk int) []byte {
	r := len(v) % blk
	if r == 0 {
		return v
	}
	return append(slices.Clip(v), make([]byte, blk-r)...)
}

// unwrapSecretAttrs makes the attributes of an unwrapped secret key from the
// unwrapped bytes v. padded: v may end in the zero bytes of a block-mode wrap,
// which the key type or CKA_VALUE_LEN cut off; otherwise the length must be
// exact. A value that does not fit the key is CKR_TEMPLATE_INCONSISTENT.
func unwrapSecretAttrs(v []byte, tmpl ck.Template, padded bool) (map[ck.AttributeType][]byte, error) {
	t, named, err := tmpl.ULong(ck.CKA_KEY_TYPE)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	kt := ck.KeyType(t)
	lens, fixed := secretLens[kt]
	if !named || !fixed {
		dk, n, err := derivedKeyLen(tmpl, len(v))
		if err == ck.CKR_TEMPLATE_INCOMPLETE {
			return nil, ck.CKR_TEMPLATE_INCONSISTENT // the value does not fit the key type
		}
		if err != nil {
			return nil, err
		}
		if !fits(len(v), n, padded) {
			return nil, ck.CKR_TEMPLATE_INCONSISTENT
		}
		return secretKeyAttrs(dk, v[:n]), nil
	}
	n := lens[0]
	if len(lens) > 1 {
		n = len(v) // XTS: the value tells which
	}
	if vl, given, err := tmpl.ULong(ck.CKA_VALUE_LEN); err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	} else if given {
		n = int(vl)
	}
	if !slices.Contains(lens, n) || !fits(len(v), n, padded) {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	if kt == ck.CKK_DES2 || kt == ck.CKK_DES3 {
		// DES keys have no CKA_VALUE_LEN (mechanisms 3.0, DES2/DES3 secret key objects).
		return map[ck.AttributeType][]byte{
			ck.CKA_KEY_TYPE: ck.EncodeULong(ck.ULong(kt)),
			ck.CKA_VALUE:    v[:n],
		}, nil
	}
	return secretKeyAttrs(kt, v[:n]), nil
}

// fits: a key of n bytes is in an unwrapped value of have bytes.
func fits(have, n int, padded bool) bool {
	return n == have || (padded && n < have)
}
