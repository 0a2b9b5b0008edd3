package mechanisms

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestDerivedDESKeys: a derivation template may ask for a DES2 or DES3 key:
// the key type fixes the length (16 or 24 bytes, the leading bytes of the
// derived material), the parity bits are set, and the key has no
// CKA_VALUE_LEN; material too short for the type, or a CKA_VALUE_LEN the type
// does not have, is CKR_TEMPLATE_INCONSISTENT.
func TestDerivedDESKeys(t *testing.T) {
	base := secretKey(ck.CKK_GENERIC_SECRET, []byte("a base key value"))
	parity := func(v []byte) []byte {
		out := make([]byte, len(v))
		for i, b := range v {
			out[i] = oddParity(b)
		}
		return out
	}
	s256, s1 := sha256.Sum256(base.Attrs[ck.CKA_VALUE]), sha1.Sum(base.Attrs[ck.CKA_VALUE])
	data := []byte("12345678")
	str := &ck.KeyDerivationStringData{Data: data}
	for _, tc := range []struct {
		name  string
		typ   ck.MechanismType
		param any
		kt    ck.KeyType
		want  []byte
	}{
		{"SHA-256 to DES3", ck.CKM_SHA256_KEY_DERIVATION, nil, ck.CKK_DES3, parity(s256[:24])},
		{"SHA-256 to DES2", ck.CKM_SHA256_KEY_DERIVATION, nil, ck.CKK_DES2, parity(s256[:16])},
		{"SHA-1 to DES2", ck.CKM_SHA1_KEY_DERIVATION, nil, ck.CKK_DES2, parity(s1[:16])},
		{"base||data to DES3", ck.CKM_CONCATENATE_BASE_AND_DATA, str, ck.CKK_DES3, parity(append([]byte("a base key value"), data...))},
	} {
		attrs, err := mustLookup(t, tc.typ).(KeyDeriver).DeriveKey(base, tc.param, ck.Template{keyTypeAttr(tc.kt)})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !bytes.Equal(attrs[ck.CKA_VALUE], tc.want) || !bytes.Equal(attrs[ck.CKA_KEY_TYPE], ck.EncodeULong(ck.ULong(tc.kt))) {
			t.Errorf("%s: value %x type %x, want %x", tc.name, attrs[ck.CKA_VALUE], attrs[ck.CKA_KEY_TYPE], tc.want)
		}
		if _, has := attrs[ck.CKA_VALUE_LEN]; has {
			t.Errorf("%s: a DES key with CKA_VALUE_LEN", tc.name)
		}
	}
	for _, tc := range []struct {
		name string
		typ  ck.MechanismType
		tmpl ck.Template
	}{
		{"SHA-1 is too short for DES3", ck.CKM_SHA1_KEY_DERIVATION, ck.Template{keyTypeAttr(ck.CKK_DES3)}},
		{"DES3 of 16 bytes", ck.CKM_SHA256_KEY_DERIVATION, ck.Template{keyTypeAttr(ck.CKK_DES3), valueLen(16)}},
	} {
		if _, err := mustLookup(t, tc.typ).(KeyDeriver).DeriveKey(base, nil, tc.tmpl); err != ck.CKR_TEMPLATE_INCONSISTENT {
			t.Errorf("%s: %v, want CKR_TEMPLATE_INCONSISTENT", tc.name, err)
		}
	}
}
