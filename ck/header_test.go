package ck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck/internal/gen"
)

// p11kitErrata are the values p11-kit's header gets wrong (it has them at
// 0x1c0..0x1c4); the OASIS specification and headers say 0x1b5..0x1b9.
var p11kitErrata = map[string]uint64{
	"CKR_EXCEEDED_MAX_ITERATIONS": 0x1c0,
	"CKR_FIPS_SELF_TEST_FAILED":   0x1c1,
	"CKR_LIBRARY_LOAD_FAILED":     0x1c2,
	"CKR_PIN_TOO_WEAK":            0x1c3,
	"CKR_PUBLIC_KEY_INVALID":      0x1c4,
}

func TestHeaderP11Kit(t *testing.T) {
	checkHeader(t, "/usr/include/p11-kit-1/p11-kit/pkcs11.h", p11kitErrata, 500)
}

// The C front's own header must agree with ck exactly: no errata allowed.
func TestHeaderCexport(t *testing.T) {
	checkHeader(t, filepath.Join("..", "cexport", "include", "pkcs11.h"), nil, 100)
}

func checkHeader(t *testing.T, path string, errata map[string]uint64, minCompared int) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not present: %v", path, err)
	}
	defs, err := readDefines(path, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gen.Parse(".")
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, c := range p.Consts {
		expr, ok := defs[c.Name]
		if !ok {
			continue
		}
		v, err := evalC(expr, defs, 0)
		if err != nil {
			t.Logf("%s: %s = %q not evaluated: %v", path, c.Name, expr, err)
			continue
		}
		compared++
		if v == c.Value {
			continue
		}
		if wrong, ok := errata[c.Name]; ok && v == wrong {
			continue
		}
		t.Errorf("%s: %s is %#x in the header, %#x in ck (%s)", path, c.Name, v, c.Value, c.Pos)
	}
	if compared < minCompared {
		t.Errorf("%s: only %d names compared, want at least %d", path, compared, minCompared)
	}
	t.Logf("%s: %d names compared", path, compared)
}

var (
	defineRE  = regexp.MustCompile(`^\s*#\s*define\s+(CK\w+)\s+(.+)$`)
	includeRE = regexp.MustCompile(`^\s*#\s*include\s+"([^"]+)"`)
	commentRE = regexp.MustCompile(`/\*.*?\*/|//.*$`)
)

// readDefines collects the object-like CK* macros of a header and of the
// headers it includes with quotes (pkcs11.h includes pkcs11t.h).
func readDefines(path string, seen map[string]bool) (map[string]string, error) {
	defs := map[string]string{}
	if seen[path] {
		return defs, nil
	}
	seen[path] = true
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	text = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(text, " ")
	for _, line := range strings.Split(text, "\n") {
		line = commentRE.ReplaceAllString(line, "")
		if m := includeRE.FindStringSubmatch(line); m != nil {
			inc := filepath.Join(filepath.Dir(path), m[1])
			if _, err := os.Stat(inc); err == nil {
				sub, err := readDefines(inc, seen)
				if err != nil {
					return nil, err
				}
				for k, v := range sub {
					defs[k] = v
				}
			}
			continue
		}
		if m := defineRE.FindStringSubmatch(line); m != nil {
			defs[m[1]] = strings.TrimSpace(m[2])
		}
	}
	return defs, nil
}

var tokenRE = regexp.MustCompile(`\s*(0[xX][0-9a-fA-F]+[uUlL]*|[0-9]+[uUlL]*|[A-Za-z_]\w*|<<|>>|[()|&+\-~])`)

