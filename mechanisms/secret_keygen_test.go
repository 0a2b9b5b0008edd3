package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestSecretKeyGen(t *testing.T) {
	u := func(v ck.ULong) []byte { return ck.EncodeULong(v) }
	tests := []struct {
		mech ck.MechanismType
		kt   ck.KeyType
		tmpl ck.Template
		n    int // wanted key length, 0 for an error
		err  error
	}{
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(16)}}, 16, nil},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(24)}}, 24, nil},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(32)}, {Type: ck.CKA_KEY_TYPE, Value: u(ck.ULong(ck.CKK_AES))}}, 32, nil},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, nil, 0, ck.CKR_TEMPLATE_INCOMPLETE},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(17)}}, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(0)}}, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: []byte{16}}}, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(16)}, {Type: ck.CKA_KEY_TYPE, Value: u(ck.ULong(ck.CKK_GENERIC_SECRET))}}, 0, ck.CKR_TEMPLATE_INCONSISTENT},
		{ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKK_GENERIC_SECRET, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(1)}}, 1, nil},
		{ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKK_GENERIC_SECRET, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(64)}}, 64, nil},
		{ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKK_GENERIC_SECRET, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(512)}}, 512, nil},
		{ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKK_GENERIC_SECRET, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(513)}}, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKK_GENERIC_SECRET, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: u(0)}}, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKK_GENERIC_SECRET, nil, 0, ck.CKR_TEMPLATE_INCOMPLETE},
	}
	for i, tc := range tests {
		g := mustLookup(t, tc.mech).(KeyGenerator)
		attrs, err := g.GenerateKey(tc.tmpl)
		if err != tc.err {
			t.Errorf("%d %v: err = %v, want %v", i, tc.mech, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if len(attrs[ck.CKA_VALUE]) != tc.n {
			t.Errorf("%d: CKA_VALUE of %d bytes, want %d", i, len(attrs[ck.CKA_VALUE]), tc.n)
		}
		if n, _ := ck.DecodeULong(attrs[ck.CKA_VALUE_LEN]); int(n) != tc.n {
			t.Errorf("%d: CKA_VALUE_LEN %d", i, n)
		}
		if kt, _ := ck.DecodeULong(attrs[ck.CKA_KEY_TYPE]); ck.KeyType(kt) != tc.kt {
			t.Errorf("%d: CKA_KEY_TYPE %d", i, kt)
		}
		again, _ := g.GenerateKey(tc.tmpl)
		if tc.n >= 16 && bytes.Equal(again[ck.CKA_VALUE], attrs[ck.CKA_VALUE]) {
			t.Errorf("%d: two generated keys are equal", i)
		}
	}
}
