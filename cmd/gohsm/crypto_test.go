package main

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func needOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
}

func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// An EC key made by openssl, imported, signs; openssl verifies the DER
// signature, and gohsm verifies openssl's.
func TestCryptoImportedECWithOpenSSL(t *testing.T) {
	needOpenSSL(t)
	dir := keyStore(t)
	key, pub := filepath.Join(dir, "ec.pem"), filepath.Join(dir, "ec.pub.pem")
	openssl(t, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key)
	openssl(t, "pkey", "-in", key, "-pubout", "-out", pub)
	gohsm(t, "key", "import", "--user", "alice", "--file", key, "--key-label", "imp", "--allow-import").want(t, 0, "EC P-256 private key")

	msg, sig := filepath.Join(dir, "msg.txt"), filepath.Join(dir, "msg.sig")
	writeFile(t, msg, "signed by gohsm\n")
	gohsm(t, "crypto", "sign", "--user", "alice", "--key", "imp", "-m", "ECDSA-SHA256", "--der", "--in", msg, "-o", sig).want(t, 0)
	if out := openssl(t, "dgst", "-sha256", "-verify", pub, "-signature", sig, msg); !bytes.Contains([]byte(out), []byte("Verified OK")) {
		t.Fatalf("openssl: %s", out)
	}
	osig := filepath.Join(dir, "openssl.sig")
	openssl(t, "dgst", "-sha256", "-sign", key, "-out", osig, msg)
	gohsm(t, "crypto", "verify", "--user", "alice", "--key", "imp", "-m", "ECDSA-SHA256", "--der", "--in", msg, "--sig", osig).want(t, 0, "Signature OK")

	// Raw r||s by default: 64 bytes for P-256.
	raw := filepath.Join(dir, "raw.sig")
	gohsm(t, "crypto", "sign", "--user", "alice", "--key", "imp", "-m", "ECDSA-SHA256", "--in", msg, "-o", raw).want(t, 0)
	if b, _ := os.ReadFile(raw); len(b) != 64 {
		t.Fatalf("raw signature is %d bytes", len(b))
	}
	gohsm(t, "crypto", "verify", "--user", "alice", "--key", "imp", "-m", "ECDSA-SHA256", "--in", msg, "--sig", raw).want(t, 0, "Signature OK")
}

