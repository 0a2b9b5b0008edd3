package mechanisms

import "github.com/gohsm/gohsm/ck"

// protectLike carries a base key's protection over to a key made from its
// bytes: a sensitive base gives a sensitive key and a non-extractable base a
// non-extractable one, whatever the template says. The specification
// requires this of CONCATENATE_*, XOR_BASE_AND_DATA and EXTRACT_KEY_FROM_KEY;
// for SHA*/SHAKE key derivation and the *_ENCRYPT_DATA derivations it lets
// the template choose, and gohsm deliberately applies the same rule, so that
// no readable value is computed from a sensitive key alone.
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
