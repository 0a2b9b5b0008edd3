package main

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestDecodeChaCha20: CK_CHACHA20_PARAMS becomes *ck.ChaCha20Params with
// the counter and nonce read to their bit lengths; bit counts the
// specification does not name, a short ulParameterLen and a raw parameter
// are CKR_MECHANISM_PARAM_INVALID.
func TestDecodeChaCha20(t *testing.T) {
	for _, tc := range []struct {
		name             string
		ctr, nonce       []byte
		ctrBits, nonceBs uint64
	}{
		{"IETF", []byte{1, 0, 0, 0}, []byte("twelve bytes"), 32, 96},
		{"original", []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte("8 bytes!"), 64, 64},
		{"XChaCha20", []byte{9, 0, 0, 0, 0, 0, 0, 0}, []byte("twenty-four bytes nonce!"), 64, 192},
	} {
		got, err := decodeCMechanism(ck.CKM_CHACHA20, testParam{Struct: true, A: tc.ctr, B: tc.nonce, X: tc.ctrBits, Y: tc.nonceBs})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		p, ok := got.Parameter.(*ck.ChaCha20Params)
		if !ok || !bytes.Equal(p.BlockCounter, tc.ctr) || !bytes.Equal(p.Nonce, tc.nonce) ||
			p.CounterBits != ck.ULong(tc.ctrBits) || p.NonceBits != ck.ULong(tc.nonceBs) {
			t.Errorf("%s: decoded %+v", tc.name, got.Parameter)
		}
	}
	for _, tc := range []struct {
		name string
		p    testParam
	}{
		{"counter bits 16", testParam{Struct: true, A: []byte{1, 2}, B: []byte("twelve bytes"), X: 16, Y: 96}},
		{"nonce bits 128", testParam{Struct: true, A: []byte{1, 2, 3, 4}, B: []byte("sixteen bytes!!!"), X: 32, Y: 128}},
		{"nonce bits 0", testParam{Struct: true, X: 32, Y: 0}},
		{"short struct", testParam{Struct: true, A: []byte{1, 0, 0, 0}, B: []byte("twelve bytes"), X: 32, Y: 96, LenDelta: -8}},
		{"raw bytes", testParam{Raw: make([]byte, 16)}},
	} {
		if _, err := decodeCMechanism(ck.CKM_CHACHA20, tc.p); err != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("%s: %v, want CKR_MECHANISM_PARAM_INVALID", tc.name, err)
		}
	}
}
