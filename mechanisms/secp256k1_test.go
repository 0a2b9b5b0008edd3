package mechanisms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// k1Sigs is how many gohsm signatures OpenSSL's libcrypto verifies in
// TestSecp256k1OpenSSLVerifiesThousands (SoftHSMv2 is reported to make
// invalid secp256k1 signatures a third of the time: ours must all pass).
const k1Sigs = 3000

func k1Keys(t testing.TB, d, q []byte) (*Key, *Key) {
	params := derPrintable(t, "secp256k1")
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: params, ck.CKA_EC_POINT: encodeECPoint(q)}},
		&Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: params, ck.CKA_VALUE: d}}
}

// k1SPKI is the SubjectPublicKeyInfo (id-ecPublicKey, secp256k1) of a point.
func k1SPKI(t testing.TB, point []byte) []byte {
	alg, _ := asn1.Marshal(struct{ A, B asn1.ObjectIdentifier }{asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, curveK1.OID})
	der, err := asn1.Marshal(struct {
		Alg asn1.RawValue
		Key asn1.BitString
	}{asn1.RawValue{FullBytes: alg}, asn1.BitString{Bytes: point, BitLength: 8 * len(point)}})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestSecp256k1OpenSSLVectors: keys, signatures and ECDH secrets made by
// openssl (testdata/secp256k1.txt): the private value gives openssl's point,
// openssl's signature verifies, and CKM_ECDH1_DERIVE gives openssl's Z.
func TestSecp256k1OpenSSLVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/secp256k1.txt") {
		pub, priv := k1Keys(t, unhex(t, v["D"]), unhex(t, v["Q"]))
		sk, err := k1PrivateKey(priv)
		if err != nil || !bytes.Equal(sk.PubKey().SerializeUncompressed(), unhex(t, v["Q"])) {
			t.Fatalf("D does not give openssl's point: %v", err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(unhex(t, v["SigDER"]), &rs); err != nil {
			t.Fatal(err)
		}
		sig := append(rs.R.FillBytes(make([]byte, 32)), rs.S.FillBytes(make([]byte, 32))...)
		msg := unhex(t, v["Msg"])
		vc, err := mustLookup(t, ck.CKM_ECDSA_SHA256).(Verifier).VerifyInit(pub, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := vc.Verify(msg, sig); err != nil {
			t.Errorf("openssl's signature: %v", err)
		}
		ours := signWith(t, ck.CKM_ECDSA_SHA256, priv, msg)
		vc, _ = mustLookup(t, ck.CKM_ECDSA_SHA256).(Verifier).VerifyInit(pub, nil)
		if err := vc.Verify(msg, ours); err != nil {
			t.Errorf("our signature: %v", err)
		}
		vc, _ = mustLookup(t, ck.CKM_ECDSA_SHA256).(Verifier).VerifyInit(pub, nil)
		if err := vc.Verify(append(msg, 0), sig); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("another message verified: %v", err)
		}
		for _, peer := range [][]byte{unhex(t, v["PeerQ"]), encodeECPoint(unhex(t, v["PeerQ"]))} {
			z, err := derive(t, ck.CKM_ECDH1_DERIVE, priv, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: peer}, nil)
			if err != nil || !bytes.Equal(z, unhex(t, v["Z"])) {
				t.Errorf("Z differs from openssl's: %v", err)
			}
		}
	}
}

// TestSecp256k1OpenSSLVerifiesThousands: k1Sigs signatures by keys gohsm
// generated, with CKM_ECDSA and every CKM_ECDSA_SHA*, all verified by
// OpenSSL's libcrypto (testdata/k1verify.c, one process).
func TestSecp256k1OpenSSLVerifiesThousands(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not installed")
	}
	bin := filepath.Join(t.TempDir(), "k1verify")
	if out, err := exec.Command(gcc, "-O2", "-o", bin, "testdata/k1verify.c", "-lcrypto").CombinedOutput(); err != nil {
		t.Skipf("cannot build against libcrypto (libssl-dev): %s", out)
	}
	hashes := []crypto.Hash{0, crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA3_256, crypto.SHA3_512}
	var in strings.Builder
	var pub, priv *Key
	var point []byte
	for i := range k1Sigs {
		if i%300 == 0 {
			pub, priv = genECKeys(t, curveK1)
			point, _ = DecodeECPoint(curveK1, pub.Attrs[ck.CKA_EC_POINT])
		}
		msg := make([]byte, i%200)
		rand.Read(msg)
		h := hashes[i%len(hashes)]
		var sig, digest []byte
		if h == 0 {
			digest = hashOf(crypto.SHA256, msg)
			sig = signWith(t, ck.CKM_ECDSA, priv, digest)
		} else {
			digest = hashOf(h, msg)
			sig = signWith(t, ecdsaHashMechs[h], priv, msg)
		}
		if len(sig) != 64 {
			t.Fatalf("signature of %d bytes", len(sig))
		}
		fmt.Fprintf(&in, "%x %x %x\n", point, sig, digest)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprintf("ok %d", k1Sigs) {
		t.Fatalf("libcrypto: %v\n%.2000s", err, out)
	}
}

