package backup

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestChunks: a body of several chunks round-trips; reordered, dropped or
// duplicated chunks are refused (indexes and the final flag are authenticated).
func TestChunks(t *testing.T) {
	secret := bytes.Repeat([]byte{9}, 32)
	body := make([]byte, 5500)
	rand.Read(body)
	h := Header{Format: Format, Installation: InstallationID(secret), BodySize: int64(len(body)), ChunkSize: 1000, Tokens: []Token{}}
	var file bytes.Buffer
	var calls int
	if err := encrypt(&file, h, secret, bytes.NewReader(body), func(done, total int64) { calls++ }); err != nil {
		t.Fatal(err)
	}
	if calls != 6 {
		t.Fatalf("%d progress calls, want 6 chunks", calls)
	}
	good := file.Bytes()
	hl := int(binary.BigEndian.Uint32(good[8:12]))
	start := 12 + hl + wrappedLen
	var chunks [][]byte // each with its length prefix
	for off := start; off < len(good); {
		l := int(binary.BigEndian.Uint32(good[off:]))
		chunks = append(chunks, good[off:off+4+l])
		off += 4 + l
	}
	if len(chunks) != 6 {
		t.Fatalf("%d chunks", len(chunks))
	}
	build := func(order ...int) []byte {
		out := append([]byte(nil), good[:start]...)
		for _, i := range order {
			out = append(out, chunks[i]...)
		}
		return out
	}
	cases := []struct {
		name string
		file []byte
		err  error
	}{
		{"in order", build(0, 1, 2, 3, 4, 5), nil},
		{"swapped", build(0, 2, 1, 3, 4, 5), ErrTampered},
		{"last dropped", build(0, 1, 2, 3, 4), ErrTampered},
		{"middle dropped", build(0, 1, 3, 4, 5), ErrTampered},
		{"repeated", build(0, 1, 2, 3, 4, 5, 5), ErrTampered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "b"+Ext)
			os.WriteFile(p, c.file, 0o600)
			o, err := Open(p, secret, dir, nil)
			if !errors.Is(err, c.err) {
				t.Fatalf("Open: %v, want %v", err, c.err)
			}
			if err != nil {
				return
			}
			defer o.Close()
			got, _ := os.ReadFile(filepath.Join(o.dir, "gohsm.db"))
			if !bytes.Equal(got, body) {
				t.Fatal("decrypted body differs")
			}
		})
	}
}
