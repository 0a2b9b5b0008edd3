package mechanisms

import (
	"crypto/ed25519"
	"crypto/rand"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/gohsm/gohsm/ck"
)

// CKM_EC_EDWARDS_KEY_PAIR_GEN on Ed25519 and Ed448 (rfc8410_keygen.go); the
// private key's CKA_VALUE is the seed.
func init() {
	Register(rfc8410KeyPairGen{ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, ck.CKK_EC_EDWARDS, edwardsCurves, edGenerate})
}

func edGenerate(c *edCurve) (pk, seed []byte, err error) {
	if c == curveEd448 {
		p, sk, err := ed448.GenerateKey(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		return p, sk.Seed(), nil
	}
	p, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	return p, sk.Seed(), nil
}
