package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExportsOnlyC: the version script leaves only the PKCS#11 functions
// exported (no Go runtime, no SQLite symbols).
func TestExportsOnlyC(t *testing.T) {
	lib := builtLib(t)
	out, err := exec.Command("nm", "-D", "--defined-only", lib).Output()
	if err != nil {
		t.Fatalf("nm: %v", err)
	}
	got := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		kind, name := f[1], f[2]
		if !strings.HasPrefix(name, "C_") {
			t.Errorf("exported symbol %s (%s) is not a C_* function", name, kind)
			continue
		}
		if kind != "T" {
			t.Errorf("exported %s is of kind %s, want T (text)", name, kind)
		}
		got[name] = true
	}
	for _, want := range []string{"C_GetFunctionList", "C_GetInterfaceList", "C_GetInterface",
		"C_Initialize", "C_Finalize", "C_SignMessageNext", "C_LoginUser", "C_SessionCancel",
		"C_EncapsulateKey", "C_DecapsulateKey", "C_UnwrapKeyAuthenticated"} {
		if !got[want] {
			t.Errorf("%s is not exported", want)
		}
	}
	if len(got) != 104 {
		t.Errorf("%d C_* functions exported, want 104 (68 of 2.40 + 24 of 3.0 + 12 of 3.2)", len(got))
	}
}

// TestABI runs testdata/abi.c against the library: function lists,
// interfaces, CKR_CRYPTOKI_NOT_INITIALIZED, C_Initialize's argument rules,
// NULL pointers and concurrent C_Initialize/C_Finalize.
func TestABI(t *testing.T) {
	lib := builtLib(t)
	bin := compileC(t, "testdata/abi.c")
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conf := filepath.Join(dir, "gohsm.toml")
	cheapKDF := "[kdf]\ntime = 1\nmemory_kib = 64\nthreads = 1\n"
	if err := os.WriteFile(conf, []byte(cheapKDF), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, lib, store)
	cmd.Env = append(os.Environ(), "GOHSM_DIR="+store, "GOHSM_CONF="+conf)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("abi test hung:\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "ok\n") {
		t.Fatalf("abi test failed (%v):\n%s", err, out)
	}
	// check_panic's faults were logged, with the function's name.
	if !strings.Contains(string(out), "internal error (panic)") || !strings.Contains(string(out), "C_GetAttributeValue") {
		t.Errorf("no log line for the recovered panic:\n%s", out)
	}
	t.Logf("%s", out)
}

// TestLayoutMatchesP11Kit compares the 2.40 structures and every
// CK_FUNCTION_LIST offset of gohsm's header with Debian's p11-kit header.
func TestLayoutMatchesP11Kit(t *testing.T) {
	const p11kit = "/usr/include/p11-kit-1/p11-kit/pkcs11.h"
	if _, err := os.Stat(p11kit); err != nil {
		t.Skipf("%s is not installed (libp11-kit-dev)", p11kit)
	}
	ours := runLayout(t, compileC(t, "testdata/layout.c"))
	theirs := runLayout(t, compileC(t, "testdata/layout.c", "-DUSE_P11KIT", "-I/usr/include/p11-kit-1"))
	if ours != theirs {
		t.Fatalf("layout differs from p11-kit's header:\nours:\n%s\np11-kit:\n%s", ours, theirs)
	}
	if n := strings.Count(ours, "offsetof CK_FUNCTION_LIST."); n != 68 {
		t.Fatalf("%d CK_FUNCTION_LIST entries compared, want 68", n)
	}
}

func runLayout(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return string(out)
}

// TestConstsHeaderCurrent: include/pkcs11_consts.h is what genconsts.sh makes
// from ck/ today, so C and Go cannot disagree on a value.
func TestConstsHeaderCurrent(t *testing.T) {
	cmd := exec.Command("sh", "cexport/include/genconsts.sh")
	cmd.Dir = ".."
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("genconsts.sh: %v", err)
	}
	got, err := os.ReadFile("include/pkcs11_consts.h")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("include/pkcs11_consts.h is stale: run sh cexport/include/genconsts.sh > cexport/include/pkcs11_consts.h")
	}
}

// TestEnvSetAfterLoad: GOHSM_DIR set by the application after dlopen counts
// (the Go runtime copies the environment when the library loads).
func TestEnvSetAfterLoad(t *testing.T) {
	lib := builtLib(t)
	bin := compileC(t, "testdata/env.c")
	store, decoy := t.TempDir(), t.TempDir()
	cmd := exec.Command(bin, lib, store)
	cmd.Env = append(os.Environ(), "GOHSM_DIR="+decoy, "GOHSM_CONF=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("env.c: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(store, "gohsm.db")); err != nil {
		t.Fatalf("the second C_Initialize did not use the GOHSM_DIR set since: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(decoy, "gohsm.db")); err != nil {
		t.Fatalf("the first C_Initialize did not use the GOHSM_DIR of its time: %v", err)
	}
}
