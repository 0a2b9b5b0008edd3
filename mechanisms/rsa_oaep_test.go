package mechanisms

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var mgfByName = map[string]ck.MGF{
	"sha1": ck.CKG_MGF1_SHA1, "sha224": ck.CKG_MGF1_SHA224, "sha256": ck.CKG_MGF1_SHA256,
	"sha384": ck.CKG_MGF1_SHA384, "sha512": ck.CKG_MGF1_SHA512, "sha3-256": ck.CKG_MGF1_SHA3_256,
}

var hashMechByName = map[string]ck.MechanismType{
	"sha1": ck.CKM_SHA_1, "sha224": ck.CKM_SHA224, "sha256": ck.CKM_SHA256,
	"sha384": ck.CKM_SHA384, "sha512": ck.CKM_SHA512, "sha3-256": ck.CKM_SHA3_256,
}

// TestRSAOAEPVectors: openssl's OAEP ciphertexts (testdata/rsa_oaep.txt)
// decrypt, with mixed hash/MGF pairs and labels; our ciphertexts are
// decrypted by openssl with the same options.
func TestRSAOAEPVectors(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	m := mustLookup(t, ck.CKM_RSA_PKCS_OAEP)
	openssl, _ := exec.LookPath("openssl")
	dir := t.TempDir()
	for _, v := range readVectors(t, "testdata/rsa_oaep.txt") {
		p := &ck.OAEPParams{Hash: hashMechByName[v["Hash"]], MGF: mgfByName[v["MGF"]], Source: ck.CKZ_DATA_SPECIFIED, SourceData: unhex(t, v["Label"])}
		d, err := m.(Decrypter).DecryptInit(priv, p)
		if err != nil {
			t.Fatal(err)
		}
		msg := unhex(t, v["Msg"])
		if got, err := d.Do(unhex(t, v["CT"])); err != nil || !bytes.Equal(got, msg) {
			t.Errorf("%s/%s label %q: %v", v["Hash"], v["MGF"], v["Label"], err)
		}
		wrong := *p
		wrong.SourceData = append(bytes.Clone(p.SourceData), 'x')
		d, _ = m.(Decrypter).DecryptInit(priv, &wrong)
		if _, err := d.Do(unhex(t, v["CT"])); err != ck.CKR_ENCRYPTED_DATA_INVALID {
			t.Errorf("%s: wrong label: %v", v["Hash"], err)
		}
		e, _ := m.(Encrypter).EncryptInit(pub, p)
		ct, err := e.Do(msg)
		if err != nil {
			t.Fatal(err)
		}
		if openssl == "" {
			continue
		}
		os.WriteFile(filepath.Join(dir, "c"), ct, 0o600)
		args := []string{"pkeyutl", "-decrypt", "-inkey", "testdata/rsa2048.pem", "-in", filepath.Join(dir, "c"),
			"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:" + v["Hash"], "-pkeyopt", "rsa_mgf1_md:" + v["MGF"]}
		if v["Label"] != "" {
			args = append(args, "-pkeyopt", "rsa_oaep_label:"+v["Label"])
		}
		if out, err := exec.Command(openssl, args...).Output(); err != nil || !bytes.Equal(out, msg) {
			t.Errorf("%s/%s: openssl could not decrypt ours: %v", v["Hash"], v["MGF"], err)
		}
	}
}

func TestRSAOAEPErrors(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	m := mustLookup(t, ck.CKM_RSA_PKCS_OAEP)
	ok := ck.OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256, Source: ck.CKZ_DATA_SPECIFIED}
	with := func(f func(*ck.OAEPParams)) *ck.OAEPParams { p := ok; f(&p); return &p }
	for _, tc := range []struct {
		name  string
		param any
		want  error
	}{
		{"no parameter", nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"raw bytes", make([]byte, 40), ck.CKR_MECHANISM_PARAM_INVALID},
		{"unknown hash", with(func(p *ck.OAEPParams) { p.Hash = ck.CKM_AES_ECB }), ck.CKR_MECHANISM_PARAM_INVALID},
		{"unknown MGF", with(func(p *ck.OAEPParams) { p.MGF = 99 }), ck.CKR_MECHANISM_PARAM_INVALID},
		{"unknown source", with(func(p *ck.OAEPParams) { p.Source = 2 }), ck.CKR_MECHANISM_PARAM_INVALID},
		{"source 0 with data", with(func(p *ck.OAEPParams) { p.Source = 0; p.SourceData = []byte{1} }), ck.CKR_MECHANISM_PARAM_INVALID},
		{"source 0 without data", with(func(p *ck.OAEPParams) { p.Source = 0 }), nil},
		{"value parameter", ok, nil},
	} {
		if _, err := m.(Encrypter).EncryptInit(pub, tc.param); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	e, _ := m.(Encrypter).EncryptInit(pub, &ok)
	if _, err := e.Do(make([]byte, 256-2*32-1)); err != ck.CKR_DATA_LEN_RANGE {
		t.Errorf("message one byte too long: %v", err)
	}
	e, _ = m.(Encrypter).EncryptInit(pub, &ok)
	if _, err := e.Do(make([]byte, 256-2*32-2)); err != nil {
		t.Errorf("longest message: %v", err)
	}
	d, _ := m.(Decrypter).DecryptInit(priv, &ok)
	if _, err := d.Do(make([]byte, 100)); err != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
		t.Errorf("short ciphertext: %v", err)
	}
	if _, err := m.(Decrypter).DecryptInit(pub, &ok); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("decrypt with public key: %v", err)
	}
}

func init() {
	rsaPub := func(t *testing.T) *Key { p, _ := rsaTestKeys(t); return p }
	rsaPriv := func(t *testing.T) *Key { _, p := rsaTestKeys(t); return p }
	addFixture(fixture{encKey: rsaPub, decKey: rsaPriv, param: func() any {
		return &ck.OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA1, Source: ck.CKZ_DATA_SPECIFIED, SourceData: []byte("l")}
	}}, ck.CKM_RSA_PKCS_OAEP)
}
