package mechanisms

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestRSAKeyWithoutPrimes: a private key object with only n, e and d signs
// exactly as the full key does (PKCS #1 v1.5 is deterministic).
func TestRSAKeyWithoutPrimes(t *testing.T) {
	_, full := rsaTestKeys(t)
	bare := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_RSA, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_MODULUS:          full.Attrs[ck.CKA_MODULUS],
		ck.CKA_PUBLIC_EXPONENT:  full.Attrs[ck.CKA_PUBLIC_EXPONENT],
		ck.CKA_PRIVATE_EXPONENT: full.Attrs[ck.CKA_PRIVATE_EXPONENT],
	}}
	msg := []byte("no primes given")
	if !bytes.Equal(signWith(t, ck.CKM_SHA256_RSA_PKCS, bare, msg), signWith(t, ck.CKM_SHA256_RSA_PKCS, full, msg)) {
		t.Fatal("signatures differ")
	}
	k, _ := rsaPrivateKey(bare)
	p, q := rsaTestPriv.Primes[0], rsaTestPriv.Primes[1]
	got := []*big.Int{k.Primes[0], k.Primes[1]}
	if !(got[0].Cmp(p) == 0 && got[1].Cmp(q) == 0 || got[0].Cmp(q) == 0 && got[1].Cmp(p) == 0) {
		t.Fatal("recovered primes differ")
	}
	wrong := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_RSA, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_MODULUS: full.Attrs[ck.CKA_MODULUS], ck.CKA_PUBLIC_EXPONENT: full.Attrs[ck.CKA_PUBLIC_EXPONENT],
		ck.CKA_PRIVATE_EXPONENT: append(bytes.Clone(full.Attrs[ck.CKA_PRIVATE_EXPONENT][:100]), 3),
	}}
	if _, err := rsaPrivateKey(wrong); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("inconsistent d: %v", err)
	}
}
