package provider

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

func arrKey(attrs map[ck.AttributeType][]byte) *mechanisms.Key {
	return &mechanisms.Key{Class: ck.CKO_SECRET_KEY, Attrs: attrs}
}

func TestMechAllowed(t *testing.T) {
	list := append(ck.EncodeULong(ck.ULong(ck.CKM_AES_GCM)), ck.EncodeULong(ck.ULong(ck.CKM_AES_KEY_WRAP))...)
	tests := []struct {
		name  string
		attrs map[ck.AttributeType][]byte
		mech  ck.MechanismType
		want  ck.RV
	}{
		{"absent", nil, ck.CKM_AES_CBC, 0},
		{"empty", map[ck.AttributeType][]byte{ck.CKA_ALLOWED_MECHANISMS: {}}, ck.CKM_AES_CBC, 0},
		{"listed first", map[ck.AttributeType][]byte{ck.CKA_ALLOWED_MECHANISMS: list}, ck.CKM_AES_GCM, 0},
		{"listed last", map[ck.AttributeType][]byte{ck.CKA_ALLOWED_MECHANISMS: list}, ck.CKM_AES_KEY_WRAP, 0},
		{"not listed", map[ck.AttributeType][]byte{ck.CKA_ALLOWED_MECHANISMS: list}, ck.CKM_AES_CBC, ck.CKR_MECHANISM_INVALID},
	}
	for _, tc := range tests {
		wantRV(t, tc.name, mechAllowed(arrKey(tc.attrs), tc.mech), tc.want)
	}
}

func TestWrapTemplateMatches(t *testing.T) {
	yes, no := []byte{1}, []byte{0}
	tmpl := ck.EncodeAttributeArray(ck.Template{{Type: ck.CKA_KEY_TYPE, Value: ck.EncodeULong(ck.ULong(ck.CKK_AES))}, {Type: ck.CKA_SENSITIVE, Value: yes}})
	wk := arrKey(map[ck.AttributeType][]byte{ck.CKA_WRAP_TEMPLATE: tmpl})
	aes := ck.EncodeULong(ck.ULong(ck.CKK_AES))
	tests := []struct {
		name string
		wk   *mechanisms.Key
		k    map[ck.AttributeType][]byte
		want ck.RV
	}{
		{"no template", arrKey(nil), map[ck.AttributeType][]byte{}, 0},
		{"matches", wk, map[ck.AttributeType][]byte{ck.CKA_KEY_TYPE: aes, ck.CKA_SENSITIVE: yes, ck.CKA_LABEL: []byte("x")}, 0},
		{"one differs", wk, map[ck.AttributeType][]byte{ck.CKA_KEY_TYPE: aes, ck.CKA_SENSITIVE: no}, ck.CKR_KEY_NOT_WRAPPABLE},
		{"one missing", wk, map[ck.AttributeType][]byte{ck.CKA_KEY_TYPE: aes}, ck.CKR_KEY_NOT_WRAPPABLE},
	}
	for _, tc := range tests {
		wantRV(t, tc.name, wrapTemplateMatches(tc.wk, arrKey(tc.k)), tc.want)
	}
}

func TestMergeKeyTemplate(t *testing.T) {
	yes, no := []byte{1}, []byte{0}
	k := arrKey(map[ck.AttributeType][]byte{ck.CKA_UNWRAP_TEMPLATE: ck.EncodeAttributeArray(ck.Template{
		{Type: ck.CKA_EXTRACTABLE, Value: no}, {Type: ck.CKA_LABEL, Value: []byte("from key")},
	})})
	tests := []struct {
		name    string
		tmpl    ck.Template
		want    ck.RV
		wantLen int
	}{
		{"added", ck.Template{{Type: ck.CKA_SIGN, Value: yes}}, 0, 3},
		{"repeated equal", ck.Template{{Type: ck.CKA_EXTRACTABLE, Value: no}}, 0, 2},
		{"conflict", ck.Template{{Type: ck.CKA_EXTRACTABLE, Value: yes}}, ck.CKR_TEMPLATE_INCONSISTENT, 0},
	}
	for _, tc := range tests {
		before := len(tc.tmpl)
		got, err := mergeKeyTemplate(k, ck.CKA_UNWRAP_TEMPLATE, tc.tmpl)
		wantRV(t, tc.name, err, tc.want)
		if err == nil && len(got) != tc.wantLen {
			t.Fatalf("%s: merged %d attributes, want %d", tc.name, len(got), tc.wantLen)
		}
		if len(tc.tmpl) != before {
			t.Fatalf("%s: caller's template changed", tc.name)
		}
	}
	if got, err := mergeKeyTemplate(arrKey(nil), ck.CKA_DERIVE_TEMPLATE, ck.Template{{Type: ck.CKA_SIGN, Value: yes}}); err != nil || len(got) != 1 {
		t.Fatalf("no template: %v %v", got, err)
	}
}

// TestAllowedMechanismsDerive: the base key and an HKDF salt key are both
// used with the derivation mechanism, so both lists apply.
func TestAllowedMechanismsDerive(t *testing.T) {
	m, _, h := userSession(t)
	only := func(mt ck.MechanismType) []byte { return ck.EncodeULong(ck.ULong(mt)) }
	secret := func(v, allowed []byte) ck.ObjectHandle {
		o, err := m.CreateObject(h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET,
			ck.CKA_VALUE, v, ck.CKA_DERIVE, true, ck.CKA_ALLOWED_MECHANISMS, allowed))
		must(t, err)
		return o
	}
	v := make([]byte, 32)
	hkdfOnly, other := only(ck.CKM_HKDF_DERIVE), only(ck.CKM_SHA256_KEY_DERIVATION)
	tmpl := tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET, ck.CKA_VALUE_LEN, 16)
	hkdf := func(salt ck.ObjectHandle) ck.Mechanism {
		return ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256,
			SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: salt}}
	}
	tests := []struct {
		name       string
		base, salt []byte
		want       ck.RV
	}{
		{"both allow HKDF", hkdfOnly, hkdfOnly, 0},
		{"base does not", other, hkdfOnly, ck.CKR_MECHANISM_INVALID},
		{"salt key does not", hkdfOnly, other, ck.CKR_MECHANISM_INVALID},
	}
	for _, tc := range tests {
		_, err := m.DeriveKey(h, hkdf(secret(v, tc.salt)), secret(v, tc.base), tmpl)
		wantRV(t, tc.name, err, tc.want)
	}
}
