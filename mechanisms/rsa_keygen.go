package mechanisms

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

// rsaKeyPairGen is CKM_RSA_PKCS_KEY_PAIR_GEN.
type rsaKeyPairGen struct{}

func init() { Register(rsaKeyPairGen{}) }

func (rsaKeyPairGen) Type() ck.MechanismType { return ck.CKM_RSA_PKCS_KEY_PAIR_GEN }
func (rsaKeyPairGen) Info() Info             { return Info{MinKeySize: rsaMinBits, MaxKeySize: rsaMaxBits} }

// rsaDefaultExponent is used when the public template has no CKA_PUBLIC_EXPONENT.
const rsaDefaultExponent = 65537

// GenerateKeyPair takes CKA_MODULUS_BITS (required) and CKA_PUBLIC_EXPONENT
// (optional, 65537 when absent) from the public template. Any odd exponent
// from 3 to 2^31-1 is accepted: that is the range Go's crypto/rsa operates
// with, so a larger one would make a key no mechanism here could use. An
// even exponent, 1, or one out of range is CKR_ATTRIBUTE_VALUE_INVALID.
func (rsaKeyPairGen) GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error) {
	if err := checkKeyType(pubTmpl, ck.CKK_RSA); err != nil {
		return nil, nil, err
	}
	if err := checkKeyType(privTmpl, ck.CKK_RSA); err != nil {
		return nil, nil, err
	}
	bits, ok, err := pubTmpl.ULong(ck.CKA_MODULUS_BITS)
	if err != nil {
		return nil, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if !ok {
		return nil, nil, ck.CKR_TEMPLATE_INCOMPLETE
	}
	if bits < rsaMinBits || bits > rsaMaxBits {
		return nil, nil, ck.CKR_KEY_SIZE_RANGE
	}
	e := rsaDefaultExponent
	if v, ok := pubTmpl.Lookup(ck.CKA_PUBLIC_EXPONENT); ok {
		if e, ok = rsaExponent(v); !ok {
			return nil, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
	}
	k, err := rsaGenerate(rand.Reader, int(bits), e)
	if err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	kt := ck.EncodeULong(ck.ULong(ck.CKK_RSA))
	n, eb := k.N.Bytes(), big.NewInt(int64(k.E)).Bytes()
	pub = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:        kt,
		ck.CKA_MODULUS:         n,
		ck.CKA_MODULUS_BITS:    ck.EncodeULong(ck.ULong(k.N.BitLen())),
		ck.CKA_PUBLIC_EXPONENT: eb,
	}
	priv = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:         bytes.Clone(kt),
		ck.CKA_MODULUS:          bytes.Clone(n),
		ck.CKA_PUBLIC_EXPONENT:  bytes.Clone(eb),
		ck.CKA_PRIVATE_EXPONENT: k.D.Bytes(),
		ck.CKA_PRIME_1:          k.Primes[0].Bytes(),
		ck.CKA_PRIME_2:          k.Primes[1].Bytes(),
		ck.CKA_EXPONENT_1:       k.Precomputed.Dp.Bytes(),
		ck.CKA_EXPONENT_2:       k.Precomputed.Dq.Bytes(),
		ck.CKA_COEFFICIENT:      k.Precomputed.Qinv.Bytes(),
	}
	return pub, priv, nil
}

// rsaGenerate makes a two-prime RSA key with a modulus of exactly nlen bits
// and public exponent e (odd, >= 3), after FIPS 186-5 A.1.3 (random probable
// primes) and 5.4 (the private exponent). Go's rsa.GenerateKey fixes
// e = 65537, so every exponent, 65537 included, takes this one path.
//
// For an odd nlen p gets the extra bit. Each prime is at least
// sqrt(2)·2^(bits-1), so p·q >= 2^(nlen-1): the modulus never comes out a
// bit short.
func rsaGenerate(random io.Reader, nlen, e int) (*rsa.PrivateKey, error) {
	if nlen < 2*rsaMinPrimeBits || e < 3 || e&1 == 0 {
		return nil, ck.CKR_ARGUMENTS_BAD
	}
	pBits, qBits := (nlen+1)/2, nlen/2
	// |p - q| > 2^(nlen/2 - 100) (A.1.3 step 5.4).
	minDiff := new(big.Int).Lsh(big.NewInt(1), uint(nlen/2-100))
	// d > 2^(nlen/2) (5.4(b)); for an odd nlen the larger half.
	minD := new(big.Int).Lsh(big.NewInt(1), uint(pBits))
	bigE := big.NewInt(int64(e))
	one := big.NewInt(1)
	for {
		p, err := rsaPrime(random, pBits, e, nil, nil)
		if err != nil {
			return nil, err
		}
		q, err := rsaPrime(random, qBits, e, p, minDiff)
		if err != nil {
			return nil, err
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != nlen { // impossible with the bounds above; checked all the same
			continue
		}
		pm1, qm1 := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
		g := new(big.Int).GCD(nil, nil, pm1, qm1)
		lambda := new(big.Int).Mul(pm1, qm1)
		lambda.Quo(lambda, g)
		d := new(big.Int).ModInverse(bigE, lambda)
		if d == nil || d.Cmp(minD) <= 0 { // d too small: start again with new primes (5.4(b))
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: e}, D: d, Primes: []*big.Int{p, q}}
		if err := k.Validate(); err != nil {
			return nil, ck.CKR_FUNCTION_FAILED
		}
		k.Precompute()
		return k, nil
	}
}

