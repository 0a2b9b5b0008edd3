package mechanisms

import (
	"crypto/rand"
	"crypto/rsa"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

// rsaRawPrivate computes c^d mod n for raw RSA (CKM_RSA_X_509), which Go's
// crypto/rsa does not expose. The base is blinded with a fresh random r
// (c·r^e, unblinded by r⁻¹) so that big.Int's variable-time arithmetic does
// not see the caller's input, the CRT halves use the precomputed values, and
// the result is checked with the public exponent before it is returned: a
// fault in one CRT half would otherwise hand out a factor of n. The caller
// has checked c < n. math/big is not constant-time in the exponent; blinding
// covers the input, not d, which is why the other RSA mechanisms use crypto/rsa.
func rsaRawPrivate(priv *rsa.PrivateKey, c *big.Int) (*big.Int, error) {
	n := priv.N
	e := big.NewInt(int64(priv.E))
	var r, rInv *big.Int
	for {
		var err error
		r, err = rand.Int(rand.Reader, n)
		if err != nil {
			return nil, ck.CKR_FUNCTION_FAILED
		}
		if r.Sign() == 0 {
			continue
		}
		if rInv = new(big.Int).ModInverse(r, n); rInv != nil {
			break
		}
	}
	blinded := new(big.Int).Exp(r, e, n)
	blinded.Mul(blinded, c).Mod(blinded, n)

	var m *big.Int
	pc := priv.Precomputed
	if len(priv.Primes) == 2 && pc.Dp != nil && pc.Dq != nil && pc.Qinv != nil {
		p, q := priv.Primes[0], priv.Primes[1]
		m1 := new(big.Int).Exp(new(big.Int).Mod(blinded, p), pc.Dp, p)
		m2 := new(big.Int).Exp(new(big.Int).Mod(blinded, q), pc.Dq, q)
		// Garner: m = m2 + q·((m1 - m2)·qInv mod p).
		h := new(big.Int).Sub(m1, m2)
		h.Mul(h, pc.Qinv).Mod(h, p)
		m = h.Mul(h, q).Add(h, m2)
	} else {
		m = new(big.Int).Exp(blinded, priv.D, n)
	}
	m.Mul(m, rInv).Mod(m, n)

	if new(big.Int).Exp(m, e, n).Cmp(c) != 0 {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return m, nil
}

// rsaRawPublic computes m^e mod n (public values only).
func rsaRawPublic(pub *rsa.PublicKey, m *big.Int) *big.Int {
	return new(big.Int).Exp(m, big.NewInt(int64(pub.E)), pub.N)
}

// rsaRawInput reads the caller's bytes as an integer below n: PKCS #11 pads
// a short input on the left with zeros, so only a longer input (tooLong) or
// a value not below n (tooBig) is refused.
func rsaRawInput(n *big.Int, k int, in []byte, tooLong, tooBig ck.RV) (*big.Int, error) {
	if len(in) > k {
		return nil, tooLong
	}
	x := new(big.Int).SetBytes(in)
	if x.Cmp(n) >= 0 {
		return nil, tooBig
	}
	return x, nil
}