// evalC evaluates the constant expressions PKCS#11 headers use: literals
// with U/L suffixes, other macros, casts such as (unsigned long) or
// (CK_ULONG), and | & + - << >> ~.
func evalC(expr string, defs map[string]string, depth int) (uint64, error) {
	if depth > 10 {
		return 0, fmt.Errorf("macro nesting too deep")
	}
	var toks []string
	rest := expr
	for strings.TrimSpace(rest) != "" {
		m := tokenRE.FindStringSubmatchIndex(rest)
		if m == nil || m[0] != 0 {
			return 0, fmt.Errorf("cannot tokenize %q", rest)
		}
		toks = append(toks, rest[m[2]:m[3]])
		rest = rest[m[1]:]
	}
	e := &cExpr{toks: toks, defs: defs, depth: depth}
	v, err := e.binary(0)
	if err == nil && e.i != len(toks) {
		err = fmt.Errorf("trailing %q", toks[e.i:])
	}
	return v, err
}

type cExpr struct {
	toks  []string
	i     int
	defs  map[string]string
	depth int
}

var precedence = map[string]int{"|": 1, "&": 2, "<<": 3, ">>": 3, "+": 4, "-": 4}

func (e *cExpr) peek() string {
	if e.i < len(e.toks) {
		return e.toks[e.i]
	}
	return ""
}

func (e *cExpr) binary(min int) (uint64, error) {
	x, err := e.unary()
	if err != nil {
		return 0, err
	}
	for {
		op := e.peek()
		p, ok := precedence[op]
		if !ok || p <= min {
			return x, nil
		}
		e.i++
		y, err := e.binary(p)
		if err != nil {
			return 0, err
		}
		switch op {
		case "|":
			x |= y
		case "&":
			x &= y
		case "<<":
			x <<= y
		case ">>":
			x >>= y
		case "+":
			x += y
		case "-":
			x -= y
		}
	}
}

func (e *cExpr) unary() (uint64, error) {
	tok := e.peek()
	e.i++
	switch {
	case tok == "":
		return 0, fmt.Errorf("unexpected end")
	case tok == "~":
		x, err := e.unary()
		return ^x, err
	case tok == "(":
		// A parenthesised list of type words that are not macros is a cast.
		j := e.i
		for j < len(e.toks) && isTypeWord(e.toks[j], e.defs) {
			j++
		}
		if j > e.i && j < len(e.toks) && e.toks[j] == ")" {
			e.i = j + 1
			return e.unary()
		}
		x, err := e.binary(0)
		if err != nil {
			return 0, err
		}
		if e.peek() != ")" {
			return 0, fmt.Errorf("missing )")
		}
		e.i++
		return x, nil
	case tok[0] >= '0' && tok[0] <= '9':
		return strconv.ParseUint(strings.TrimRight(tok, "uUlL"), 0, 64)
	default:
		d, ok := e.defs[tok]
		if !ok {
			return 0, fmt.Errorf("unknown name %s", tok)
		}
		return evalC(d, e.defs, e.depth+1)
	}
}

func isTypeWord(tok string, defs map[string]string) bool {
	if _, isMacro := defs[tok]; isMacro {
		return false
	}
	c := tok[0]
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// The evaluator itself, on the shapes found in real headers.
func TestEvalC(t *testing.T) {
	defs := map[string]string{
		"CKM_VENDOR_DEFINED":  "((unsigned long) (1UL << 31))",
		"CKF_ARRAY_ATTRIBUTE": "0x40000000UL",
		"CKA_WRAP_TEMPLATE":   "(CKF_ARRAY_ATTRIBUTE|0x00000211UL)",
		"CKA_SUB_PRIME_BITS":  "CKA_SUBPRIME_BITS",
		"CKA_SUBPRIME_BITS":   "(0x134UL)",
		"CKR_X":               "(CK_RV) 0x10",
		"BAD":                 "CK_UNKNOWN_THING",
	}
	for _, tc := range []struct {
		name string
		want uint64
		bad  bool
	}{
		{"CKM_VENDOR_DEFINED", 0x80000000, false},
		{"CKA_WRAP_TEMPLATE", 0x40000211, false},
		{"CKA_SUB_PRIME_BITS", 0x134, false},
		{"CKR_X", 0x10, false},
		{"BAD", 0, true},
	} {
		got, err := evalC(defs[tc.name], defs, 0)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%s: got %#x, %v; want %#x, error %v", tc.name, got, err, tc.want, tc.bad)
		}
	}
}
