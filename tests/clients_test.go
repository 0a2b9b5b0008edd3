package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// engineSO is Debian's libp11 OpenSSL engine (libengine-pkcs11-openssl), the
// way NGINX and Apache reach a PKCS#11 key.
const engineSO = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"

// TestOpenSSLEngine: openssl signs through libp11's engine with a key found by
// a PKCS#11 URI, and the signature verifies with the token's public key.
func TestOpenSSLEngine(t *testing.T) {
	if _, err := os.Stat(engineSO); err != nil {
		t.Skip("libengine-pkcs11-openssl is not installed (scripts/install-deps.sh installs it)")
	}
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	pub, _ := genEC(t, tok.P, tok.Session, "engine-key", true, pkcs11.NewAttribute(pkcs11.CKA_ID, []byte{0x42}))
	pubPEM := ecPublicPEM(t, tok.P, tok.Session, pub)
	hsmtest.Must(t, tok.P.Finalize(), "C_Finalize") // openssl's process is the one using the token now

	dir := t.TempDir()
	conf := filepath.Join(dir, "openssl.cnf")
	cnf := "openssl_conf = init\n[init]\nengines = engines\n[engines]\npkcs11 = pkcs11\n[pkcs11]\n" +
		"engine_id = pkcs11\ndynamic_path = " + engineSO + "\nMODULE_PATH = " + hsmtest.LibPath(t) + "\ninit = 0\n"
	msg := []byte("signed by openssl through libp11 and libgohsm.so\n")
	for n, b := range map[string][]byte{"openssl.cnf": []byte(cnf), "msg": msg} {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	uri := "pkcs11:token=" + hsmtest.Label + ";object=engine-key;type=private;pin-value=" + hsmtest.UserPIN
	cmd := exec.Command("openssl", "dgst", "-sha256", "-engine", "pkcs11", "-keyform", "engine", "-sign", uri,
		"-out", filepath.Join(dir, "sig"), filepath.Join(dir, "msg"))
	cmd.Env = append(os.Environ(), "OPENSSL_CONF="+conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl -engine pkcs11 -sign: %v\n%s", err, out)
	}
	sig, err := os.ReadFile(filepath.Join(dir, "sig"))
	hsmtest.Must(t, err, "read sig")
	if !opensslVerify(t, t.TempDir(), pubPEM, msg, sig) {
		t.Error("openssl does not verify the engine's signature")
	}
}

// TestP11tool: GnuTLS's p11tool lists the token and, logged in, its keys.
// GnuTLS initialises every module with CKF_LIBRARY_CANT_CREATE_OS_THREADS |
// CKF_OS_LOCKING_OK and gives up on any answer but CKR_OK.
func TestP11tool(t *testing.T) {
	if _, err := exec.LookPath("p11tool"); err != nil {
		t.Skip("p11tool (gnutls-bin) is not installed")
	}
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	genEC(t, tok.P, tok.Session, "gnutls-key", true, pkcs11.NewAttribute(pkcs11.CKA_ID, []byte{0x07}))
	hsmtest.Must(t, tok.P.Finalize(), "C_Finalize")
	p11tool := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("p11tool", append([]string{"--provider", hsmtest.LibPath(t)}, args...)...)
		cmd.Env = append(os.Environ(), "GNUTLS_PIN="+hsmtest.UserPIN)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("p11tool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	out := p11tool("--list-tokens")
	if !strings.Contains(out, "Label: "+hsmtest.Label) || !strings.Contains(out, "Manufacturer: gohsm") {
		t.Errorf("--list-tokens does not show the token:\n%s", out)
	}
	out = p11tool("--login", "--list-all", "pkcs11:token="+hsmtest.Label)
	for _, want := range []string{"gnutls-key", "Type: Private key (EC", "Type: Public key (EC"} {
		if !strings.Contains(out, want) {
			t.Errorf("--login --list-all lacks %q:\n%s", want, out)
		}
	}
}
