package tests

// Backups and quorum through libgohsm.so and the gohsm CLI (issue 6): a key
// made through PKCS#11 before a backup signs through PKCS#11 after a restore
// into a fresh directory, and the original public key verifies it; a
// tampered backup changes nothing; quorum-protected keys are refused to
// PKCS#11 callers with CKR_FUNCTION_REJECTED.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// runCLI runs the gohsm CLI with extra environment and returns its output
// and exit code.
func runCLI(t *testing.T, cli string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(cli, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("gohsm %v: %v", args, err)
	}
	return string(out), 0
}

// the role run in a restored directory: log the default user in, sign the
// message in args[0] (hex) with the private key labelled args[1], print the
// signature in hex.
var _ = hsmtest.Role("backup-sign", func(args []string) int {
	t := hsmtest.RoleT()
	p := hsmtest.Load(t)
	slot := hsmtest.SlotByLabel(t, p, hsmtest.Label)
	s := hsmtest.OpenRW(t, p, slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login after restore")
	hsmtest.Must(t, p.FindObjectsInit(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_LABEL, args[1])}), "C_FindObjectsInit")
	found, _, err := p.FindObjects(s, 4)
	hsmtest.Must(t, err, "C_FindObjects")
	p.FindObjectsFinal(s)
	if len(found) != 1 {
		t.Fatalf("restored store: %d private keys labelled %s", len(found), args[1])
	}
	attrs, err := p.GetAttributeValue(s, found[0], []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil), pkcs11.NewAttribute(pkcs11.CKA_NEVER_EXTRACTABLE, nil)})
	hsmtest.Must(t, err, "C_GetAttributeValue")
	if attrs[0].Value[0] != 0 || attrs[1].Value[0] != 1 {
		t.Fatalf("restored key: CKA_EXTRACTABLE %v CKA_NEVER_EXTRACTABLE %v", attrs[0].Value, attrs[1].Value)
	}
	msg, _ := hex.DecodeString(args[0])
	hsmtest.Must(t, p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, found[0]), "C_SignInit")
	sig, err := p.Sign(s, msg)
	hsmtest.Must(t, err, "C_Sign")
	os.Stdout.WriteString(hex.EncodeToString(sig) + "\n")
	return 0
})

// ecPoint returns the P-256 public key of a CKA_EC_POINT (DER OCTET STRING).
func ecPoint(t *testing.T, der []byte) *ecdsa.PublicKey {
	t.Helper()
	var raw []byte
	if _, err := asn1.Unmarshal(der, &raw); err != nil {
		t.Fatalf("CKA_EC_POINT: %v", err)
	}
	x, y := elliptic.Unmarshal(elliptic.P256(), raw)
	if x == nil {
		t.Fatal("CKA_EC_POINT is not a P-256 point")
	}
	return &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
}

func TestBackupRestoreThroughLibrary(t *testing.T) {
	cli := cliPath(t)
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	pub, _ := genEC(t, p, s, "bk", true, pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true))
	attrs, err := p.GetAttributeValue(s, pub, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
	hsmtest.Must(t, err, "CKA_EC_POINT")
	pubKey := ecPoint(t, attrs[0].Value)

	src := hsmtest.StoreDir()
	work := t.TempDir()
	file := filepath.Join(work, "lib.gohsmbak")
	co := "GOHSM_CO_PASSWORD=" + hsmtest.SOPIN
	if out, code := runCLI(t, cli, nil, "backup", "create", "-o", file); code != 0 {
		t.Fatalf("backup create: %d\n%s", code, out)
	}

	// A tampered copy is refused and leaves the fresh directory without a store.
	b, _ := os.ReadFile(file)
	b[len(b)-20] ^= 0x04
	bad := filepath.Join(work, "bad.gohsmbak")
	os.WriteFile(bad, b, 0o600)
	tampered := filepath.Join(work, "tampered")
	out, code := runCLI(t, cli, []string{co}, "--dir", tampered, "backup", "restore", "-i", bad, "--secret-file", filepath.Join(src, "hsm.secret"))
	if code != 1 || !strings.Contains(out, "damaged or was modified") {
		t.Fatalf("tampered restore: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(tampered, "gohsm.db")); err == nil {
		t.Fatal("a refused restore left a store behind")
	}
	if _, err := os.Stat(filepath.Join(tampered, "hsm.secret")); err == nil {
		t.Fatal("a refused restore installed the secret")
	}

	fresh := filepath.Join(work, "fresh")
	out, code = runCLI(t, cli, []string{co}, "--dir", fresh, "backup", "restore", "-i", file, "--secret-file", filepath.Join(src, "hsm.secret"))
	if code != 0 {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	digest := sha256.Sum256([]byte("signed after the restore"))
	cmd := hsmtest.RoleCmd("backup-sign", hex.EncodeToString(digest[:]), "bk")
	cmd.Env = append(cmd.Env, "GOHSM_DIR="+fresh)
	sigOut, err := cmd.Output()
	if err != nil {
		t.Fatalf("signing in the restored store: %v\n%s", err, sigOut)
	}
	sig, err := hex.DecodeString(strings.TrimSpace(string(sigOut)))
	if err != nil || len(sig) != 64 {
		t.Fatalf("signature %q: %v", sigOut, err)
	}
	r, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pubKey, digest[:], r, ss) {
		t.Fatal("the key's original public key does not verify the restored key's signature")
	}
}

func TestQuorumThroughLibrary(t *testing.T) {
	cli := cliPath(t)
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	_, priv := genEC(t, p, s, "guarded", true)
	user := []string{"GOHSM_USER_PASSWORD=" + hsmtest.UserPIN}
	for _, svc := range []string{"key-management", "key-usage"} {
		out, code := runCLI(t, cli, user, "quorum", "set", "--service", svc, "--key-label", "guarded", "--m", "2", "--user", "user", "--role", "CU")
		if code != 0 {
			t.Fatalf("quorum set %s: exit %d\n%s", svc, code, out)
		}
	}
	ecdsaMech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
	hsmtest.WantRV(t, p.SignInit(s, ecdsaMech, priv), "C_SignInit on a key with usage quorum", pkcs11.CKR_FUNCTION_REJECTED)
	hsmtest.WantRV(t, p.DestroyObject(s, priv), "C_DestroyObject on a key with management quorum", pkcs11.CKR_FUNCTION_REJECTED)
	hsmtest.WantRV(t, p.SetAttributeValue(s, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, "x")}),
		"C_SetAttributeValue on a key with management quorum", pkcs11.CKR_FUNCTION_REJECTED)
	// An unprotected key still works in the same session.
	_, other := genEC(t, p, s, "free", true)
	hsmtest.Must(t, p.SignInit(s, ecdsaMech, other), "C_SignInit on an unprotected key")
	_, err := p.Sign(s, make([]byte, 32))
	hsmtest.Must(t, err, "C_Sign")
}
