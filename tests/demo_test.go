package tests

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// ecPublicPEM exports a token EC public key as PEM from CKA_EC_PARAMS and CKA_EC_POINT.
func ecPublicPEM(t *testing.T, p *pkcs11.Ctx, s pkcs11.SessionHandle, pub pkcs11.ObjectHandle) []byte {
	t.Helper()
	if params := attr(t, p, s, pub, pkcs11.CKA_EC_PARAMS); !bytes.Equal(params, p256) {
		t.Fatalf("CKA_EC_PARAMS %x, want the P-256 OID %x", params, p256)
	}
	var point []byte
	if rest, err := asn1.Unmarshal(attr(t, p, s, pub, pkcs11.CKA_EC_POINT), &point); err != nil || len(rest) != 0 {
		t.Fatalf("CKA_EC_POINT is not a DER OCTET STRING: %v", err)
	}
	x, y := elliptic.Unmarshal(elliptic.P256(), point) //nolint:staticcheck // PKCS#11 hands out the uncompressed point
	if x == nil {
		t.Fatalf("CKA_EC_POINT %x is not an uncompressed P-256 point", point)
	}
	der, err := x509.MarshalPKIXPublicKey(&ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y})
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// rsToDER turns PKCS#11's r||s into the DER ECDSA-Sig-Value openssl reads.
func rsToDER(t *testing.T, sig []byte) []byte {
	t.Helper()
	if len(sig) != 64 {
		t.Fatalf("P-256 signature is %d bytes, want 64 (r||s)", len(sig))
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// opensslVerify runs `openssl dgst -sha256 -verify` and reports whether it says Verified OK.
func opensslVerify(t *testing.T, dir string, pubPEM, msg, derSig []byte) bool {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed (scripts/install-deps.sh installs it)")
	}
	files := map[string][]byte{"pub.pem": pubPEM, "msg": msg, "sig.der": derSig}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("openssl", "dgst", "-sha256", "-verify", filepath.Join(dir, "pub.pem"),
		"-signature", filepath.Join(dir, "sig.der"), filepath.Join(dir, "msg")).CombinedOutput()
	return err == nil && strings.Contains(string(out), "Verified OK")
}

// TestDemoSignVerify is the demo path through the C ABI: a P-256 key pair in
// the token, CKM_ECDSA and CKM_ECDSA_SHA256 signatures verified by openssl.
func TestDemoSignVerify(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	pub, priv := genEC(t, p, s, "demo", true)
	pubPEM := ecPublicPEM(t, p, s, pub)
	msg := []byte("gohsm demo: sign me through libgohsm.so\n")
	digest := sha256.Sum256(msg)
	dir := t.TempDir()

	for _, c := range []struct {
		name  string
		mech  uint
		input []byte
	}{
		{"CKM_ECDSA_SHA256", pkcs11.CKM_ECDSA_SHA256, msg},
		{"CKM_ECDSA", pkcs11.CKM_ECDSA, digest[:]},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := []*pkcs11.Mechanism{pkcs11.NewMechanism(c.mech, nil)}
			hsmtest.Must(t, p.SignInit(s, m, priv), "C_SignInit")
			sig, err := p.Sign(s, c.input)
			hsmtest.Must(t, err, "C_Sign")
			if !opensslVerify(t, dir, pubPEM, msg, rsToDER(t, sig)) {
				t.Errorf("openssl does not verify the %s signature", c.name)
			}
			if opensslVerify(t, dir, pubPEM, append([]byte("x"), msg...), rsToDER(t, sig)) {
				t.Errorf("openssl verifies a %s signature over another message", c.name)
			}
			hsmtest.Must(t, p.VerifyInit(s, m, pub), "C_VerifyInit")
			hsmtest.Must(t, p.Verify(s, c.input, sig), "C_Verify")
			sig[10] ^= 1
			hsmtest.Must(t, p.VerifyInit(s, m, pub), "C_VerifyInit")
			hsmtest.WantRV(t, p.Verify(s, c.input, sig), "C_Verify of a changed signature", pkcs11.CKR_SIGNATURE_INVALID)
		})
	}

	hsmtest.Must(t, p.DigestInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256, nil)}), "C_DigestInit")
	d, err := p.Digest(s, msg)
	hsmtest.Must(t, err, "C_Digest(SHA256)")
	if !bytes.Equal(d, digest[:]) {
		t.Errorf("CKM_SHA256 %x, want %x", d, digest)
	}
	rnd, err := p.GenerateRandom(s, 32)
	hsmtest.Must(t, err, "C_GenerateRandom")
	if len(rnd) != 32 || bytes.Equal(rnd, make([]byte, 32)) {
		t.Errorf("C_GenerateRandom gave %x", rnd)
	}
}

