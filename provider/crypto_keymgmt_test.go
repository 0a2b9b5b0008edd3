package provider

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

func TestWrappable(t *testing.T) {
	yes, no := []byte{1}, []byte{0}
	key := func(class ck.ObjectClass, attrs ...any) *mechanisms.Key {
		k := &mechanisms.Key{Class: class, Attrs: map[ck.AttributeType][]byte{}}
		for i := 0; i < len(attrs); i += 2 {
			k.Attrs[attrs[i].(ck.AttributeType)] = attrs[i+1].([]byte)
		}
		return k
	}
	plainWrapper := key(ck.CKO_SECRET_KEY, ck.CKA_WRAP, yes)
	trusted := key(ck.CKO_SECRET_KEY, ck.CKA_WRAP, yes, ck.CKA_TRUSTED, yes)
	tests := []struct {
		name  string
		wk, k *mechanisms.Key
		want  ck.RV
	}{
		{"extractable secret", plainWrapper, key(ck.CKO_SECRET_KEY, ck.CKA_EXTRACTABLE, yes), 0},
		{"extractable private", plainWrapper, key(ck.CKO_PRIVATE_KEY, ck.CKA_EXTRACTABLE, yes), 0},
		{"public key", plainWrapper, key(ck.CKO_PUBLIC_KEY, ck.CKA_EXTRACTABLE, yes), ck.CKR_KEY_NOT_WRAPPABLE},
		{"not extractable", plainWrapper, key(ck.CKO_SECRET_KEY, ck.CKA_EXTRACTABLE, no), ck.CKR_KEY_UNEXTRACTABLE},
		{"extractable missing", plainWrapper, key(ck.CKO_SECRET_KEY), ck.CKR_KEY_UNEXTRACTABLE},
		{"wrap with trusted, untrusted wrapper", plainWrapper,
			key(ck.CKO_SECRET_KEY, ck.CKA_EXTRACTABLE, yes, ck.CKA_WRAP_WITH_TRUSTED, yes), ck.CKR_KEY_NOT_WRAPPABLE},
		{"wrap with trusted, trusted wrapper", trusted,
			key(ck.CKO_SECRET_KEY, ck.CKA_EXTRACTABLE, yes, ck.CKA_WRAP_WITH_TRUSTED, yes), 0},
	}
	for _, tc := range tests {
		wantRV(t, tc.name, wrappable(tc.wk, tc.k), tc.want)
	}
}

func TestKeyManagementMechanismChecks(t *testing.T) {
	m, h := publicSession(t)
	for _, mech := range []ck.MechanismType{ckmFakeUnregister, ck.CKM_SHA256} {
		mc := ck.Mechanism{Type: mech}
		_, err := m.WrapKey(h, mc, 1, 2, nil)
		wantRV(t, "WrapKey "+mech.String(), err, ck.CKR_MECHANISM_INVALID)
		_, err = m.UnwrapKey(h, mc, 1, []byte{1, 2, 3}, nil)
		wantRV(t, "UnwrapKey "+mech.String(), err, ck.CKR_MECHANISM_INVALID)
		_, err = m.DeriveKey(h, mc, 1, nil)
		wantRV(t, "DeriveKey "+mech.String(), err, ck.CKR_MECHANISM_INVALID)
	}
	// A wrapping mechanism with a bad wrapping key handle.
	_, err := m.WrapKey(h, ck.Mechanism{Type: ckmFakeWrap}, 987654, 987655, nil)
	wantRV(t, "bad wrapping key", err, ck.CKR_WRAPPING_KEY_HANDLE_INVALID)
	_, err = m.WrapKey(h+77, ck.Mechanism{Type: ckmFakeWrap}, 1, 2, nil)
	wantRV(t, "bad session", err, ck.CKR_SESSION_HANDLE_INVALID)

	info := mechanisms.MechanismInfo(fakeWrap{})
	if info.Flags&ck.CKF_WRAP == 0 || info.Flags&(ck.CKF_UNWRAP|ck.CKF_SIGN) != 0 {
		t.Fatalf("fake wrap mechanism flags %#x", info.Flags)
	}
}
