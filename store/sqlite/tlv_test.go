package sqlite

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestEncodeAttrsKnownBytes(t *testing.T) {
	m := map[ck.AttributeType][]byte{
		ck.CKA_LABEL: []byte("ab"), // 3
		ck.CKA_CLASS: {4},          // 0, sorts first
		ck.CKA_ID:    {},           // 0x102, empty value
	}
	got, err := encodeAttrs(m)
	if err != nil {
		t.Fatal(err)
	}
	want := "0000000000000000" + "00000001" + "04" +
		"0000000000000003" + "00000002" + "6162" +
		"0000000000000102" + "00000000"
	if hex.EncodeToString(got) != want {
		t.Fatalf("encoding\n got %x\nwant %s", got, want)
	}
	for range 20 { // map order must not leak into the bytes
		again, _ := encodeAttrs(m)
		if !bytes.Equal(again, got) {
			t.Fatal("encoding is not deterministic")
		}
	}
	back, err := decodeAttrs(got)
	if err != nil || !equalAttrs(back, m) {
		t.Fatalf("decode = %v, %v", back, err)
	}
	if v := back[ck.CKA_ID]; v == nil || len(v) != 0 {
		t.Fatalf("empty value decoded as %v, want empty non-nil", v)
	}
	if empty, _ := encodeAttrs(nil); len(empty) != 0 {
		t.Fatalf("nil map encodes to %x", empty)
	}
}

func TestDecodeAttrsRejects(t *testing.T) {
	one := "0000000000000003" + "00000002" + "6162"
	for _, tc := range []struct{ name, hex string }{
		{"short header", "00000000000000"},
		{"header without value", "0000000000000003" + "00000002"},
		{"value shorter than length", "0000000000000003" + "00000003" + "6162"},
		{"length near 4 GiB", "0000000000000003" + "ffffffff" + "61"},
		{"trailing bytes", one + "00"},
		{"duplicate type", one + one},
		{"descending types", one + "0000000000000000" + "00000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tc.hex)
			if m, err := decodeAttrs(b); !errors.Is(err, errBadAttrs) {
				t.Fatalf("decodeAttrs = %v, %v; want errBadAttrs", m, err)
			}
		})
	}
}

func TestDecodedValuesDoNotOverlap(t *testing.T) {
	b, _ := encodeAttrs(map[ck.AttributeType][]byte{1: []byte("aa"), 2: []byte("bb")})
	m, err := decodeAttrs(b)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(m[1], 'X') // capped capacity: must not overwrite the next entry
	if string(m[2]) != "bb" {
		t.Fatalf("appending to one value changed another: %q", m[2])
	}
}

// FuzzDecodeAttrs: decoding never panics, and whatever decodes re-encodes to
// the same bytes (the encoding is canonical).
func FuzzDecodeAttrs(f *testing.F) {
	seeds := []map[ck.AttributeType][]byte{
		nil,
		{ck.CKA_CLASS: {3}},
		{ck.CKA_LABEL: []byte("key"), ck.CKA_ID: {}, ck.CKA_VALUE: bytes.Repeat([]byte{7}, 40)},
		{ck.AttributeType(ck.UnavailableInformation): {1, 2}},
	}
	for _, m := range seeds {
		b, err := encodeAttrs(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		if len(b) > 3 {
			f.Add(b[:len(b)-3]) // truncated
		}
	}
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeAttrs(b)
		if err != nil {
			return
		}
		again, err := encodeAttrs(m)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("decode/encode not canonical:\n in  %x\n out %x", b, again)
		}
	})
}
