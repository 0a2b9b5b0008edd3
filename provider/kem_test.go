package provider

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestEncapsulateDecapsulate: C_EncapsulateKey and C_DecapsulateKey with
// CKM_ML_KEM make secret key objects with the same value; the length query
// and a short buffer make no key; usage flags, key classes and templates
// give their codes; the new key's flags follow the policy.
func TestEncapsulateDecapsulate(t *testing.T) {
	m, _, h := userSession(t)
	kem := ck.Mechanism{Type: ck.CKM_ML_KEM}
	pub, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_ML_KEM_KEY_PAIR_GEN},
		tb(ck.CKA_PARAMETER_SET, int(ck.CKP_ML_KEM_768)), tb(ck.CKA_TOKEN, true))
	must(t, err)
	if v, rv := getAttr(t, m, h, priv, ck.CKA_SEED); rv != ck.CKR_ATTRIBUTE_SENSITIVE || v != nil {
		t.Errorf("CKA_SEED of a generated ML-KEM key: %v", rv)
	}
	secret := tb(ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true)

	n, k, err := m.EncapsulateKey(h, kem, pub, secret, nil)
	if err != nil || n != 1088 || k != 0 {
		t.Fatalf("length query: %d, %d, %v", n, k, err)
	}
	n, k, err = m.EncapsulateKey(h, kem, pub, secret, make([]byte, 1087))
	if err != ck.CKR_BUFFER_TOO_SMALL || n != 1088 || k != 0 {
		t.Fatalf("short buffer: %d, %d, %v", n, k, err)
	}
	ct := make([]byte, 2000)
	n, k1, err := m.EncapsulateKey(h, kem, pub, secret, ct)
	must(t, err)
	k2, err := m.DecapsulateKey(h, kem, priv, secret, ct[:n])
	must(t, err)
	v1, rv1 := getAttr(t, m, h, k1, ck.CKA_VALUE)
	v2, rv2 := getAttr(t, m, h, k2, ck.CKA_VALUE)
	if rv1 != ck.CKR_OK || rv2 != ck.CKR_OK || len(v1) != 32 || !bytes.Equal(v1, v2) {
		t.Fatalf("shared secrets differ: %v %v", rv1, rv2)
	}
	for _, k := range []ck.ObjectHandle{k1, k2} {
		if c, _ := getAttr(t, m, h, k, ck.CKA_CLASS); !bytes.Equal(c, ck.EncodeULong(ck.ULong(ck.CKO_SECRET_KEY))) {
			t.Error("the shared secret is not a secret key object")
		}
		if l, _ := getAttr(t, m, h, k, ck.CKA_LOCAL); !bytes.Equal(l, ck.EncodeBool(false)) {
			t.Error("CKA_LOCAL of a shared secret is not false")
		}
	}
	// A sensitive shared secret from a sensitive, never-extractable key.
	k3, err := m.DecapsulateKey(h, kem, priv, tb(ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET), ct[:n])
	must(t, err)
	if _, rv := getAttr(t, m, h, k3, ck.CKA_VALUE); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Errorf("default shared secret readable: %v", rv)
	}

	ecPub, ecPriv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, tb(ck.CKA_EC_PARAMS, p256Params), nil)
	must(t, err)
	noEncap := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_KEY_TYPE, ck.CKK_ML_KEM, ck.CKA_PARAMETER_SET, int(ck.CKP_ML_KEM_768),
		ck.CKA_VALUE, mustAttr(t, m, h, pub, ck.CKA_VALUE), ck.CKA_ENCAPSULATE, false))
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"no CKA_ENCAPSULATE", func() error { _, _, err := m.EncapsulateKey(h, kem, noEncap, secret, ct); return err }(), ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"EC public key", func() error { _, _, err := m.EncapsulateKey(h, kem, ecPub, secret, ct); return err }(), ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"EC private key", func() error { _, err := m.DecapsulateKey(h, kem, ecPriv, secret, ct[:n]); return err }(), ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"private key to encapsulate", func() error { _, _, err := m.EncapsulateKey(h, kem, priv, secret, ct); return err }(), ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"private key class asked", func() error {
			_, _, err := m.EncapsulateKey(h, kem, pub, tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY), ct)
			return err
		}(), ck.CKR_TEMPLATE_INCONSISTENT},
		{"not a KEM", func() error {
			_, _, err := m.EncapsulateKey(h, ck.Mechanism{Type: ck.CKM_ECDSA}, pub, secret, ct)
			return err
		}(), ck.CKR_MECHANISM_INVALID},
		{"short ciphertext", func() error { _, err := m.DecapsulateKey(h, kem, priv, secret, ct[:n-1]); return err }(), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"bad handle", func() error { _, err := m.DecapsulateKey(h, kem, 0x7777, secret, ct[:n]); return err }(), ck.CKR_KEY_HANDLE_INVALID},
	} {
		if tc.err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}

// TestCreatePQCKeyChecked: C_CreateObject refuses PKCS#11 3.2 key material
// that cannot work (checked like the EC and RSA imports) and accepts a
// generated key's material imported again.
func TestCreatePQCKeyChecked(t *testing.T) {
	m, _, h := userSession(t)
	pub, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_ML_DSA_KEY_PAIR_GEN},
		tb(ck.CKA_PARAMETER_SET, int(ck.CKP_ML_DSA_44)), tb(ck.CKA_SENSITIVE, false))
	must(t, err)
	pv, seed := mustAttr(t, m, h, pub, ck.CKA_VALUE), mustAttr(t, m, h, priv, ck.CKA_SEED)
	create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_KEY_TYPE, ck.CKK_ML_DSA, ck.CKA_PARAMETER_SET, int(ck.CKP_ML_DSA_44), ck.CKA_VALUE, pv))
	create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_ML_DSA, ck.CKA_PARAMETER_SET, int(ck.CKP_ML_DSA_44), ck.CKA_SEED, seed))
	for name, tmpl := range map[string]ck.Template{
		"public key of another set": tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_KEY_TYPE, ck.CKK_ML_DSA, ck.CKA_PARAMETER_SET, int(ck.CKP_ML_DSA_65), ck.CKA_VALUE, pv),
		"short seed":                tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_ML_DSA, ck.CKA_PARAMETER_SET, int(ck.CKP_ML_DSA_44), ck.CKA_SEED, seed[1:]),
		"ML-KEM value of 3 bytes":   tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_ML_KEM, ck.CKA_PARAMETER_SET, int(ck.CKP_ML_KEM_512), ck.CKA_VALUE, []byte{1, 2, 3}),
	} {
		if _, err := m.CreateObject(h, tmpl); err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
			t.Errorf("%s: %v, want CKR_ATTRIBUTE_VALUE_INVALID", name, err)
		}
	}
}
