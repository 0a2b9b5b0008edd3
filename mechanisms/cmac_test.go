package mechanisms

import (
	"bytes"
	"crypto/des"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestCMACVectors: the SP 800-38B AES-128 examples and random keys and
// messages, MACs by openssl mac (testdata/cmac.txt). AES through the
// mechanisms (full, truncated, in pieces); DES3 through CKM_DES3_CMAC.
func TestCMACVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/cmac.txt") {
		key, msg, want := unhex(t, v["Key"]), unhex(t, v["Msg"]), unhex(t, v["MAC"])
		if strings.HasPrefix(v["Cipher"], "DES") {
			b, err := des.NewTripleDESCipher(key)
			if err != nil {
				t.Fatal(err)
			}
			c := newCMAC(b)
			c.Write(msg)
			if got := c.Sum(); !bytes.Equal(got, want) {
				t.Errorf("DES3 CMAC core of %d bytes: %x, want %x", len(msg), got, want)
			}
			if got := signWith(t, ck.CKM_DES3_CMAC, secretKey(ck.CKK_DES3, key), msg); !bytes.Equal(got, want) {
				t.Errorf("CKM_DES3_CMAC of %d bytes: %x, want %x", len(msg), got, want)
			}
			continue
		}
		for _, n := range []int{16, 8, 4} {
			typ, param := ck.CKM_AES_CMAC, any(nil)
			if n != 16 {
				typ, param = ck.CKM_AES_CMAC_GENERAL, macLenParam(n)
			}
			m := mustLookup(t, typ)
			s, err := m.(Signer).SignInit(aesKey(key), param)
			if err != nil {
				t.Fatal(err)
			}
			ms := s.(MultipartSign)
			for i := 0; i < len(msg); i += 5 {
				ms.Update(msg[i:min(i+5, len(msg))])
			}
			if got, _ := ms.Final(); !bytes.Equal(got, want[:n]) {
				t.Errorf("%v(%d) of %d bytes: %x, want %x", typ, n, len(msg), got, want[:n])
			}
			vc, _ := m.(Verifier).VerifyInit(aesKey(key), param)
			if err := vc.Verify(msg, want[:n]); err != nil {
				t.Errorf("%v verify: %v", typ, err)
			}
			bad := bytes.Clone(want[:n])
			bad[n-1] ^= 1
			vc, _ = m.(Verifier).VerifyInit(aesKey(key), param)
			if err := vc.Verify(msg, bad); err != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("%v tampered: %v", typ, err)
			}
		}
	}
}

func TestAESCMACErrors(t *testing.T) {
	key := aesKey(make([]byte, 16))
	for _, tc := range []struct {
		name  string
		typ   ck.MechanismType
		key   *Key
		param any
		want  error
	}{
		{"parameter", ck.CKM_AES_CMAC, key, macLenParam(8), ck.CKR_MECHANISM_PARAM_INVALID},
		{"general without parameter", ck.CKM_AES_CMAC_GENERAL, key, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"general 0 bytes", ck.CKM_AES_CMAC_GENERAL, key, macLenParam(0), ck.CKR_MECHANISM_PARAM_INVALID},
		{"general 17 bytes", ck.CKM_AES_CMAC_GENERAL, key, macLenParam(17), ck.CKR_MECHANISM_PARAM_INVALID},
		{"HMAC key", ck.CKM_AES_CMAC, secretKey(ck.CKK_GENERIC_SECRET, make([]byte, 16)), nil, ck.CKR_KEY_TYPE_INCONSISTENT},
	} {
		if _, err := mustLookup(t, tc.typ).(Signer).SignInit(tc.key, tc.param); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	v, _ := mustLookup(t, ck.CKM_AES_CMAC).(Verifier).VerifyInit(key, nil)
	if err := v.Verify([]byte("x"), make([]byte, 15)); err != ck.CKR_SIGNATURE_LEN_RANGE {
		t.Errorf("15-byte MAC: %v", err)
	}
}

func init() {
	k := func(*testing.T) *Key { return aesKey([]byte("0123456789abcdef")) }
	addFixture(fixture{signKey: k, verifyKey: k}, ck.CKM_AES_CMAC)
	addFixture(fixture{signKey: k, verifyKey: k, param: func() any { return macLenParam(10) }}, ck.CKM_AES_CMAC_GENERAL)
}
