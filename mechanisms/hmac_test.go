package mechanisms

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var hmacByName = map[string][2]ck.MechanismType{
	"md5":        {ck.CKM_MD5_HMAC, ck.CKM_MD5_HMAC_GENERAL},
	"sha512-224": {ck.CKM_SHA512_224_HMAC, ck.CKM_SHA512_224_HMAC_GENERAL},
	"sha512-256": {ck.CKM_SHA512_256_HMAC, ck.CKM_SHA512_256_HMAC_GENERAL},
	"sha1":       {ck.CKM_SHA_1_HMAC, ck.CKM_SHA_1_HMAC_GENERAL},
	"sha224":     {ck.CKM_SHA224_HMAC, ck.CKM_SHA224_HMAC_GENERAL},
	"sha256":     {ck.CKM_SHA256_HMAC, ck.CKM_SHA256_HMAC_GENERAL},
	"sha384":     {ck.CKM_SHA384_HMAC, ck.CKM_SHA384_HMAC_GENERAL},
	"sha512":     {ck.CKM_SHA512_HMAC, ck.CKM_SHA512_HMAC_GENERAL},
	"sha3-224":   {ck.CKM_SHA3_224_HMAC, ck.CKM_SHA3_224_HMAC_GENERAL},
	"sha3-256":   {ck.CKM_SHA3_256_HMAC, ck.CKM_SHA3_256_HMAC_GENERAL},
	"sha3-384":   {ck.CKM_SHA3_384_HMAC, ck.CKM_SHA3_384_HMAC_GENERAL},
	"sha3-512":   {ck.CKM_SHA3_512_HMAC, ck.CKM_SHA3_512_HMAC_GENERAL},
}

func secretKey(kt ck.KeyType, v []byte) *Key {
	return &Key{Class: ck.CKO_SECRET_KEY, KeyType: kt, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: v}}
}

func macLenParam(n int) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint64(b, uint64(n))
	return b
}

// TestHMACVectors: RFC 4231 inputs, MACs from openssl (testdata/hmac.txt),
// full-length and truncated (_GENERAL), single-part and multipart.
func TestHMACVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/hmac.txt") {
		types := hmacByName[v["Alg"]]
		key, msg, want := secretKey(ck.CKK_GENERIC_SECRET, unhex(t, v["Key"])), unhex(t, v["Msg"]), unhex(t, v["MAC"])
		for _, n := range []int{len(want), 16, 1} {
			typ, param := types[0], any(nil)
			if n != len(want) {
				typ, param = types[1], macLenParam(n)
			}
			m := mustLookup(t, typ)
			s, err := m.(Signer).SignInit(key, param)
			if err != nil {
				t.Fatal(err)
			}
			if s.SignatureLen() != n {
				t.Errorf("%v: SignatureLen %d, want %d", typ, s.SignatureLen(), n)
			}
			got, _ := s.Sign(msg)
			if !bytes.Equal(got, want[:n]) {
				t.Errorf("%v(%d): %x, want %x", typ, n, got, want[:n])
			}
			vc, _ := m.(Verifier).VerifyInit(key, param)
			mv := vc.(MultipartVerify)
			mv.Update(msg[:len(msg)/2])
			mv.Update(msg[len(msg)/2:])
			if err := mv.Final(want[:n]); err != nil {
				t.Errorf("%v(%d) verify: %v", typ, n, err)
			}
			bad := bytes.Clone(want[:n])
			bad[0] ^= 1
			vc, _ = m.(Verifier).VerifyInit(key, param)
			if err := vc.Verify(msg, bad); err != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("%v(%d) tampered: %v", typ, n, err)
			}
			vc, _ = m.(Verifier).VerifyInit(key, param)
			if err := vc.Verify(msg, append(bytes.Clone(want[:n]), 0)); err != ck.CKR_SIGNATURE_LEN_RANGE {
				t.Errorf("%v(%d) long MAC: %v", typ, n, err)
			}
		}
	}
}

func TestHMACErrors(t *testing.T) {
	key := secretKey(ck.CKK_GENERIC_SECRET, []byte("k"))
	_, ecPriv := genECKeys(t, curves[1])
	for _, tc := range []struct {
		name  string
		typ   ck.MechanismType
		key   *Key
		param any
		want  error
	}{
		{"typed HMAC key", ck.CKM_SHA256_HMAC, secretKey(ck.CKK_SHA256_HMAC, []byte("k")), nil, nil},
		{"HMAC key of another hash", ck.CKM_SHA256_HMAC, secretKey(ck.CKK_SHA384_HMAC, []byte("k")), nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"AES key", ck.CKM_SHA256_HMAC, secretKey(ck.CKK_AES, make([]byte, 16)), nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"EC key", ck.CKM_SHA256_HMAC, ecPriv, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"empty key", ck.CKM_SHA256_HMAC, secretKey(ck.CKK_GENERIC_SECRET, nil), nil, ck.CKR_KEY_SIZE_RANGE},
		{"parameter", ck.CKM_SHA256_HMAC, key, macLenParam(16), ck.CKR_MECHANISM_PARAM_INVALID},
		{"general without parameter", ck.CKM_SHA256_HMAC_GENERAL, key, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"general too long", ck.CKM_SHA256_HMAC_GENERAL, key, macLenParam(33), ck.CKR_MECHANISM_PARAM_INVALID},
		{"general 4-byte parameter", ck.CKM_SHA256_HMAC_GENERAL, key, []byte{16, 0, 0, 0}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"general full length", ck.CKM_SHA256_HMAC_GENERAL, key, macLenParam(32), nil},
		{"general ULong", ck.CKM_SHA256_HMAC_GENERAL, key, ck.ULong(10), nil},
	} {
		if _, err := mustLookup(t, tc.typ).(Signer).SignInit(tc.key, tc.param); err != tc.want {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func init() {
	k := func(*testing.T) *Key { return secretKey(ck.CKK_GENERIC_SECRET, []byte("0123456789abcdef")) }
	for _, types := range hmacByName {
		addFixture(fixture{signKey: k, verifyKey: k}, types[0])
		addFixture(fixture{signKey: k, verifyKey: k, param: func() any { return macLenParam(12) }}, types[1])
	}
}
