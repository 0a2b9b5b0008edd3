package mechanisms

import (
	"bytes"

	"github.com/gohsm/gohsm/ck"
)

// rfc8410KeyPairGen generates key pairs on the RFC 8410 curves:
// CKM_EC_EDWARDS_KEY_PAIR_GEN (ed25519_keygen.go) and
// CKM_EC_MONTGOMERY_KEY_PAIR_GEN (x25519_keygen.go). CKA_EC_PARAMS names the
// curve (the private template may repeat it); CKA_EC_POINT is the public key
// as an OCTET STRING and CKA_VALUE the private key (a seed for EdDSA).
type rfc8410KeyPairGen struct {
	typ      ck.MechanismType
	keyType  ck.KeyType
	curves   []*edCurve
	generate func(c *edCurve) (pk, priv []byte, err error)
}

func (m rfc8410KeyPairGen) Type() ck.MechanismType { return m.typ }

// Info: the 25519 curves (255 bits) and the 448 curves (448 bits).
func (rfc8410KeyPairGen) Info() Info {
	return Info{MinKeySize: 255, MaxKeySize: 448, ExtraFlags: ck.CKF_EC_OID | ck.CKF_EC_CURVENAME}
}

func (m rfc8410KeyPairGen) GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error) {
	if err := checkKeyType(pubTmpl, m.keyType); err != nil {
		return nil, nil, err
	}
	if err := checkKeyType(privTmpl, m.keyType); err != nil {
		return nil, nil, err
	}
	params, ok := pubTmpl.Lookup(ck.CKA_EC_PARAMS)
	if !ok {
		return nil, nil, ck.CKR_TEMPLATE_INCOMPLETE
	}
	if p2, ok := privTmpl.Lookup(ck.CKA_EC_PARAMS); ok && !bytes.Equal(p2, params) {
		return nil, nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	c, err := findEdCurve(m.curves, params)
	if err != nil {
		return nil, nil, err
	}
	pk, d, err := m.generate(c)
	if err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	kt := ck.EncodeULong(ck.ULong(m.keyType))
	pub = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:  kt,
		ck.CKA_EC_PARAMS: bytes.Clone(params),
		ck.CKA_EC_POINT:  encodeECPoint(pk),
	}
	priv = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:  bytes.Clone(kt),
		ck.CKA_EC_PARAMS: bytes.Clone(params),
		ck.CKA_VALUE:     d,
	}
	return pub, priv, nil
}
