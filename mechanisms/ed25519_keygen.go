package mechanisms

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/gohsm/gohsm/ck"
)

// edKeyPairGen is CKM_EC_EDWARDS_KEY_PAIR_GEN on Ed25519 and Ed448.
type edKeyPairGen struct{}

func init() { Register(edKeyPairGen{}) }

func (edKeyPairGen) Type() ck.MechanismType { return ck.CKM_EC_EDWARDS_KEY_PAIR_GEN }

// Info: Ed25519 (255 bits) and Ed448 (448 bits).
func (edKeyPairGen) Info() Info {
	return Info{MinKeySize: 255, MaxKeySize: 448, ExtraFlags: ck.CKF_EC_OID | ck.CKF_EC_CURVENAME}
}

func (edKeyPairGen) GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error) {
	if err := checkKeyType(pubTmpl, ck.CKK_EC_EDWARDS); err != nil {
		return nil, nil, err
	}
	if err := checkKeyType(privTmpl, ck.CKK_EC_EDWARDS); err != nil {
		return nil, nil, err
	}
	params, ok := pubTmpl.Lookup(ck.CKA_EC_PARAMS)
	if !ok {
		return nil, nil, ck.CKR_TEMPLATE_INCOMPLETE
	}
	if p2, ok := privTmpl.Lookup(ck.CKA_EC_PARAMS); ok && !bytes.Equal(p2, params) {
		return nil, nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	c, err := findEdCurve(edwardsCurves, params)
	if err != nil {
		return nil, nil, err
	}
	var pk, seed []byte
	if c == curveEd448 {
		p, sk, err := ed448.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, ck.CKR_FUNCTION_FAILED
		}
		pk, seed = p, sk.Seed()
	} else {
		p, sk, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, ck.CKR_FUNCTION_FAILED
		}
		pk, seed = p, sk.Seed()
	}
	kt := ck.EncodeULong(ck.ULong(ck.CKK_EC_EDWARDS))
	pub = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:  kt,
		ck.CKA_EC_PARAMS: bytes.Clone(params),
		ck.CKA_EC_POINT:  encodeECPoint(pk),
	}
	priv = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:  bytes.Clone(kt),
		ck.CKA_EC_PARAMS: bytes.Clone(params),
		ck.CKA_VALUE:     bytes.Clone(seed),
	}
	return pub, priv, nil
}
