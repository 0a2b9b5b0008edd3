package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// result is one run of the CLI.
type result struct {
	code           int
	stdout, stderr string
}

// gohsm runs the CLI in-process with no terminal on stdin.
func gohsm(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func (r result) want(t *testing.T, code int, stdoutHas ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stdoutHas {
		if !strings.Contains(r.stdout, s) {
			t.Fatalf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}
}

func (r result) wantErr(t *testing.T, code int, stderrHas string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, stderrHas) {
		t.Fatalf("stderr lacks %q:\n%s", stderrHas, r.stderr)
	}
}

// newStore points the CLI at a fresh store with a cheap KDF and quiet logs.
func newStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "gohsm.toml")
	writeFile(t, conf, "[log]\nlevel = \"error\"\n[kdf]\ntime = 1\nmemory_kib = 64\nthreads = 1\n")
	t.Setenv("GOHSM_CONF", conf)
	t.Setenv("GOHSM_DIR", filepath.Join(dir, "store"))
	t.Setenv(envCOPassword, "")
	t.Setenv(envUserPIN, "")
	return dir
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// initToken makes a token labelled label with CO password co-secret.
func initToken(t *testing.T, label string) {
	t.Helper()
	t.Setenv(envCOPassword, "co-secret")
	gohsm(t, "token", "init", "--label", label).want(t, 0, "Initialised token \""+label+"\"")
}

func TestVersion(t *testing.T) {
	gohsm(t, "version").want(t, 0, "gohsm 0.1 (PKCS#11 3.0)")
	gohsm(t, "--version").want(t, 0, "gohsm 0.1")
}

func TestHelpHasExamples(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"token", "init", "--help"}, {"token", "list", "--help"}, {"status", "--help"},
	} {
		gohsm(t, args...).want(t, 0, "Examples:")
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	newStore(t)
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown command", []string{"bogus"}, `unknown command "bogus"`},
		{"unknown subcommand", []string{"token", "bogus"}, `unknown command "bogus" for "gohsm token"`},
		{"unknown flag", []string{"token", "list", "--bogus"}, "unknown flag: --bogus"},
		{"extra argument", []string{"status", "extra"}, "takes no arguments"},
		{"no label", []string{"token", "init"}, "--label is required"},
		{"long label", []string{"token", "init", "--label", strings.Repeat("x", 33)}, "at most 32"},
		{"bad CO name", []string{"token", "init", "--label", "a", "--co-name", "a:b"}, "--co-name"},
		{"password as argument", []string{"token", "init", "--label", "a", "--password", "x"}, "unknown flag: --password"},
		{"slot and label", []string{"token", "info", "--slot", "0", "--label", "a"}, "not both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gohsm(t, tc.args...).wantErr(t, exitUsage, tc.stderr)
		})
	}
}

func TestBadConfigExit1(t *testing.T) {
	tests := []struct {
		name, body, stderr string
	}{
		{"unknown key", "bogus = 1\n", `unknown key "bogus"`},
		{"lockout out of range", "max_login_failures = 0\n", "max_login_failures 0 must be between 1 and 1000"},
		{"relative store", "store_dir = \"rel\"\n", `store_dir "rel" must be an absolute path`},
		{"bad log level", "[log]\nlevel = \"loud\"\n", `log.level "loud"`},
		{"not TOML", "store_dir = \n", "config "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "gohsm.toml")
			writeFile(t, conf, tc.body)
			t.Setenv("GOHSM_CONF", conf)
			t.Setenv("GOHSM_DIR", "")
			if tc.name == "relative store" {
				os.Unsetenv("GOHSM_DIR")
			}
			for _, cmd := range [][]string{{"status"}, {"token", "list"}} {
				gohsm(t, cmd...).wantErr(t, exitError, tc.stderr)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		t.Setenv("GOHSM_CONF", filepath.Join(t.TempDir(), "none.toml"))
		gohsm(t, "status").wantErr(t, exitError, "no such file")
	})
	t.Run("--config wins over GOHSM_CONF", func(t *testing.T) {
		dir := newStore(t)
		bad := filepath.Join(dir, "bad.toml")
		writeFile(t, bad, "bogus = 1\n")
		gohsm(t, "--config", bad, "status").wantErr(t, exitError, `unknown key "bogus"`)
	})
}

