package mechanisms

import "github.com/gohsm/gohsm/ck"

// mldsaSKShape is the layout of a FIPS 204 encoded private key (skEncode,
// Algorithm 24): rho, K and tr (128 bytes), then l polynomials of s1 and k
// of s2, each coefficient stored as eta - c in bits(2*eta) bits, then t0.
type mldsaSKShape struct{ k, l, eta int }

var mldsaSKShapes = map[ck.MLDSAParameterSet]mldsaSKShape{
	ck.CKP_ML_DSA_44: {4, 4, 2},
	ck.CKP_ML_DSA_65: {6, 5, 4},
	ck.CKP_ML_DSA_87: {8, 7, 2},
}

// mldsaSKInRange reports whether every coefficient of s1 and s2 in the
// encoded private key sk lies in [-eta, eta], i.e. each stored value is at
// most 2*eta. The bit packing can hold larger values, which no key generation
// makes; circl decodes them without complaint and would sign with them, so an
// imported CKA_VALUE is checked here (Wycheproof's mldsa_*_sign_noseed
// InvalidPrivateKey vectors).
func mldsaSKInRange(ps ck.MLDSAParameterSet, sk []byte) bool {
	shape, ok := mldsaSKShapes[ps]
	if !ok {
		return false
	}
	bits := 3
	if shape.eta == 4 {
		bits = 4
	}
	n := 256 * (shape.k + shape.l) // coefficients of s1 and s2
	packed := sk[128:]
	if len(packed) < n*bits/8 {
		return false
	}
	for i := 0; i < n; i++ {
		bit := i * bits
		// A value never straddles more than two bytes (bits <= 4).
		w := uint(packed[bit/8])
		if bit/8+1 < len(packed) {
			w |= uint(packed[bit/8+1]) << 8
		}
		if int(w>>(bit%8)&(1<<bits-1)) > 2*shape.eta {
			return false
		}
	}
	return true
}
