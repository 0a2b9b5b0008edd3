package mechanisms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func privTemplate(kt ck.KeyType) ck.Template {
	return ck.Template{
		{Type: ck.CKA_CLASS, Value: ck.EncodeULong(ck.ULong(ck.CKO_PRIVATE_KEY))},
		keyTypeAttr(kt),
	}
}

// TestWrapPrivateKeys: RSA, EC and Ed25519 private keys wrap as PKCS #8 and
// unwrap to the same key with KWP, KEY_WRAP_PAD and CBC_PAD; openssl
// unwraps the KWP result and reads the same key from it.
func TestWrapPrivateKeys(t *testing.T) {
	_, rsaPriv := rsaTestKeys(t)
	_, ecPriv := genECKeys(t, curves[2])
	_, edPriv := genEdKeys(t)
	kekBytes := bytes.Repeat([]byte{0x42}, 32)
	kek := aesKey(kekBytes)
	openssl, _ := exec.LookPath("openssl")
	dir := t.TempDir()
	for _, k := range []*Key{rsaPriv, ecPriv, edPriv} {
		want, err := wrapValue(k)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			typ   ck.MechanismType
			param any
		}{{ck.CKM_AES_KEY_WRAP_KWP, nil}, {ck.CKM_AES_KEY_WRAP_PAD, nil}, {ck.CKM_AES_CBC_PAD, make([]byte, 16)}} {
			m := mustLookup(t, tc.typ)
			w, err := m.(KeyWrapper).WrapKey(kek, k, tc.param)
			if err != nil {
				t.Fatalf("%v wrap %v: %v", tc.typ, k.KeyType, err)
			}
			attrs, err := m.(KeyUnwrapper).UnwrapKey(kek, tc.param, w, privTemplate(k.KeyType))
			if err != nil {
				t.Fatalf("%v unwrap %v: %v", tc.typ, k.KeyType, err)
			}
			back := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: k.KeyType, Attrs: attrs}
			if got, err := wrapValue(back); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%v %v: unwrapped key differs (%v)", tc.typ, k.KeyType, err)
			}
			if _, err := m.(KeyUnwrapper).UnwrapKey(kek, tc.param, w, privTemplate(ck.CKK_DSA)); err != ck.CKR_TEMPLATE_INCONSISTENT {
				t.Errorf("%v %v as a DSA key: %v", tc.typ, k.KeyType, err)
			}
		}
		if openssl == "" {
			continue
		}
		w, _ := mustLookup(t, ck.CKM_AES_KEY_WRAP_KWP).(KeyWrapper).WrapKey(kek, k, nil)
		wf := filepath.Join(dir, "w")
		os.WriteFile(wf, w, 0o600)
		der, err := exec.Command(openssl, "enc", "-d", "-id-aes256-wrap-pad", "-iv", "A65959A6", "-K", hex.EncodeToString(kekBytes), "-in", wf).Output()
		if err != nil {
			t.Fatalf("openssl unwrap: %v", err)
		}
		df := filepath.Join(dir, "k.der")
		os.WriteFile(df, der, 0o600)
		spki, err := exec.Command(openssl, "pkey", "-inform", "DER", "-in", df, "-pubout", "-outform", "DER").Output()
		if err != nil {
			t.Fatalf("openssl pkey: %v", err)
		}
		pk, _ := x509.ParsePKCS8PrivateKey(want)
		ours, _ := x509.MarshalPKIXPublicKey(pk.(crypto.Signer).Public())
		if !bytes.Equal(spki, ours) {
			t.Errorf("%v: openssl reads another key from the wrapped bytes", k.KeyType)
		}
	}
}

func TestUnwrapPrivateKeyErrors(t *testing.T) {
	kek := aesKey(make([]byte, 16))
	kwp := mustLookup(t, ck.CKM_AES_KEY_WRAP_KWP)
	junk, _ := kwp.(KeyWrapper).WrapKey(kek, secretKey(ck.CKK_GENERIC_SECRET, []byte("not a PKCS #8 key")), nil)
	if _, err := kwp.(KeyUnwrapper).UnwrapKey(kek, nil, junk, privTemplate(ck.CKK_EC)); err != ck.CKR_WRAPPED_KEY_INVALID {
		t.Errorf("junk as a private key: %v", err)
	}
	_, ecPriv := genECKeys(t, curves[1])
	w, _ := kwp.(KeyWrapper).WrapKey(kek, ecPriv, nil)
	tmpl := append(privTemplate(ck.CKK_EC), ck.Attribute{Type: ck.CKA_EC_PARAMS, Value: derOID(t, curves[2].OID)})
	if _, err := kwp.(KeyUnwrapper).UnwrapKey(kek, nil, w, tmpl); err != ck.CKR_TEMPLATE_INCONSISTENT {
		t.Errorf("P-256 key with a P-384 template: %v", err)
	}
	tmpl = append(privTemplate(ck.CKK_EC), ck.Attribute{Type: ck.CKA_EC_PARAMS, Value: derPrintable(t, "prime256v1")})
	attrs, err := kwp.(KeyUnwrapper).UnwrapKey(kek, nil, w, tmpl)
	if err != nil || !bytes.Equal(attrs[ck.CKA_EC_PARAMS], derPrintable(t, "prime256v1")) {
		t.Errorf("P-256 key with the curve named: %v", err)
	}
	pub, _ := genECKeys(t, curves[1])
	if _, err := kwp.(KeyWrapper).WrapKey(kek, pub, nil); err != ck.CKR_KEY_NOT_WRAPPABLE {
		t.Errorf("wrapping a public key: %v", err)
	}
}
