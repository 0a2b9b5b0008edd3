package mechanisms

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestGCMMessageIVGeneration: the counter fills the bits after the fixed
// ones (also across a byte), increments per message, and runs out; Seal's
// output opens with Go's GCM under the IV it reports.
func TestGCMMessageIVGeneration(t *testing.T) {
	key := &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_AES, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: make([]byte, 16)}}
	ctx, err := aesGCM{}.MessageEncryptInit(key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := aes.NewCipher(make([]byte, 16))
	gcm, _ := cipher.NewGCM(b)
	fixed := bytes.Repeat([]byte{0xff}, 12)
	for i := 0; i < 3; i++ {
		p := &ck.GCMMessageParams{IV: append([]byte(nil), fixed...), IVFixedBits: 92, IVGenerator: ck.CKG_GENERATE_COUNTER, TagBits: 128}
		ct, err := ctx.Seal(p, true, []byte("aad"), []byte("msg"))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		// 92 fixed bits: the last byte keeps its high nibble, the counter is the low one.
		if want := append(bytes.Repeat([]byte{0xff}, 11), 0xf0|byte(i)); !bytes.Equal(p.IV, want) {
			t.Errorf("message %d: IV %x, want %x", i, p.IV, want)
		}
		if _, err := gcm.Open(nil, p.IV, append(ct, p.Tag...), []byte("aad")); err != nil {
			t.Errorf("message %d does not open: %v", i, err)
		}
	}
	full := &ck.GCMMessageParams{IV: make([]byte, 12), IVFixedBits: 95, IVGenerator: ck.CKG_GENERATE_COUNTER, TagBits: 128}
	if _, err := ctx.Seal(full, true, nil, nil); !errors.Is(err, ck.CKR_FUNCTION_FAILED) {
		t.Errorf("counter 3 in 1 free bit: %v, want CKR_FUNCTION_FAILED", err)
	}
	for _, bad := range []*ck.GCMMessageParams{
		{IV: make([]byte, 12), IVFixedBits: 97, TagBits: 128},
		{IV: make([]byte, 12), TagBits: 72}, // not an SP 800-38D length
		{IV: make([]byte, 16), TagBits: 0},
		{IV: make([]byte, 12), TagBits: 128, IVGenerator: ck.CKG_GENERATE_COUNTER_XOR},
		{TagBits: 128},
	} {
		if err := ctx.Check(bad); !errors.Is(err, ck.CKR_MECHANISM_PARAM_INVALID) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
