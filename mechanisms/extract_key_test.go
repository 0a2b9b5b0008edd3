package mechanisms

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestExtractKeyFromKey: the specification's example (0x329F84A9, 16 bits
// from bit 21: 0x9526), wrapping around more than once, whole bytes, and
// the refusals.
func TestExtractKeyFromKey(t *testing.T) {
	at := func(i uint64) []byte { return binary.NativeEndian.AppendUint64(nil, i) }
	base := secretKey(ck.CKK_GENERIC_SECRET, []byte{0x32, 0x9f, 0x84, 0xa9})
	for _, tc := range []struct {
		first uint64
		n     int
		want  []byte
	}{
		{21, 2, []byte{0x95, 0x26}},
		{0, 4, []byte{0x32, 0x9f, 0x84, 0xa9}},
		{8, 4, []byte{0x9f, 0x84, 0xa9, 0x32}},
		{8, 9, []byte{0x9f, 0x84, 0xa9, 0x32, 0x9f, 0x84, 0xa9, 0x32, 0x9f}},
		{4, 1, []byte{0x29}},
		{31, 1, []byte{0x99}}, // the last bit (1), then 0x32's first seven bits 0011001
	} {
		got, err := derive(t, ck.CKM_EXTRACT_KEY_FROM_KEY, base, at(tc.first), ck.Template{valueLen(tc.n)})
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%d bytes from bit %d: %x %v, want %x", tc.n, tc.first, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		name  string
		param any
		tmpl  ck.Template
		want  error
	}{
		{"bit past the end", at(32), ck.Template{valueLen(2)}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"short parameter", []byte{1, 2, 3, 4}, ck.Template{valueLen(2)}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"no parameter", nil, ck.Template{valueLen(2)}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"no length", at(0), nil, ck.CKR_TEMPLATE_INCOMPLETE},
	} {
		if _, err := derive(t, ck.CKM_EXTRACT_KEY_FROM_KEY, base, tc.param, tc.tmpl); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func init() {
	addFixture(fixture{
		deriveKey:   func(*testing.T) *Key { return secretKey(ck.CKK_GENERIC_SECRET, []byte("0123456789abcdef")) },
		deriveParam: func(*testing.T) any { return binary.NativeEndian.AppendUint64(nil, 3) },
		deriveTmpl:  lenTmpl(16),
	}, ck.CKM_EXTRACT_KEY_FROM_KEY)
}
