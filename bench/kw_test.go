package bench

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// TestKWWrapVector checks the raw key-wrap column against RFC 3394's vector.
func TestKWWrapVector(t *testing.T) {
	b, err := os.ReadFile("testdata/rfc3394_4.6.txt")
	if err != nil {
		t.Fatal(err)
	}
	v := map[string][]byte{}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 2 && !strings.HasPrefix(l, "#") {
			if v[f[0]], err = hex.DecodeString(f[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	blk, err := aes.NewCipher(v["kek"])
	if err != nil {
		t.Fatal(err)
	}
	if got := kwWrap(blk, v["key"]); !bytes.Equal(got, v["wrapped"]) {
		t.Errorf("kwWrap = %x, want %x", got, v["wrapped"])
	}
}
