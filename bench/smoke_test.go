package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// libPath finds libgohsm.so: $GOHSM_LIB, else at the module root.
func libPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GOHSM_LIB"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "libgohsm.so")
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("%s not found: run `make build` or set GOHSM_LIB", p)
			}
			return p
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.mod above the working directory")
		}
	}
}

// TestSmokeOneRow runs one row for one short round against libgohsm.so, so
// that the benchmark command keeps working; it asserts numbers, not speed.
func TestSmokeOneRow(t *testing.T) {
	cfg := QuickConfig()
	cfg.Modules = []Module{{Name: "gohsm", Path: libPath(t)}}
	cfg.Rows, cfg.Rounds, cfg.Slice, cfg.Sessions = "random-32", 1, 20*time.Millisecond, []int{1}
	cfg.WorkDir = t.TempDir()
	rep, err := Run(cfg, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || len(rep.Results[0].Cells) != 2 {
		t.Fatalf("want one row with gohsm and raw columns, got %+v", rep.Results)
	}
	for _, c := range rep.Results[0].Cells {
		if c.NA != "" || c.OpsPerSec <= 0 || c.UsPerOp <= 0 {
			t.Errorf("column %s has no number: %+v", c.Column, c)
		}
	}
	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`C_GenerateRandom 32 B\s+1\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+`)
	if !line.MatchString(out.String()) {
		t.Errorf("table has no numbers for the row:\n%s", out.String())
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil || !strings.Contains(js.String(), `"id": "random-32"`) {
		t.Errorf("JSON report lacks the row (%v):\n%s", err, js.String())
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		filter, id string
		want       bool
	}{
		{"", "rsa2048-sign-pkcs", true},
		{"rsa", "rsa2048-sign-pkcs", true},
		{"p256,rsa3072", "rsa3072-sign-pkcs", true},
		{"p256", "rsa2048-sign-pkcs", false},
		{" , ", "rsa2048-sign-pkcs", false},
	}
	for _, c := range cases {
		if got := match(c.filter, c.id); got != c.want {
			t.Errorf("match(%q, %q) = %v, want %v", c.filter, c.id, got, c.want)
		}
	}
}

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}}
	for _, c := range cases {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
