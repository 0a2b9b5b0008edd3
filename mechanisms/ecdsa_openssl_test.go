package mechanisms

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
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

// opensslSigsPerCurve is how many signatures each curve sends to openssl:
// 400 in all, one openssl process each, a few seconds on two cores.
const opensslSigsPerCurve = 100

// TestECDSAOpenSSLVerifiesOurs is the independent check: gohsm signs, the
// openssl command line verifies (r||s converted to DER), on every curve, with
// every hash and with CKM_ECDSA over a SHA-256 digest. Every one must pass.
func TestECDSAOpenSSLVerifiesOurs(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	hashes := []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.SHA3_256, crypto.SHA3_512, 0}
	type job struct {
		dir, pubPEM, dgst string
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				out, err := exec.Command(openssl, "dgst", "-"+j.dgst, "-verify", j.pubPEM,
					"-signature", filepath.Join(j.dir, "sig"), filepath.Join(j.dir, "msg")).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "Verified OK") {
					mu.Lock()
					failures++
					t.Errorf("openssl rejected %s: %s %v", j.dir, out, err)
					mu.Unlock()
				}
			}
		}()
	}
	base := t.TempDir()
	for _, c := range curves {
		pub, priv := genECKeys(t, c)
		pk, err := ecPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(pk)
		if err != nil {
			t.Fatal(err)
		}
		pubPEM := filepath.Join(base, c.Name+".pem")
		if err := os.WriteFile(pubPEM, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		for i := range opensslSigsPerCurve {
			h := hashes[i%len(hashes)]
			msg := make([]byte, i)
			rand.Read(msg)
			var sig []byte
			dgst := "sha256"
			if h == 0 {
				sig = signWith(t, ck.CKM_ECDSA, priv, hashOf(crypto.SHA256, msg))
			} else {
				sig = signWith(t, ecdsaHashMechs[h], priv, msg)
				dgst = opensslName(h)
			}
			dir := filepath.Join(base, fmt.Sprintf("%s-%d", c.Name, i))
			os.Mkdir(dir, 0o700)
			os.WriteFile(filepath.Join(dir, "msg"), msg, 0o600)
			os.WriteFile(filepath.Join(dir, "sig"), rsToDER(t, sig), 0o600)
			jobs <- job{dir, pubPEM, dgst}
		}
	}
	close(jobs)
	wg.Wait()
	if failures != 0 {
		t.Fatalf("%d of %d signatures rejected by openssl", failures, len(curves)*opensslSigsPerCurve)
	}
}

func signWith(t *testing.T, typ ck.MechanismType, key *Key, data []byte) []byte {
	t.Helper()
	s, err := mustLookup(t, typ).(Signer).SignInit(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign(data)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// rsToDER converts PKCS#11's r||s to the DER Ecdsa-Sig-Value openssl reads.
func rsToDER(t *testing.T, sig []byte) []byte {
	n := len(sig) / 2
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
	if err != nil {
		t.Fatal(err)
	}
	return der
}
