package gen

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// names.go must be what `go generate ./ck` would write now.
func TestNamesUpToDate(t *testing.T) {
	want, err := Generate(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), Output)
	if err := os.WriteFile(tmp, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", Output))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("ck/names.go is stale: run `go generate ./ck` (fresh output in %s)", tmp)
	}
}

func writePkg(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCanonicalAndStringers(t *testing.T) {
	dir := writePkg(t, `package ck
type (
	ULong = uint64
	K ULong
	Flags ULong
	V ULong
	Hand ULong
)
func (Hand) String() string { return "" }
const (
	K_OLD K = 0x1 // Deprecated: use K_NEW.
	K_NEW K = 0x1
	K_A   K = 0x2
	K_B   K = 0x2
	K_V   K = 1 << 31 | 0x10
	F_A Flags = 0x1
	H_A Hand = 0x1
	plain = 7
)
`)
	p, err := Parse(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Canonical()
	if len(c) != 1 {
		t.Fatalf("kinds with String = %v, want only K (Flags skipped, Hand written by hand)", c)
	}
	for v, want := range map[uint64]string{1: "K_NEW", 2: "K_A", 0x80000010: "K_V"} {
		if got := c["K"][v]; got != want {
			t.Errorf("name of %#x = %q, want %q", v, got, want)
		}
	}
	src, err := Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), `func (v K) String() string`) || !strings.Contains(string(src), `"K(%#x)"`) {
		t.Errorf("generated source lacks K's String:\n%s", src)
	}
}

// Values are never guessed: iota, implicit repetition and unknown names fail.
func TestRefusesImplicitValues(t *testing.T) {
	for name, body := range map[string]string{
		"iota":     "const ( A K = iota\n B )",
		"repeat":   "const ( A K = 1\n B )",
		"unknown":  "const A K = C_UNDECLARED",
		"twice":    "const A K = 1\nconst A K = 2",
		"overflow": "const A K = -1",
	} {
		dir := writePkg(t, "package ck\ntype K uint64\n"+body+"\n")
		if _, err := Parse(dir); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		}
	}
}

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{"RV": "rv", "EC_KDF": "ec_KDF", "KeyType": "keyType", "HWFeatureType": "hwFeatureType", "MGF": "mgf"} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
