package provider

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestDeriveHKDFData: CKM_HKDF_DATA makes a CKO_DATA object with the data
// object's attributes (label, application, token, private from the
// template), whose value is the HKDF output (RFC 5869 A.1, salt from a salt
// key) and readable even from a sensitive, unextractable base key; what
// contradicts a data object is refused.
func TestDeriveHKDFData(t *testing.T) {
	m, _, h := userSession(t)
	secret := func(v []byte, extra ...any) ck.ObjectHandle {
		o, err := m.CreateObject(h, append(tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET,
			ck.CKA_VALUE, v, ck.CKA_DERIVE, true), tb(extra...)...))
		must(t, err)
		return o
	}
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	base := secret(ikm, ck.CKA_SENSITIVE, true, ck.CKA_EXTRACTABLE, false)
	saltKey := secret(mustHex("000102030405060708090a0b0c"))
	param := &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: saltKey,
		Info: mustHex("f0f1f2f3f4f5f6f7f8f9")}
	mech := ck.Mechanism{Type: ck.CKM_HKDF_DATA, Parameter: param}
	okm := mustHex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")

	o, err := m.DeriveKey(h, mech, base, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_VALUE_LEN, len(okm),
		ck.CKA_LABEL, "iv", ck.CKA_APPLICATION, "gohsm test", ck.CKA_TOKEN, true, ck.CKA_PRIVATE, true))
	must(t, err)
	got, err := m.GetAttributeValue(h, o, []ck.AttributeType{ck.CKA_CLASS, ck.CKA_VALUE, ck.CKA_LABEL, ck.CKA_APPLICATION,
		ck.CKA_TOKEN, ck.CKA_PRIVATE, ck.CKA_VALUE_LEN, ck.CKA_SENSITIVE, ck.CKA_KEY_TYPE})
	must(t, err)
	want := [][]byte{ck.EncodeULong(ck.ULong(ck.CKO_DATA)), okm, []byte("iv"), []byte("gohsm test"), ck.EncodeBool(true), ck.EncodeBool(true)}
	for i, w := range want {
		if got[i].Err != ck.CKR_OK || !bytes.Equal(got[i].Value, w) {
			t.Errorf("attribute %d: %x (%v), want %x", i, got[i].Value, got[i].Err, w)
		}
	}
	for _, r := range got[len(want):] { // CKA_VALUE_LEN, CKA_SENSITIVE, CKA_KEY_TYPE: not data-object attributes
		if r.Err != ck.CKR_ATTRIBUTE_TYPE_INVALID {
			t.Errorf("a key attribute on a data object: %x, %v", r.Value, r.Err)
		}
	}
	// No class, no length: a data object of the hash's length.
	o, err = m.DeriveKey(h, mech, base, nil)
	must(t, err)
	got, err = m.GetAttributeValue(h, o, []ck.AttributeType{ck.CKA_CLASS, ck.CKA_VALUE, ck.CKA_TOKEN})
	must(t, err)
	if !bytes.Equal(got[0].Value, ck.EncodeULong(ck.ULong(ck.CKO_DATA))) || !bytes.Equal(got[1].Value, okm[:32]) ||
		!bytes.Equal(got[2].Value, ck.EncodeBool(false)) {
		t.Errorf("default derivation: class %x, value %x, token %x", got[0].Value, got[1].Value, got[2].Value)
	}

	withDeriveTemplate := func(arr ck.Template) ck.ObjectHandle {
		return secret(ikm, ck.CKA_DERIVE_TEMPLATE, ck.EncodeAttributeArray(arr))
	}
	for _, tc := range []struct {
		name string
		base ck.ObjectHandle
		tmpl ck.Template
		want ck.RV
	}{
		{"class secret key", base, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY), ck.CKR_TEMPLATE_INCONSISTENT},
		{"class certificate", base, tb(ck.CKA_CLASS, ck.CKO_CERTIFICATE), ck.CKR_TEMPLATE_INCONSISTENT},
		{"key type", base, tb(ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET), ck.CKR_TEMPLATE_INCONSISTENT},
		{"value given", base, tb(ck.CKA_VALUE, []byte("mine")), ck.CKR_ATTRIBUTE_READ_ONLY},
		{"sensitive given", base, tb(ck.CKA_SENSITIVE, true), ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"zero length", base, tb(ck.CKA_VALUE_LEN, 0), ck.CKR_TEMPLATE_INCONSISTENT},
		{"derive template a data object cannot honour", withDeriveTemplate(tb(ck.CKA_SENSITIVE, true)), nil, ck.CKR_TEMPLATE_INCONSISTENT},
		{"derive template contradicted", withDeriveTemplate(tb(ck.CKA_LABEL, "fixed")), tb(ck.CKA_LABEL, "other"), ck.CKR_TEMPLATE_INCONSISTENT},
	} {
		if _, err := m.DeriveKey(h, mech, tc.base, tc.tmpl); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// A derive template a data object can honour is applied.
	o, err = m.DeriveKey(h, mech, withDeriveTemplate(tb(ck.CKA_LABEL, "fixed")), nil)
	must(t, err)
	got, err = m.GetAttributeValue(h, o, []ck.AttributeType{ck.CKA_LABEL})
	must(t, err)
	if string(got[0].Value) != "fixed" {
		t.Errorf("label %q, want the derive template's", got[0].Value)
	}
	// Keys still derive as keys through the same path.
	k, err := m.DeriveKey(h, ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: param}, base, tb(ck.CKA_VALUE_LEN, 42))
	must(t, err)
	got, err = m.GetAttributeValue(h, k, []ck.AttributeType{ck.CKA_CLASS, ck.CKA_VALUE})
	must(t, err)
	if !bytes.Equal(got[0].Value, ck.EncodeULong(ck.ULong(ck.CKO_SECRET_KEY))) || got[1].Err != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Errorf("HKDF_DERIVE from a sensitive key: class %x, value read %v", got[0].Value, got[1].Err)
	}
}
