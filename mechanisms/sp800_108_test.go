package mechanisms

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// kbkdfData is OpenSSL's default layout as PKCS#11 data parameters:
// iteration variable, [optional counter], label, 0x00, context, L.
func kbkdfData(feedback bool) []ck.PRFDataParam {
	d := []ck.PRFDataParam{{Type: ck.CK_SP800_108_ITERATION_VARIABLE, WidthBits: 32}}
	if feedback {
		d[0] = ck.PRFDataParam{Type: ck.CK_SP800_108_ITERATION_VARIABLE}
		d = append(d, ck.PRFDataParam{Type: ck.CK_SP800_108_OPTIONAL_COUNTER, WidthBits: 32})
	}
	return append(d,
		ck.PRFDataParam{Type: ck.CK_SP800_108_BYTE_ARRAY, Bytes: []byte("label")},
		ck.PRFDataParam{Type: ck.CK_SP800_108_BYTE_ARRAY, Bytes: []byte{0}},
		ck.PRFDataParam{Type: ck.CK_SP800_108_BYTE_ARRAY, Bytes: []byte("context")},
		ck.PRFDataParam{Type: ck.CK_SP800_108_DKM_LENGTH, DKMMethod: ck.CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, WidthBits: 32})
}

func lenTmpl(n int) ck.Template {
	return ck.Template{{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(ck.ULong(n))}}
}

// TestSP800108Vectors: counter and feedback modes give OpenSSL's KBKDF output.
func TestSP800108Vectors(t *testing.T) {
	for i, v := range readVectors(t, "testdata/kbkdf.txt") {
		want := unhex(t, v["DK"])
		key := &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_GENERIC_SECRET, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: unhex(t, v["Key"])}}
		prf := ck.CKM_SHA256_HMAC
		if v["PRF"] == "CMAC-AES128" {
			prf, key.KeyType = ck.CKM_AES_CMAC, ck.CKK_AES
		}
		mt, fb := ck.CKM_SP800_108_COUNTER_KDF, v["Mode"] == "feedback"
		if fb {
			mt = ck.CKM_SP800_108_FEEDBACK_KDF
		}
		p := &ck.SP800108Params{PRF: prf, Data: kbkdfData(fb), IV: unhex(t, v["IV"])}
		attrs, err := mustLookup(t, mt).(KeyDeriver).DeriveKey(key, p, lenTmpl(len(want)))
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if !bytes.Equal(attrs[ck.CKA_VALUE], want) {
			t.Errorf("vector %d (%s %s): %x, want %x", i, v["Mode"], v["PRF"], attrs[ck.CKA_VALUE], want)
		}
	}
}

// TestSP800108DoublePipeline against SP 800-108r1 §4.3 written out:
// A(0) = fixed data, A(i) = PRF(A(i-1)), K(i) = PRF(A(i) || [i]_32 || fixed data).
func TestSP800108DoublePipeline(t *testing.T) {
	ki := []byte("double pipeline key")
	const n = 70
	fixed := append([]byte("label\x00context"), binary.BigEndian.AppendUint32(nil, 8*n)...)
	prf := func(in []byte) []byte { m := hmac.New(sha256.New, ki); m.Write(in); return m.Sum(nil) }
	var want []byte
	a := fixed
	for i := uint32(1); len(want) < n; i++ {
		a = prf(a)
		want = append(want, prf(append(append(append([]byte(nil), a...), binary.BigEndian.AppendUint32(nil, i)...), fixed...))...)
	}
	key := &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_GENERIC_SECRET, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: ki}}
	p := &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: kbkdfData(true)}
	attrs, err := mustLookup(t, ck.CKM_SP800_108_DOUBLE_PIPELINE_KDF).(KeyDeriver).DeriveKey(key, p, lenTmpl(n))
	if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], want[:n]) {
		t.Errorf("double pipeline: %v %x, want %x", err, attrs[ck.CKA_VALUE], want[:n])
	}
}

func TestSP800108Refusals(t *testing.T) {
	key := &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_GENERIC_SECRET, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: []byte("k")}}
	counter := mustLookup(t, ck.CKM_SP800_108_COUNTER_KDF).(KeyDeriver)
	ok := func() *ck.SP800108Params { return &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: kbkdfData(false)} }
	tests := []struct {
		name string
		p    *ck.SP800108Params
		key  *Key
	}{
		{"no iteration variable", &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: kbkdfData(false)[1:]}, key},
		{"two iteration variables", &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: append(kbkdfData(false), kbkdfData(false)[0])}, key},
		{"optional counter in counter mode", &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: kbkdfData(true)}, key},
		{"counter width 12", &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: []ck.PRFDataParam{{Type: ck.CK_SP800_108_ITERATION_VARIABLE, WidthBits: 12}}}, key},
		{"key handle data", &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: append(kbkdfData(false), ck.PRFDataParam{Type: ck.CK_SP800_108_KEY_HANDLE})}, key},
		{"additional keys", func() *ck.SP800108Params { p := ok(); p.AdditionalKeys = 1; return p }(), key},
		{"IV in counter mode", func() *ck.SP800108Params { p := ok(); p.IV = []byte{1}; return p }(), key},
		{"digest as PRF", func() *ck.SP800108Params { p := ok(); p.PRF = ck.CKM_SHA256; return p }(), key},
	}
	for _, tc := range tests {
		if _, err := counter.DeriveKey(tc.key, tc.p, lenTmpl(32)); !errors.Is(err, ck.CKR_MECHANISM_PARAM_INVALID) {
			t.Errorf("%s: %v, want CKR_MECHANISM_PARAM_INVALID", tc.name, err)
		}
	}
	// An 8-bit counter numbers the 16 SHA-256 blocks of the longest key (512 bytes).
	p := ok()
	p.Data[0].WidthBits = 8
	if _, err := counter.DeriveKey(key, p, lenTmpl(512)); err != nil {
		t.Errorf("8-bit counter, 16 blocks: %v", err)
	}
	if _, err := counter.DeriveKey(&Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_GENERIC_SECRET, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: make([]byte, 16)}},
		&ck.SP800108Params{PRF: ck.CKM_AES_CMAC, Data: kbkdfData(false)}, lenTmpl(16)); !errors.Is(err, ck.CKR_KEY_TYPE_INCONSISTENT) {
		t.Errorf("CMAC with a generic secret: %v", err)
	}
}
