package mechanisms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/gohsm/gohsm/ck"
)

// genRSA runs CKM_RSA_PKCS_KEY_PAIR_GEN with bits and the exponent bytes e
// (none when nil).
func genRSA(t testing.TB, bits int, e []byte) (pub, priv *Key, err error) {
	g := mustLookup(t, ck.CKM_RSA_PKCS_KEY_PAIR_GEN).(KeyPairGenerator)
	tmpl := ck.Template{{Type: ck.CKA_MODULUS_BITS, Value: ck.EncodeULong(ck.ULong(bits))}}
	if e != nil {
		tmpl = append(tmpl, ck.Attribute{Type: ck.CKA_PUBLIC_EXPONENT, Value: e})
	}
	pa, va, err := g.GenerateKeyPair(tmpl, nil)
	if err != nil {
		return nil, nil, err
	}
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_RSA, Attrs: pa},
		&Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_RSA, Attrs: va}, nil
}

// checkRSAKey asserts the FIPS 186-5 properties of a generated key and that
// it signs, verifies, encrypts and decrypts through the mechanisms.
func checkRSAKey(t *testing.T, pub, priv *Key, bits, e int) {
	t.Helper()
	a := priv.Attrs
	num := func(at ck.AttributeType) *big.Int { return new(big.Int).SetBytes(a[at]) }
	n, p, q, d := num(ck.CKA_MODULUS), num(ck.CKA_PRIME_1), num(ck.CKA_PRIME_2), num(ck.CKA_PRIVATE_EXPONENT)
	if got, _ := ck.DecodeULong(pub.Attrs[ck.CKA_MODULUS_BITS]); int(got) != bits || n.BitLen() != bits {
		t.Fatalf("CKA_MODULUS_BITS %d, modulus %d bits, want %d", got, n.BitLen(), bits)
	}
	if !bytes.Equal(pub.Attrs[ck.CKA_MODULUS], a[ck.CKA_MODULUS]) || !bytes.Equal(pub.Attrs[ck.CKA_PUBLIC_EXPONENT], a[ck.CKA_PUBLIC_EXPONENT]) {
		t.Fatal("public and private halves disagree")
	}
	if ge := num(ck.CKA_PUBLIC_EXPONENT); !ge.IsInt64() || ge.Int64() != int64(e) {
		t.Fatalf("CKA_PUBLIC_EXPONENT %v, want %d", ge, e)
	}
	if new(big.Int).Mul(p, q).Cmp(n) != 0 || !p.ProbablyPrime(10) || !q.ProbablyPrime(10) {
		t.Fatal("n is not the product of the two primes")
	}
	one, bigE := big.NewInt(1), big.NewInt(int64(e))
	pm1, qm1 := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
	for _, x := range []*big.Int{pm1, qm1} {
		if new(big.Int).GCD(nil, nil, bigE, x).Cmp(one) != 0 {
			t.Fatal("e shares a factor with p-1 or q-1")
		}
	}
	if p.BitLen() != (bits+1)/2 || q.BitLen() != bits/2 {
		t.Errorf("primes of %d and %d bits for a %d-bit key", p.BitLen(), q.BitLen(), bits)
	}
	if new(big.Int).Sub(p, q).CmpAbs(new(big.Int).Lsh(one, uint(bits/2-100))) <= 0 {
		t.Error("|p-q| too small")
	}
	lambda := new(big.Int).Mul(pm1, qm1)
	lambda.Quo(lambda, new(big.Int).GCD(nil, nil, pm1, qm1))
	if new(big.Int).Mod(new(big.Int).Mul(d, bigE), lambda).Cmp(one) != 0 || d.Cmp(lambda) >= 0 {
		t.Error("d is not e^-1 mod lcm(p-1, q-1)")
	}
	if d.BitLen() <= (bits+1)/2 {
		t.Errorf("d has %d bits, want more than %d", d.BitLen(), (bits+1)/2)
	}
	for at, want := range map[ck.AttributeType]*big.Int{
		ck.CKA_EXPONENT_1: new(big.Int).Mod(d, pm1), ck.CKA_EXPONENT_2: new(big.Int).Mod(d, qm1),
		ck.CKA_COEFFICIENT: new(big.Int).ModInverse(q, p),
	} {
		if num(at).Cmp(want) != 0 {
			t.Errorf("%v wrong", at)
		}
	}

	msg := []byte("gohsm rsa keygen")
	sig := signWith(t, ck.CKM_SHA256_RSA_PKCS, priv, msg)
	v, err := mustLookup(t, ck.CKM_SHA256_RSA_PKCS).(Verifier).VerifyInit(pub, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(msg, sig); err != nil {
		t.Fatalf("verify: %v", err)
	}
	gk := &rsa.PublicKey{N: n, E: e}
	h := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(gk, crypto.SHA256, h[:], sig); err != nil {
		t.Fatalf("Go's crypto/rsa rejects the signature: %v", err)
	}
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, gk, msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := mustLookup(t, ck.CKM_RSA_PKCS_OAEP).(Decrypter).DecryptInit(priv, &ck.OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256})
	if err != nil {
		t.Fatal(err)
	}
	pt, err := dec.Do(ct)
	if err != nil || !bytes.Equal(pt, msg) {
		t.Fatalf("OAEP decrypt = %q, %v", pt, err)
	}
}

