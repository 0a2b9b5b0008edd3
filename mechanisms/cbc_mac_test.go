package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestCBCMACVectors: MACs equal to the last CBC block openssl enc makes
// (testdata/cbc_mac.txt), half-length by default, any length with _GENERAL,
// whole and in pieces.
func TestCBCMACVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/cbc_mac.txt") {
		full := unhex(t, v["MAC"])
		key := aesKey(unhex(t, v["Key"]))
		mech, general := ck.CKM_AES_MAC, ck.CKM_AES_MAC_GENERAL
		if v["Cipher"] == "des-ede3" {
			key = secretKey(ck.CKK_DES3, unhex(t, v["Key"]))
			mech, general = ck.CKM_DES3_MAC, ck.CKM_DES3_MAC_GENERAL
		}
		msg := unhex(t, v["Msg"])
		for _, tc := range []struct {
			typ   ck.MechanismType
			param any
			n     int
		}{{mech, nil, len(full) / 2}, {general, macLenParam(len(full)), len(full)}, {general, macLenParam(3), 3}} {
			s, err := mustLookup(t, tc.typ).(Signer).SignInit(key, tc.param)
			if err != nil {
				t.Fatal(err)
			}
			ms := s.(MultipartSign)
			for i := 0; i < len(msg); i += 3 {
				ms.Update(msg[i:min(i+3, len(msg))])
			}
			if got, _ := ms.Final(); !bytes.Equal(got, full[:tc.n]) {
				t.Errorf("%v(%d) over %d bytes: %x, want %x", tc.typ, tc.n, len(msg), got, full[:tc.n])
			}
			vc, _ := mustLookup(t, tc.typ).(Verifier).VerifyInit(key, tc.param)
			if err := vc.Verify(msg, full[:tc.n]); err != nil {
				t.Errorf("%v verify: %v", tc.typ, err)
			}
		}
	}
	if _, err := mustLookup(t, ck.CKM_AES_MAC_GENERAL).(Signer).SignInit(aesKey(make([]byte, 16)), macLenParam(17)); err != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("17-byte AES MAC: %v", err)
	}
}

func init() {
	a := func(*testing.T) *Key { return aesKey([]byte("0123456789abcdef")) }
	d := func(*testing.T) *Key { return secretKey(ck.CKK_DES3, []byte("0123456789abcdef01234567")) }
	addFixture(fixture{signKey: a, verifyKey: a}, ck.CKM_AES_MAC)
	addFixture(fixture{signKey: a, verifyKey: a, param: func() any { return macLenParam(5) }}, ck.CKM_AES_MAC_GENERAL)
	addFixture(fixture{signKey: d, verifyKey: d}, ck.CKM_DES3_MAC)
	addFixture(fixture{signKey: d, verifyKey: d, param: func() any { return macLenParam(5) }}, ck.CKM_DES3_MAC_GENERAL)
}
