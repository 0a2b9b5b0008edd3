package mechanisms

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
)

// ecKeyPairGen is CKM_EC_KEY_PAIR_GEN on the named prime curves.
type ecKeyPairGen struct{}

func init() { Register(ecKeyPairGen{}) }

func (ecKeyPairGen) Type() ck.MechanismType { return ck.CKM_EC_KEY_PAIR_GEN }

func (ecKeyPairGen) Info() Info {
	return Info{MinKeySize: 224, MaxKeySize: 521, ExtraFlags: ecInfoFlags}
}

// ecInfoFlags: prime fields, curves by OID or by name, uncompressed points.
// CKF_EC_OID has the value of 2.40's CKF_EC_NAMEDCURVE, so old clients see it too.
const ecInfoFlags = ck.CKF_EC_F_P | ck.CKF_EC_OID | ck.CKF_EC_CURVENAME | ck.CKF_EC_UNCOMPRESS

// GenerateKeyPair takes the curve from the public template's CKA_EC_PARAMS.
func (ecKeyPairGen) GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error) {
	if err := checkKeyType(pubTmpl, ck.CKK_EC); err != nil {
		return nil, nil, err
	}
	if err := checkKeyType(privTmpl, ck.CKK_EC); err != nil {
		return nil, nil, err
	}
	params, ok := pubTmpl.Lookup(ck.CKA_EC_PARAMS)
	if !ok {
		return nil, nil, ck.CKR_TEMPLATE_INCOMPLETE
	}
	if p2, ok := privTmpl.Lookup(ck.CKA_EC_PARAMS); ok && !bytes.Equal(p2, params) {
		return nil, nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	c, err := CurveFromParams(params)
	if err != nil {
		return nil, nil, err
	}
	d, q, err := ecGenerate(c)
	if err != nil {
		return nil, nil, err
	}
	kt := ck.EncodeULong(ck.ULong(ck.CKK_EC))
	pub = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:  kt,
		ck.CKA_EC_PARAMS: bytes.Clone(params),
		ck.CKA_EC_POINT:  encodeECPoint(q),
	}
	priv = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:  bytes.Clone(kt),
		ck.CKA_EC_PARAMS: bytes.Clone(params),
		ck.CKA_VALUE:     d,
	}
	return pub, priv, nil
}

// ecGenerate makes the private value and the raw public point on c.
func ecGenerate(c *Curve) (d, q []byte, err error) {
	if c == curveK1 {
		return k1Generate()
	}
	k, err := ecdsa.GenerateKey(c.Curve, rand.Reader)
	if err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	if d, err = k.Bytes(); err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	if q, err = k.PublicKey.Bytes(); err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	return d, q, nil
}
