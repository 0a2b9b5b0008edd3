package mechanisms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestPSSEncodingAgainstGo: where crypto/rsa can express the parameters
// (MGF1 with the message hash, salt > 0), the EMSA-PSS code used for the
// other parameters makes signatures crypto/rsa accepts and accepts crypto/rsa's,
// on a modulus of whole bytes and on one of 8k+1 bits (emLen = k-1).
func TestPSSEncodingAgainstGo(t *testing.T) {
	_, _ = rsaTestKeys(t)
	odd, err := rsa.GenerateKey(rand.Reader, 1033)
	if err != nil {
		t.Fatal(err)
	}
	for _, priv := range []*rsa.PrivateKey{rsaTestPriv, odd} {
		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512, crypto.SHA3_256} {
			maxSalt := (priv.N.BitLen()+6)/8 - h.Size() - 2
			for _, salt := range []int{1, min(h.Size(), maxSalt), maxSalt} {
				d := h.New()
				d.Write([]byte("message"))
				digest := d.Sum(nil)
				ours, err := pssSignRaw(priv, digest, salt, h, h)
				if err != nil {
					t.Fatalf("%d bits %v salt %d: %v", priv.N.BitLen(), h, salt, err)
				}
				if err := rsa.VerifyPSS(&priv.PublicKey, h, digest, ours, &rsa.PSSOptions{SaltLength: salt}); err != nil {
					t.Errorf("%d bits %v salt %d: crypto/rsa rejects our encoding: %v", priv.N.BitLen(), h, salt, err)
				}
				theirs, err := rsa.SignPSS(rand.Reader, priv, h, digest, &rsa.PSSOptions{SaltLength: salt})
				if err != nil {
					t.Fatal(err)
				}
				if !pssVerifyRaw(&priv.PublicKey, digest, theirs, salt, h, h) {
					t.Errorf("%d bits %v salt %d: we reject crypto/rsa's signature", priv.N.BitLen(), h, salt)
				}
				if pssVerifyRaw(&priv.PublicKey, digest, theirs, salt-1, h, h) || pssVerifyRaw(&priv.PublicKey, digest, theirs, salt, h, crypto.SHA224) {
					t.Errorf("%d bits %v salt %d: accepted under another salt length or MGF", priv.N.BitLen(), h, salt)
				}
			}
		}
	}
}

// TestPSSOtherMGFAndSaltZero: through the mechanism, CKM_SHA256_RSA_PKCS_PSS
// and CKM_RSA_PKCS_PSS with MGF1 of another hash and with salt 0 sign and
// verify; salt 0 signatures are deterministic; a tampered signature, another
// salt length or another MGF fail with CKR_SIGNATURE_INVALID.
func TestPSSOtherMGFAndSaltZero(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	msg := []byte("PSS with the parameters crypto/rsa lacks")
	digest := sha256.Sum256(msg)
	for _, c := range []struct {
		mgf  ck.MGF
		salt int
	}{{ck.CKG_MGF1_SHA1, 20}, {ck.CKG_MGF1_SHA512, 32}, {ck.CKG_MGF1_SHA3_256, 0}, {ck.CKG_MGF1_SHA256, 0}, {ck.CKG_MGF1_SHA1, 0}} {
		for _, m := range []struct {
			typ  ck.MechanismType
			data []byte
		}{{ck.CKM_SHA256_RSA_PKCS_PSS, msg}, {ck.CKM_RSA_PKCS_PSS, digest[:]}} {
			param := pssParamBytes(ck.CKM_SHA256, c.mgf, c.salt)
			name := m.typ.String() + "/" + c.mgf.String() + "/salt " + strconv.Itoa(c.salt)
			sign := func() []byte {
				s, err := mustLookup(t, m.typ).(Signer).SignInit(priv, param)
				if err != nil {
					t.Fatalf("%s: SignInit: %v", name, err)
				}
				sig, err := s.Sign(m.data)
				if err != nil {
					t.Fatalf("%s: Sign: %v", name, err)
				}
				return sig
			}
			verify := func(p []byte, sig []byte) error {
				v, err := mustLookup(t, m.typ).(Verifier).VerifyInit(pub, p)
				if err != nil {
					t.Fatalf("%s: VerifyInit: %v", name, err)
				}
				return v.Verify(m.data, sig)
			}
			sig := sign()
			if err := verify(param, sig); err != nil {
				t.Errorf("%s: own signature: %v", name, err)
			}
			if again := sign(); (c.salt == 0) != bytes.Equal(again, sig) {
				t.Errorf("%s: deterministic = %v, want %v", name, bytes.Equal(again, sig), c.salt == 0)
			}
			tampered := bytes.Clone(sig)
			tampered[len(tampered)/2] ^= 1
			for what, err := range map[string]error{
				"tampered":     verify(param, tampered),
				"another salt": verify(pssParamBytes(ck.CKM_SHA256, c.mgf, c.salt+1), sig),
				"another MGF":  verify(pssParamBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA384, c.salt), sig),
			} {
				if err != ck.CKR_SIGNATURE_INVALID {
					t.Errorf("%s: %s: %v, want CKR_SIGNATURE_INVALID", name, what, err)
				}
			}
		}
	}
}

// TestPSSOtherMGFOpenSSL: openssl verifies our PSS signatures with MGF1 of
// another hash and salt 0, and we verify openssl's.
func TestPSSOtherMGFOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	pub, priv := rsaTestKeys(t)
	dir := t.TempDir()
	msg := []byte("PSS checked by openssl")
	msgFile, sigFile := filepath.Join(dir, "msg"), filepath.Join(dir, "sig")
	os.WriteFile(msgFile, msg, 0o600)
	for _, c := range []struct {
		mgf  ck.MGF
		name string
		salt int
	}{{ck.CKG_MGF1_SHA1, "sha1", 20}, {ck.CKG_MGF1_SHA512, "sha512", 0}, {ck.CKG_MGF1_SHA256, "sha256", 0}} {
		param := pssParamBytes(ck.CKM_SHA256, c.mgf, c.salt)
		opts := []string{"dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:" + strconv.Itoa(c.salt), "-sigopt", "rsa_mgf1_md:" + c.name}
		s, err := mustLookup(t, ck.CKM_SHA256_RSA_PKCS_PSS).(Signer).SignInit(priv, param)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := s.Sign(msg)
		os.WriteFile(sigFile, sig, 0o600)
		out, err := exec.Command(openssl, append(opts, "-prverify", "testdata/rsa2048.pem", "-signature", sigFile, msgFile)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Verified OK") {
			t.Errorf("mgf1-%s salt %d: openssl rejects our signature: %s", c.name, c.salt, out)
		}
		theirs, err := exec.Command(openssl, append(opts, "-sign", "testdata/rsa2048.pem", msgFile)...).Output()
		if err != nil {
			t.Fatal(err)
		}
		v, _ := mustLookup(t, ck.CKM_SHA256_RSA_PKCS_PSS).(Verifier).VerifyInit(pub, param)
		if err := v.Verify(msg, theirs); err != nil {
			t.Errorf("mgf1-%s salt %d: we reject openssl's signature: %v", c.name, c.salt, err)
		}
	}
}
