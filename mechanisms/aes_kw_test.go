package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestAESKeyWrapVectors: RFC 3394 and RFC 5649 inputs and random ones,
// outputs equal to openssl's (testdata/aes_kw.txt), through C_Encrypt and
// C_WrapKey, and back through C_Decrypt and C_UnwrapKey.
func TestAESKeyWrapVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/aes_kw.txt") {
		types := map[string][]ck.MechanismType{
			"kw": {ck.CKM_AES_KEY_WRAP}, "kwp": {ck.CKM_AES_KEY_WRAP_KWP},
			"pkcs7": {ck.CKM_AES_KEY_WRAP_PKCS7, ck.CKM_AES_KEY_WRAP_PAD},
		}[v["Mode"]]
		for _, typ := range types {
			testKWVector(t, typ, v)
		}
	}
}

// testKWVector checks one vector of testdata/aes_kw.txt with mechanism typ.
func testKWVector(t *testing.T, typ ck.MechanismType, v map[string]string) {
	m := mustLookup(t, typ)
	kek, p, want := aesKey(unhex(t, v["KEK"])), unhex(t, v["P"]), unhex(t, v["C"])
	e, _ := m.(Encrypter).EncryptInit(kek, nil)
	if got, err := e.Do(p); err != nil || !bytes.Equal(got, want) || e.OutputLen(len(p)) != len(want) {
		t.Errorf("%v %d bytes: encrypt %x %v", typ, len(p), got, err)
	}
	d, _ := m.(Decrypter).DecryptInit(kek, nil)
	if got, err := d.Do(want); err != nil || !bytes.Equal(got, p) {
		t.Errorf("%v %d bytes: decrypt %v", typ, len(p), err)
	}
	wrapped, err := m.(KeyWrapper).WrapKey(kek, secretKey(ck.CKK_GENERIC_SECRET, p), nil)
	if err != nil || !bytes.Equal(wrapped, want) {
		t.Errorf("%v: WrapKey %v", typ, err)
	}
	attrs, err := m.(KeyUnwrapper).UnwrapKey(kek, nil, want, ck.Template{keyTypeAttr(ck.CKK_GENERIC_SECRET)})
	if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], p) {
		t.Errorf("%v: UnwrapKey %v", typ, err)
	}
	for i := range want {
		bad := bytes.Clone(want)
		bad[i] ^= 0x40
		if _, err := m.(KeyUnwrapper).UnwrapKey(kek, nil, bad, nil); err != ck.CKR_WRAPPED_KEY_INVALID {
			t.Fatalf("%v: byte %d flipped: %v", typ, i, err)
		}
	}
}

// TestAESKeyWrapPKCS7Padding: a correctly wrapped block whose PKCS #7
// padding is wrong is refused.
func TestAESKeyWrapPKCS7Padding(t *testing.T) {
	kek := aesKey(make([]byte, 16))
	for _, plain := range [][]byte{
		append(bytes.Repeat([]byte{1}, 15), 0),
		append(bytes.Repeat([]byte{1}, 15), 9),
		append(bytes.Repeat([]byte{1}, 14), 1, 2),
	} {
		c, _ := mustLookup(t, ck.CKM_AES_KEY_WRAP).(KeyWrapper).WrapKey(kek, secretKey(ck.CKK_GENERIC_SECRET, plain), nil)
		if _, err := mustLookup(t, ck.CKM_AES_KEY_WRAP_PKCS7).(KeyUnwrapper).UnwrapKey(kek, nil, c, nil); err != ck.CKR_WRAPPED_KEY_INVALID {
			t.Errorf("padding %x: %v", plain[14:], err)
		}
	}
	if _, err := mustLookup(t, ck.CKM_AES_KEY_WRAP_PKCS7).(KeyWrapper).WrapKey(kek, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 7)), nil); err != ck.CKR_KEY_SIZE_RANGE {
		t.Errorf("7-byte value pads to one block only: %v", err)
	}
}

