// Package forkstress runs forkstress.c (built with gcc): 4 forked children
// each make 3,000 CKM_ECDSA and 3,000 CKM_RSA_PKCS signatures through
// libgohsm.so's fork helper while the parent keeps signing, as an NGINX
// master and its workers do (issue 5). The children initialise plainly and in
// pkcs11-provider's order (C_Finalize, then C_Initialize(CKF_OS_LOCKING_OK)).
package forkstress

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

const (
	children   = 4
	signatures = 3000
	// bound is the C program's own limit: it kills children still running
	// then and fails. hangTimeout kills its whole process group after that.
	bound       = 120 * time.Second
	hangTimeout = bound + 30*time.Second
)

// childLine is a child's timing line; the test counts them.
var childLine = regexp.MustCompile(`(?m)^child \d+: init\+login [0-9.]+s, (\d+) ECDSA in [0-9.]+s, (\d+) RSA-PKCS in [0-9.]+s$`)

func TestForkStress(t *testing.T) {
	if why := helperMissing(); why != "" {
		t.Skipf("the forked children need p11-kit's helper: %s", why)
	}
	lib, err := filepath.Abs(hsmtest.LibPath(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := compile(t)
	for _, mode := range []string{"plain", "finalize"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "gohsm.toml")
			logFile := filepath.Join(dir, "gohsm.log")
			// A cheap Argon2id cost: every child's helper logs in.
			text := "[log]\nlevel = \"warn\"\nfile = \"" + logFile + "\"\n\n[kdf]\ntime = 1\nmemory_kib = 64\nthreads = 1\n"
			if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, lib, mode, strconv.Itoa(children), strconv.Itoa(signatures),
				filepath.Join(dir, "store"), strconv.Itoa(int(bound/time.Second)))
			// Only the parent's pReserved names the store (as under NGINX,
			// which wipes the environment): no GOHSM_DIR.
			cmd.Env = append(withoutEnv("GOHSM_DIR", "GOHSM_CONF", "XDG_DATA_HOME", "GOHSM_P11KIT_CLIENT", "GOHSM_P11KIT_REMOTE"),
				"GOHSM_CONF="+conf, "XDG_DATA_HOME="+filepath.Join(dir, "xdg"))
			// On a hang, kill the children and their helpers too, not only the parent.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			cmd.WaitDelay = 5 * time.Second
			start := time.Now()
			out, err := cmd.CombinedOutput()
			took := time.Since(start)
			logText, _ := os.ReadFile(logFile)
			switch {
			case ctx.Err() != nil:
				t.Fatalf("forkstress hung for %v:\n%s\nlog:\n%s", hangTimeout, out, logText)
			case err != nil || !strings.Contains(string(out), "\nok\n"):
				t.Fatalf("forkstress failed (%v) after %v:\n%s\nlog:\n%s", err, took.Round(time.Millisecond), out, logText)
			}
			lines := childLine.FindAllStringSubmatch(string(out), -1)
			if len(lines) != children {
				t.Fatalf("%d children reported their signatures, want %d:\n%s", len(lines), children, out)
			}
			for _, l := range lines {
				if l[1] != strconv.Itoa(signatures) || l[2] != strconv.Itoa(signatures) {
					t.Fatalf("a child made %s ECDSA and %s RSA signatures, want %d each:\n%s", l[1], l[2], signatures, out)
				}
			}
			t.Logf("%s mode in %v:\n%s", mode, took.Round(time.Millisecond), out)
		})
	}
}

// compile builds testdata/forkstress.c against the module's pkcs11.h.
func compile(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	bin := filepath.Join(t.TempDir(), "forkstress")
	inc := filepath.Join("..", "..", "cexport", "include")
	out, err := exec.Command("gcc", "-std=gnu11", "-O2", "-Wall", "-Werror", "-I"+inc, "-o", bin,
		filepath.Join("testdata", "forkstress.c"), "-ldl", "-lpthread").CombinedOutput()
	if err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

// helperMissing says why p11-kit's client or remote is not usable, or "".
func helperMissing() string {
	if !anyExists("/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so", "/usr/lib/aarch64-linux-gnu/pkcs11/p11-kit-client.so",
		"/usr/lib64/pkcs11/p11-kit-client.so", "/usr/lib/pkcs11/p11-kit-client.so") {
		return "p11-kit-client.so is not installed (Debian package p11-kit-modules)"
	}
	if !anyExists("/usr/libexec/p11-kit/p11-kit-remote", "/usr/lib/x86_64-linux-gnu/p11-kit/p11-kit-remote") {
		return "p11-kit-remote is not installed (Debian package p11-kit)"
	}
	return ""
}

func anyExists(paths ...string) bool {
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
