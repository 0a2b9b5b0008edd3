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

// envRunMain makes the test binary act as the gohsm command, so that exit
// codes are checked through a real process exit.
const envRunMain = "GOHSM_CLI_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func TestProcessExitCodes(t *testing.T) {
	dir := newStore(t)
	bad := filepath.Join(dir, "bad.toml")
	writeFile(t, bad, "max_login_failures = -1\n")
	tests := []struct {
		name   string
		args   []string
		env    []string
		code   int
		stdout string
		stderr string
	}{
		{"ok", []string{"version"}, nil, 0, "gohsm 0.1", ""},
		{"usage", []string{"token", "list", "--nope"}, nil, 2, "", "unknown flag"},
		{"bad config", []string{"status"}, []string{"GOHSM_CONF=" + bad}, 1, "", "max_login_failures -1"},
		{"no password without a terminal", []string{"token", "init", "--label", "x"}, nil, 1, "", "no Crypto Officer password"},
		{"init", []string{"token", "init", "--label", "x"}, []string{envCOPassword + "=proc-secret"}, 0, `"x" in slot 0`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tc.args...)
			cmd.Env = append(os.Environ(), envRunMain+"=1")
			cmd.Env = append(cmd.Env, tc.env...)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code || !strings.Contains(out.String(), tc.stdout) || !strings.Contains(errOut.String(), tc.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errOut.String())
			}
		})
	}
}
