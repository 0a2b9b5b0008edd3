package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/config"
	"github.com/gohsm/gohsm/provider"
)

// cliModule opens the CLI's store through the Go API, for what the CLI does
// not do itself (creating users).
func cliModule(t *testing.T) *provider.Module {
	t.Helper()
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	m, err := provider.New(provider.Options{Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// addUsers creates users (name -> role) with password name+"-password".
func addUsers(t *testing.T, users map[string]provider.Role) {
	t.Helper()
	m := cliModule(t)
	defer m.Close()
	slots, err := m.SlotList(true)
	if err != nil {
		t.Fatal(err)
	}
	err = asCO(m, slots[0], "admin", []byte("co-secret"), func(h ck.SessionHandle) error {
		for n, r := range users {
			if err := m.CreateUser(h, n, r, []byte(n+"-password")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// keyPair writes name.pem (PKCS#8) and name.pub.pem in dir.
func keyPair(t *testing.T, dir, name string, useRSA bool) (priv, pub string) {
	t.Helper()
	var pk, pubk any
	if useRSA {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pk, pubk = k, &k.PublicKey
	} else {
		p, k, _ := ed25519.GenerateKey(rand.Reader)
		pk, pubk = k, p
	}
	der, _ := x509.MarshalPKCS8PrivateKey(pk)
	spki, _ := x509.MarshalPKIXPublicKey(pubk)
	priv, pub = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".pub.pem")
	writeFile(t, priv, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	writeFile(t, pub, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})))
	return priv, pub
}

// requestToken runs quorum request for op, writing the bytes to file, and returns the ID.
func requestToken(t *testing.T, op, file string) string {
	t.Helper()
	r := gohsm(t, "quorum", "request", "--op", op, "-o", file, "--json")
	r.want(t, 0)
	var v quorumTokenView
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.ID == "" || v.Operation != op {
		t.Fatalf("request: %v %+v", err, v)
	}
	return v.ID
}

func TestQuorumCLI(t *testing.T) {
	dir := newStore(t)
	initToken(t, "q")
	addUsers(t, map[string]provider.Role{"o2": provider.RoleCO, "o3": provider.RoleCO, "bob": provider.RoleCU})
	adminKey, adminPub := keyPair(t, dir, "admin", false)
	o2Key, o2Pub := keyPair(t, dir, "o2", true)
	_, o3Pub := keyPair(t, dir, "o3", false)

	gohsm(t, "quorum", "register-key", "--public-key", adminPub).want(t, 0, "Registered the quorum key of admin")
	gohsm(t, "quorum", "register-key", "--public-key", filepath.Join(dir, "admin.pem")).wantErr(t, 1, "RSA")
	for n, pub := range map[string]string{"o2": o2Pub, "o3": o3Pub} {
		t.Setenv(envCOPassword, n+"-password")
		gohsm(t, "quorum", "register-key", "--user", n, "--public-key", pub).want(t, 0)
	}
	t.Setenv(envCOPassword, "co-secret")
	gohsm(t, "quorum", "register-key").wantErr(t, 2, "--public-key is required")
	gohsm(t, "quorum", "set", "--service", "user", "--m", "9").wantErr(t, 1, "2 to 8")
	gohsm(t, "quorum", "set", "--service", "user", "--m", "2").want(t, 0, "needs 2 approvals")
	gohsm(t, "quorum", "policies").want(t, 0, "user")

	// Turning it off needs a token.
	gohsm(t, "quorum", "set", "--service", "user", "--m", "0").wantErr(t, 1, "quorum approval is required")
	tokFile := filepath.Join(dir, "token.bin")
	id := requestToken(t, "quorum.set service=user m=0", tokFile)
	aSig, bad := filepath.Join(dir, "admin.sig"), filepath.Join(dir, "bad.sig")
	gohsm(t, "quorum", "sign", "--key", adminKey, "--token", tokFile, "-o", aSig).want(t, 0)
	gohsm(t, "quorum", "sign", "--key", adminKey, "--token", id, "-o", bad).want(t, 0) // by ID: the same bytes
	gohsm(t, "quorum", "approve", "--token", id, "--user", "o3", "--signature", aSig).wantErr(t, 1, "does not verify")
	gohsm(t, "quorum", "approve", "--token", id, "--user", "bob", "--signature", aSig).wantErr(t, 1, "may not approve")
	gohsm(t, "quorum", "approve", "--token", "0123456789abcdef", "--user", "admin", "--signature", aSig).wantErr(t, 1, "no such quorum token")
	gohsm(t, "quorum", "approve", "--token", id, "--user", "admin", "--signature", aSig).want(t, 0, "1 of 2")
	gohsm(t, "quorum", "approve", "--token", id, "--user", "admin", "--signature", bad).wantErr(t, 1, "already approved")
	o2Sig := filepath.Join(dir, "o2.sig")
	if _, err := exec.LookPath("openssl"); err == nil {
		out, err := exec.Command("openssl", "dgst", "-sha256", "-sign", o2Key, "-out", o2Sig, tokFile).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl: %v %s", err, out)
		}
	} else {
		gohsm(t, "quorum", "sign", "--key", o2Key, "--token", tokFile, "-o", o2Sig).want(t, 0)
	}
	gohsm(t, "quorum", "approve", "--token", id, "--user", "o2", "--signature", o2Sig).want(t, 0, "2 of 2")
	gohsm(t, "quorum", "show", "--token", id).want(t, 0, "2 of 2 (admin, o2)", "Used:         false")
	r := gohsm(t, "quorum", "show", "--token", id, "--json")
	r.want(t, 0)
	var v quorumTokenView
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.M != 2 || len(v.Approvers) != 2 || v.Consumed || v.Operation != "quorum.set service=user m=0" {
		t.Fatalf("show --json: %v %+v", err, v)
	}
	gohsm(t, "quorum", "set", "--service", "user", "--m", "3", "--quorum-token", id).wantErr(t, 1, "approves another operation")
	gohsm(t, "quorum", "set", "--service", "user", "--m", "0", "--quorum-token", id).want(t, 0, "off")
	gohsm(t, "quorum", "set", "--service", "user", "--m", "0", "--quorum-token", id).want(t, 0) // no policy now: nothing to approve
	gohsm(t, "quorum", "set", "--service", "user", "--m", "2").want(t, 0)
	gohsm(t, "quorum", "set", "--service", "user", "--m", "0", "--quorum-token", id).wantErr(t, 1, "already used")

	// A token approved through the CLI lets the Go API delete a user once.
	id = requestToken(t, "user.delete name=bob", tokFile)
	for _, k := range []string{adminKey, o2Key} {
		sig := filepath.Join(dir, "s.sig")
		gohsm(t, "quorum", "sign", "--key", k, "--token", tokFile, "-o", sig).want(t, 0)
		name := filepath.Base(k[:len(k)-4])
		gohsm(t, "quorum", "approve", "--token", id, "--user", name, "--signature", sig).want(t, 0)
	}
	m := cliModule(t)
	defer m.Close()
	slots, _ := m.SlotList(true)
	err := asCO(m, slots[0], "admin", []byte("co-secret"), func(h ck.SessionHandle) error {
		if err := m.UseQuorumToken(h, id); err != nil {
			return err
		}
		_, err := m.DeleteUser(h, "bob", false)
		return err
	})
	if err != nil {
		t.Fatalf("delete with a CLI-approved token: %v", err)
	}
	os.Remove(tokFile)
}
