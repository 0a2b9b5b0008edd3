package mechanisms

import (
	"encoding/binary"

	"github.com/gohsm/gohsm/ck"
)

// extractKey is CKM_EXTRACT_KEY_FROM_KEY: the new secret key is taken from
// the bits of the base secret key, starting at the bit that the parameter
// (CK_EXTRACT_PARAMS, a CK_ULONG) names and wrapping around the end of the
// base value as the specification permits. Bit 0 is the most significant
// bit of the first byte, so a 2-byte key from 0x329F84A9 at bit 21 is 0x9526
// (the specification's example). The template gives the length
// (CKA_VALUE_LEN); none is CKR_TEMPLATE_INCOMPLETE.
type extractKey struct{}

func init() { Register(extractKey{}) }

func (extractKey) Type() ck.MechanismType { return ck.CKM_EXTRACT_KEY_FROM_KEY }
func (extractKey) Info() Info             { return Info{} }

func (extractKey) DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	p, ok := param.([]byte)
	if !ok || len(p) != 8 { // sizeof(CK_ULONG) on LP64
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if base == nil || base.Class != ck.CKO_SECRET_KEY || len(base.Attrs[ck.CKA_VALUE]) == 0 {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	bv := base.Attrs[ck.CKA_VALUE]
	bits := uint64(len(bv)) * 8
	first := binary.NativeEndian.Uint64(p)
	if first >= bits {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	kt, n, err := derivedKeyLenStrict(tmpl, 0)
	if err != nil {
		return nil, err
	}
	out := make([]byte, n)
	for i := uint64(0); i < uint64(n)*8; i++ {
		j := (first + i) % bits
		bit := bv[j/8] >> (7 - j%8) & 1
		out[i/8] |= bit << (7 - i%8)
	}
	return protectLike(secretKeyAttrs(kt, out), base), nil
}
