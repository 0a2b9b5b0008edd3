package mechanisms

import (
	"math/big"
	"slices"
)

// recoverPrimes factors n from the exponents e and d (NIST SP 800-56B rev 2,
// appendix C), for private key objects created without CKA_PRIME_1/2: Go's
// RSA needs the primes. It runs once per key (the parsed key is cached).
func recoverPrimes(n *big.Int, e int, d *big.Int) (p, q *big.Int, ok bool) {
	one := big.NewInt(1)
	nm1 := new(big.Int).Sub(n, one)
	k := new(big.Int).Mul(d, big.NewInt(int64(e)))
	k.Sub(k, one) // k = de - 1, a multiple of lcm(p-1, q-1)
	if k.Sign() <= 0 || k.Bit(0) != 0 {
		return nil, nil, false
	}
	t := 0
	r := new(big.Int).Set(k)
	for r.Bit(0) == 0 {
		r.Rsh(r, 1)
		t++
	}
	// Each base finds a factor with probability at least 1/2; 100 bases fail
	// only for inconsistent n, e, d.
	for g := int64(2); g < 102; g++ {
		y := new(big.Int).Exp(big.NewInt(g), r, n)
		if y.Cmp(one) == 0 || y.Cmp(nm1) == 0 {
			continue
		}
		for i := 1; i <= t; i++ {
			x := new(big.Int).Exp(y, big.NewInt(2), n)
			if x.Cmp(one) == 0 { // y is a nontrivial square root of 1
				p := new(big.Int).GCD(nil, nil, new(big.Int).Sub(y, one), n)
				q := new(big.Int).Div(n, p)
				if p.Cmp(one) == 0 || q.Cmp(one) == 0 {
					return nil, nil, false
				}
				if p.Cmp(q) < 0 {
					p, q = q, p
				}
				return p, q, true
			}
			if x.Cmp(nm1) == 0 {
				break
			}
			y = x
		}
	}
	return nil, nil, false
}

// maxRSAPrimes bounds the factors recoverAllPrimes looks for (RFC 8017
// allows any number; keys in use have at most a handful).
const maxRSAPrimes = 16

// recoverAllPrimes factors n completely from e and d: two primes for a usual
// key, more for a multi-prime one (PKCS#11 has no attributes for a third
// prime, so such a key comes as n, e and d). de-1 is a multiple of the
// Carmichael function of every factor of n, so a composite factor m splits
// the same way n did.
func recoverAllPrimes(n *big.Int, e int, d *big.Int) ([]*big.Int, bool) {
	todo, primes := []*big.Int{n}, []*big.Int(nil)
	for len(todo) > 0 && len(primes)+len(todo) <= maxRSAPrimes {
		m := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if m.ProbablyPrime(0) {
			primes = append(primes, m)
			continue
		}
		p, q, ok := recoverPrimes(m, e, d)
		if !ok {
			return nil, false
		}
		todo = append(todo, p, q)
	}
	if len(todo) > 0 || len(primes) < 2 {
		return nil, false
	}
	// Largest first, as recoverPrimes gives two: CKA_PRIME_1 > CKA_PRIME_2 on export.
	slices.SortFunc(primes, func(a, b *big.Int) int { return b.Cmp(a) })
	return primes, true
}
