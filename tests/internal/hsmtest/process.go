// Package hsmtest is the shared harness of gohsm's black-box tests: it runs
// each test in its own process against a fresh store, loads libgohsm.so
// through github.com/miekg/pkcs11 and makes a ready token.
//
// Why a process per test: a Go c-shared library copies the environment the
// first time it reads it (the first C_Initialize) and can never be unloaded,
// so one process can only ever use one GOHSM_DIR and GOHSM_CONF.
package hsmtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Env names read by the harness and by the library.
const (
	envLib   = "GOHSM_LIB"        // path of libgohsm.so (default: <module root>/libgohsm.so)
	envChild = "GOHSM_TEST_CHILD" // name of the test a child process runs
	envRole  = "GOHSM_TEST_ROLE"  // name of the role a helper process plays
)

// ChildTimeout bounds one isolated test, so that a hang fails instead of stalling the run.
var ChildTimeout = 90 * time.Second

// Config is what a test may change in the store's configuration file.
type Config struct {
	MaxLoginFailures int    // 0: the library's default
	LogLevel         string // "" : warn
}

// InChild reports whether the test body should run in this process. In the
// parent it runs the test (a top-level test) in a child process with a fresh
// GOHSM_DIR and a fast-KDF GOHSM_CONF, reports the child's result as its own
// and returns false. Use it as the first line of every test:
//
//	if !hsmtest.InChild(t, hsmtest.Config{}) { return }
func InChild(t *testing.T, cfg Config) bool {
	t.Helper()
	if os.Getenv(envChild) == t.Name() {
		return true
	}
	if strings.Contains(t.Name(), "/") {
		t.Fatalf("hsmtest.InChild must be called by a top-level test, not %s", t.Name())
	}
	lib := LibPath(t)
	t.Parallel() // the test runs in its own process and store: nothing is shared
	dir := t.TempDir()
	conf := WriteConfig(t, dir, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), ChildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(),
		envChild+"="+t.Name(), envLib+"="+lib,
		"GOHSM_DIR="+filepath.Join(dir, "store"), "GOHSM_CONF="+conf)
	out, err := cmd.CombinedOutput()
	text := string(out)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("test process hung for %v (killed):\n%s%s", ChildTimeout, text, logTail(dir))
	case err != nil:
		t.Fatalf("test process failed (%v):\n%s%s", err, text, logTail(dir))
	case strings.Contains(text, "--- SKIP: "+t.Name()+" "):
		t.Skipf("skipped in the test process:\n%s", text)
	case !strings.Contains(text, "--- PASS: "+t.Name()+" "):
		t.Fatalf("test process did not run %s:\n%s", t.Name(), text)
	case testing.Verbose():
		t.Log(text)
	}
	return false
}

// WriteConfig writes dir/gohsm.toml: a cheap Argon2id cost and a log file in dir.
func WriteConfig(t testing.TB, dir string, cfg Config) string {
	t.Helper()
	level := cfg.LogLevel
	if level == "" {
		level = "warn"
	}
	var b strings.Builder
	if cfg.MaxLoginFailures > 0 {
		fmt.Fprintf(&b, "max_login_failures = %d\n", cfg.MaxLoginFailures)
	}
	fmt.Fprintf(&b, "[kdf]\ntime = 1\nmemory_kib = 64\nthreads = 1\n")
	fmt.Fprintf(&b, "[log]\nlevel = %q\nfile = %q\n", level, filepath.Join(dir, "gohsm.log"))
	path := filepath.Join(dir, "gohsm.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// StoreDir is the store of this test process (GOHSM_DIR).
func StoreDir() string { return os.Getenv("GOHSM_DIR") }

// LogFile is the library's log file of this test process.
func LogFile() string { return filepath.Join(filepath.Dir(os.Getenv("GOHSM_CONF")), "gohsm.log") }

func logTail(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "gohsm.log"))
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "\n--- library log (tail) ---\n" + string(b)
}

// LibPath finds libgohsm.so: $GOHSM_LIB, else libgohsm.so at the module
// root; the path returned is absolute.
func LibPath(t testing.TB) string {
	t.Helper()
	p := os.Getenv(envLib)
	if p == "" {
		p = filepath.Join(ModuleRoot(t), "libgohsm.so")
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

// ModuleRoot is the directory of go.mod above the working directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the working directory; set GOHSM_LIB")
		}
		dir = up
	}
}
