package main

import (
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// FuzzMessageParam decodes the per-message AEAD parameters with arbitrary
// members and ulParameterLen: never a panic, only ck.RV errors, and the
// tag a decrypting call reads is the tag laid out.
func FuzzMessageParam(f *testing.F) {
	f.Add(uint8(0), true, []byte("twelve bytes"), make([]byte, 16), uint64(0), uint64(1), 0)
	f.Add(uint8(1), false, []byte("nonce13bytes!"), make([]byte, 12), uint64(40), uint64(0), 0)
	f.Add(uint8(2), true, []byte("twelve bytes"), []byte{1}, uint64(0), uint64(0), -8)
	f.Add(uint8(0), false, []byte(nil), make([]byte, 17), uint64(0), uint64(0), 8)
	f.Fuzz(func(t *testing.T, which uint8, encrypt bool, a, b []byte, x, y uint64, delta int) {
		mt := []ck.MechanismType{ck.CKM_AES_GCM, ck.CKM_AES_CCM, ck.CKM_CHACHA20_POLY1305}[which%3]
		v, err := decodeCMessageParam(mt, encrypt, testParam{A: a, B: b, X: x, Y: y, LenDelta: delta % 64})
		if err != nil {
			var rv ck.RV
			if !errors.As(err, &rv) {
				t.Fatalf("error %v is not a ck.RV", err)
			}
			return
		}
		if g, ok := v.(*ck.GCMMessageParams); ok && !encrypt && string(g.Tag) != string(b) {
			t.Fatalf("GCM tag %x, laid out %x", g.Tag, b)
		}
		if c, ok := v.(*ck.CCMMessageParams); ok && !encrypt && string(c.MAC) != string(b) {
			t.Fatalf("CCM MAC %x, laid out %x", c.MAC, b)
		}
	})
}

func TestMessageParamDecoders(t *testing.T) {
	iv := []byte("twelve bytes")
	for _, tc := range []struct {
		name string
		mt   ck.MechanismType
		p    testParam
		want error
	}{
		{"GCM", ck.CKM_AES_GCM, testParam{A: iv, B: make([]byte, 16)}, nil},
		{"GCM short", ck.CKM_AES_GCM, testParam{A: iv, B: make([]byte, 16), LenDelta: -8}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"GCM NULL tag", ck.CKM_AES_GCM, testParam{A: iv}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"GCM 136-bit tag", ck.CKM_AES_GCM, testParam{A: iv, B: make([]byte, 17)}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"CCM", ck.CKM_AES_CCM, testParam{A: iv, B: make([]byte, 8), X: 3}, nil},
		{"CCM long", ck.CKM_AES_CCM, testParam{A: iv, B: make([]byte, 8), LenDelta: 8}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"ChaCha", ck.CKM_CHACHA20_POLY1305, testParam{A: iv, B: []byte{1}}, nil},
		{"ChaCha NULL tag", ck.CKM_CHACHA20_POLY1305, testParam{A: iv}, ck.CKR_MECHANISM_PARAM_INVALID},
	} {
		if _, err := decodeCMessageParam(tc.mt, false, tc.p); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
