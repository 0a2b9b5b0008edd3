package provider

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestHKDFSaltKey: a CKF_HKDF_SALT_KEY salt is the value of a secret key the
// user may derive with; one without CKA_DERIVE or an unknown handle is
// refused; the caller's parameter is not changed.
func TestHKDFSaltKey(t *testing.T) {
	m, _, h := userSession(t)
	secret := func(v []byte, derive bool) ck.ObjectHandle {
		o, err := m.CreateObject(h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET,
			ck.CKA_VALUE, v, ck.CKA_DERIVE, derive, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true))
		must(t, err)
		return o
	}
	base := secret(bytes.Repeat([]byte{0x0b}, 22), true)
	salt := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	param := func(k ck.ObjectHandle) *ck.HKDFParams {
		return &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: k,
			Info: []byte{0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9}}
	}
	tmpl := tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET, ck.CKA_VALUE_LEN, 42,
		ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true)
	p := param(secret(salt, true))
	o, err := m.DeriveKey(h, ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: p}, base, tmpl)
	must(t, err)
	got, err := m.GetAttributeValue(h, o, []ck.AttributeType{ck.CKA_VALUE})
	must(t, err)
	// RFC 5869 A.1.
	if want := "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"; !bytes.Equal(got[0].Value, mustHex(want)) {
		t.Errorf("OKM %x", got[0].Value)
	}
	if p.Salt != nil {
		t.Errorf("the caller's parameter got the salt")
	}
	for _, tc := range []struct {
		name string
		key  ck.ObjectHandle
		want error
	}{
		{"salt key without CKA_DERIVE", secret(salt, false), ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"unknown salt key", 0x7fff, ck.CKR_KEY_HANDLE_INVALID},
	} {
		if _, err := m.DeriveKey(h, ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: param(tc.key)}, base, tmpl); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
