package mechanisms

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestRSAOpenSSLAcceptsOurs: the openssl command line verifies gohsm's
// PKCS #1 v1.5 and PSS signatures and decrypts its PKCS #1 v1.5 ciphertexts.
func TestRSAOpenSSLAcceptsOurs(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	pub, priv := rsaTestKeys(t)
	dir := t.TempDir()
	der, _ := x509.MarshalPKIXPublicKey(&rsaTestPriv.PublicKey)
	pubPEM := filepath.Join(dir, "pub.pem")
	os.WriteFile(pubPEM, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600)
	msgFile, sigFile := filepath.Join(dir, "msg"), filepath.Join(dir, "sig")
	run := func(what string, args ...string) string {
		out, err := exec.Command(openssl, args...).CombinedOutput()
		if err != nil {
			t.Errorf("%s: openssl %s: %v\n%s", what, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for name, m := range rsaHashes {
		for _, salt := range []int{1, m.h.Size(), 256 - m.h.Size() - 2} {
			msg := make([]byte, 100)
			rand.Read(msg)
			s, err := mustLookup(t, m.pss).(Signer).SignInit(priv, pssParamBytes(m.digest, m.mgf, salt))
			if err != nil {
				t.Fatal(err)
			}
			sig, _ := s.Sign(msg)
			os.WriteFile(msgFile, msg, 0o600)
			os.WriteFile(sigFile, sig, 0o600)
			out := run("PSS "+name, "dgst", "-"+name, "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:"+strconv.Itoa(salt),
				"-sigopt", "rsa_mgf1_md:"+name, "-verify", pubPEM, "-signature", sigFile, msgFile)
			if !strings.Contains(out, "Verified OK") {
				t.Errorf("PSS %s salt %d: %s", name, salt, out)
			}
		}
	}
	for name, h := range rsaHashes {
		typ := h.pkcs1
		msg := []byte("PKCS #1 v1.5 with " + name)
		os.WriteFile(msgFile, msg, 0o600)
		os.WriteFile(sigFile, signWith(t, typ, priv, msg), 0o600)
		if out := run(name, "dgst", "-"+name, "-verify", pubPEM, "-signature", sigFile, msgFile); !strings.Contains(out, "Verified OK") {
			t.Errorf("%v: %s", typ, out)
		}
	}
	for _, n := range []int{1, 32, 245} {
		msg := make([]byte, n)
		rand.Read(msg)
		e, _ := mustLookup(t, ck.CKM_RSA_PKCS).(Encrypter).EncryptInit(pub, nil)
		ct, err := e.Do(msg)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(sigFile, ct, 0o600)
		out, err := exec.Command(openssl, "pkeyutl", "-decrypt", "-inkey", "testdata/rsa2048.pem", "-in", sigFile).Output()
		if err != nil || !bytes.Equal(out, msg) {
			t.Errorf("openssl could not decrypt our %d-byte ciphertext: %v", n, err)
		}
	}
}
