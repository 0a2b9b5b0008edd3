package mechanisms

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// readVectors reads a CAVP-style file: "Name = value" lines, records
// separated by blank lines, "[section]" lines kept as the "Section" field of
// the records after them, "#" comments skipped.
func readVectors(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]string
	section := ""
	cur := map[string]string{}
	flush := func() {
		if len(cur) > 0 {
			cur["Section"] = section
			out = append(out, cur)
			cur = map[string]string{}
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			flush()
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: bad line %q", path, line)
			}
			cur[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no vectors", path)
	}
	return out
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	if len(s)%2 == 1 { // CAVP writes P-521 integers without a leading zero nibble
		s = "0" + s
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}
