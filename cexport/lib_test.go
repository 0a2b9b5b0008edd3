package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The tests of this package load the built library, as an application does.
// GOHSM_LIB names it (make test sets it); otherwise it is built once here.
var (
	libOnce sync.Once
	libPath string
	libErr  error
	libDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if libDir != "" {
		os.RemoveAll(libDir)
	}
	os.Exit(code)
}

func builtLib(t *testing.T) string {
	t.Helper()
	libOnce.Do(func() {
		if p := os.Getenv("GOHSM_LIB"); p != "" {
			libPath, libErr = filepath.Abs(p)
			return
		}
		libDir, libErr = os.MkdirTemp("", "gohsm-cexport-")
		if libErr != nil {
			return
		}
		wd, _ := os.Getwd()
		libPath = filepath.Join(libDir, "libgohsm.so")
		cmd := exec.Command("go", "build", "-buildmode=c-shared",
			"-ldflags", `-extldflags "-Wl,--version-script=`+filepath.Join(wd, "exports.map")+`"`,
			"-o", libPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			libErr = &buildError{err, string(out)}
		}
	})
	if libErr != nil {
		t.Fatalf("building libgohsm.so: %v", libErr)
	}
	return libPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// compileC builds a C test program against gohsm's header.
func compileC(t *testing.T, src string, extra ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	bin := filepath.Join(t.TempDir(), filepath.Base(src)+".bin")
	args := append([]string{"-std=gnu11", "-Wall", "-Werror", "-Iinclude", "-o", bin, src}, extra...)
	args = append(args, "-ldl", "-lpthread")
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %v: %v\n%s", args, err, out)
	}
	return bin
}