// TestSecp256k1OpenSSLCLI: the openssl command line (dgst -verify) accepts
// gohsm's secp256k1 signatures.
func TestSecp256k1OpenSSLCLI(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	dir := t.TempDir()
	pub, priv := genECKeys(t, curveK1)
	point, _ := DecodeECPoint(curveK1, pub.Attrs[ck.CKA_EC_POINT])
	pubPEM := filepath.Join(dir, "pub.pem")
	os.WriteFile(pubPEM, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: k1SPKI(t, point)}), 0o600)
	var wg sync.WaitGroup
	errs := make(chan string, 60)
	for i := range 60 {
		msg := []byte(strings.Repeat("k1", i))
		sub := filepath.Join(dir, fmt.Sprint(i))
		os.Mkdir(sub, 0o700)
		os.WriteFile(filepath.Join(sub, "msg"), msg, 0o600)
		os.WriteFile(filepath.Join(sub, "sig"), rsToDER(t, signWith(t, ck.CKM_ECDSA_SHA256, priv, msg)), 0o600)
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := exec.Command(openssl, "dgst", "-sha256", "-verify", pubPEM, "-signature", filepath.Join(sub, "sig"), filepath.Join(sub, "msg")).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verified OK") {
				errs <- fmt.Sprintf("signature %d: %s %v", i, out, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestSecp256k1Errors(t *testing.T) {
	pub, priv := genECKeys(t, curveK1)
	if len(priv.Attrs[ck.CKA_VALUE]) != 32 {
		t.Fatalf("CKA_VALUE of %d bytes", len(priv.Attrs[ck.CKA_VALUE]))
	}
	point, err := DecodeECPoint(curveK1, pub.Attrs[ck.CKA_EC_POINT])
	if err != nil || len(point) != 65 {
		t.Fatalf("point: %v", err)
	}
	off := bytes.Clone(point)
	off[64] ^= 1
	if _, err := DecodeECPoint(curveK1, off); err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
		t.Errorf("off-curve point: %v", err)
	}
	n, _ := hex.DecodeString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
	for name, d := range map[string][]byte{"d = n": n, "d = 0": make([]byte, 32), "33 bytes": append([]byte{1}, n...)} {
		_, k := k1Keys(t, d, point)
		if _, err := mustLookup(t, ck.CKM_ECDSA).(Signer).SignInit(k, nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
			t.Errorf("%s: %v", name, err)
		}
	}
	digest := hashOf(crypto.SHA256, []byte("x"))
	sig := signWith(t, ck.CKM_ECDSA, priv, digest)
	verify := func(s []byte) error {
		v, err := mustLookup(t, ck.CKM_ECDSA).(Verifier).VerifyInit(pub, nil)
		if err != nil {
			return err
		}
		return v.Verify(digest, s)
	}
	zeroR := bytes.Clone(sig)
	clear(zeroR[:32])
	bigS := append(bytes.Clone(sig[:32]), n...)
	for name, tc := range map[string]struct {
		sig  []byte
		want error
	}{
		"valid": {sig, nil}, "r = 0": {zeroR, ck.CKR_SIGNATURE_INVALID}, "s = n": {bigS, ck.CKR_SIGNATURE_INVALID},
		"63 bytes": {sig[:63], ck.CKR_SIGNATURE_LEN_RANGE},
	} {
		if err := verify(tc.sig); err != tc.want {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}
