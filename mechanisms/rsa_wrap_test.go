package mechanisms

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestRSAWrap: secret keys wrapped with CKM_RSA_PKCS and CKM_RSA_PKCS_OAEP
// unwrap again, openssl decrypts the wrapped bytes to the key value, and
// bad input gets the key-wrapping error codes.
func TestRSAWrap(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	oaep := &ck.OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256, Source: ck.CKZ_DATA_SPECIFIED}
	aes := secretKey(ck.CKK_AES, bytes.Repeat([]byte{0x5a}, 32))
	openssl, _ := exec.LookPath("openssl")
	for _, tc := range []struct {
		typ   ck.MechanismType
		param any
		opts  []string
	}{
		{ck.CKM_RSA_PKCS, nil, nil},
		{ck.CKM_RSA_PKCS_OAEP, oaep, []string{"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"}},
	} {
		m := mustLookup(t, tc.typ)
		w, err := m.(KeyWrapper).WrapKey(pub, aes, tc.param)
		if err != nil || len(w) != 256 {
			t.Fatalf("%v wrap: %v", tc.typ, err)
		}
		attrs, err := m.(KeyUnwrapper).UnwrapKey(priv, tc.param, w, ck.Template{keyTypeAttr(ck.CKK_AES)})
		if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], aes.Attrs[ck.CKA_VALUE]) {
			t.Fatalf("%v unwrap: %v", tc.typ, err)
		}
		if openssl != "" {
			f := filepath.Join(t.TempDir(), "w")
			os.WriteFile(f, w, 0o600)
			args := append([]string{"pkeyutl", "-decrypt", "-inkey", "testdata/rsa2048.pem", "-in", f}, tc.opts...)
			if out, err := exec.Command(openssl, args...).Output(); err != nil || !bytes.Equal(out, aes.Attrs[ck.CKA_VALUE]) {
				t.Errorf("%v: openssl could not unwrap: %v", tc.typ, err)
			}
		}
		bad := bytes.Clone(w)
		bad[100] ^= 1
		for _, c := range []struct {
			name    string
			wrapped []byte
			tmpl    ck.Template
			want    error
		}{
			{"tampered", bad, nil, ck.CKR_WRAPPED_KEY_INVALID},
			{"short", w[:255], nil, ck.CKR_WRAPPED_KEY_LEN_RANGE},
			{"as 16-byte AES", w, ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(16)}, ck.CKR_TEMPLATE_INCONSISTENT},
		} {
			if _, err := m.(KeyUnwrapper).UnwrapKey(priv, tc.param, c.wrapped, c.tmpl); err != c.want {
				t.Errorf("%v %s: %v, want %v", tc.typ, c.name, err, c.want)
			}
		}
		if _, err := m.(KeyWrapper).WrapKey(pub, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 250)), tc.param); err != ck.CKR_KEY_SIZE_RANGE {
			t.Errorf("%v: wrapping 250 bytes: %v", tc.typ, err)
		}
		if _, err := m.(KeyWrapper).WrapKey(pub, priv, tc.param); err != ck.CKR_KEY_NOT_WRAPPABLE {
			t.Errorf("%v: wrapping a private key: %v", tc.typ, err)
		}
	}
}

// Adds wrapping to the fixtures of rsa_helpers_test.go and rsa_oaep_test.go,
// whose init functions run first (Go runs them in file name order).
func init() {
	rsaPub := func(t *testing.T) *Key { p, _ := rsaTestKeys(t); return p }
	rsaPriv := func(t *testing.T) *Key { _, p := rsaTestKeys(t); return p }
	target := func(*testing.T) *Key { return secretKey(ck.CKK_AES, []byte("fedcba9876543210")) }
	for _, typ := range []ck.MechanismType{ck.CKM_RSA_PKCS, ck.CKM_RSA_PKCS_OAEP} {
		f := fixtures[typ]
		f.wrapKey, f.unwrapKey, f.wrapTarget = rsaPub, rsaPriv, target
		fixtures[typ] = f
	}
}
