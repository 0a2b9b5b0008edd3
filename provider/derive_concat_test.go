package provider

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestDeriveConcatenateBaseAndKey: the handle in CKM_CONCATENATE_BASE_AND_KEY's
// parameter is resolved like a base key (unknown: CKR_KEY_HANDLE_INVALID;
// without CKA_DERIVE: CKR_KEY_FUNCTION_NOT_PERMITTED; outside its
// CKA_ALLOWED_MECHANISMS: CKR_MECHANISM_INVALID), the value is base||other,
// and the new key is always sensitive / never extractable only if both keys
// are (a generated key is, an imported one is not).
func TestDeriveConcatenateBaseAndKey(t *testing.T) {
	m, _, h := userSession(t)
	imported := func(v []byte, extra ...any) ck.ObjectHandle {
		o, err := m.CreateObject(h, tb(append([]any{ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET,
			ck.CKA_VALUE, v}, extra...)...))
		must(t, err)
		return o
	}
	generated := func() ck.ObjectHandle {
		o, err := m.GenerateKey(h, ck.Mechanism{Type: ck.CKM_GENERIC_SECRET_KEY_GEN}, tb(ck.CKA_VALUE_LEN, 8,
			ck.CKA_DERIVE, true, ck.CKA_SENSITIVE, true, ck.CKA_EXTRACTABLE, false))
		must(t, err)
		return o
	}
	concat := func(other ck.ObjectHandle) ck.Mechanism {
		return ck.Mechanism{Type: ck.CKM_CONCATENATE_BASE_AND_KEY, Parameter: &ck.ConcatenateKeyParams{Other: other}}
	}
	tmpl := tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET)
	base := imported([]byte("base-"), ck.CKA_DERIVE, true, ck.CKA_SENSITIVE, false)
	other := imported([]byte("other"), ck.CKA_DERIVE, true, ck.CKA_SENSITIVE, false)
	o, err := m.DeriveKey(h, concat(other), base, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET, ck.CKA_SENSITIVE, false))
	must(t, err)
	if v, rv := getAttr(t, m, h, o, ck.CKA_VALUE); rv != 0 || !bytes.Equal(v, []byte("base-other")) {
		t.Errorf("value %q (%v), want base-other", v, rv)
	}
	for _, tc := range []struct {
		name  string
		other ck.ObjectHandle
		want  ck.RV
	}{
		{"unknown handle", 0xdead, ck.CKR_KEY_HANDLE_INVALID},
		{"no CKA_DERIVE", imported([]byte("x"), ck.CKA_DERIVE, false), ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"other mechanisms only", imported([]byte("x"), ck.CKA_DERIVE, true,
			ck.CKA_ALLOWED_MECHANISMS, ck.EncodeULong(ck.ULong(ck.CKM_HKDF_DERIVE))), ck.CKR_MECHANISM_INVALID},
	} {
		_, err := m.DeriveKey(h, concat(tc.other), base, tmpl)
		wantRV(t, tc.name, err, tc.want)
	}

	g1, g2 := generated(), generated()
	for _, tc := range []struct {
		name  string
		other ck.ObjectHandle
		want  []byte
	}{{"two generated keys", g2, ck.EncodeBool(true)}, {"generated || imported", imported([]byte("x"), ck.CKA_DERIVE, true, ck.CKA_SENSITIVE, true, ck.CKA_EXTRACTABLE, false), ck.EncodeBool(false)}} {
		o, err := m.DeriveKey(h, concat(tc.other), g1, tmpl)
		must(t, err)
		for _, typ := range []ck.AttributeType{ck.CKA_ALWAYS_SENSITIVE, ck.CKA_NEVER_EXTRACTABLE} {
			if v, _ := getAttr(t, m, h, o, typ); !bytes.Equal(v, tc.want) {
				t.Errorf("%s: %v = %x, want %x", tc.name, typ, v, tc.want)
			}
		}
	}
}
