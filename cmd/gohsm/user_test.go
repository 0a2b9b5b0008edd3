package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/provider"
)

// cliUser creates a user through the CLI with password name+"-pass".
func cliUser(t *testing.T, name, role string) {
	t.Helper()
	t.Setenv(envNewPassword, name+"-pass")
	gohsm(t, "user", "create", "--name", name, "--role", role).want(t, 0, "Created")
	t.Setenv(envNewPassword, "")
}

func listUsers(t *testing.T) map[string]userView {
	t.Helper()
	r := gohsm(t, "user", "list", "--json")
	r.want(t, 0)
	var vs []userView
	if err := json.Unmarshal([]byte(r.stdout), &vs); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	out := map[string]userView{}
	for _, v := range vs {
		out[v.Name] = v
	}
	return out
}

func TestUserLifecycle(t *testing.T) {
	newStore(t)
	initToken(t, "users")
	cliUser(t, "alice", "CU")
	cliUser(t, "officer2", "CO")
	us := listUsers(t)
	if us["alice"].Role != "CU" || us["officer2"].Role != "CO" || us["admin"].Role != "CO" {
		t.Fatalf("users: %+v", us)
	}
	gohsm(t, "user", "list").want(t, 0, "NAME", "alice", "officer2")
	t.Setenv(envUserPIN, "alice-pass")
	gohsm(t, "user", "list", "--user", "alice").want(t, 0, "officer2")

	// Failed logins are counted, shown, and cleared by an unlock.
	t.Setenv(envUserPIN, "wrong-password")
	gohsm(t, "key", "list", "--user", "alice").wantErr(t, exitError, "CKR_PIN_INCORRECT")
	if n := listUsers(t)["alice"].FailedLogins; n != 1 {
		t.Fatalf("failed logins %d, want 1", n)
	}
	gohsm(t, "user", "unlock", "--name", "alice").want(t, 0, `Unlocked "alice"`)
	if n := listUsers(t)["alice"].FailedLogins; n != 0 {
		t.Fatalf("failed logins %d after unlock, want 0", n)
	}

	// Officer reset, then the user's own change through C_SetPIN.
	t.Setenv(envNewPassword, "reset-pass-1")
	gohsm(t, "user", "passwd", "--name", "alice").want(t, 0, "Reset the password")
	t.Setenv(envUserPIN, "reset-pass-1")
	gohsm(t, "key", "list", "--user", "alice").want(t, 0, "UNIQUE ID")
	t.Setenv(envNewPassword, "self-pass-2")
	gohsm(t, "user", "passwd", "--self", "--name", "alice").want(t, 0, "Changed the password")
	gohsm(t, "key", "list", "--user", "alice").wantErr(t, exitError, "CKR_PIN_INCORRECT")
	t.Setenv(envUserPIN, "self-pass-2")
	gohsm(t, "key", "list", "--user", "alice").want(t, 0)

	// A user who owns keys is deleted only with --force.
	gohsm(t, "key", "generate", "--user", "alice", "--type", "aes", "--key-label", "k").want(t, 0, "Generated AES-256")
	gohsm(t, "user", "delete", "--name", "alice").wantErr(t, exitError, "--force")
	gohsm(t, "user", "delete", "--name", "alice", "--force").want(t, 0, "destroyed the 1 objects")
	if _, ok := listUsers(t)["alice"]; ok {
		t.Fatal("alice still listed after delete")
	}
	gohsm(t, "user", "delete", "--name", "officer2").want(t, 0, `Deleted user "officer2".`)
}

