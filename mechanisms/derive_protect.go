package mechanisms

import "github.com/gohsm/gohsm/ck"

// protectLike carries a base key's protection over to a key made from its
// bytes, as the specification requires of the simple derivations
// (CONCATENATE_*, XOR_BASE_AND_DATA, EXTRACT_KEY_FROM_KEY,
// SHA*_KEY_DERIVATION, and the *_ENCRYPT_DATA derivations, whose template
// handling is SHA-1 key derivation's): a sensitive base gives a sensitive key and a
// non-extractable base a non-extractable one, whatever the template says.
// Otherwise a derived copy of a sensitive key's bytes could be read out.
// The returned attributes override the template (provider's buildAttrs).
func protectLike(attrs map[ck.AttributeType][]byte, bases ...*Key) map[ck.AttributeType][]byte {
	for _, b := range bases {
		// A value that does not decode counts as the protective one.
		if v, ok := b.Attrs[ck.CKA_SENSITIVE]; ok {
			if s, err := ck.DecodeBool(v); err != nil || s {
				attrs[ck.CKA_SENSITIVE] = ck.EncodeBool(true)
			}
		}
		if v, ok := b.Attrs[ck.CKA_EXTRACTABLE]; ok {
			if x, err := ck.DecodeBool(v); err != nil || !x {
				attrs[ck.CKA_EXTRACTABLE] = ck.EncodeBool(false)
			}
		}
	}
	return attrs
}
