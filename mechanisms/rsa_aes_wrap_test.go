package mechanisms

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestRSAAESKeyWrap: secret and private keys round trip; openssl takes the
// output apart (pkeyutl OAEP for the AES key, enc -id-aes*-wrap-pad for the
// rest) and finds the key value.
func TestRSAAESKeyWrap(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	m := mustLookup(t, ck.CKM_RSA_AES_KEY_WRAP)
	p := &ck.RSAAESKeyWrapParams{AESKeyBits: 256, OAEP: ck.OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256, Source: ck.CKZ_DATA_SPECIFIED}}
	secret := secretKey(ck.CKK_AES, bytes.Repeat([]byte{0x77}, 24))
	_, ecPriv := genECKeys(t, curves[1])
	for _, k := range []*Key{secret, ecPriv} {
		w, err := m.(KeyWrapper).WrapKey(pub, k, p)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := ck.Template{keyTypeAttr(ck.CKK_AES)}
		if k.Class == ck.CKO_PRIVATE_KEY {
			tmpl = privTemplate(ck.CKK_EC)
		}
		attrs, err := m.(KeyUnwrapper).UnwrapKey(priv, p, w, tmpl)
		if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], k.Attrs[ck.CKA_VALUE]) {
			t.Fatalf("%v: unwrap %v", k.Class, err)
		}
		bad := bytes.Clone(w)
		bad[len(bad)-3] ^= 1
		if _, err := m.(KeyUnwrapper).UnwrapKey(priv, p, bad, tmpl); err != ck.CKR_WRAPPED_KEY_INVALID {
			t.Errorf("tampered: %v", err)
		}
		if _, err := m.(KeyUnwrapper).UnwrapKey(priv, p, w[:300], tmpl); err != ck.CKR_WRAPPED_KEY_LEN_RANGE {
			t.Errorf("cut: %v", err)
		}
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		return
	}
	w, _ := m.(KeyWrapper).WrapKey(pub, secret, p)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "head"), w[:256], 0o600)
	os.WriteFile(filepath.Join(dir, "tail"), w[256:], 0o600)
	aesKeyBytes, err := exec.Command(openssl, "pkeyutl", "-decrypt", "-inkey", "testdata/rsa2048.pem", "-in", filepath.Join(dir, "head"),
		"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256").Output()
	if err != nil || len(aesKeyBytes) != 32 {
		t.Fatalf("openssl OAEP: %v", err)
	}
	out, err := exec.Command(openssl, "enc", "-d", "-id-aes256-wrap-pad", "-iv", "A65959A6", "-K", hex.EncodeToString(aesKeyBytes), "-in", filepath.Join(dir, "tail")).Output()
	if err != nil || !bytes.Equal(out, secret.Attrs[ck.CKA_VALUE]) {
		t.Errorf("openssl KWP: %v", err)
	}
}

func TestRSAAESKeyWrapParams(t *testing.T) {
	pub, _ := rsaTestKeys(t)
	m := mustLookup(t, ck.CKM_RSA_AES_KEY_WRAP)
	oaep := ck.OAEPParams{Hash: ck.CKM_SHA_1, MGF: ck.CKG_MGF1_SHA1, Source: ck.CKZ_DATA_SPECIFIED}
	for _, tc := range []struct {
		name  string
		param any
		want  error
	}{
		{"nil", nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"100 bits", &ck.RSAAESKeyWrapParams{AESKeyBits: 100, OAEP: oaep}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"bad OAEP", &ck.RSAAESKeyWrapParams{AESKeyBits: 128, OAEP: ck.OAEPParams{Hash: 5}}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"128 bits", ck.RSAAESKeyWrapParams{AESKeyBits: 128, OAEP: oaep}, nil},
	} {
		if _, err := m.(KeyWrapper).WrapKey(pub, secretKey(ck.CKK_AES, make([]byte, 16)), tc.param); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func init() {
	rsaPub := func(t *testing.T) *Key { p, _ := rsaTestKeys(t); return p }
	rsaPriv := func(t *testing.T) *Key { _, p := rsaTestKeys(t); return p }
	target := func(*testing.T) *Key { return secretKey(ck.CKK_AES, []byte("fedcba9876543210")) }
	addFixture(fixture{wrapKey: rsaPub, unwrapKey: rsaPriv, wrapTarget: target, param: func() any {
		return &ck.RSAAESKeyWrapParams{AESKeyBits: 128, OAEP: ck.OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256, Source: ck.CKZ_DATA_SPECIFIED}}
	}}, ck.CKM_RSA_AES_KEY_WRAP)
}
