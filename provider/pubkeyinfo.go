package provider

// pubkeyinfo.go: CKA_PUBLIC_KEY_INFO of public and private keys, derived
// from the key (mechanisms.PublicKeyInfo) whenever an object is made, and
// when a stored object made before this attribute was filled is read. It is
// public data: not key material, so a sensitive private key reveals it.

import (
	"bytes"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// hasPublicKeyInfo: the classes whose objects carry a derived SPKI.
func hasPublicKeyInfo(k classKey) bool {
	return k.class == ck.CKO_PUBLIC_KEY || k.class == ck.CKO_PRIVATE_KEY
}

// settlePublicKeyInfo sets out's CKA_PUBLIC_KEY_INFO for a new key. A value
// the token set (trusted) or derived from the key wins; a value the
// application gave must equal it, else CKR_ATTRIBUTE_VALUE_INVALID (PKCS#11
// 3.x, private key objects: "the token MUST verify correspondence"). One
// that cannot be checked (the key does not hold its public half) is refused
// the same way; an empty one means "derive it".
func settlePublicKeyInfo(k classKey, out, tmpl, set map[ck.AttributeType][]byte) error {
	if !hasPublicKeyInfo(k) {
		return nil
	}
	given := tmpl[ck.CKA_PUBLIC_KEY_INFO]
	want := set[ck.CKA_PUBLIC_KEY_INFO]
	if len(want) == 0 {
		d, err := mechanisms.PublicKeyInfo(k.class, ck.KeyType(k.sub), out)
		if err != nil && len(given) > 0 {
			return ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		want = d // nil on error: a broken key is the material checks' business
	}
	if len(given) > 0 && !bytes.Equal(given, want) {
		return ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if len(want) == 0 {
		out[ck.CKA_PUBLIC_KEY_INFO] = []byte{}
		return nil
	}
	out[ck.CKA_PUBLIC_KEY_INFO] = want
	return nil
}

// fillPublicKeyInfo derives CKA_PUBLIC_KEY_INFO of a key read from the store
// without one (made before it was filled in), when its attributes are at
// hand; the object stays as it is otherwise.
func fillPublicKeyInfo(k classKey, attrs map[ck.AttributeType][]byte) {
	if !hasPublicKeyInfo(k) || len(attrs[ck.CKA_PUBLIC_KEY_INFO]) > 0 {
		return
	}
	if d, err := mechanisms.PublicKeyInfo(k.class, ck.KeyType(k.sub), attrs); err == nil && len(d) > 0 {
		attrs[ck.CKA_PUBLIC_KEY_INFO] = d
	}
}

// checkPublicKeyInfoChange takes CKA_PUBLIC_KEY_INFO out of a
// C_SetAttributeValue or C_CopyObject template: equal to the key's, it
// changes nothing. Another value does not belong to the key: on a private
// key, where the specification makes the attribute modifiable but bound to
// the key, CKR_ATTRIBUTE_VALUE_INVALID; on a public key, where it is not
// modifiable, CKR_ATTRIBUTE_READ_ONLY.
func checkPublicKeyInfoChange(k classKey, cur, tm map[ck.AttributeType][]byte) error {
	v, ok := tm[ck.CKA_PUBLIC_KEY_INFO]
	if !ok || !hasPublicKeyInfo(k) {
		return nil
	}
	if !bytes.Equal(v, cur[ck.CKA_PUBLIC_KEY_INFO]) {
		if k.class == ck.CKO_PUBLIC_KEY {
			return ck.CKR_ATTRIBUTE_READ_ONLY
		}
		return ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	delete(tm, ck.CKA_PUBLIC_KEY_INFO)
	return nil
}
