package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestUnwrapSecretAttrs(t *testing.T) {
	v := func(n int) []byte { return bytes.Repeat([]byte{0xa5}, n) }
	tmpl := func(kt ck.KeyType, valueLen int) ck.Template {
		tp := ck.Template{keyTypeAttr(kt)}
		if valueLen > 0 {
			tp = append(tp, ck.Attribute{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(ck.ULong(valueLen))})
		}
		return tp
	}
	for _, c := range []struct {
		name    string
		value   []byte
		tmpl    ck.Template
		padded  bool
		wantLen int // of CKA_VALUE; 0: want err
		err     error
	}{
		{"DES3 exact", v(24), tmpl(ck.CKK_DES3, 0), false, 24, nil},
		{"DES3 from 32 padded bytes", v(32), tmpl(ck.CKK_DES3, 0), true, 24, nil},
		{"DES3 from 32 bytes, not padded", v(32), tmpl(ck.CKK_DES3, 0), false, 0, ck.CKR_TEMPLATE_INCONSISTENT},
		{"DES3 from 16 bytes", v(16), tmpl(ck.CKK_DES3, 0), true, 0, ck.CKR_TEMPLATE_INCONSISTENT},
		{"DES2 exact", v(16), tmpl(ck.CKK_DES2, 0), false, 16, nil},
		{"ChaCha20 exact", v(32), tmpl(ck.CKK_CHACHA20, 0), false, 32, nil},
		{"ChaCha20 with CKA_VALUE_LEN 16", v(32), tmpl(ck.CKK_CHACHA20, 16), false, 0, ck.CKR_TEMPLATE_INCONSISTENT},
		{"XTS 64", v(64), tmpl(ck.CKK_AES_XTS, 0), false, 64, nil},
		{"XTS 48", v(48), tmpl(ck.CKK_AES_XTS, 0), false, 0, ck.CKR_TEMPLATE_INCONSISTENT},
		{"generic 20 from 32 padded bytes", v(32), tmpl(ck.CKK_GENERIC_SECRET, 20), true, 20, nil},
		{"generic 20 from 32 bytes, not padded", v(32), tmpl(ck.CKK_GENERIC_SECRET, 20), false, 0, ck.CKR_TEMPLATE_INCONSISTENT},
		{"generic 40 from 32 padded bytes", v(32), tmpl(ck.CKK_GENERIC_SECRET, 40), true, 0, ck.CKR_TEMPLATE_INCONSISTENT},
		{"AES without length takes the whole value", v(32), tmpl(ck.CKK_AES, 0), true, 32, nil},
		{"AES of 20 bytes", v(20), tmpl(ck.CKK_AES, 0), false, 0, ck.CKR_TEMPLATE_INCONSISTENT},
		{"no key type: generic secret", v(20), nil, false, 20, nil},
	} {
		attrs, err := unwrapSecretAttrs(c.value, c.tmpl, c.padded)
		if c.wantLen == 0 {
			if err != c.err {
				t.Errorf("%s: %v, want %v", c.name, err, c.err)
			}
			continue
		}
		if err != nil || len(attrs[ck.CKA_VALUE]) != c.wantLen {
			t.Errorf("%s: %d-byte value, %v; want %d bytes", c.name, len(attrs[ck.CKA_VALUE]), err, c.wantLen)
			continue
		}
		_, hasLen := attrs[ck.CKA_VALUE_LEN]
		kt, _ := ck.DecodeULong(attrs[ck.CKA_KEY_TYPE])
		if des := ck.KeyType(kt) == ck.CKK_DES3 || ck.KeyType(kt) == ck.CKK_DES2; des == hasLen {
			t.Errorf("%s: CKA_VALUE_LEN present %v (DES keys have none, others do)", c.name, hasLen)
		}
	}
}
