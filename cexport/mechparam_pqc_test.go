package main

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestDecodeSignAdditionalContext: CK_SIGN_ADDITIONAL_CONTEXT for CKM_ML_DSA
// from C memory; a wrong size or a NULL context with a length is refused.
func TestDecodeSignAdditionalContext(t *testing.T) {
	got, err := decodeCMechanism(ck.CKM_ML_DSA, testParam{Struct: true, A: []byte("ctx"), X: uint64(ck.CKH_DETERMINISTIC_REQUIRED)})
	p, ok := got.Parameter.(*ck.SignAdditionalContext)
	if err != nil || !ok || p.Hedge != ck.CKH_DETERMINISTIC_REQUIRED || !bytes.Equal(p.Context, []byte("ctx")) {
		t.Fatalf("decoded %+v, %v", got.Parameter, err)
	}
	if got, err := decodeCMechanism(ck.CKM_ML_DSA, testParam{Struct: true}); err != nil || len(got.Parameter.(*ck.SignAdditionalContext).Context) != 0 {
		t.Errorf("empty context: %+v, %v", got.Parameter, err)
	}
	for _, delta := range []int{-1, 1, 8} {
		if _, err := decodeCMechanism(ck.CKM_ML_DSA, testParam{Struct: true, A: []byte("ctx"), LenDelta: delta}); err != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("size %+d: %v", delta, err)
		}
	}
	if _, err := decodeCMechanism(ck.CKM_ML_DSA, testParam{Raw: []byte{1, 2, 3}}); err != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("3-byte parameter: %v", err)
	}
}
