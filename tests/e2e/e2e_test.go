// Package e2e runs the examples (examples/*/run.sh: NGINX, openssl, p11-kit,
// pkcs11-tool ... loading the module as a real application does) and the
// scripts beside this file (tests/e2e/*.sh) as subtests,
// each with a time limit. They take minutes and need root (NGINX), so they
// run only with GOHSM_E2E=1; scripts/e2e.sh is the same from the shell.
//
//	GOHSM_E2E=1 go test -count=1 -v ./tests/e2e
//	GOHSM_E2E=1 GOHSM_E2E_MODULE=/usr/lib/softhsm/libsofthsm2.so go test ./tests/e2e -run 'Examples/(nginx|openssl)'
package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// skipCode is what a run.sh exits with when it cannot run here (e.g. no root).
const skipCode = 77

// limits: NGINX makes thousands of TLS handshakes; the others take seconds.
var limits = map[string]time.Duration{"nginx": 10 * time.Minute}

const defaultLimit = 5 * time.Minute

func TestExamples(t *testing.T) {
	if os.Getenv("GOHSM_E2E") != "1" {
		t.Skip("end-to-end examples run only with GOHSM_E2E=1 (or scripts/e2e.sh)")
	}
	root := moduleRoot(t)
	module := modulePath(t, root)
	examples, _ := filepath.Glob(filepath.Join(root, "examples", "*", "run.sh"))
	own, _ := filepath.Glob(filepath.Join(root, "tests", "e2e", "*.sh"))
	if len(examples) == 0 || len(own) == 0 {
		t.Fatalf("no examples/*/run.sh or tests/e2e/*.sh under %s", root)
	}
	for _, script := range append(examples, own...) {
		name := filepath.Base(filepath.Dir(script))
		if filepath.Dir(script) == filepath.Join(root, "tests", "e2e") {
			name = strings.TrimSuffix(filepath.Base(script), ".sh")
		}
		t.Run(name, func(t *testing.T) {
			if filepath.Base(module) == "libsofthsm2.so" && !mentions(t, script, "libsofthsm2") {
				t.Skip("this example runs against gohsm only")
			}
			limit, ok := limits[name]
			if !ok {
				limit = defaultLimit
			}
			out, code, err := runExample(script, module, limit)
			switch {
			case code == skipCode:
				t.Skipf("%s", lastLine(out))
			case err != nil:
				t.Fatalf("%s: %v\n%s", name, err, out)
			}
		})
	}
}

// runExample runs one script; on timeout its process group gets SIGTERM (the
// scripts stop their servers in an EXIT trap), then SIGKILL.
func runExample(script, module string, limit time.Duration) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, module)
	cmd.Env = cleanEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return out, -1, errors.New("timed out after " + limit.String())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out, exit.ExitCode(), err
	}
	return out, 0, err
}

// cleanEnv drops the variables that would point an example at the machine's
// own store or configuration.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "GOHSM_CONF", "GOHSM_DIR", "SOFTHSM2_CONF":
		default:
			env = append(env, kv)
		}
	}
	return env
}

// mentions says whether a script names s (the examples that take any module
// name SoftHSMv2).
func mentions(t *testing.T, script, s string) bool {
	t.Helper()
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), s)
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return lines[len(lines)-1]
}

func modulePath(t *testing.T, root string) string {
	t.Helper()
	p := os.Getenv("GOHSM_E2E_MODULE")
	if p == "" {
		p = os.Getenv("GOHSM_LIB")
	}
	if p == "" {
		p = filepath.Join(root, "libgohsm.so")
	}
	p, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s: %v (build it with `make libgohsm.so` or set GOHSM_LIB)", p, err)
	}
	return p
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find the source directory")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}
