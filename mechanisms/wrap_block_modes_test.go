package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestBlockModeWrap: secret keys wrap and unwrap with the AES and DES3 block
// modes; the wrapped bytes are the mode's encryption of the value.
func TestBlockModeWrap(t *testing.T) {
	aes := aesKey(bytes.Repeat([]byte{3}, 32))
	des3 := secretKey(ck.CKK_DES3, bytes.Repeat([]byte{5}, 24))
	target := secretKey(ck.CKK_AES, bytes.Repeat([]byte{9}, 16))
	for _, tc := range []struct {
		typ   ck.MechanismType
		key   *Key
		param any
	}{
		{ck.CKM_AES_ECB, aes, nil}, {ck.CKM_AES_CBC, aes, make([]byte, 16)}, {ck.CKM_AES_CBC_PAD, aes, make([]byte, 16)},
		{ck.CKM_DES3_ECB, des3, nil}, {ck.CKM_DES3_CBC, des3, make([]byte, 8)}, {ck.CKM_DES3_CBC_PAD, des3, make([]byte, 8)},
	} {
		m := mustLookup(t, tc.typ)
		w, err := m.(KeyWrapper).WrapKey(tc.key, target, tc.param)
		if err != nil {
			t.Fatalf("%v wrap: %v", tc.typ, err)
		}
		e, _ := m.(Encrypter).EncryptInit(tc.key, tc.param)
		if ct, _ := e.Do(target.Attrs[ck.CKA_VALUE]); !bytes.Equal(ct, w) {
			t.Errorf("%v: wrapped bytes are not the encryption of the value", tc.typ)
		}
		attrs, err := m.(KeyUnwrapper).UnwrapKey(tc.key, tc.param, w, ck.Template{keyTypeAttr(ck.CKK_AES)})
		if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], target.Attrs[ck.CKA_VALUE]) {
			t.Errorf("%v unwrap: %v", tc.typ, err)
		}
		if _, err := m.(KeyUnwrapper).UnwrapKey(tc.key, tc.param, w[:len(w)-1], nil); err != ck.CKR_WRAPPED_KEY_LEN_RANGE {
			t.Errorf("%v short: %v", tc.typ, err)
		}
		if tc.typ != ck.CKM_AES_CBC_PAD && tc.typ != ck.CKM_DES3_CBC_PAD {
			// Zero bytes pad the value to whole blocks; CKA_VALUE_LEN cuts them off (mechanisms 3.0, AES-ECB).
			v := bytes.Repeat([]byte{7}, 20)
			w, err := m.(KeyWrapper).WrapKey(tc.key, secretKey(ck.CKK_GENERIC_SECRET, v), tc.param)
			if err != nil || len(w)%8 != 0 || len(w) < 24 || len(w) > 32 {
				t.Fatalf("%v 20-byte value: %d bytes, %v", tc.typ, len(w), err)
			}
			d, _ := m.(Decrypter).DecryptInit(tc.key, tc.param)
			if pt, _ := d.Do(w); !bytes.Equal(pt, append(bytes.Clone(v), make([]byte, len(w)-20)...)) {
				t.Errorf("%v 20-byte value: wrapped bytes are not the encryption of the zero-padded value", tc.typ)
			}
			tmpl := ck.Template{keyTypeAttr(ck.CKK_GENERIC_SECRET), {Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(20)}}
			if attrs, err := m.(KeyUnwrapper).UnwrapKey(tc.key, tc.param, w, tmpl); err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], v) {
				t.Errorf("%v 20-byte value unwrap: %v", tc.typ, err)
			}
		}
	}
}

// Adds wrapping to the block-mode fixtures of aes_block_modes_test.go and
// des3_test.go, whose init functions run first (Go runs them in file name order).
func init() {
	target := func(*testing.T) *Key { return secretKey(ck.CKK_AES, []byte("fedcba9876543210")) }
	for _, typ := range []ck.MechanismType{ck.CKM_AES_ECB, ck.CKM_AES_CBC, ck.CKM_AES_CBC_PAD, ck.CKM_DES3_ECB, ck.CKM_DES3_CBC, ck.CKM_DES3_CBC_PAD} {
		f := fixtures[typ]
		f.wrapKey, f.unwrapKey, f.wrapTarget = f.encKey, f.decKey, target
		fixtures[typ] = f
	}
}
