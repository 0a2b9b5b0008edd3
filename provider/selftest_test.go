package provider

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/config"
	"github.com/gohsm/gohsm/mechanisms"
)

// A failing mechanism self-test makes New (C_Initialize) fail with
// CKR_GENERAL_ERROR before the store is opened, and the log names the family.
// (mechanisms/selftest_test.go proves a registered failing test reaches
// RunSelfTests; here the hook stands in for it, since RunSelfTests caches
// its result for the process.)
func TestNewFailsOnSelfTest(t *testing.T) {
	saved := selfTest
	defer func() { selfTest = saved }()
	selfTest = func() error {
		return &mechanisms.SelfTestError{Family: "test-only family", Err: errors.New("wrong output")}
	}
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	logFile := filepath.Join(dir, "gohsm.log")
	cfg := config.Default()
	cfg.StoreDir = store
	cfg.Log.File = logFile
	cfg.KDF = config.KDF{Time: 1, MemoryKiB: 64, Threads: 1}
	m, err := New(Options{Config: &cfg})
	if err == nil {
		m.Close()
		t.Fatal("New succeeded although a self-test failed")
	}
	var rv ck.RV
	if !errors.As(err, &rv) || rv != ck.CKR_GENERAL_ERROR {
		t.Fatalf("New: %v, want CKR_GENERAL_ERROR", err)
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "self-test failed") || !strings.Contains(string(log), "test-only family") {
		t.Fatalf("log does not name the failed family: %q", log)
	}
	if _, err := os.Stat(store); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the store was opened after a failed self-test: %v", err)
	}

	selfTest = saved // the real self-tests pass
	if err := mechanisms.RunSelfTests(); err != nil {
		t.Fatal(err)
	}
	_ = openTestModule(t, t.TempDir())
}
