package mechanisms

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func xtsKey(v []byte) *Key {
	return &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_AES_XTS, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: v}}
}

// TestAESXTSVectors: IEEE 1619 vectors 2 and 15 and python cryptography's
// output (testdata/aes_xts.txt), single-part and multipart, both directions.
func TestAESXTSVectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_XTS)
	for i, v := range readVectors(t, "testdata/aes_xts.txt") {
		key, tweak, pt, ct := xtsKey(unhex(t, v["Key"])), unhex(t, v["Tweak"]), unhex(t, v["PT"]), unhex(t, v["CT"])
		e, err := m.(Encrypter).EncryptInit(key, tweak)
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if got, err := e.Do(pt); err != nil || !bytes.Equal(got, ct) {
			t.Errorf("vector %d encrypt: %x %v, want %x", i, got, err, ct)
		}
		d, _ := m.(Decrypter).DecryptInit(key, tweak)
		if got, err := d.Do(ct); err != nil || !bytes.Equal(got, pt) {
			t.Errorf("vector %d decrypt: %x %v", i, got, err)
		}
		mp, _ := m.(Encrypter).EncryptInit(key, tweak)
		mc := mp.(MultipartCipher)
		a, _ := mc.Update(pt[:len(pt)/3])
		b, _ := mc.Update(pt[len(pt)/3:])
		if mc.FinalLen() != len(pt) {
			t.Errorf("vector %d: FinalLen %d", i, mc.FinalLen())
		}
		c, err := mc.Final()
		if got := append(append(a, b...), c...); err != nil || !bytes.Equal(got, ct) {
			t.Errorf("vector %d multipart: %x %v", i, got, err)
		}
	}
}

func TestAESXTSRefusals(t *testing.T) {
	m := mustLookup(t, ck.CKM_AES_XTS).(Encrypter)
	good := xtsKey([]byte("0123456789abcdefghijklmnopqrstuv"))
	tw := make([]byte, 16)
	for _, tc := range []struct {
		name  string
		key   *Key
		param any
		want  error
	}{
		{"no tweak", good, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"short tweak", good, tw[:8], ck.CKR_MECHANISM_PARAM_INVALID},
		{"equal halves", xtsKey(make([]byte, 32)), tw, ck.CKR_KEY_SIZE_RANGE},
		{"48-byte key", xtsKey(bytes.Repeat([]byte{1, 2, 3}, 16)), tw, ck.CKR_KEY_SIZE_RANGE},
		{"AES key", &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_AES, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: make([]byte, 32)}}, tw, ck.CKR_KEY_TYPE_INCONSISTENT},
	} {
		if _, err := m.EncryptInit(tc.key, tc.param); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	e, _ := m.EncryptInit(good, tw)
	if _, err := e.Do(make([]byte, 15)); !errors.Is(err, ck.CKR_DATA_LEN_RANGE) {
		t.Errorf("15 bytes: %v", err)
	}
}