// TestPkcs11Tool runs OpenSC's pkcs11-tool against the library: list slots,
// init token and PIN, log in, make a key, list objects, sign; openssl verifies
// with the public key read through the library.
func TestPkcs11Tool(t *testing.T) {
	if _, err := exec.LookPath("pkcs11-tool"); err != nil {
		t.Skip("pkcs11-tool (OpenSC) is not installed; scripts/install-deps.sh installs it")
	}
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	lib := hsmtest.LibPath(t)
	dir := t.TempDir()
	tool := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("pkcs11-tool", append([]string{"--module", lib}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("pkcs11-tool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	out := tool("--list-slots")
	m := regexp.MustCompile(`Slot \d+ \(0x([0-9a-f]+)\)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "uninitialized") {
		t.Fatalf("--list-slots shows no uninitialised slot:\n%s", out)
	}
	tool("--init-token", "--slot", "0x"+m[1], "--label", "tool-token", "--so-pin", hsmtest.SOPIN)
	tool("--token-label", "tool-token", "--login", "--login-type", "so", "--so-pin", hsmtest.SOPIN, "--init-pin", "--pin", hsmtest.UserPIN)
	out = tool("--list-slots")
	if !strings.Contains(out, "tool-token") || !strings.Contains(out, "PIN initialized") {
		t.Errorf("--list-slots after init:\n%s", out)
	}
	login := []string{"--token-label", "tool-token", "--login", "--pin", hsmtest.UserPIN}
	tool(append(login, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "tool-key", "--id", "01")...)
	out = tool(append(login, "--list-objects")...)
	for _, want := range []string{"Private Key Object; EC", "Public Key Object; EC", "tool-key"} {
		if !strings.Contains(out, want) {
			t.Errorf("--list-objects lacks %q:\n%s", want, out)
		}
	}
	msg := []byte("signed by pkcs11-tool through libgohsm.so\n")
	if err := os.WriteFile(filepath.Join(dir, "msg"), msg, 0o600); err != nil {
		t.Fatal(err)
	}
	tool(append(login, "--sign", "--mechanism", "ECDSA-SHA256", "--signature-format", "openssl", "--label", "tool-key",
		"--input-file", filepath.Join(dir, "msg"), "--output-file", filepath.Join(dir, "sig"))...)
	// The public key comes from CKA_EC_PARAMS/CKA_EC_POINT read here: Debian 12's
	// pkcs11-tool 0.23 cannot export EC public keys with OpenSSL 3 (OpenSC issue 3200).
	p := hsmtest.Load(t)
	ro := hsmtest.OpenRO(t, p, hsmtest.SlotByLabel(t, p, "tool-token"))
	pubs := findAll(t, p, ro, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "tool-key")})
	if len(pubs) != 1 {
		t.Fatalf("%d public keys labelled tool-key, want 1", len(pubs))
	}
	sig, err := os.ReadFile(filepath.Join(dir, "sig"))
	hsmtest.Must(t, err, "read sig")
	if !opensslVerify(t, t.TempDir(), ecPublicPEM(t, p, ro, pubs[0]), msg, sig) {
		t.Error("openssl does not verify pkcs11-tool's signature")
	}
	// A wrong PIN is refused.
	if out, err := exec.Command("pkcs11-tool", "--module", lib, "--token-label", "tool-token", "--login", "--pin", "wrong-pin-1", "--list-objects").CombinedOutput(); err == nil {
		t.Errorf("pkcs11-tool logged in with a wrong PIN:\n%s", out)
	}
}

// TestRSASignVerify: RSA-2048 PKCS#1 v1.5 and PSS signatures made through the
// library verify with openssl and the token's public key.
func TestRSASignVerify(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed (scripts/install-deps.sh installs it)")
	}
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	pub, priv, err := p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_MODULUS_BITS, 2048), pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}),
			pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_SIGN, true)})
	hsmtest.Must(t, err, "C_GenerateKeyPair(RSA 2048)")
	n := new(big.Int).SetBytes(attr(t, p, s, pub, pkcs11.CKA_MODULUS))
	e := new(big.Int).SetBytes(attr(t, p, s, pub, pkcs11.CKA_PUBLIC_EXPONENT))
	if n.BitLen() != 2048 || e.Int64() != 65537 {
		t.Fatalf("RSA public key: %d-bit modulus, exponent %v", n.BitLen(), e)
	}
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: int(e.Int64())})
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	msg := []byte("an RSA signature through libgohsm.so\n")
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		mech  *pkcs11.Mechanism
		sigop []string
	}{
		{"CKM_SHA256_RSA_PKCS", pkcs11.NewMechanism(pkcs11.CKM_SHA256_RSA_PKCS, nil), nil},
		{"CKM_SHA256_RSA_PKCS_PSS", pkcs11.NewMechanism(pkcs11.CKM_SHA256_RSA_PKCS_PSS,
			pkcs11.NewPSSParams(pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, 32)),
			[]string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"}},
	} {
		hsmtest.Must(t, p.SignInit(s, []*pkcs11.Mechanism{c.mech}, priv), "C_SignInit "+c.name)
		sig, err := p.Sign(s, msg)
		hsmtest.Must(t, err, "C_Sign "+c.name)
		for n, b := range map[string][]byte{"pub.pem": pubPEM, "msg": msg, "sig": sig} {
			if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		args := append([]string{"dgst", "-sha256", "-verify", filepath.Join(dir, "pub.pem")}, c.sigop...)
		args = append(args, "-signature", filepath.Join(dir, "sig"), filepath.Join(dir, "msg"))
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil || !strings.Contains(string(out), "Verified OK") {
			t.Errorf("openssl does not verify the %s signature: %v\n%s", c.name, err, out)
		}
	}
}
