package mechanisms

import (
	"crypto/elliptic"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// decompressECPoint turns a compressed point (0x02 or 0x03 || X, X9.62 and
// SEC 1 §2.3.4, which openssl writes with -ec_conv_form compressed) into the
// uncompressed 0x04 || X || Y the rest of the package uses. ok is false when
// p is not in compressed form or not a point of c.
func decompressECPoint(c *Curve, p []byte) ([]byte, bool) {
	if len(p) != 1+c.Size() || (p[0] != 2 && p[0] != 3) {
		return nil, false
	}
	if c == curveK1 { // a = 0: elliptic's generic code assumes a = -3
		pub, err := secp256k1.ParsePubKey(p)
		if err != nil {
			return nil, false
		}
		return pub.SerializeUncompressed(), true
	}
	x, y := elliptic.UnmarshalCompressed(c.Curve, p)
	if x == nil {
		return nil, false
	}
	out := make([]byte, 1+2*c.Size())
	out[0] = 4
	x.FillBytes(out[1 : 1+c.Size()])
	y.FillBytes(out[1+c.Size():])
	return out, true
}
