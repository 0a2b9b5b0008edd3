package mechanisms

import (
	"encoding/asn1"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/gohsm/gohsm/ck"
)

// secp256k1 (SEC 2, the curve AWS CloudHSM and Bitcoin use) for
// CKM_EC_KEY_PAIR_GEN, CKM_ECDSA* and CKM_ECDH1_DERIVE. Go's crypto/ecdsa
// implements only the NIST curves, so the arithmetic is decred's
// dcrec/secp256k1 (constant-time scalar and field code, RFC 6979 nonces);
// the mechanisms branch here when a key's CKA_EC_PARAMS names this curve.
// It is not in ec_params.go's curves (the crypto/ecdsa ones); CurveFromParams
// also finds it.
var curveK1 = &Curve{"secp256k1", asn1.ObjectIdentifier{1, 3, 132, 0, 10}, []string{"secp256k1"}, secp256k1.S256()}

// k1Scalar reads a private value: an integer in [1, n-1] (CKA_VALUE may
// have lost or gained leading zeros).
func k1Scalar(b []byte) (*secp256k1.PrivateKey, bool) {
	d, ok := fixedScalar(b, 32)
	if !ok {
		return nil, false
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(d); overflow || s.IsZero() {
		return nil, false
	}
	return secp256k1.NewPrivateKey(&s), true
}

// k1Point checks a raw uncompressed point (0x04 || X || Y) is on the curve.
func k1Point(point []byte) (*secp256k1.PublicKey, bool) {
	if len(point) != 65 || point[0] != 4 {
		return nil, false
	}
	pub, err := secp256k1.ParsePubKey(point)
	return pub, err == nil
}

// keyIsK1 says whether an EC key object is on secp256k1.
func keyIsK1(k *Key) bool {
	if k == nil || k.KeyType != ck.CKK_EC {
		return false
	}
	// Cached on the Key: decoding the DER parameters (encoding/asn1) took
	// ~370 ns and 5 allocations at every ECDSA C_SignInit/C_VerifyInit.
	c, err := k.Parsed("ec.curve", func() (any, error) { return CurveFromParams(k.Attrs[ck.CKA_EC_PARAMS]) })
	return err == nil && c.(*Curve) == curveK1
}

func k1PrivateKey(k *Key) (*secp256k1.PrivateKey, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_EC); err != nil {
		return nil, err
	}
	v, err := k.Parsed("k1.private", func() (any, error) {
		priv, ok := k1Scalar(k.Attrs[ck.CKA_VALUE])
		if !ok {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return priv, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*secp256k1.PrivateKey), nil
}

func k1PublicKey(k *Key) (*secp256k1.PublicKey, error) {
	if err := checkKey(k, ck.CKO_PUBLIC_KEY, ck.CKK_EC); err != nil {
		return nil, err
	}
	v, err := k.Parsed("k1.public", func() (any, error) {
		point, err := DecodeECPoint(curveK1, k.Attrs[ck.CKA_EC_POINT])
		if err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		pub, _ := k1Point(point)
		return pub, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*secp256k1.PublicKey), nil
}

// k1Generate makes a key pair: the 32-byte private value and the raw point.
func k1Generate() (d, point []byte, err error) {
	priv, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	return priv.Serialize(), priv.PubKey().SerializeUncompressed(), nil
}

// k1Signer signs a hash given whole. A hash longer than the 256-bit order is
// truncated to its leftmost 32 bytes, as ECDSA specifies (decred's scalar
// reads the first 32 bytes). Signatures are r||s; decred's are low-S.
type k1Signer struct{ priv *secp256k1.PrivateKey }

func (s *k1Signer) SignatureLen() int { return 64 }

func (s *k1Signer) Sign(digest []byte) ([]byte, error) {
	sig := k1ecdsa.Sign(s.priv, digest)
	r, ss := sig.R(), sig.S()
	out := make([]byte, 64)
	rb, sb := r.Bytes(), ss.Bytes()
	copy(out, rb[:])
	copy(out[32:], sb[:])
	return out, nil
}

type k1Verifier struct{ pub *secp256k1.PublicKey }

func (v *k1Verifier) Verify(digest, sig []byte) error {
	if len(sig) != 64 {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	var r, s secp256k1.ModNScalar
	if r.SetByteSlice(sig[:32]) || s.SetByteSlice(sig[32:]) || r.IsZero() || s.IsZero() {
		return ck.CKR_SIGNATURE_INVALID
	}
	if !k1ecdsa.NewSignature(&r, &s).Verify(digest, v.pub) {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}

// k1Secret is the ECDH shared secret Z (the x-coordinate of d*Q, 32 bytes).
func k1Secret(base *Key, peer []byte) ([]byte, error) {
	priv, err := k1PrivateKey(base)
	if err != nil {
		return nil, err
	}
	point, err := DecodeECPoint(curveK1, peer)
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	pub, _ := k1Point(point)
	return secp256k1.GenerateSharedSecret(priv, pub), nil
}
