package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestArrayAttributeInput(t *testing.T) {
	// Sorted by type, as arrayValue stores them.
	inner := []testAttr{{ck.CKA_LABEL, []byte("lbl"), 3}, {ck.CKA_EXTRACTABLE, []byte{1}, 1}}
	tests := []struct {
		name     string
		typ      ck.AttributeType
		inner    []testAttr
		lenDelta int
		wantErr  error
	}{
		{"wrap template", ck.CKA_WRAP_TEMPLATE, inner, 0, nil},
		{"empty unwrap template", ck.CKA_UNWRAP_TEMPLATE, nil, 0, nil},
		{"derive template", ck.CKA_DERIVE_TEMPLATE, inner[:1], 0, nil},
		{"length not a whole number of CK_ATTRIBUTEs", ck.CKA_WRAP_TEMPLATE, inner, -1, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"inner NULL with length", ck.CKA_WRAP_TEMPLATE, []testAttr{{ck.CKA_LABEL, nil, 4}}, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"nested template", ck.CKA_WRAP_TEMPLATE, []testAttr{{ck.CKA_UNWRAP_TEMPLATE, nil, 0}}, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"unknown array type", ck.AttributeType(ck.CKF_ARRAY_ATTRIBUTE) | 0x7777, nil, 0, ck.CKR_ATTRIBUTE_TYPE_INVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeCArray(tc.typ, tc.inner, tc.lenDelta)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if len(got) != 1 || got[0].Type != tc.typ {
				t.Fatalf("template %v", got)
			}
			dec, err := ck.DecodeAttributeArray(got[0].Value)
			if err != nil {
				t.Fatal(err)
			}
			checkTemplate(t, tc.inner, dec)
		})
	}
}

func TestArrayAttributeOrder(t *testing.T) {
	a, b := testAttr{ck.CKA_LABEL, []byte("l"), 1}, testAttr{ck.CKA_EXTRACTABLE, []byte{1}, 1}
	x, err1 := decodeCArray(ck.CKA_WRAP_TEMPLATE, []testAttr{a, b}, 0)
	y, err2 := decodeCArray(ck.CKA_WRAP_TEMPLATE, []testAttr{b, a}, 0)
	if err1 != nil || err2 != nil || !bytes.Equal(x[0].Value, y[0].Value) {
		t.Fatalf("one template in two orders: %x %v, %x %v", x[0].Value, err1, y[0].Value, err2)
	}
}

func TestAllowedMechanismsInput(t *testing.T) {
	mechs := append(ck.EncodeULong(ck.ULong(ck.CKM_AES_GCM)), ck.EncodeULong(ck.ULong(ck.CKM_AES_CBC))...)
	got, err := decodeCTemplate([]testAttr{{ck.CKA_ALLOWED_MECHANISMS, mechs, uint64(len(mechs))}})
	if err != nil || !bytes.Equal(got[0].Value, mechs) {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := decodeCTemplate([]testAttr{{ck.CKA_ALLOWED_MECHANISMS, mechs[:12], 12}}); !errors.Is(err, ck.CKR_ATTRIBUTE_VALUE_INVALID) {
		t.Fatalf("12 bytes: err %v, want CKR_ATTRIBUTE_VALUE_INVALID", err)
	}
}

func TestArrayAttributeOutput(t *testing.T) {
	stored := ck.EncodeAttributeArray(ck.Template{
		{Type: ck.CKA_EXTRACTABLE, Value: []byte{1}},
		{Type: ck.CKA_LABEL, Value: []byte("label")},
	})
	const size = uint64(attrSize)
	tests := []struct {
		name        string
		outer, in   int
		wantRV      ck.RV
		wantLen     uint64
		wantEntries []testAttr
	}{
		{"outer length query", -1, -1, ck.CKR_OK, 2 * size, nil},
		{"outer too small", 1, -1, ck.CKR_BUFFER_TOO_SMALL, uint64(ck.UnavailableInformation), []testAttr{{}}},
		{"inner length query", 2, -1, ck.CKR_OK, 2 * size,
			[]testAttr{{ck.CKA_EXTRACTABLE, nil, 1}, {ck.CKA_LABEL, nil, 5}}},
		{"inner too small", 2, 3, ck.CKR_BUFFER_TOO_SMALL, 2 * size,
			[]testAttr{{ck.CKA_EXTRACTABLE, []byte{1}, 1}, {ck.CKA_LABEL, nil, uint64(ck.UnavailableInformation)}}},
		{"values", 2, 8, ck.CKR_OK, 2 * size,
			[]testAttr{{ck.CKA_EXTRACTABLE, []byte{1}, 1}, {ck.CKA_LABEL, []byte("label"), 5}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rv, n, entries := getCArray(stored, tc.outer, tc.in)
			if rv != tc.wantRV || n != tc.wantLen {
				t.Fatalf("rv %v len %d, want %v %d", rv, n, tc.wantRV, tc.wantLen)
			}
			for i, w := range tc.wantEntries {
				g := entries[i]
				if g.Type != w.Type || g.Len != w.Len || (w.Value != nil && !bytes.Equal(g.Value, w.Value)) {
					t.Fatalf("entry %d = %v, want %v", i, g, w)
				}
			}
		})
	}
	if rv, _, _ := getCArray([]byte{1, 2, 3}, -1, -1); rv != ck.CKR_GENERAL_ERROR {
		t.Fatalf("corrupt stored value: rv %v, want CKR_GENERAL_ERROR", rv)
	}
}
