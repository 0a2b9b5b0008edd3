package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var digestByName = map[string]ck.MechanismType{
	"md5":        ck.CKM_MD5,
	"sha1":       ck.CKM_SHA_1,
	"sha224":     ck.CKM_SHA224,
	"sha256":     ck.CKM_SHA256,
	"sha384":     ck.CKM_SHA384,
	"sha512":     ck.CKM_SHA512,
	"sha512-224": ck.CKM_SHA512_224,
	"sha512-256": ck.CKM_SHA512_256,
	"sha3-224":   ck.CKM_SHA3_224,
	"sha3-256":   ck.CKM_SHA3_256,
	"sha3-384":   ck.CKM_SHA3_384,
	"sha3-512":   ck.CKM_SHA3_512,
}

// TestDigestVectors checks every digest against OpenSSL's answers
// (testdata/sha.txt), whole and fed in uneven pieces.
func TestDigestVectors(t *testing.T) {
	seen := map[string]int{}
	for _, v := range readVectors(t, "testdata/sha.txt") {
		typ, ok := digestByName[v["Alg"]]
		if !ok {
			t.Fatalf("unknown Alg %q", v["Alg"])
		}
		seen[v["Alg"]]++
		msg, want := unhex(t, v["Msg"]), unhex(t, v["MD"])
		m, ok := Lookup(typ)
		if !ok {
			t.Fatalf("%v not registered", typ)
		}
		h, err := m.(Digester).DigestInit(nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(msg); i += 7 {
			h.Write(msg[i:min(i+7, len(msg))])
		}
		if got := h.Sum(nil); !bytes.Equal(got, want) {
			t.Errorf("%s(%d bytes) = %x, want %x", v["Alg"], len(msg), got, want)
		}
	}
	if len(seen) != len(digestByName) {
		t.Errorf("vectors cover %d algorithms, want %d", len(seen), len(digestByName))
	}
}

func TestDigestRejectsParameter(t *testing.T) {
	for name, typ := range digestByName {
		m, _ := Lookup(typ)
		for _, p := range []any{[]byte{1}, 5, struct{}{}} {
			if _, err := m.(Digester).DigestInit(p); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%s param %T: err %v, want CKR_MECHANISM_PARAM_INVALID", name, p, err)
			}
		}
		if _, err := m.(Digester).DigestInit([]byte{}); err != nil {
			t.Errorf("%s empty param: %v", name, err)
		}
	}
}
