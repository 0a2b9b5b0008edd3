package provider

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestDeriveKeyTypesThroughModule: C_DeriveKey makes keys of every secret
// key type of the token, and the objects are right: a DES2/DES3 key with a
// compatible CKA_VALUE_LEN in the template (which the mechanism takes as its
// input) is made, without the attribute DES keys do not have; ChaCha20 and
// AES-XTS keys carry CKA_VALUE_LEN; each derived key works in its cipher.
func TestDeriveKeyTypesThroughModule(t *testing.T) {
	m, _, h := userSession(t)
	base, err := m.CreateObject(h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET,
		ck.CKA_VALUE, bytes.Repeat([]byte("k"), 40), ck.CKA_DERIVE, true, ck.CKA_SENSITIVE, false))
	must(t, err)
	sha512 := ck.Mechanism{Type: ck.CKM_SHA512_KEY_DERIVATION}
	use := tb(ck.CKA_ENCRYPT, true, ck.CKA_DECRYPT, true, ck.CKA_SENSITIVE, false)
	for _, tc := range []struct {
		name    string
		tmpl    ck.Template
		n       int
		hasLen  bool
		encrypt ck.Mechanism
		want    ck.RV
	}{
		{"DES3", tb(ck.CKA_KEY_TYPE, ck.CKK_DES3), 24, false, ck.Mechanism{Type: ck.CKM_DES3_ECB}, ck.CKR_OK},
		{"DES3 with CKA_VALUE_LEN 24", tb(ck.CKA_KEY_TYPE, ck.CKK_DES3, ck.CKA_VALUE_LEN, 24), 24, false, ck.Mechanism{Type: ck.CKM_DES3_ECB}, ck.CKR_OK},
		{"DES2 with CKA_VALUE_LEN 16", tb(ck.CKA_KEY_TYPE, ck.CKK_DES2, ck.CKA_VALUE_LEN, 16), 16, false, ck.Mechanism{Type: ck.CKM_DES3_ECB}, ck.CKR_OK},
		{"DES3 with CKA_VALUE_LEN 16", tb(ck.CKA_KEY_TYPE, ck.CKK_DES3, ck.CKA_VALUE_LEN, 16), 0, false, ck.Mechanism{}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"ChaCha20", tb(ck.CKA_KEY_TYPE, ck.CKK_CHACHA20), 32, true,
			ck.Mechanism{Type: ck.CKM_CHACHA20, Parameter: &ck.ChaCha20Params{BlockCounter: make([]byte, 4), CounterBits: 32, Nonce: make([]byte, 12), NonceBits: 96}}, ck.CKR_OK},
		{"ChaCha20 of 16 bytes", tb(ck.CKA_KEY_TYPE, ck.CKK_CHACHA20, ck.CKA_VALUE_LEN, 16), 0, false, ck.Mechanism{}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"AES-XTS 64", tb(ck.CKA_KEY_TYPE, ck.CKK_AES_XTS, ck.CKA_VALUE_LEN, 64), 64, true, ck.Mechanism{Type: ck.CKM_AES_XTS, Parameter: make([]byte, 16)}, ck.CKR_OK},
		{"AES-XTS 32", tb(ck.CKA_KEY_TYPE, ck.CKK_AES_XTS, ck.CKA_VALUE_LEN, 32), 32, true, ck.Mechanism{Type: ck.CKM_AES_XTS, Parameter: make([]byte, 16)}, ck.CKR_OK},
		{"AES-XTS without a length", tb(ck.CKA_KEY_TYPE, ck.CKK_AES_XTS), 0, false, ck.Mechanism{}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"AES-192", tb(ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE_LEN, 24), 24, true, ck.Mechanism{Type: ck.CKM_AES_ECB}, ck.CKR_OK},
		{"AES without a length", tb(ck.CKA_KEY_TYPE, ck.CKK_AES), 0, false, ck.Mechanism{}, ck.CKR_TEMPLATE_INCOMPLETE},
	} {
		k, err := m.DeriveKey(h, sha512, base, append(append(ck.Template{}, use...), tc.tmpl...))
		if !errors.Is(err, tc.want) && !(err == nil && tc.want == ck.CKR_OK) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		if err != nil {
			continue
		}
		got, err := m.GetAttributeValue(h, k, []ck.AttributeType{ck.CKA_VALUE, ck.CKA_VALUE_LEN})
		must(t, err)
		if len(got[0].Value) != tc.n {
			t.Errorf("%s: %d bytes, want %d", tc.name, len(got[0].Value), tc.n)
		}
		if lenOK := got[1].Err == ck.CKR_OK; lenOK != tc.hasLen ||
			(lenOK && !bytes.Equal(got[1].Value, ck.EncodeULong(ck.ULong(tc.n)))) {
			t.Errorf("%s: CKA_VALUE_LEN %x (%v), want present %v", tc.name, got[1].Value, got[1].Err, tc.hasLen)
		}
		if err := m.EncryptInit(h, tc.encrypt, k); err != nil {
			t.Errorf("%s: C_EncryptInit with the derived key: %v", tc.name, err)
			continue
		}
		if n, err := m.Encrypt(h, make([]byte, 32), make([]byte, 64)); err != nil || n != 32 {
			t.Errorf("%s: C_Encrypt with the derived key: %d bytes, %v", tc.name, n, err)
		}
	}
}

