package mechanisms

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"math/big"
	"os"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var (
	rsaOnce         sync.Once
	rsaTestPriv     *rsa.PrivateKey
	rsaPubKey       *Key
	rsaPrivKey      *Key
	rsaTestKeyError error
)

// rsaTestKeys returns the Key objects of testdata/rsa2048.pem, made by openssl.
func rsaTestKeys(t testing.TB) (pub, priv *Key) {
	t.Helper()
	rsaOnce.Do(func() {
		b, err := os.ReadFile("testdata/rsa2048.pem")
		if err != nil {
			rsaTestKeyError = err
			return
		}
		blk, _ := pem.Decode(b)
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			rsaTestKeyError = err
			return
		}
		rsaTestPriv = k.(*rsa.PrivateKey)
		rsaPubKey, rsaPrivKey = rsaKeyObjects(rsaTestPriv)
	})
	if rsaTestKeyError != nil {
		t.Fatal(rsaTestKeyError)
	}
	return rsaPubKey, rsaPrivKey
}

func rsaKeyObjects(k *rsa.PrivateKey) (pub, priv *Key) {
	e := big.NewInt(int64(k.E)).Bytes()
	pub = &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_RSA, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_MODULUS: k.N.Bytes(), ck.CKA_PUBLIC_EXPONENT: e}}
	priv = &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_RSA, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_MODULUS: k.N.Bytes(), ck.CKA_PUBLIC_EXPONENT: e, ck.CKA_PRIVATE_EXPONENT: k.D.Bytes(),
		ck.CKA_PRIME_1: k.Primes[0].Bytes(), ck.CKA_PRIME_2: k.Primes[1].Bytes()}}
	return pub, priv
}

// pssParamBytes lays out CK_RSA_PKCS_PSS_PARAMS as cexport hands it over.
func pssParamBytes(h ck.MechanismType, mgf ck.MGF, salt int) []byte {
	b := make([]byte, 24)
	binary.NativeEndian.PutUint64(b[0:], uint64(h))
	binary.NativeEndian.PutUint64(b[8:], uint64(mgf))
	binary.NativeEndian.PutUint64(b[16:], uint64(salt))
	return b
}

func init() {
	rsaPub := func(t *testing.T) *Key { p, _ := rsaTestKeys(t); return p }
	rsaPriv := func(t *testing.T) *Key { _, p := rsaTestKeys(t); return p }
	addFixture(fixture{signKey: rsaPriv, verifyKey: rsaPub, encKey: rsaPub, decKey: rsaPriv}, ck.CKM_RSA_PKCS)
	addFixture(fixture{pubTmpl: ck.Template{{Type: ck.CKA_MODULUS_BITS, Value: ck.EncodeULong(1024)}}}, ck.CKM_RSA_PKCS_KEY_PAIR_GEN)
	for _, h := range rsaHashes {
		addFixture(fixture{signKey: rsaPriv, verifyKey: rsaPub}, h.pkcs1)
		addFixture(fixture{signKey: rsaPriv, verifyKey: rsaPub, param: func() any { return pssParamBytes(h.digest, h.mgf, 20) }}, h.pss)
	}
	addFixture(fixture{signKey: rsaPriv, verifyKey: rsaPub, data: make([]byte, 32),
		param: func() any { return pssParamBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32) }}, ck.CKM_RSA_PKCS_PSS)
}
