package tests

import (
	"crypto/sha256"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestSecp256k1ThroughLibrary: a secp256k1 key pair generated through
// libgohsm.so (CKA_EC_PARAMS as the curve's OID) signs with CKM_ECDSA_SHA256
// and CKM_ECDSA; every signature verifies with openssl dgst -verify.
func TestSecp256k1ThroughLibrary(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	e := pqcEnv{openRaw(t)}
	e.setup()
	a := &e.a
	oid := []byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a} // 1.3.132.0.10
	pub, priv := e.keyPair(ck.CKM_EC_KEY_PAIR_GEN, []capi.Attr{a.Val(e.at(ck.CKA_EC_PARAMS), oid)}, nil)
	var point []byte
	if _, err := asn1.Unmarshal(e.attr(pub, ck.CKA_EC_POINT), &point); err != nil || len(point) != 65 {
		t.Fatalf("CKA_EC_POINT: %v", err)
	}
	alg, _ := asn1.Marshal(struct{ A, B asn1.ObjectIdentifier }{asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, asn1.ObjectIdentifier{1, 3, 132, 0, 10}})
	spki, _ := asn1.Marshal(struct {
		Alg asn1.RawValue
		Key asn1.BitString
	}{asn1.RawValue{FullBytes: alg}, asn1.BitString{Bytes: point, BitLength: 520}})
	dir := t.TempDir()
	pubPEM := filepath.Join(dir, "pub.pem")
	os.WriteFile(pubPEM, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}), 0o600)
	for i := range 40 {
		msg := []byte(fmt.Sprintf("secp256k1 message %d %s", i, strings.Repeat("x", i)))
		mech := ck.CKM_ECDSA_SHA256
		input := msg
		if i%2 == 1 {
			mech = ck.CKM_ECDSA
			d := sha256.Sum256(msg)
			input = d[:]
		}
		sig, rv := e.sign(a.Mechanism(uint64(mech), nil), priv, input)
		if rv != 0 || len(sig) != 64 {
			t.Fatalf("C_Sign: %s, %d bytes", rvName(rv), len(sig))
		}
		der, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
		sigFile, msgFile := filepath.Join(dir, "sig"), filepath.Join(dir, "msg")
		os.WriteFile(sigFile, der, 0o600)
		os.WriteFile(msgFile, msg, 0o600)
		out, err := exec.Command(openssl, "dgst", "-sha256", "-verify", pubPEM, "-signature", sigFile, msgFile).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Verified OK") {
			t.Errorf("openssl rejects signature %d (%v): %s %v", i, mech, out, err)
		}
		e.want("C_Verify", e.verify(a.Mechanism(uint64(mech), nil), pub, input, sig), codes(ck.CKR_OK))
	}
}