// TestDeriveHKDFFromDataObject: CKM_HKDF_DERIVE and CKM_HKDF_DATA take a
// data object as the input key when extracting with a salt (salt data or a
// salt key), as PKCS#11 3.x allows; the new key is neither "always
// sensitive" nor "never extractable". Other mechanisms, HKDF without salt,
// no login, and a data object of another user are refused.
func TestDeriveHKDFFromDataObject(t *testing.T) {
	m, _, h := userSession(t)
	ikm := []byte("an input keying material of 32 b")
	salt, info := []byte("the salt"), []byte("info")
	data, err := m.CreateObject(h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_VALUE, ikm, ck.CKA_TOKEN, true, ck.CKA_PRIVATE, true, ck.CKA_LABEL, "ikm"))
	must(t, err)
	saltKey, err := m.CreateObject(h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET,
		ck.CKA_VALUE, salt, ck.CKA_DERIVE, true))
	must(t, err)
	want, err := hkdf.Key(sha256.New, ikm, salt, string(info), 42)
	must(t, err)
	withSalt := &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_DATA, Salt: salt, Info: info}
	withSaltKey := &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: saltKey, Info: info}
	for _, p := range []*ck.HKDFParams{withSalt, withSaltKey} {
		k, err := m.DeriveKey(h, ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: p}, data,
			tb(ck.CKA_VALUE_LEN, 42, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true))
		must(t, err)
		got, err := m.GetAttributeValue(h, k, []ck.AttributeType{ck.CKA_VALUE, ck.CKA_ALWAYS_SENSITIVE, ck.CKA_NEVER_EXTRACTABLE, ck.CKA_CLASS})
		must(t, err)
		if !bytes.Equal(got[0].Value, want) {
			t.Errorf("HKDF_DERIVE from a data object (salt type %d): %x, want %x", p.SaltType, got[0].Value, want)
		}
		if !bytes.Equal(got[1].Value, ck.EncodeBool(false)) || !bytes.Equal(got[2].Value, ck.EncodeBool(false)) ||
			!bytes.Equal(got[3].Value, ck.EncodeULong(ck.ULong(ck.CKO_SECRET_KEY))) {
			t.Errorf("HKDF_DERIVE from a data object: always sensitive %x, never extractable %x, class %x", got[1].Value, got[2].Value, got[3].Value)
		}
		// Even a sensitive, unextractable key from data was never protected as one.
		k, err = m.DeriveKey(h, ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: p}, data,
			tb(ck.CKA_VALUE_LEN, 32, ck.CKA_SENSITIVE, true, ck.CKA_EXTRACTABLE, false))
		must(t, err)
		got, err = m.GetAttributeValue(h, k, []ck.AttributeType{ck.CKA_ALWAYS_SENSITIVE, ck.CKA_NEVER_EXTRACTABLE})
		must(t, err)
		if !bytes.Equal(got[0].Value, ck.EncodeBool(false)) || !bytes.Equal(got[1].Value, ck.EncodeBool(false)) {
			t.Errorf("sensitive key from data: always sensitive %x, never extractable %x", got[0].Value, got[1].Value)
		}
	}
	d, err := m.DeriveKey(h, ck.Mechanism{Type: ck.CKM_HKDF_DATA, Parameter: withSalt}, data, tb(ck.CKA_VALUE_LEN, 42))
	must(t, err)
	got, err := m.GetAttributeValue(h, d, []ck.AttributeType{ck.CKA_VALUE})
	must(t, err)
	if !bytes.Equal(got[0].Value, want) {
		t.Errorf("HKDF_DATA from a data object: %x, want %x", got[0].Value, want)
	}
	noSalt := &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL, Info: info}
	for _, tc := range []struct {
		name string
		mech ck.Mechanism
		want ck.RV
	}{
		{"HKDF without salt", ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: noSalt}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"HKDF expand only", ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: &ck.HKDFParams{Expand: true, PRF: ck.CKM_SHA256, Info: info}}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"SHA256_KEY_DERIVATION", ck.Mechanism{Type: ck.CKM_SHA256_KEY_DERIVATION}, ck.CKR_KEY_HANDLE_INVALID},
		{"CONCATENATE_BASE_AND_DATA", ck.Mechanism{Type: ck.CKM_CONCATENATE_BASE_AND_DATA, Parameter: &ck.KeyDerivationStringData{Data: []byte("x")}}, ck.CKR_KEY_HANDLE_INVALID},
	} {
		_, err := m.DeriveKey(h, tc.mech, data, tb(ck.CKA_VALUE_LEN, 16))
		wantRV(t, tc.name+" from a data object", err, tc.want)
	}

	// A public data object, seen without a login: derivation needs one.
	pub, err := m.CreateObject(h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_VALUE, ikm, ck.CKA_TOKEN, true, ck.CKA_PRIVATE, false))
	must(t, err)
	must(t, m.Logout(h))
	_, err = m.DeriveKey(h, ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: withSalt}, pub, tb(ck.CKA_VALUE_LEN, 16))
	wantRV(t, "HKDF from a public data object, logged out", err, ck.CKR_USER_NOT_LOGGED_IN)
}

