package mechanisms

import (
	"crypto/ecdh"
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
)

// CKM_EC_MONTGOMERY_KEY_PAIR_GEN on X25519 and X448 (rfc8410_keygen.go); the
// keys are for CKM_ECDH1_DERIVE.
func init() {
	Register(rfc8410KeyPairGen{ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, ck.CKK_EC_MONTGOMERY, montgomeryCurves, montGenerate})
}

func montGenerate(c *edCurve) (pk, d []byte, err error) {
	if c == curveX448 {
		return x448Generate()
	}
	sk, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	return sk.PublicKey().Bytes(), sk.Bytes(), nil
}
