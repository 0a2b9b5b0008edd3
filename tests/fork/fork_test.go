// Package fork tests what a forking application (NGINX, Apache) sees: in a
// forked child no call enters the parent's Go runtime, calls before
// C_Initialize get CKR_CRYPTOKI_NOT_INITIALIZED instead of a hang, and
// C_Initialize routes the child to a fresh gohsm through p11-kit's helper
// (DESIGN.md rule 1). The application is fork.c, built with gcc.
package fork

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// hangTimeout fails a run whose children hang (the Go runtime after fork).
const hangTimeout = 60 * time.Second

func TestFork(t *testing.T) {
	lib := hsmtest.LibPath(t)
	bin := compileFork(t)
	cases := []struct {
		name     string
		mode     string
		children string
		helper   bool
		env      []string
		stderr   string // a line the run must print
	}{
		{name: "not-initialized-in-child", mode: "basic", children: "8"},
		{name: "child-through-helper", mode: "helper", children: "4", helper: true},
		{name: "helper-missing", mode: "nohelper", children: "2",
			env:    []string{"GOHSM_P11KIT_CLIENT=/nonexistent/p11-kit-client.so"},
			stderr: "gohsm: forked child cannot reach a helper"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.helper {
				if why := helperMissing(); why != "" {
					t.Skipf("skipping the child's C_Initialize through the helper: %s", why)
				}
			}
			dir := t.TempDir()
			store := filepath.Join(dir, "store")
			conf := filepath.Join(dir, "gohsm.toml")
			logFile := filepath.Join(dir, "gohsm.log")
			writeConfig(t, conf, logFile)
			ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, lib, tc.mode, tc.children, store)
			// Only the parent's pReserved names the store: the child's helper
			// finds it only if the C front passes it on.
			cmd.Env = append(withoutEnv("GOHSM_DIR", "GOHSM_CONF", "XDG_DATA_HOME", "GOHSM_P11KIT_CLIENT", "GOHSM_P11KIT_REMOTE"),
				"GOHSM_CONF="+conf, "XDG_DATA_HOME="+filepath.Join(dir, "xdg"))
			cmd.Env = append(cmd.Env, tc.env...)
			cmd.WaitDelay = 5 * time.Second
			out, err := cmd.CombinedOutput()
			logText, _ := os.ReadFile(logFile)
			switch {
			case ctx.Err() != nil:
				t.Fatalf("fork test hung for %v (a child entered Go?):\n%s\nlog:\n%s", hangTimeout, out, logText)
			case err != nil || !strings.Contains(string(out), "\nok\n"):
				t.Fatalf("fork test failed (%v):\n%s\nlog:\n%s", err, out, logText)
			case !strings.Contains(string(out), tc.stderr):
				t.Fatalf("the output lacks %q:\n%s", tc.stderr, out)
			}
			t.Logf("%s", out)
		})
	}
}

// helperMissing says why p11-kit's client or remote is not usable, or "".
func helperMissing() string {
	client := []string{
		"/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so",
		"/usr/lib/aarch64-linux-gnu/pkcs11/p11-kit-client.so",
		"/usr/lib64/pkcs11/p11-kit-client.so",
		"/usr/lib/pkcs11/p11-kit-client.so",
	}
	if !anyExists(client) {
		return "p11-kit-client.so is not installed (Debian package p11-kit-modules)"
	}
	if !anyExists([]string{"/usr/libexec/p11-kit/p11-kit-remote", "/usr/lib/x86_64-linux-gnu/p11-kit/p11-kit-remote"}) {
		return "p11-kit-remote is not installed (Debian package p11-kit)"
	}
	return ""
}

func anyExists(paths []string) bool {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func withoutEnv(names ...string) []string {
	var env []string
outer:
	for _, kv := range os.Environ() {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue outer
			}
		}
		env = append(env, kv)
	}
	return env
}

// writeConfig: a cheap Argon2id cost (the parent initialises a token) and a
// log file, no store_dir.
func writeConfig(t *testing.T, path, logFile string) {
	t.Helper()
	text := "[log]\nlevel = \"info\"\nfile = \"" + logFile + "\"\n\n[kdf]\ntime = 1\nmemory_kib = 64\nthreads = 1\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func compileFork(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	bin := filepath.Join(t.TempDir(), "fork")
	inc := filepath.Join(hsmtest.ModuleRoot(t), "cexport", "include")
	out, err := exec.Command("gcc", "-std=gnu11", "-Wall", "-Werror", "-I"+inc, "-o", bin, filepath.Join("testdata", "fork.c"), "-ldl", "-lpthread").CombinedOutput()
	if err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}