func TestUserRefusals(t *testing.T) {
	dir := newStore(t)
	initToken(t, "users")
	cliUser(t, "alice", "CU")
	short := filepath.Join(dir, "short.txt")
	writeFile(t, short, "abc\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"CU cannot create users", map[string]string{envCOPassword: "alice-pass", envNewPassword: "carl-pass"},
			[]string{"user", "create", "--name", "carl", "--co-name", "alice"}, exitError, `"alice" is not a Crypto Officer`},
		{"CU cannot list users as officer", map[string]string{envCOPassword: "alice-pass"},
			[]string{"user", "list", "--co-name", "alice"}, exitError, "not a Crypto Officer"},
		{"wrong CO password", map[string]string{envCOPassword: "nope-nope"},
			[]string{"user", "unlock", "--name", "alice"}, exitError, "wrong password"},
		{"short new password", map[string]string{},
			[]string{"user", "create", "--name", "carl", "--new-password-file", short}, exitError, "7 to 64"},
		{"no new password without a terminal", map[string]string{},
			[]string{"user", "create", "--name", "carl"}, exitError, "no new password of carl"},
		{"existing user", map[string]string{envNewPassword: "alice-pass"},
			[]string{"user", "create", "--name", "alice"}, exitError, "exists"},
		{"bad role", nil, []string{"user", "create", "--name", "carl", "--role", "boss"}, exitUsage, "--role"},
		{"bad name", nil, []string{"user", "create", "--name", "a:b"}, exitUsage, "--name"},
		{"no name", nil, []string{"user", "delete"}, exitUsage, "--name is required"},
		{"password as argument", nil, []string{"user", "create", "--name", "carl", "--password", "x"}, exitUsage, "unknown flag"},
		{"last officer", nil, []string{"user", "delete", "--name", "admin"}, exitError, "CKR_ACTION_PROHIBITED"},
		{"unknown user", nil, []string{"user", "unlock", "--name", "ghost"}, exitError, "no user of that name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envCOPassword, "co-secret")
			t.Setenv(envNewPassword, "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			gohsm(t, tc.args...).wantErr(t, tc.code, tc.msg)
		})
	}
}

// approve has each key file sign the token in tokFile and approves it as
// the user the file is named after.
func approve(t *testing.T, dir, id, tokFile string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		sig := filepath.Join(dir, "s.sig")
		gohsm(t, "quorum", "sign", "--key", k, "--token", tokFile, "-o", sig).want(t, 0)
		name := filepath.Base(k[:len(k)-len(".pem")])
		gohsm(t, "quorum", "approve", "--token", id, "--user", name, "--signature", sig).want(t, 0)
	}
}

func TestUserQuorum(t *testing.T) {
	dir := newStore(t)
	initToken(t, "q")
	addUsers(t, map[string]provider.Role{"o2": provider.RoleCO, "bob": provider.RoleCU})
	adminKey, adminPub := keyPair(t, dir, "admin", false)
	o2Key, o2Pub := keyPair(t, dir, "o2", false)
	gohsm(t, "quorum", "register-key", "--public-key", adminPub).want(t, 0)
	t.Setenv(envCOPassword, "o2-password")
	gohsm(t, "quorum", "register-key", "--user", "o2", "--public-key", o2Pub).want(t, 0)
	t.Setenv(envCOPassword, "co-secret")
	gohsm(t, "quorum", "set", "--service", "user", "--m", "2").want(t, 0)

	gohsm(t, "user", "delete", "--name", "bob").wantErr(t, exitError, "quorum approval is required")
	tokFile := filepath.Join(dir, "token.bin")
	id := requestToken(t, "user.delete name=bob", tokFile)
	gohsm(t, "user", "delete", "--name", "bob", "--quorum-token", id).wantErr(t, exitError, "quorum")
	approve(t, dir, id, tokFile, adminKey, o2Key)
	gohsm(t, "user", "delete", "--name", "bob", "--quorum-token", id).want(t, 0, `Deleted user "bob"`)

	t.Setenv(envNewPassword, "carl-pass")
	gohsm(t, "user", "create", "--name", "carl").wantErr(t, exitError, "quorum approval is required")
	id = requestToken(t, "user.create name=carl role=CU", tokFile)
	approve(t, dir, id, tokFile, adminKey, o2Key)
	gohsm(t, "user", "create", "--name", "carl", "--quorum-token", id).want(t, 0, "Created Crypto User")
	gohsm(t, "user", "passwd", "--name", "carl").wantErr(t, exitError, "quorum approval is required")
}
