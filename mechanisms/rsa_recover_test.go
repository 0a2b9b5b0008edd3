package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestRSAVerifyRecover: openssl's raw PKCS #1 v1.5 signature (CKM_RSA_PKCS
// vector of testdata/rsa_pkcs1.txt) recovers to its data; so do ours; bad
// signatures do not.
func TestRSAVerifyRecover(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	m := mustLookup(t, ck.CKM_RSA_PKCS)
	for _, v := range readVectors(t, "testdata/rsa_pkcs1.txt") {
		if v["Hash"] != "none" {
			continue
		}
		r, err := m.(VerifyRecoverer).VerifyRecoverInit(pub, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.VerifyRecover(unhex(t, v["Sig"]))
		if err != nil || !bytes.Equal(got, unhex(t, v["Msg"])) || len(got) > r.DataLen(256) {
			t.Errorf("openssl signature: %x %v", got, err)
		}
	}
	for _, n := range []int{0, 1, 100, 245} {
		data := bytes.Repeat([]byte{7}, n)
		s, err := m.(SignRecoverer).SignRecoverInit(priv, nil)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(data)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		r, _ := m.(VerifyRecoverer).VerifyRecoverInit(pub, nil)
		if got, err := r.VerifyRecover(sig); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: %v", n, err)
		}
		bad := bytes.Clone(sig)
		bad[0] ^= 0x01
		if _, err := r.VerifyRecover(bad); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("%d bytes tampered: %v", n, err)
		}
	}
	r, _ := m.(VerifyRecoverer).VerifyRecoverInit(pub, nil)
	if _, err := r.VerifyRecover(make([]byte, 255)); err != ck.CKR_SIGNATURE_LEN_RANGE {
		t.Errorf("255 bytes: %v", err)
	}
	if _, err := r.VerifyRecover(bytes.Repeat([]byte{0xff}, 256)); err != ck.CKR_SIGNATURE_INVALID {
		t.Errorf("signature above the modulus: %v", err)
	}
	if _, err := m.(VerifyRecoverer).VerifyRecoverInit(priv, nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("recover with a private key: %v", err)
	}
	if _, err := m.(VerifyRecoverer).VerifyRecoverInit(pub, []byte{1}); err != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("parameter: %v", err)
	}
}