// TestDeriveHKDFFromForeignDataObject: bob may see alice's public data
// object but not derive from it, as from any object of hers not his own.
func TestDeriveHKDFFromForeignDataObject(t *testing.T) {
	f := newShareFixture(t)
	ikm := []byte("alice's public input keying data")
	data, err := f.ma.CreateObject(f.a, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_VALUE, ikm, ck.CKA_TOKEN, true, ck.CKA_PRIVATE, false))
	must(t, err)
	p := &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_DATA, Salt: []byte("s"), Info: nil}
	if _, err := f.ma.DeriveKey(f.a, ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: p}, data, tb(ck.CKA_VALUE_LEN, 16)); err != nil {
		t.Fatalf("alice derives from her data object: %v", err)
	}
	_, err = f.mb.DeriveKey(f.b, ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: p}, f.handleInB(t, data), tb(ck.CKA_VALUE_LEN, 16))
	wantRV(t, "bob derives from alice's data object", err, ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
}

// TestUnwrapDESWithValueLen: C_UnwrapKey reads the template's CKA_VALUE_LEN
// the same way C_DeriveKey does ("if it has one and the key type supports
// it"): for DES3 a compatible 24 is accepted and not stored, 16 is
// CKR_TEMPLATE_INCONSISTENT.
func TestUnwrapDESWithValueLen(t *testing.T) {
	m, _, h := userSession(t)
	kek, err := m.GenerateKey(h, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN}, tb(ck.CKA_VALUE_LEN, 32, ck.CKA_WRAP, true, ck.CKA_UNWRAP, true))
	must(t, err)
	des, err := m.GenerateKey(h, ck.Mechanism{Type: ck.CKM_DES3_KEY_GEN}, tb(ck.CKA_EXTRACTABLE, true, ck.CKA_SENSITIVE, false))
	must(t, err)
	wrap := ck.Mechanism{Type: ck.CKM_AES_KEY_WRAP_KWP}
	n, err := m.WrapKey(h, wrap, kek, des, nil)
	must(t, err)
	wrapped := make([]byte, n)
	n, err = m.WrapKey(h, wrap, kek, des, wrapped)
	must(t, err)
	for _, tc := range []struct {
		vlen int
		want ck.RV
	}{{24, ck.CKR_OK}, {16, ck.CKR_TEMPLATE_INCONSISTENT}} {
		k, err := m.UnwrapKey(h, wrap, kek, wrapped[:n], tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_DES3,
			ck.CKA_VALUE_LEN, tc.vlen, ck.CKA_SENSITIVE, false))
		wantRV(t, "unwrap DES3 with CKA_VALUE_LEN", err, tc.want)
		if err != nil {
			continue
		}
		got, err := m.GetAttributeValue(h, k, []ck.AttributeType{ck.CKA_VALUE, ck.CKA_VALUE_LEN})
		must(t, err)
		if len(got[0].Value) != 24 || got[1].Err != ck.CKR_ATTRIBUTE_TYPE_INVALID {
			t.Errorf("unwrapped DES3: %d bytes, CKA_VALUE_LEN %v", len(got[0].Value), got[1].Err)
		}
	}
}

// TestHKDFExpandIgnoresSaltKey: expand-only HKDF ignores the salt, so a
// CKF_HKDF_SALT_KEY handle is not even looked up (an unknown one is no
// error); extracting, the same handle is CKR_KEY_HANDLE_INVALID.
func TestHKDFExpandIgnoresSaltKey(t *testing.T) {
	m, _, h := userSession(t)
	base, err := m.CreateObject(h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET,
		ck.CKA_VALUE, bytes.Repeat([]byte{7}, 32), ck.CKA_DERIVE, true))
	must(t, err)
	for _, extract := range []bool{false, true} {
		p := &ck.HKDFParams{Extract: extract, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: 0xdead}
		_, err := m.DeriveKey(h, ck.Mechanism{Type: ck.CKM_HKDF_DERIVE, Parameter: p}, base, tb(ck.CKA_VALUE_LEN, 16))
		want := ck.CKR_OK
		if extract {
			want = ck.CKR_KEY_HANDLE_INVALID
		}
		wantRV(t, "HKDF with an unknown salt key handle", err, want)
	}
}
