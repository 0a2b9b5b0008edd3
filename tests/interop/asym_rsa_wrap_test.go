package interop

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// RSA key wrapping of TestRSAInterop.

// rsaWrap: C_WrapKey of an AES key with CKM_RSA_PKCS_OAEP and CKM_RSA_PKCS
// decrypts with openssl to the key's value; openssl's encryption of a key
// value unwraps with C_UnwrapKey to a key with that value, which encrypts
// as openssl does with it.
func (e *env) rsaWrap(t *testing.T, k *keyPair) {
	for _, c := range []struct {
		name string
		m    []*pkcs11.Mechanism
		opts []string
	}{
		{"PKCS1", mech(pkcs11.CKM_RSA_PKCS, nil), nil},
		{"OAEP-sha1", mech(pkcs11.CKM_RSA_PKCS_OAEP, pkcs11.NewOAEPParams(pkcs11.CKM_SHA_1, pkcs11.CKG_MGF1_SHA1, 0, nil)),
			[]string{"-pkeyopt", "rsa_padding_mode:oaep"}},
		{"OAEP-sha256-label", mech(pkcs11.CKM_RSA_PKCS_OAEP, pkcs11.NewOAEPParams(pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, pkcs11.CKZ_DATA_SPECIFIED, []byte("wrap"))),
			[]string{"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-pkeyopt", "rsa_oaep_label:" + hex.EncodeToString([]byte("wrap"))}},
	} {
		value := make([]byte, 32)
		rand.Read(value)
		key := e.secretKey(t, pkcs11.CKK_AES, value)
		wrapped, err := e.p.WrapKey(e.s, c.m, k.pub, key)
		hsmtest.Must(t, err, c.name+": C_WrapKey")
		if got := openssl(t, nil, append([]string{"pkeyutl", "-decrypt", "-inkey", k.privPEM, "-in", e.file(t, "wrapped", wrapped)}, c.opts...)...); !bytes.Equal(got, value) {
			t.Errorf("%s: openssl decrypts the wrapped key to another value", c.name)
		}
		rand.Read(value)
		theirs := openssl(t, nil, append([]string{"pkeyutl", "-encrypt", "-pubin", "-inkey", k.pubPEM, "-in", e.file(t, "value", value)}, c.opts...)...)
		e.checkUnwrapped(t, c.name, c.m, k.priv, theirs, value)
	}
}

// checkUnwrapped unwraps blob into an extractable AES key and checks that
// its value is value and that it encrypts a block as openssl does with value.
func (e *env) checkUnwrapped(t *testing.T, name string, m []*pkcs11.Mechanism, unwrapKey pkcs11.ObjectHandle, blob, value []byte) {
	t.Helper()
	h, err := e.p.UnwrapKey(e.s, m, unwrapKey, blob, []*pkcs11.Attribute{
		attr(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES), attr(pkcs11.CKA_TOKEN, false),
		attr(pkcs11.CKA_ENCRYPT, true), attr(pkcs11.CKA_SENSITIVE, false), attr(pkcs11.CKA_EXTRACTABLE, true)})
	hsmtest.Must(t, err, name+": C_UnwrapKey of openssl's blob")
	if got := e.attrs(t, h, pkcs11.CKA_VALUE)[0]; !bytes.Equal(got, value) {
		t.Fatalf("%s: the unwrapped key's value is not the one openssl wrapped", name)
	}
	block := []byte("sixteen byte blk")
	want := openssl(t, block, "enc", fmt.Sprintf("-aes-%d-ecb", 8*len(value)), "-nopad", "-K", hex.EncodeToString(value))
	if got := e.encrypt(t, mech(pkcs11.CKM_AES_ECB, nil), h, block); !bytes.Equal(got, want) {
		t.Errorf("%s: the unwrapped key encrypts differently from openssl with its value", name)
	}
}

// rsaAESWrap: CKM_RSA_AES_KEY_WRAP is RSA-OAEP of a fresh AES key followed by
// RFC 5649 under it: openssl pkeyutl and enc -id-aes*-wrap-pad undo what the
// token makes, and build a blob the token unwraps.
func (e *env) rsaAESWrap(t *testing.T, k *keyPair) {
	type rsaAESCase struct {
		aesBits   int
		hash, mgf string
		label     []byte
	}
	cases := []rsaAESCase{{256, "sha1", "sha1", nil}, {128, "sha256", "sha256", nil}, {192, "sha384", "sha1", []byte("rsa-aes label")}, {256, "sha512", "sha256", nil}}
	sizes := []int{16, 24, 32}
	if k.quick {
		cases, sizes = cases[2:3], sizes[2:]
	}
	for _, c := range cases {
		h, mgf := hashByName(c.hash), hashByName(c.mgf)
		name := fmt.Sprintf("AES-%d/%s/mgf1-%s", c.aesBits, c.hash, c.mgf)
		source := uint(0)
		opts := []string{"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:" + h.md, "-pkeyopt", "rsa_mgf1_md:" + mgf.md}
		if c.label != nil {
			source = pkcs11.CKZ_DATA_SPECIFIED
			opts = append(opts, "-pkeyopt", "rsa_oaep_label:"+hex.EncodeToString(c.label))
		}
		m := mech(uint(ck.CKM_RSA_AES_KEY_WRAP), &pkcs11.RSAAESKeyWrapParams{AESKeyBits: uint(c.aesBits),
			OAEPParams: pkcs11.OAEPParams{HashAlg: h.ckm, MGF: mgf.mgf, SourceType: source, SourceData: c.label}})
		kwp := fmt.Sprintf("-id-aes%d-wrap-pad", c.aesBits)
		for _, size := range sizes {
			value := make([]byte, size)
			rand.Read(value)
			target := e.secretKey(t, pkcs11.CKK_AES, value)
			wrapped, err := e.p.WrapKey(e.s, m, k.pub, target)
			hsmtest.Must(t, err, name+": C_WrapKey(CKM_RSA_AES_KEY_WRAP)")
			if len(wrapped) <= k.modBytes() {
				t.Fatalf("%s: wrapped key of %d bytes", name, len(wrapped))
			}
			tmp := openssl(t, nil, append([]string{"pkeyutl", "-decrypt", "-inkey", k.privPEM, "-in", e.file(t, "c1", wrapped[:k.modBytes()])}, opts...)...)
			if len(tmp) != c.aesBits/8 {
				t.Fatalf("%s: the ephemeral AES key has %d bytes", name, len(tmp))
			}
			got := openssl(t, nil, "enc", "-d", kwp, "-K", hex.EncodeToString(tmp), "-iv", "A65959A6", "-in", e.file(t, "c2", wrapped[k.modBytes():]))
			if !bytes.Equal(got, value) {
				t.Errorf("%s: openssl unwraps the token's blob to another key", name)
			}

			rand.Read(value)
			rand.Read(tmp)
			c1 := openssl(t, nil, append([]string{"pkeyutl", "-encrypt", "-pubin", "-inkey", k.pubPEM, "-in", e.file(t, "tmp", tmp)}, opts...)...)
			c2 := openssl(t, value, "enc", kwp, "-K", hex.EncodeToString(tmp), "-iv", "A65959A6")
			e.checkUnwrapped(t, name, m, k.priv, append(c1, c2...), value)
		}
	}
}
