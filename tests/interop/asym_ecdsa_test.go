package interop

import (
	"bytes"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"fmt"
	"math/big"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// ecdsaRounds is how many signatures each direction makes per key and
// mechanism family (raw-digest CKM_ECDSA, hashing CKM_ECDSA_SHA*).
const ecdsaRounds = 36

// TestECDSAInterop: on P-224, P-256, P-384, P-521 and secp256k1, with a key
// generated in the token and one made by openssl and imported, about 600
// signatures per curve (3,300 on secp256k1): CKM_ECDSA over digests of 1 to
// 100 bytes (shorter and longer than the order) and CKM_ECDSA_SHA1..SHA512
// and SHA3-224..512, single- and multi-part.
// The token's r||s signatures, in DER, verify in libcrypto (a batch program)
// and a few with the openssl command line; libcrypto's DER signatures, as
// r||s, verify with C_Verify; one changed byte fails on both sides.
func TestECDSAInterop(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := newEnv(t)
	for _, c := range ecCurves {
		t.Run(c.name, func(t *testing.T) {
			keys := []*keyPair{e.tokenKey(t, c), e.opensslKey(t, c)}
			for _, k := range keys {
				t.Run(k.origin, func(t *testing.T) {
					e := e.sub(t)
					e.ecdsaRaw(t, k)
					e.ecdsaHashed(t, k)
					e.ecdsaCLI(t, k)
				})
			}
			t.Run("volume", func(t *testing.T) { e.sub(t).ecdsaVolume(t, keys[0]) })
			t.Run("out-of-range", func(t *testing.T) { e.sub(t).ecdsaOutOfRange(t, keys[0]) })
		})
	}
}

// rsToDER turns an r||s signature into the DER SEQUENCE openssl reads.
func rsToDER(t testing.TB, sig []byte) []byte {
	t.Helper()
	n := len(sig) / 2
	return mustDER(t, struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
}

// derToRS turns openssl's DER signature into r||s of size bytes each.
func derToRS(t testing.TB, der []byte, size int) []byte {
	t.Helper()
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
		t.Fatalf("openssl's ECDSA signature is not DER: %v", err)
	}
	return append(rs.R.FillBytes(make([]byte, size)), rs.S.FillBytes(make([]byte, size))...)
}

// ecdsaCheck runs both directions for one mechanism over data: the token
// signs and libcrypto verifies (and rejects each signature with a byte
// changed), libcrypto signs and the token verifies (and rejects changes).
func (e *env) ecdsaCheck(t *testing.T, k *keyPair, name string, m []*pkcs11.Mechanism, md string, data [][]byte) {
	t.Helper()
	size := k.alg.size
	ours := make([][]byte, len(data))
	ders, bad := make([][]byte, len(data)), make([][]byte, len(data))
	multi := md != "raw" // the hashing mechanisms are multi-part too: every other one is
	for i, d := range data {
		if multi && i%2 == 1 {
			ours[i] = e.signParts(t, m, k.priv, d, 1+7*i)
		} else {
			ours[i] = e.sign(t, m, k.priv, d, name)
		}
		if len(ours[i]) != 2*size {
			t.Fatalf("%s: signature of %d bytes, want %d", name, len(ours[i]), 2*size)
		}
		ders[i], bad[i] = rsToDER(t, ours[i]), rsToDER(t, flip(ours[i], i))
	}
	for i, ok := range batchVerify(t, e.dir, k.pubPEM, md, data, ders) {
		if !ok {
			t.Errorf("%s: libcrypto rejects the token's signature %d (data %d bytes)", name, i, len(data[i]))
		}
	}
	for i, ok := range batchVerify(t, e.dir, k.pubPEM, md, data, bad) {
		if ok {
			t.Errorf("%s: libcrypto accepts the token's signature %d with a changed byte", name, i)
		}
	}
	for i, der := range batchSign(t, e.dir, k.privPEM, md, data) {
		sig := derToRS(t, der, size)
		verify := e.verify
		if multi && i%2 == 0 {
			verify = func(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data, sig []byte) error {
				return e.verifyParts(t, m, key, data, sig, 5+3*i)
			}
		}
		if err := verify(t, m, k.pub, data[i], sig); err != nil {
			t.Errorf("%s: C_Verify of libcrypto's signature %d (data %d bytes): %v", name, i, len(data[i]), err)
		}
		hsmtest.WantRV(t, verify(t, m, k.pub, data[i], flip(sig, i+1)), fmt.Sprintf("%s: C_Verify of libcrypto's signature %d changed", name, i),
			pkcs11.CKR_SIGNATURE_INVALID)
	}
}

// ecdsaVolume: many more CKM_ECDSA signatures of the token key, all of
// which libcrypto must accept (SoftHSMv2 has made invalid secp256k1
// signatures a third of the time): 3,000 on secp256k1, 300 elsewhere.
func (e *env) ecdsaVolume(t *testing.T, k *keyPair) {
	n := 300
	if k.alg.name == "secp256k1" {
		n = 3000
	}
	data, sigs := make([][]byte, n), make([][]byte, n)
	for i := range data {
		data[i] = make([]byte, 32)
		rand.Read(data[i])
		sigs[i] = rsToDER(t, e.sign(t, mech(pkcs11.CKM_ECDSA, nil), k.priv, data[i]))
	}
	bad := 0
	for _, ok := range batchVerify(t, e.dir, k.pubPEM, "raw", data, sigs) {
		if !ok {
			bad++
		}
	}
	if bad != 0 {
		t.Errorf("libcrypto rejects %d of the token's %d CKM_ECDSA signatures", bad, n)
	}
}

// digestLens are CKM_ECDSA input lengths: under, at and over each order size.
var digestLens = []int{1, 16, 20, 28, 32, 48, 64, 66, 100}

func (e *env) ecdsaRaw(t *testing.T, k *keyPair) {
	data := make([][]byte, ecdsaRounds)
	for i := range data {
		data[i] = make([]byte, digestLens[i%len(digestLens)])
		rand.Read(data[i])
	}
	e.ecdsaCheck(t, k, "CKM_ECDSA", mech(pkcs11.CKM_ECDSA, nil), "raw", data)
}

func (e *env) ecdsaHashed(t *testing.T, k *keyPair) {
	for _, h := range hashes {
		data := make([][]byte, ecdsaRounds/len(hashes))
		for i := range data {
			data[i] = make([]byte, 37*i)
			rand.Read(data[i])
		}
		e.ecdsaCheck(t, k, "ECDSA-"+h.md, mech(h.ecdsa, nil), h.md, data)
	}
}

// ecdsaCLI: the openssl command line agrees too (dgst and pkeyutl).
func (e *env) ecdsaCLI(t *testing.T, k *keyPair) {
	msg := []byte("ECDSA checked by the openssl command line: " + k.String())
	msgFile := e.file(t, "msg", msg)
	h := hashByName("sha256")
	sig := e.sign(t, mech(h.ecdsa, nil), k.priv, msg)
	if !osslVerify(t, "dgst", "-sha256", "-verify", k.pubPEM, "-signature", e.file(t, "sig", rsToDER(t, sig)), msgFile) {
		t.Errorf("openssl dgst rejects the token's CKM_ECDSA_SHA256 signature")
	}
	digest := h.sum(msg)
	digestFile := e.file(t, "digest", digest)
	sig = e.sign(t, mech(pkcs11.CKM_ECDSA, nil), k.priv, digest)
	if !osslVerify(t, "pkeyutl", "-verify", "-pubin", "-inkey", k.pubPEM, "-in", digestFile, "-sigfile", e.file(t, "sig", rsToDER(t, sig))) {
		t.Errorf("openssl pkeyutl rejects the token's CKM_ECDSA signature")
	}
	if osslVerify(t, "pkeyutl", "-verify", "-pubin", "-inkey", k.pubPEM, "-in", digestFile, "-sigfile", e.file(t, "sig", rsToDER(t, flip(sig, 5)))) {
		t.Errorf("openssl pkeyutl accepts a changed CKM_ECDSA signature")
	}
	theirs := derToRS(t, openssl(t, nil, "dgst", "-sha256", "-sign", k.privPEM, msgFile), k.alg.size)
	hsmtest.Must(t, e.verify(t, mech(h.ecdsa, nil), k.pub, msg, theirs), "C_Verify(CKM_ECDSA_SHA256) of openssl dgst's signature")
	theirs = derToRS(t, openssl(t, nil, "pkeyutl", "-sign", "-inkey", k.privPEM, "-in", digestFile), k.alg.size)
	hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_ECDSA, nil), k.pub, digest, theirs), "C_Verify(CKM_ECDSA) of openssl pkeyutl's signature")
	if bytes.Equal(theirs, sig) {
		t.Error("two ECDSA signatures are equal: no fresh nonce")
	}
}

