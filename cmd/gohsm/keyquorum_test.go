package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// keyID is the store ID of the private or secret key labelled label, for alice.
func keyID(t *testing.T, label string) string {
	t.Helper()
	for _, v := range keysLabelled(listKeys(t, "alice"), label) {
		if v.Class != "public" {
			return v.UniqueID
		}
	}
	t.Fatalf("no key %q", label)
	return ""
}

// Quorum on a key's management and use: the owner and the user it is
// shared with approve; delete and sign need their token.
func TestKeyQuorum(t *testing.T) {
	dir := keyStore(t)
	gohsm(t, "key", "generate", "--user", "alice", "--type", "aes", "--key-label", "q").want(t, 0)
	gohsm(t, "key", "share", "--user", "alice", "--key", "q", "--with", "bob").want(t, 0)
	aliceKey, alicePub := keyPair(t, dir, "alice", false)
	bobKey, bobPub := keyPair(t, dir, "bob", false)
	for _, u := range []struct{ name, pub string }{{"alice", alicePub}, {"bob", bobPub}} {
		t.Setenv(envCUPassword, u.name+"-pass")
		gohsm(t, "quorum", "register-key", "--user", u.name, "--role", "CU", "--public-key", u.pub).want(t, 0)
	}
	t.Setenv(envCUPassword, "alice-pass")
	for _, svc := range []string{"key-management", "key-usage"} {
		gohsm(t, "quorum", "set", "--service", svc, "--key-label", "q", "--m", "2", "--user", "alice", "--role", "CU").want(t, 0)
	}
	id := keyID(t, "q")
	tokFile := filepath.Join(dir, "tok.bin")
	msg, ct := filepath.Join(dir, "msg"), filepath.Join(dir, "ct")
	writeFile(t, msg, "quorum")

	gohsm(t, "crypto", "encrypt", "--user", "alice", "--key", "q", "-m", "AES-GCM", "--in", msg, "-o", ct).wantErr(t, exitError, "quorum approval is required")
	tok := requestQuorumAs(t, "key.use object="+id, tokFile)
	approve(t, dir, tok, tokFile, aliceKey, bobKey)
	gohsm(t, "crypto", "encrypt", "--user", "alice", "--key", "q", "-m", "AES-GCM", "--in", msg, "-o", ct, "--quorum-token", tok).want(t, 0)

	gohsm(t, "key", "delete", "--user", "alice", "--key", "q").wantErr(t, exitError, "quorum approval is required")
	tok = requestQuorumAs(t, "key.destroy object="+id, tokFile)
	approve(t, dir, tok, tokFile, aliceKey)
	gohsm(t, "key", "delete", "--user", "alice", "--key", "q", "--quorum-token", tok).wantErr(t, exitError, "quorum")
	approve(t, dir, tok, tokFile, bobKey)
	gohsm(t, "key", "delete", "--user", "alice", "--key", "q", "--quorum-token", tok).want(t, 0, "Destroyed")
}

// requestQuorumAs asks for a token as alice (a Crypto User).
func requestQuorumAs(t *testing.T, op, file string) string {
	t.Helper()
	r := gohsm(t, "quorum", "request", "--op", op, "-o", file, "--user", "alice", "--role", "CU")
	r.want(t, 0)
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(f[0], "Token") {
			return f[1]
		}
	}
	t.Fatalf("no token ID in:\n%s", r.stdout)
	return ""
}

// Exit codes of the new commands through a real process.
func TestNewCommandsProcessExitCodes(t *testing.T) {
	dir := keyStore(t)
	gohsm(t, "key", "generate", "--user", "alice", "--type", "ec", "--key-label", "ec").want(t, 0)
	msg, other, sig := filepath.Join(dir, "msg"), filepath.Join(dir, "other"), filepath.Join(dir, "sig")
	writeFile(t, msg, "m")
	writeFile(t, other, "o")
	gohsm(t, "crypto", "sign", "--user", "alice", "--key", "ec", "-m", "ECDSA-SHA256", "--in", msg, "-o", sig).want(t, 0)
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"crypto", "verify", "--user", "alice", "--key", "ec", "-m", "ECDSA-SHA256", "--in", msg, "--sig", sig}, 0, ""},
		{[]string{"crypto", "verify", "--user", "alice", "--key", "ec", "-m", "ECDSA-SHA256", "--in", other, "--sig", sig}, 1, "does not verify"},
		{[]string{"key", "generate", "--type", "nope", "--key-label", "x"}, 2, "--type"},
		{[]string{"user", "create", "--name", "x", "--co-name", "alice"}, 1, "not a Crypto Officer"},
	}
	for _, tc := range tests {
		cmd := exec.Command(os.Args[0], tc.args...)
		cmd.Env = append(os.Environ(), envRunMain+"=1", envCOPassword+"=alice-pass", envNewPassword+"=xxxxxxxx")
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || !strings.Contains(errOut.String(), tc.stderr) {
			t.Fatalf("%v: exit %d (want %d): %s", tc.args, code, tc.code, errOut.String())
		}
	}
}
