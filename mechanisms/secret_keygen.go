package mechanisms

import (
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
)

// secretKeyGen makes random secret keys of CKA_VALUE_LEN bytes: CKM_AES_KEY_GEN
// and CKM_GENERIC_SECRET_KEY_GEN differ only in key type and allowed lengths.
type secretKeyGen struct {
	typ   ck.MechanismType
	kt    ck.KeyType
	valid func(n ck.ULong) bool
	info  Info
	def   ck.ULong // length when the template has no CKA_VALUE_LEN; 0: required
}

func (g secretKeyGen) Type() ck.MechanismType { return g.typ }
func (g secretKeyGen) Info() Info             { return g.info }

// GenerateKey requires CKA_VALUE_LEN in the template: a missing one is
// CKR_TEMPLATE_INCOMPLETE, a length the key type does not allow
// CKR_ATTRIBUTE_VALUE_INVALID.
func (g secretKeyGen) GenerateKey(tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	if err := checkKeyType(tmpl, g.kt); err != nil {
		return nil, err
	}
	n, ok, err := tmpl.ULong(ck.CKA_VALUE_LEN)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if !ok && g.def == 0 {
		return nil, ck.CKR_TEMPLATE_INCOMPLETE
	}
	if !ok {
		n = g.def
	}
	if !g.valid(n) {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	v := make([]byte, n)
	if _, err := rand.Read(v); err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:  ck.EncodeULong(ck.ULong(g.kt)),
		ck.CKA_VALUE:     v,
		ck.CKA_VALUE_LEN: ck.EncodeULong(n),
	}, nil
}
