package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/provider"
)

func TestBackupCLI(t *testing.T) {
	dir := newStore(t)
	initToken(t, "src")
	addUsers(t, map[string]provider.Role{"o2": provider.RoleCO, "alice": provider.RoleCU})
	src := os.Getenv("GOHSM_DIR")
	file := filepath.Join(dir, "one.gohsmbak")

	gohsm(t, "backup", "create").wantErr(t, 2, "-o FILE")
	gohsm(t, "backup", "create", "-o", file, "--keep", "3").wantErr(t, 2, "go with --every")
	r := gohsm(t, "backup", "create", "-o", file, "--json")
	r.want(t, 0)
	var v backupView
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Users != 3 || len(v.Tokens) != 1 || v.Tokens[0].Label != "src" {
		t.Fatalf("create --json: %v %+v", err, v)
	}
	gohsm(t, "backup", "list", "--in", dir).want(t, 0, "one.gohsmbak", v.Installation)

	// Into a fresh directory: needs the secret; then the token is there.
	fresh := filepath.Join(dir, "fresh")
	gohsm(t, "--dir", fresh, "backup", "restore", "-i", file).wantErr(t, 1, "no hsm.secret")
	gohsm(t, "--dir", fresh, "backup", "restore", "-i", file, "--secret-file", filepath.Join(src, "hsm.secret")).want(t, 0, "Restored", "1 tokens, 3 users")
	gohsm(t, "--dir", fresh, "token", "list").want(t, 0, "src")
	gohsm(t, "--dir", fresh, "backup", "restore", "-i", file).wantErr(t, 1, "--force")
	t.Setenv(envCOPassword, "wrong-password")
	gohsm(t, "--dir", fresh, "backup", "restore", "-i", file, "--force").wantErr(t, 1, "no Crypto Officer")
	t.Setenv(envCOPassword, "co-secret")

	// A tampered file: exit 1, nothing changes.
	b, _ := os.ReadFile(file)
	b[len(b)/2] ^= 0x80
	bad := filepath.Join(dir, "bad.gohsmbak")
	writeFile(t, bad, string(b))
	gohsm(t, "--dir", fresh, "backup", "restore", "-i", bad, "--force").wantErr(t, 1, "damaged or was modified")
	gohsm(t, "--dir", fresh, "token", "list").want(t, 0, "src")
	gohsm(t, "--dir", fresh, "backup", "list", "--in", dir).want(t, 0, "bad.gohsmbak")

	// Another installation.
	other := filepath.Join(dir, "other")
	initTokenIn(t, other)
	gohsm(t, "--dir", other, "backup", "restore", "-i", file, "--force").wantErr(t, 1, "another installation")

	// Backup quorum on the target: a forced restore needs a token bound to the file.
	_, pub := keyPair(t, dir, "admin", false)
	t.Setenv("GOHSM_DIR", fresh)
	gohsm(t, "quorum", "register-key", "--public-key", pub).want(t, 0)
	_, pub2 := keyPair(t, dir, "o2", false)
	t.Setenv(envCOPassword, "o2-password")
	gohsm(t, "quorum", "register-key", "--user", "o2", "--public-key", pub2).want(t, 0)
	t.Setenv(envCOPassword, "co-secret")
	gohsm(t, "quorum", "set", "--service", "backup", "--m", "2").want(t, 0)
	gohsm(t, "backup", "restore", "-i", file, "--force").wantErr(t, 1, "quorum approval is required")
	sum := sha256.Sum256(mustRead(t, file))
	tok := filepath.Join(dir, "t.bin")
	id := requestToken(t, "backup.restore sha256="+hex.EncodeToString(sum[:]), tok)
	for _, n := range []string{"admin", "o2"} {
		sig := filepath.Join(dir, n+".sig")
		gohsm(t, "quorum", "sign", "--key", filepath.Join(dir, n+".pem"), "--token", tok, "-o", sig).want(t, 0)
		gohsm(t, "quorum", "approve", "--token", id, "--user", n, "--signature", sig).want(t, 0)
	}
	gohsm(t, "backup", "restore", "-i", file, "--force", "--quorum-token", id).want(t, 0, "Restored")
	gohsm(t, "audit", "show").want(t, 0, "backup restore")
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// initTokenIn makes a token in another store directory.
func initTokenIn(t *testing.T, dir string) {
	t.Helper()
	gohsm(t, "--dir", dir, "token", "init", "--label", "other").want(t, 0)
}

func TestBackupSchedule(t *testing.T) {
	dir := newStore(t)
	initToken(t, "s")
	out := filepath.Join(dir, "sched")
	gohsm(t, "backup", "create", "--every", "1s", "--out-dir", out, "-o", "x").wantErr(t, 2, "--out-dir")
	r := gohsm(t, "backup", "create", "--every", "30ms", "--count", "3", "--keep", "2", "--out-dir", out)
	r.want(t, 0)
	if n := strings.Count(r.stdout, ".gohsmbak"); n != 3 {
		t.Fatalf("%d backups reported:\n%s", n, r.stdout)
	}
	es, _ := filepath.Glob(filepath.Join(out, "*.gohsmbak"))
	if len(es) != 2 {
		t.Fatalf("kept %v, want 2", es)
	}
	r = gohsm(t, "backup", "list", "--in", out, "--json")
	r.want(t, 0)
	var vs []backupView
	if err := json.Unmarshal([]byte(r.stdout), &vs); err != nil || len(vs) != 2 || !vs[0].Created.After(vs[1].Created) {
		t.Fatalf("list --json: %v %+v", err, vs)
	}
}
