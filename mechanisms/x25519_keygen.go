package mechanisms

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
)

// montKeyPairGen is CKM_EC_MONTGOMERY_KEY_PAIR_GEN on X25519 and X448; the
// keys are for CKM_ECDH1_DERIVE.
type montKeyPairGen struct{}

func init() { Register(montKeyPairGen{}) }

func (montKeyPairGen) Type() ck.MechanismType { return ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN }
func (montKeyPairGen) Info() Info {
	return Info{MinKeySize: 255, MaxKeySize: 448, ExtraFlags: ck.CKF_EC_OID | ck.CKF_EC_CURVENAME}
}

func (montKeyPairGen) GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error) {
	if err := checkKeyType(pubTmpl, ck.CKK_EC_MONTGOMERY); err != nil {
		return nil, nil, err
	}
	if err := checkKeyType(privTmpl, ck.CKK_EC_MONTGOMERY); err != nil {
		return nil, nil, err
	}
	params, ok := pubTmpl.Lookup(ck.CKA_EC_PARAMS)
	if !ok {
		return nil, nil, ck.CKR_TEMPLATE_INCOMPLETE
	}
	if p2, ok := privTmpl.Lookup(ck.CKA_EC_PARAMS); ok && !bytes.Equal(p2, params) {
		return nil, nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	c, err := findEdCurve(montgomeryCurves, params)
	if err != nil {
		return nil, nil, err
	}
	var pk, d []byte
	if c == curveX448 {
		if pk, d, err = x448Generate(); err != nil {
			return nil, nil, err
		}
	} else {
		sk, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, ck.CKR_FUNCTION_FAILED
		}
		pk, d = sk.PublicKey().Bytes(), sk.Bytes()
	}
	kt := ck.EncodeULong(ck.ULong(ck.CKK_EC_MONTGOMERY))
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