func TestCryptoRSAAndEdDSAWithOpenSSL(t *testing.T) {
	needOpenSSL(t)
	dir := keyStore(t)
	msg := filepath.Join(dir, "msg.txt")
	writeFile(t, msg, "hello")
	rsaKey, rsaPub := filepath.Join(dir, "rsa.pem"), filepath.Join(dir, "rsa.pub.pem")
	openssl(t, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", rsaKey)
	openssl(t, "pkey", "-in", rsaKey, "-pubout", "-out", rsaPub)
	gohsm(t, "key", "import", "--user", "alice", "--file", rsaKey, "--key-label", "rsa", "--extractable").want(t, 0, "RSA-2048 private key")
	pss := filepath.Join(dir, "pss.sig")
	gohsm(t, "crypto", "sign", "--user", "alice", "--key", "rsa", "-m", "RSA-PSS-SHA256", "--in", msg, "-o", pss).want(t, 0)
	openssl(t, "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-verify", rsaPub, "-signature", pss, msg)
	pkcs := filepath.Join(dir, "pkcs.sig")
	gohsm(t, "crypto", "sign", "--user", "alice", "--key", "rsa", "-m", "SHA256-RSA-PKCS", "--in", msg, "-o", pkcs).want(t, 0)
	openssl(t, "dgst", "-sha256", "-verify", rsaPub, "-signature", pkcs, msg)

	// RSA-OAEP: openssl encrypts to the public key, gohsm decrypts.
	ct, pt := filepath.Join(dir, "ct"), filepath.Join(dir, "pt")
	openssl(t, "pkeyutl", "-encrypt", "-pubin", "-inkey", rsaPub, "-pkeyopt", "rsa_padding_mode:oaep",
		"-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-in", msg, "-out", ct)
	gohsm(t, "crypto", "decrypt", "--user", "alice", "--key", "rsa", "-m", "RSA-OAEP-SHA256", "--in", ct, "-o", pt).want(t, 0)
	if b, _ := os.ReadFile(pt); string(b) != "hello" {
		t.Fatalf("OAEP decrypt gave %q", b)
	}

	edKey, edPub := filepath.Join(dir, "ed.pem"), filepath.Join(dir, "ed.pub.pem")
	openssl(t, "genpkey", "-algorithm", "ed25519", "-out", edKey)
	openssl(t, "pkey", "-in", edKey, "-pubout", "-out", edPub)
	gohsm(t, "key", "import", "--user", "alice", "--file", edKey, "--key-label", "ed", "--allow-import").want(t, 0, "Ed25519 private key")
	edSig := filepath.Join(dir, "ed.sig")
	gohsm(t, "crypto", "sign", "--user", "alice", "--key", "ed", "-m", "EDDSA", "--in", msg, "-o", edSig).want(t, 0)
	openssl(t, "pkeyutl", "-verify", "-pubin", "-inkey", edPub, "-rawin", "-in", msg, "-sigfile", edSig)
}

func TestCryptoAESRoundTrips(t *testing.T) {
	dir := keyStore(t)
	gohsm(t, "key", "generate", "--user", "alice", "--type", "aes", "--key-label", "aes").want(t, 0)
	plain := make([]byte, 10000)
	rand.Read(plain)
	in := filepath.Join(dir, "in.bin")
	writeFile(t, in, string(plain))
	for _, mech := range []string{"AES-GCM", "AES-CBC-PAD", "aes_gcm", "CKM_AES_CBC_PAD"} {
		t.Run(mech, func(t *testing.T) {
			ct, out := filepath.Join(dir, "ct"), filepath.Join(dir, "out")
			gohsm(t, "crypto", "encrypt", "--user", "alice", "--key", "aes", "-m", mech, "--in", in, "-o", ct).want(t, 0)
			c, _ := os.ReadFile(ct)
			if len(c) <= len(plain) || bytes.Contains(c, plain[:64]) {
				t.Fatalf("ciphertext of %d bytes", len(c))
			}
			gohsm(t, "crypto", "decrypt", "--user", "alice", "--key", "aes", "-m", mech, "--in", ct, "-o", out).want(t, 0)
			if got, _ := os.ReadFile(out); !bytes.Equal(got, plain) {
				t.Fatal("round trip differs")
			}
			c[len(c)-1] ^= 1 // GCM: the tag; CBC: the padding
			writeFile(t, ct, string(c))
			gohsm(t, "crypto", "decrypt", "--user", "alice", "--key", "aes", "-m", mech, "--in", ct, "-o", out).wantErr(t, exitError, "crypto decrypt")
		})
	}
	// Through stdin and stdout, as in a pipe.
	var out, errOut bytes.Buffer
	if code := run([]string{"crypto", "encrypt", "--user", "alice", "--key", "aes", "-m", "AES-GCM"}, bytes.NewReader(plain[:100]), &out, &errOut); code != 0 || out.Len() != 12+100+16 {
		t.Fatalf("stdin encrypt: exit %d, %d bytes, %s", code, out.Len(), errOut.String())
	}
}

func TestCryptoBadSignature(t *testing.T) {
	dir := keyStore(t)
	gohsm(t, "key", "generate", "--user", "alice", "--type", "ec", "--key-label", "ec").want(t, 0)
	gohsm(t, "key", "generate", "--user", "alice", "--type", "generic", "--key-label", "mac").want(t, 0)
	msg, other, sig := filepath.Join(dir, "msg"), filepath.Join(dir, "other"), filepath.Join(dir, "sig")
	writeFile(t, msg, "message")
	writeFile(t, other, "massage")
	tests := []struct{ key, mech string }{{"ec", "ECDSA-SHA256"}, {"mac", "HMAC-SHA256"}}
	for _, tc := range tests {
		gohsm(t, "crypto", "sign", "--user", "alice", "--key", tc.key, "-m", tc.mech, "--in", msg, "-o", sig).want(t, 0)
		gohsm(t, "crypto", "verify", "--user", "alice", "--key", tc.key, "-m", tc.mech, "--in", msg, "--sig", sig).want(t, 0, "Signature OK")
		gohsm(t, "crypto", "verify", "--user", "alice", "--key", tc.key, "-m", tc.mech, "--in", other, "--sig", sig).wantErr(t, exitError, "the signature does not verify")
	}
	short := filepath.Join(dir, "short")
	writeFile(t, short, "abc")
	gohsm(t, "crypto", "verify", "--user", "alice", "--key", "ec", "-m", "ECDSA-SHA256", "--in", msg, "--sig", short).wantErr(t, exitError, "does not verify")
	gohsm(t, "crypto", "verify", "--user", "alice", "--key", "ec", "-m", "ECDSA-SHA256", "--der", "--in", msg, "--sig", short).wantErr(t, exitError, "does not verify")
	gohsm(t, "crypto", "sign", "--key", "ec", "-m", "NOPE").wantErr(t, exitUsage, "--mechanism \"NOPE\"")
	gohsm(t, "crypto", "sign", "--key", "ec", "-m", "AES-GCM").wantErr(t, exitUsage, "--mechanism")
	gohsm(t, "crypto", "verify", "--key", "ec", "-m", "ECDSA").wantErr(t, exitUsage, "--sig is required")
	gohsm(t, "crypto", "sign", "--key", "ec", "-m", "EDDSA", "--der").wantErr(t, exitUsage, "--der applies")
}

func TestNewCommandsHaveExamples(t *testing.T) {
	for _, args := range [][]string{
		{"user", "create"}, {"user", "list"}, {"user", "delete"}, {"user", "passwd"}, {"user", "unlock"},
		{"key", "generate"}, {"key", "import"}, {"key", "list"}, {"key", "info"}, {"key", "set"},
		{"key", "share"}, {"key", "unshare"}, {"key", "delete"},
		{"crypto", "sign"}, {"crypto", "verify"}, {"crypto", "encrypt"}, {"crypto", "decrypt"},
	} {
		gohsm(t, append(args, "--help")...).want(t, 0, "Examples:")
	}
}
