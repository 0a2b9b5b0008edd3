package mechanisms

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestSelfTestsPass(t *testing.T) {
	resetSelfTests()
	defer resetSelfTests()
	start := time.Now()
	if err := RunSelfTests(); err != nil {
		t.Fatal(err)
	}
	t.Logf("self-tests: %d families in %v", len(selfTests), time.Since(start))
	if len(selfTests) < 13 {
		t.Fatalf("%d self-tests registered, want one per family (13)", len(selfTests))
	}
}

// The self-test vectors are records of the testdata/ files, not new data.
func TestSelfTestVectorsInTestdata(t *testing.T) {
	for _, c := range []struct {
		file string
		hex  []string
	}{
		{"sha.txt", []string{katDigestAbcMsg, katSHA1Abc, katSHA224Abc, katSHA256Abc, katSHA384Abc, katSHA512Abc, katSHA512_256, katSHA3_256Abc, katSHA3_512Abc}},
		{"hmac.txt", []string{katHMACKey, katHMACMsg, katHMACTag}},
		{"aes.txt", []string{katAESECBKey, katAESECBPT, katAESECBCT, katAESCBCKey, katAESCBCIV, katAESCBCPT, katAESCBCCT}},
		{"aes_gcm.txt", []string{katGCMKey, katGCMIV, katGCMPT, katGCMCT, katGCMTag}},
		{"aes_kw.txt", []string{katKWKEK, katKWP, katKWC}},
		{"des3.txt", []string{katDES3Key, katDES3PT, katDES3CT}},
		{"chacha20poly1305.txt", []string{katChaChaKey, katChaChaNonce, katChaChaAAD, katChaChaPT, katChaChaCT}},
		{"hkdf.txt", []string{katHKDFIKM, katHKDFSalt, katHKDFInfo, katHKDFOKM}},
		{"ecdsa_openssl.txt", []string{katECDSAQ, katECDSAMsg, katECDSASig}},
		{"rsa_pkcs1.txt", []string{katRSAMsg, katRSASig}},
		{"ed25519.txt", []string{katEd25519Seed, katEd25519Pub, katEd25519Sig}},
		{"x25519.txt", []string{katX25519Priv, katX25519Pub, katX25519Peer, katX25519Z}},
	} {
		b, err := os.ReadFile("testdata/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ToLower(string(b))
		for _, h := range c.hex {
			if !strings.Contains(text, "= "+h+"\n") {
				t.Errorf("%s has no value %s", c.file, h)
			}
		}
	}
	b, err := os.ReadFile("testdata/rsa2048.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("rsa2048.pem: no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub := &k.(*rsa.PrivateKey).PublicKey
	if hex.EncodeToString(pub.N.Bytes()) != katRSAN || pub.E != 65537 {
		t.Error("katRSAN is not rsa2048.pem's public key")
	}
}

// A failing self-test is reported with its family, and the result is cached.
func TestSelfTestFailureCached(t *testing.T) {
	selfTestMu.Lock()
	saved := selfTests
	selfTestMu.Unlock()
	defer func() {
		selfTestMu.Lock()
		selfTests = saved
		selfTestMu.Unlock()
		resetSelfTests()
	}()
	calls := 0
	RegisterSelfTest("test-only family", func() error { calls++; return errors.New("wrong output") })
	resetSelfTests()
	for range 3 {
		err := RunSelfTests()
		var se *SelfTestError
		if !errors.As(err, &se) || se.Family != "test-only family" {
			t.Fatalf("RunSelfTests = %v, want a failure of the test-only family", err)
		}
	}
	if calls != 1 {
		t.Fatalf("failing self-test ran %d times, want once per process", calls)
	}
	selfTestMu.Lock()
	selfTests = append(append([]selfTest(nil), saved...), selfTest{"test-only panic", func() error { panic("boom") }})
	selfTestMu.Unlock()
	resetSelfTests()
	var se *SelfTestError
	if err := RunSelfTests(); !errors.As(err, &se) || se.Family != "test-only panic" {
		t.Fatalf("a panicking self-test gave %v", err)
	}
}

// A corrupted vector makes the family's test fail (the checks can fail).
func TestSelfTestDetectsWrongOutput(t *testing.T) {
	if err := katCheck("x", kh(katSHA1Abc), katSHA256Abc); err == nil {
		t.Fatal("katCheck accepted a wrong output")
	}
	if err := runOne(selfTest{"bad hex", func() error { kh("zz"); return nil }}); err == nil {
		t.Fatal("a bad vector constant was not reported")
	}
}

// BenchmarkSelfTests measures what C_Initialize pays once per process.
func BenchmarkSelfTests(b *testing.B) {
	for b.Loop() {
		if err := runSelfTests(); err != nil {
			b.Fatal(err)
		}
	}
}