// rsaMinPrimeBits is the smallest prime rsaGenerate makes (a 1024-bit key's).
const rsaMinPrimeBits = 512

// rsaPrime returns a probable prime p of exactly bits bits with
// p >= sqrt(2)·2^(bits-1) and gcd(p-1, e) = 1 (A.1.3 step 4). When other is
// given, |p - other| must exceed minDiff (step 5.4). Candidates are fresh
// random numbers each time, as A.1.3 draws them; a cheap sieve by small
// primes comes before the Miller-Rabin rounds. After 5·bits candidates
// have failed the primality test it gives up, as step 4.7 does.
func rsaPrime(random io.Reader, bits, e int, other, minDiff *big.Int) (*big.Int, error) {
	// lo = ceil(sqrt(2^(2·bits-1))) = ceil(sqrt(2)·2^(bits-1)).
	lo := new(big.Int).Lsh(big.NewInt(1), uint(2*bits-1))
	lo.Sqrt(lo).Add(lo, big.NewInt(1))
	buf := make([]byte, (bits+7)/8)
	top := uint(bits % 8)
	if top == 0 {
		top = 8
	}
	rounds := rsaMillerRabinRounds(bits)
	p := new(big.Int)
	diff := new(big.Int)
	for tested := 0; tested < 5*bits; {
		if _, err := io.ReadFull(random, buf); err != nil {
			return nil, ck.CKR_FUNCTION_FAILED
		}
		buf[0] &= byte(1<<top - 1)
		buf[0] |= byte(1 << (top - 1)) // exactly bits bits
		buf[len(buf)-1] |= 1
		p.SetBytes(buf)
		if p.Cmp(lo) < 0 || !rsaSieve(p, e) {
			continue
		}
		if other != nil && diff.Sub(p, other).CmpAbs(minDiff) <= 0 {
			continue
		}
		tested++
		if p.ProbablyPrime(rounds) {
			return new(big.Int).Set(p), nil
		}
	}
	return nil, ck.CKR_FUNCTION_FAILED
}

// rsaMillerRabinRounds is the number of Miller-Rabin rounds with random
// bases for a prime of this size (FIPS 186-5 table B.1, error below 2^-100
// for 512-bit primes and 2^-112 or better above). ProbablyPrime adds one
// base-2 round and a Lucas test (Baillie-PSW) to these.
func rsaMillerRabinRounds(bits int) int {
	switch {
	case bits < 1024:
		return 7
	case bits < 1536:
		return 5
	}
	return 4
}

// rsaSmallPrimes are the odd primes below 2^10, packed into products that
// fit a uint64 so that one big.Int division checks several at once.
var rsaSmallPrimes, rsaSmallProducts = func() ([][]uint64, []uint64) {
	var groups [][]uint64
	var prods []uint64
	var g []uint64
	prod := uint64(1)
	for c := uint64(3); c < 1024; c += 2 {
		isPrime := true
		for d := uint64(3); d*d <= c; d += 2 {
			if c%d == 0 {
				isPrime = false
				break
			}
		}
		if !isPrime {
			continue
		}
		if prod > (1<<64-1)/c {
			groups, prods = append(groups, g), append(prods, prod)
			g, prod = nil, 1
		}
		g, prod = append(g, c), prod*c
	}
	return append(groups, g), append(prods, prod)
}()

// rsaSieve reports whether p has no small odd prime factor and p-1 is
// coprime with e. p is odd and far above the small primes.
func rsaSieve(p *big.Int, e int) bool {
	r := new(big.Int)
	m := new(big.Int)
	for i, prod := range rsaSmallProducts {
		rem := r.Mod(p, m.SetUint64(prod)).Uint64()
		for _, sp := range rsaSmallPrimes[i] {
			if rem%sp == 0 {
				return false
			}
		}
	}
	// gcd(p-1, e) = gcd(e, (p-1) mod e).
	a, b := uint64(e), r.Mod(p, m.SetInt64(int64(e))).Uint64()
	b = (b + uint64(e) - 1) % uint64(e)
	for b != 0 {
		a, b = b, a%b
	}
	return a == 1
}
