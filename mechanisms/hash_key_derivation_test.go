package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestHashKeyDerivation: the derived value is the digest (testdata/sha.txt,
// by openssl) of the base key's value, truncated to CKA_VALUE_LEN.
func TestHashKeyDerivation(t *testing.T) {
	byAlg := map[string]ck.MechanismType{
		"sha1": ck.CKM_SHA1_KEY_DERIVATION, "sha224": ck.CKM_SHA224_KEY_DERIVATION, "sha256": ck.CKM_SHA256_KEY_DERIVATION,
		"sha384": ck.CKM_SHA384_KEY_DERIVATION, "sha512": ck.CKM_SHA512_KEY_DERIVATION, "sha3-224": ck.CKM_SHA3_224_KEY_DERIVATION,
		"sha3-256": ck.CKM_SHA3_256_KEY_DERIVATION, "sha3-384": ck.CKM_SHA3_384_KEY_DERIVATION, "sha3-512": ck.CKM_SHA3_512_KEY_DERIVATION,
		"sha512-224": ck.CKM_SHA512_224_KEY_DERIVATION, "sha512-256": ck.CKM_SHA512_256_KEY_DERIVATION,
	}
	n := 0
	for _, v := range readVectors(t, "testdata/sha.txt") {
		typ, ok := byAlg[v["Alg"]]
		msg := unhex(t, v["Msg"])
		if !ok || len(msg) == 0 {
			continue
		}
		base := secretKey(ck.CKK_GENERIC_SECRET, msg)
		md := unhex(t, v["MD"])
		if got, err := derive(t, typ, base, nil, nil); err != nil || !bytes.Equal(got, md) {
			t.Errorf("%v: %v", typ, err)
		}
		if got, err := derive(t, typ, base, nil, ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(16)}); err != nil || !bytes.Equal(got, md[:16]) {
			t.Errorf("%v to AES-128: %v", typ, err)
		}
		if _, err := derive(t, typ, base, nil, ck.Template{valueLen(len(md) + 1)}); err != ck.CKR_TEMPLATE_INCONSISTENT {
			t.Errorf("%v longer than the hash: %v", typ, err)
		}
		n++
	}
	if n < 11 {
		t.Fatalf("only %d vectors", n)
	}
	_, ecPriv := genECKeys(t, curves[1])
	if _, err := derive(t, ck.CKM_SHA256_KEY_DERIVATION, ecPriv, nil, nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("EC base key: %v", err)
	}
	if _, err := derive(t, ck.CKM_SHA256_KEY_DERIVATION, aesKey(make([]byte, 16)), []byte{1}, nil); err != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("parameter: %v", err)
	}
}

func init() {
	k := func(*testing.T) *Key { return secretKey(ck.CKK_GENERIC_SECRET, []byte("base key value")) }
	for _, typ := range []ck.MechanismType{ck.CKM_SHA1_KEY_DERIVATION, ck.CKM_SHA224_KEY_DERIVATION, ck.CKM_SHA256_KEY_DERIVATION,
		ck.CKM_SHA384_KEY_DERIVATION, ck.CKM_SHA512_KEY_DERIVATION, ck.CKM_SHA3_224_KEY_DERIVATION, ck.CKM_SHA3_256_KEY_DERIVATION,
		ck.CKM_SHA3_384_KEY_DERIVATION, ck.CKM_SHA3_512_KEY_DERIVATION, ck.CKM_SHA512_224_KEY_DERIVATION, ck.CKM_SHA512_256_KEY_DERIVATION} {
		addFixture(fixture{deriveKey: k, deriveParam: func(*testing.T) any { return nil }}, typ)
	}
}