func TestTokenInitListInfo(t *testing.T) {
	dir := newStore(t)
	gohsm(t, "token", "list").want(t, 0, "not initialised")
	gohsm(t, "token", "info").wantErr(t, exitError, "no initialised token")
	initToken(t, "first")

	var list []tokenView
	r := gohsm(t, "token", "list", "--json")
	r.want(t, 0)
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("token list --json: %v\n%s", err, r.stdout)
	}
	if len(list) != 2 || list[0].Label != "first" || !list[0].Initialized || list[1].Initialized {
		t.Fatalf("token list: %+v", list)
	}
	if list[0].UserPINInitialized || len(list[0].Serial) != 16 {
		t.Fatalf("new token: %+v", list[0])
	}

	var info tokenView
	r = gohsm(t, "token", "info", "--label", "first", "--json")
	r.want(t, 0)
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("token info --json: %v\n%s", err, r.stdout)
	}
	if info.Serial != list[0].Serial || info.Sessions == nil || info.PINLength == nil || info.PINLength.Min < 1 {
		t.Fatalf("token info: %+v", info)
	}
	gohsm(t, "token", "info").want(t, 0, "Label:", "first", "no user PIN")
	gohsm(t, "token", "info", "--label", "nope").wantErr(t, exitError, `no token labelled "nope"`)
	gohsm(t, "token", "info", "--slot", "99").wantErr(t, exitError, "no slot 99")

	// The default user's PIN, then the state shows it.
	t.Setenv(envUserPIN, "user-pin")
	gohsm(t, "token", "init-pin", "--label", "first").want(t, 0, "Set the user PIN")
	gohsm(t, "token", "list").want(t, 0, "ready")

	// A second token: info must now be told which one.
	pwFile := filepath.Join(dir, "co.txt")
	writeFile(t, pwFile, "other-secret\n")
	t.Setenv(envCOPassword, "")
	gohsm(t, "token", "init", "--label", "second", "--password-file", pwFile).want(t, 0, "slot 1")
	gohsm(t, "token", "info").wantErr(t, exitUsage, "2 tokens exist")
	gohsm(t, "token", "info", "--slot", "1").want(t, 0, "second")

	var st statusView
	r = gohsm(t, "status", "--json")
	r.want(t, 0)
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatal(err)
	}
	if st.Tokens != 2 || st.Slots != 3 || st.StoreDir != filepath.Join(dir, "store") || st.ConfigFile == "" {
		t.Fatalf("status: %+v", st)
	}
}

func TestInitPINNeedsTheRightOfficer(t *testing.T) {
	newStore(t)
	initToken(t, "tok")
	t.Setenv(envUserPIN, "user-pin")
	t.Setenv(envCOPassword, "wrong-secret")
	gohsm(t, "token", "init-pin").wantErr(t, exitError, "CKR_PIN_INCORRECT")
	t.Setenv(envCOPassword, "")
	gohsm(t, "token", "init-pin").wantErr(t, exitError, "no Crypto Officer password: set GOHSM_CO_PASSWORD")
	t.Setenv(envCOPassword, "co-secret")
	gohsm(t, "token", "init-pin", "--co-name", "nobody").wantErr(t, exitError, "CKR_PIN_INCORRECT")
	gohsm(t, "token", "init-pin").want(t, 0)
}

func TestNamedOfficer(t *testing.T) {
	newStore(t)
	t.Setenv(envCOPassword, "pass:with:colons")
	gohsm(t, "token", "init", "--label", "tok", "--co-name", "alice").want(t, 0, `Crypto Officer "alice"`)
	t.Setenv(envUserPIN, "user-pin")
	gohsm(t, "token", "init-pin").wantErr(t, exitError, "CKR_PIN_INCORRECT") // admin does not exist
	gohsm(t, "token", "init-pin", "--co-name", "alice").want(t, 0)
}

func TestReinitNeedsForce(t *testing.T) {
	newStore(t)
	initToken(t, "old")
	gohsm(t, "token", "init", "--label", "new", "--slot", "0").wantErr(t, exitError, "--force")
	t.Setenv(envCOPassword, "wrong-secret")
	gohsm(t, "token", "init", "--label", "new", "--slot", "0", "--force").wantErr(t, exitError, "CKR_PIN_INCORRECT")
	t.Setenv(envCOPassword, "co-secret")
	gohsm(t, "token", "init", "--label", "new", "--slot", "0", "--force").want(t, 0, `"new" in slot 0`)
	gohsm(t, "token", "info", "--slot", "0").want(t, 0, "new")
}

func TestPasswordFile(t *testing.T) {
	dir := newStore(t)
	tests := []struct {
		name, body, want string
	}{
		{"missing", "", "no such file"},
		{"empty", "\n", "is empty"},
		{"too long", strings.Repeat("x", 5000), "longer than 4096"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if tc.body != "" {
				writeFile(t, p, tc.body)
			}
			gohsm(t, "token", "init", "--label", "x", "--password-file", p).wantErr(t, exitError, tc.want)
		})
	}
	// CRLF and what follows the first line are not part of the password.
	p := filepath.Join(dir, "good")
	writeFile(t, p, "file-secret\r\nignored\n")
	gohsm(t, "token", "init", "--label", "x", "--password-file", p).want(t, 0)
	t.Setenv(envCOPassword, "file-secret")
	t.Setenv(envUserPIN, "user-pin")
	gohsm(t, "token", "init-pin").want(t, 0)
}

func TestInitPINRefusesNamedForm(t *testing.T) {
	newStore(t)
	initToken(t, "tok")
	t.Setenv(envUserPIN, "bob:1234")
	gohsm(t, "token", "init-pin").wantErr(t, exitError, "looks like name:password")
	t.Setenv(envUserPIN, ":1234:") // no name before the colon: a bare PIN
	gohsm(t, "token", "init-pin").want(t, 0)
}