// curveOrder is the order n of each curve's base point.
func curveOrder(name string) *big.Int {
	switch name {
	case "P-224":
		return elliptic.P224().Params().N
	case "P-256":
		return elliptic.P256().Params().N
	case "P-384":
		return elliptic.P384().Params().N
	case "P-521":
		return elliptic.P521().Params().N
	}
	n, _ := new(big.Int).SetString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16) // secp256k1 (SEC 2)
	return n
}

// ecdsaOutOfRange: (r, n-s) is as valid as (r, s) on both sides; r or s of
// 0 or n, or s replaced by s+n, is refused by both (the token with
// CKR_SIGNATURE_INVALID).
func (e *env) ecdsaOutOfRange(t *testing.T, k *keyPair) {
	n, size := curveOrder(k.alg.name), k.alg.size
	digest := make([]byte, 32)
	rand.Read(digest)
	sig := e.sign(t, mech(pkcs11.CKM_ECDSA, nil), k.priv, digest)
	r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
	rs := func(r, s *big.Int) []byte {
		return append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
	}
	negS := rs(r, new(big.Int).Sub(n, s))
	hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_ECDSA, nil), k.pub, digest, negS), "C_Verify of (r, n-s)")
	cases := map[string][]byte{"r = 0": rs(big.NewInt(0), s), "s = 0": rs(r, big.NewInt(0)), "r = n": rs(n, s), "s = n": rs(r, n)}
	if sn := new(big.Int).Add(s, n); sn.BitLen() <= 8*size {
		cases["s + n"] = rs(r, sn)
	}
	if rn := new(big.Int).Add(r, n); rn.BitLen() <= 8*size {
		cases["r + n"] = rs(rn, s)
	}
	data, ders := [][]byte{digest}, [][]byte{rsToDER(t, negS)}
	for name, bad := range cases {
		hsmtest.WantRV(t, e.verify(t, mech(pkcs11.CKM_ECDSA, nil), k.pub, digest, bad), "C_Verify with "+name, pkcs11.CKR_SIGNATURE_INVALID)
		data, ders = append(data, digest), append(ders, rsToDER(t, bad))
	}
	for i, ok := range batchVerify(t, e.dir, k.pubPEM, "raw", data, ders) {
		if ok != (i == 0) {
			t.Errorf("libcrypto answers %v to signature %d of the out-of-range set", ok, i)
		}
	}
}
