package mechanisms

import (
	"crypto/ecdsa"
	"crypto/elliptic"

	"github.com/gohsm/gohsm/ck"
)

// ecdhDerive is CKM_ECDH1_DERIVE and CKM_ECDH1_COFACTOR_DERIVE (the same on
// the prime curves, whose cofactor is 1, and on X25519, which clamps), with CK_ECDH1_DERIVE_PARAMS
// (*ck.ECDH1DeriveParams): the peer's point (DER OCTET STRING or raw), and
// CKD_NULL or a hash KDF with optional shared data.
type ecdhDerive struct{ typ ck.MechanismType }

func init() {
	Register(ecdhDerive{ck.CKM_ECDH1_DERIVE})
	Register(ecdhDerive{ck.CKM_ECDH1_COFACTOR_DERIVE})
}

func (m ecdhDerive) Type() ck.MechanismType { return m.typ }
func (m ecdhDerive) Info() Info {
	return Info{MinKeySize: 224, MaxKeySize: 521, ExtraFlags: ecInfoFlags}
}

// DeriveKey computes Z, then the key value: with CKD_NULL, Z with bytes
// removed from its leading end to fit CKA_VALUE_LEN (as the specification
// says); with a KDF, exactly CKA_VALUE_LEN bytes of KDF output. Without
// CKA_VALUE_LEN the key is as long as Z.
func (m ecdhDerive) DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	var p *ck.ECDH1DeriveParams
	switch v := param.(type) {
	case *ck.ECDH1DeriveParams:
		p = v
	case ck.ECDH1DeriveParams:
		p = &v
	}
	if p == nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	kdf, isKDF := ecKDFs[p.KDF]
	if !isKDF && (p.KDF != ck.CKD_NULL || len(p.SharedData) != 0) {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	z, err := ecdhZ(base, p.PublicData)
	if err != nil {
		return nil, err
	}
	kt, n, err := derivedKeyLen(tmpl, len(z))
	if err != nil {
		return nil, err
	}
	var value []byte
	if isKDF {
		value = hashKDF(kdf.h, kdf.sp800, z, p.SharedData, n)
	} else {
		if n > len(z) {
			return nil, ck.CKR_TEMPLATE_INCONSISTENT
		}
		value = z[len(z)-n:]
	}
	return secretKeyAttrs(kt, value), nil
}

// ecdhZ is the shared secret of base, an EC (prime curve) or Montgomery
// (X25519, X448) private key, with the peer's public value.
func ecdhZ(base *Key, peer []byte) ([]byte, error) {
	if base != nil && base.KeyType == ck.CKK_EC_MONTGOMERY {
		if c, _ := keyEdCurve(montgomeryCurves, base); c == curveX448 {
			return x448Secret(base, peer)
		}
		sk, err := x25519PrivateKey(base)
		if err != nil {
			return nil, err
		}
		return x25519Secret(sk, peer)
	}
	if keyIsK1(base) {
		return k1Secret(base, peer)
	}
	priv, err := ecPrivateKey(base)
	if err != nil {
		return nil, err
	}
	c, err := keyCurve(base)
	if err != nil {
		return nil, err
	}
	point, err := DecodeECPoint(c, peer)
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return ecdhSecret(priv, c, point)
}

// ecdhSecret is Z, the x-coordinate of d*peer, as long as a field element.
// crypto/ecdh has no P-224, so that curve goes through crypto/elliptic
// (whose P-224 is the same constant-time nistec code).
func ecdhSecret(priv *ecdsa.PrivateKey, c *Curve, point []byte) ([]byte, error) {
	if c.Name == "P-224" {
		x, y := elliptic.Unmarshal(c.Curve, point) //nolint:staticcheck // P-224 is not in crypto/ecdh
		d, err := priv.Bytes()
		if x == nil || err != nil {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		zx, _ := c.Curve.ScalarMult(x, y, d) //nolint:staticcheck
		return zx.FillBytes(make([]byte, c.Size())), nil
	}
	ek, err := priv.ECDH()
	if err != nil {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	peer, err := ek.Curve().NewPublicKey(point)
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	z, err := ek.ECDH(peer)
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return z, nil
}