func TestAESKeyWrapErrors(t *testing.T) {
	kek := aesKey(make([]byte, 16))
	kw, kwp := mustLookup(t, ck.CKM_AES_KEY_WRAP), mustLookup(t, ck.CKM_AES_KEY_WRAP_KWP)
	aes := secretKey(ck.CKK_AES, bytes.Repeat([]byte{1}, 16))
	_, ecPriv := genECKeys(t, curves[1])
	wrap := func(m Mechanism, w, k *Key, p any) error { _, err := m.(KeyWrapper).WrapKey(w, k, p); return err }
	unwrap := func(m Mechanism, p any, c []byte, tmpl ck.Template) error {
		_, err := m.(KeyUnwrapper).UnwrapKey(kek, p, c, tmpl)
		return err
	}
	good, _ := kw.(KeyWrapper).WrapKey(kek, aes, nil)
	customIV := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	withIV, _ := kw.(KeyWrapper).WrapKey(kek, aes, customIV)
	for _, tc := range []struct {
		name      string
		err, want error
	}{
		{"wrap 8-byte key with KW", wrap(kw, kek, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 8)), nil), ck.CKR_KEY_SIZE_RANGE},
		{"wrap 20-byte key with KW", wrap(kw, kek, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 20)), nil), ck.CKR_KEY_SIZE_RANGE},
		{"wrap 20-byte key with KWP", wrap(kwp, kek, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 20)), nil), nil},
		{"wrap a private key with KW (PKCS #8 of P-256 is no multiple of 8)", wrap(kw, kek, ecPriv, nil), ck.CKR_KEY_SIZE_RANGE},
		{"wrap a private key with KWP", wrap(kwp, kek, ecPriv, nil), nil},
		{"wrap with an HMAC key", wrap(kw, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 16)), aes, nil), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"KW IV of 4 bytes", wrap(kw, kek, aes, []byte{1, 2, 3, 4}), ck.CKR_MECHANISM_PARAM_INVALID},
		{"KWP IV of 8 bytes", wrap(kwp, kek, aes, customIV), ck.CKR_MECHANISM_PARAM_INVALID},
		{"KW parameter of another type", wrap(kw, kek, aes, 5), ck.CKR_MECHANISM_PARAM_INVALID},
		{"unwrap 16 bytes with KW", unwrap(kw, nil, good[:16], nil), ck.CKR_WRAPPED_KEY_LEN_RANGE},
		{"unwrap 23 bytes", unwrap(kw, nil, good[:23], nil), ck.CKR_WRAPPED_KEY_LEN_RANGE},
		{"unwrap as AES", unwrap(kw, nil, good, ck.Template{keyTypeAttr(ck.CKK_AES)}), nil},
		{"unwrap as AES of 32 bytes", unwrap(kw, nil, good, ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(32)}), ck.CKR_TEMPLATE_INCONSISTENT},
		{"custom IV round trip", unwrap(kw, customIV, withIV, nil), nil},
		{"custom IV, default unwrap", unwrap(kw, nil, withIV, nil), ck.CKR_WRAPPED_KEY_INVALID},
	} {
		if tc.err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	// A 20-byte value wrapped with KWP is no AES key.
	c, _ := kwp.(KeyWrapper).WrapKey(kek, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 20)), nil)
	if err := unwrap(kwp, nil, c, ck.Template{keyTypeAttr(ck.CKK_AES)}); err != ck.CKR_TEMPLATE_INCONSISTENT {
		t.Errorf("KWP 20 bytes as AES: %v", err)
	}
	d, _ := kw.(Decrypter).DecryptInit(kek, nil)
	if _, err := d.Do(make([]byte, 20)); err != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
		t.Errorf("decrypt 20 bytes: %v", err)
	}
	d, _ = kw.(Decrypter).DecryptInit(kek, nil)
	if _, err := d.Do(make([]byte, 24)); err != ck.CKR_ENCRYPTED_DATA_INVALID {
		t.Errorf("decrypt zeros: %v", err)
	}
	e, _ := kw.(Encrypter).EncryptInit(kek, nil)
	if _, err := e.Do(make([]byte, 12)); err != ck.CKR_DATA_LEN_RANGE {
		t.Errorf("encrypt 12 bytes: %v", err)
	}
}

func init() {
	kek := func(*testing.T) *Key { return aesKey([]byte("0123456789abcdef")) }
	target := func(*testing.T) *Key { return secretKey(ck.CKK_AES, []byte("fedcba9876543210")) }
	addFixture(fixture{encKey: kek, decKey: kek, wrapKey: kek, unwrapKey: kek, wrapTarget: target},
		ck.CKM_AES_KEY_WRAP, ck.CKM_AES_KEY_WRAP_KWP, ck.CKM_AES_KEY_WRAP_PKCS7, ck.CKM_AES_KEY_WRAP_PAD)
}
