package ck

import (
	"bytes"
	"errors"
	"testing"
)

func TestAttributeArrayRoundTrip(t *testing.T) {
	cases := []Template{
		{},
		{{Type: CKA_CLASS, Value: EncodeULong(ULong(CKO_SECRET_KEY))}},
		{{Type: CKA_EXTRACTABLE, Value: EncodeBool(true)}, {Type: CKA_LABEL, Value: []byte{}}, {Type: CKA_ID, Value: []byte("abc")}},
	}
	for i, tm := range cases {
		got, err := DecodeAttributeArray(EncodeAttributeArray(tm))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if len(got) != len(tm) {
			t.Fatalf("case %d: %d attributes, want %d", i, len(got), len(tm))
		}
		for j := range tm {
			if got[j].Type != tm[j].Type || !bytes.Equal(got[j].Value, tm[j].Value) {
				t.Fatalf("case %d attr %d: %v, want %v", i, j, got[j], tm[j])
			}
		}
	}
}

func TestAttributeArrayMalformed(t *testing.T) {
	good := EncodeAttributeArray(Template{{Type: CKA_ID, Value: []byte("abcd")}})
	cases := map[string][]byte{
		"short header":  good[:5],
		"short value":   good[:len(good)-1],
		"trailing byte": append(bytes.Clone(good), 0),
		"huge length":   {0, 0, 0, 0, 0, 0, 1, 2, 0xff, 0xff, 0xff, 0xff},
	}
	for name, b := range cases {
		if _, err := DecodeAttributeArray(b); !errors.Is(err, CKR_ATTRIBUTE_VALUE_INVALID) {
			t.Errorf("%s: err %v, want CKR_ATTRIBUTE_VALUE_INVALID", name, err)
		}
	}
}

func FuzzDecodeAttributeArray(f *testing.F) {
	f.Add(EncodeAttributeArray(Template{{Type: CKA_ID, Value: []byte("x")}}))
	f.Add([]byte{})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		tm, err := DecodeAttributeArray(b)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeAttributeArray(tm), b) {
			t.Fatalf("decode/encode does not round-trip")
		}
	})
}
