package mechanisms

import (
	"encoding/binary"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestDeriveProtection: the derivations that copy a base key's bytes make a
// sensitive key from a sensitive base and a non-extractable key from a
// non-extractable base, overriding the template (the specification's rule;
// without it a sensitive key could be derived into a readable copy), and
// leave both to the template otherwise. The encrypt-data derivations are
// bound too: the specification handles their template as SHA-1 key
// derivation's.
func TestDeriveProtection(t *testing.T) {
	str := &ck.KeyDerivationStringData{Data: []byte{1, 2, 3, 4}}
	bit := binary.NativeEndian.AppendUint64(nil, 5)
	for _, tc := range []struct {
		typ   ck.MechanismType
		param any
		bound bool
	}{
		{ck.CKM_CONCATENATE_BASE_AND_DATA, str, true},
		{ck.CKM_CONCATENATE_DATA_AND_BASE, str, true},
		{ck.CKM_XOR_BASE_AND_DATA, str, true},
		{ck.CKM_EXTRACT_KEY_FROM_KEY, bit, true},
		{ck.CKM_SHA256_KEY_DERIVATION, nil, true},
		{ck.CKM_SHA3_512_KEY_DERIVATION, nil, true},
		{ck.CKM_SHAKE_256_KEY_DERIVATION, nil, true},
		{ck.CKM_AES_ECB_ENCRYPT_DATA, &ck.KeyDerivationStringData{Data: make([]byte, 16)}, true},
		{ck.CKM_AES_CBC_ENCRYPT_DATA, &ck.CBCEncryptDataParams{IV: make([]byte, 16), Data: make([]byte, 16)}, true},
	} {
		for _, sensitive := range []bool{false, true} {
			for _, extractable := range []bool{false, true} {
				base := aesKey([]byte("0123456789abcdef"))
				base.Attrs[ck.CKA_SENSITIVE] = ck.EncodeBool(sensitive)
				base.Attrs[ck.CKA_EXTRACTABLE] = ck.EncodeBool(extractable)
				tmpl := ck.Template{valueLen(4),
					{Type: ck.CKA_SENSITIVE, Value: ck.EncodeBool(false)},
					{Type: ck.CKA_EXTRACTABLE, Value: ck.EncodeBool(true)}}
				if tc.typ == ck.CKM_AES_ECB_ENCRYPT_DATA || tc.typ == ck.CKM_AES_CBC_ENCRYPT_DATA {
					tmpl[0] = valueLen(16)
				}
				attrs, err := mustLookup(t, tc.typ).(KeyDeriver).DeriveKey(base, tc.param, tmpl)
				if err != nil {
					t.Fatalf("%v: %v", tc.typ, err)
				}
				s, sSet := attrs[ck.CKA_SENSITIVE]
				x, xSet := attrs[ck.CKA_EXTRACTABLE]
				wantS, wantX := tc.bound && sensitive, tc.bound && !extractable
				if sSet != wantS || (sSet && string(s) != string(ck.EncodeBool(true))) {
					t.Errorf("%v, base sensitive %v: CKA_SENSITIVE %x (set %v), want set %v", tc.typ, sensitive, s, sSet, wantS)
				}
				if xSet != wantX || (xSet && string(x) != string(ck.EncodeBool(false))) {
					t.Errorf("%v, base extractable %v: CKA_EXTRACTABLE %x (set %v), want set %v", tc.typ, extractable, x, xSet, wantX)
				}
			}
		}
	}
}