// TestRSAKeyGenExponents: keys of exactly the asked size (odd sizes too)
// for any odd exponent from 3 to 2^31-1, each satisfying FIPS 186-5's
// conditions and working for signing and OAEP.
func TestRSAKeyGenExponents(t *testing.T) {
	for _, tc := range []struct {
		bits int
		e    int
	}{
		{1024, 3}, {1025, 17}, {2048, 65537}, {2049, 65539}, {3000, 3}, {1536, 1<<31 - 1}, {4096, 65537},
	} {
		eb := big.NewInt(int64(tc.e)).Bytes()
		pub, priv, err := genRSA(t, tc.bits, eb)
		if err != nil {
			t.Fatalf("%d bits, e=%d: %v", tc.bits, tc.e, err)
		}
		checkRSAKey(t, pub, priv, tc.bits, tc.e)
	}
	// No exponent in the template: 65537.
	pub, priv, err := genRSA(t, 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRSAKey(t, pub, priv, 1024, 65537)
	// Leading zero bytes in the exponent are the same number.
	pub, priv, err = genRSA(t, 1024, []byte{0, 0, 0, 3})
	if err != nil {
		t.Fatal(err)
	}
	checkRSAKey(t, pub, priv, 1024, 3)
}

func TestRSAKeyGenBadExponents(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    []byte
	}{
		{"empty", []byte{}},
		{"1", []byte{1}},
		{"2", []byte{2}},
		{"even 65536", []byte{1, 0, 0}},
		{"2^31+1", big.NewInt(1<<31 + 1).Bytes()},
		{"2^64+1", new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 64), big.NewInt(1)).Bytes()},
		{"zero", []byte{0}},
	} {
		if _, _, err := genRSA(t, 1024, tc.e); err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
			t.Errorf("exponent %s: err = %v, want CKR_ATTRIBUTE_VALUE_INVALID", tc.name, err)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

// A broken random source is CKR_FUNCTION_FAILED, never a key.
func TestRSAGenerateRandomFailure(t *testing.T) {
	if _, err := rsaGenerate(failingReader{}, 2048, 65537); err != ck.CKR_FUNCTION_FAILED {
		t.Fatalf("err = %v, want CKR_FUNCTION_FAILED", err)
	}
	if _, err := rsaGenerate(rand.Reader, 2048, 4); err != ck.CKR_ARGUMENTS_BAD {
		t.Fatalf("even e: err = %v", err)
	}
}

// rsaSieve refuses candidates with small factors and those with e | p-1.
func TestRSASieve(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *big.Int
		e    int
		want bool
	}{
		{"multiple of 1021", new(big.Int).Mul(big.NewInt(1021), big.NewInt(1000003)), 65537, false},
		{"multiple of 3", new(big.Int).Mul(big.NewInt(3), big.NewInt(1000003)), 65537, false},
		{"p-1 multiple of e=3", big.NewInt(1000003), 3, false}, // 1000003 is prime, 1000002 = 2·3·166667
		{"prime 1000003, e=65537", big.NewInt(1000003), 65537, true},
	} {
		got := rsaSieve(tc.p, tc.e)
		if got != tc.want {
			t.Errorf("%s: rsaSieve = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRSAKeyGenLarge makes 8192- and 16384-bit keys. It is slow (minutes
// for 16384 bits), so it runs only with GOHSM_RSA_BIG=1 and not with -short.
func TestRSAKeyGenLarge(t *testing.T) {
	if testing.Short() || os.Getenv("GOHSM_RSA_BIG") != "1" {
		t.Skip("set GOHSM_RSA_BIG=1 (and no -short) to generate 8192- and 16384-bit keys")
	}
	for _, bits := range []int{8192, 16384} {
		start := time.Now()
		pub, priv, err := genRSA(t, bits, []byte{3})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d bits: %v", bits, time.Since(start))
		checkRSAKey(t, pub, priv, bits, 3)
	}
}
