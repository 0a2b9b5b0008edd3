package mechanisms

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"os/exec"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestPKCS8MultiPrimeRSA: openssl's three-prime RSA key unwraps from PKCS #8
// as n, e and d (no PKCS #11 attributes hold a third prime), signs as the
// key it is, and wraps back to PKCS #8 openssl reads as the same key.
func TestPKCS8MultiPrimeRSA(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	out, err := exec.Command(openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
		"-pkeyopt", "rsa_keygen_primes:3").Output() // PEM is PKCS #8 (DER would be PKCS #1)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(out)
	if blk == nil {
		t.Fatal("no PEM from openssl genpkey")
	}
	der := blk.Bytes
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil || len(parsed.(*rsa.PrivateKey).Primes) != 3 {
		t.Fatalf("openssl did not make a three-prime PKCS #8 key: %v", err)
	}
	want := parsed.(*rsa.PrivateKey)
	attrs, err := privateKeyAttrs(der, ck.Template{{Type: ck.CKA_CLASS, Value: ck.EncodeULong(ck.ULong(ck.CKO_PRIVATE_KEY))}})
	if err != nil {
		t.Fatalf("unwrap: %v", err)
	}
	if _, ok := attrs[ck.CKA_PRIME_1]; ok || !bytes.Equal(attrs[ck.CKA_PRIVATE_EXPONENT], want.D.Bytes()) || !bytes.Equal(attrs[ck.CKA_MODULUS], want.N.Bytes()) {
		t.Fatal("a three-prime key should come out as n, e, d only")
	}
	key := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_RSA, Attrs: attrs}
	s, err := mustLookup(t, ck.CKM_SHA256_RSA_PKCS).(Signer).SignInit(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("three primes")
	sig, err := s.Sign(msg)
	digest := sha256.Sum256(msg)
	if err != nil || rsa.VerifyPKCS1v15(&want.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		t.Fatalf("the unwrapped key does not sign as openssl's key: %v", err)
	}
	back, err := wrapValue(key)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(openssl, "pkey", "-inform", "DER", "-check", "-noout")
	cmd.Stdin = bytes.NewReader(back)
	if out, err := cmd.CombinedOutput(); err != nil || !bytes.Contains(out, []byte("Key is valid")) {
		t.Errorf("openssl pkey -check on the wrapped key: %v %s", err, out)
	}
	again, err := x509.ParsePKCS8PrivateKey(back)
	if err != nil || !again.(*rsa.PrivateKey).Equal(want) {
		t.Errorf("the wrapped key is not openssl's key: %v", err)
	}
}
