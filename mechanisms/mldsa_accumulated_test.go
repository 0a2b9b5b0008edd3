package mechanisms

import (
	"crypto/sha3"
	"encoding/hex"
	"testing"

	"github.com/cloudflare/circl/sign"

	"github.com/gohsm/gohsm/ck"
)

// TestMLDSAAccumulated is a signature known-answer test independent of
// circl: the accumulated vectors of Go's own FIPS 140 ML-DSA
// (src/crypto/internal/fips140test/mldsa_test.go, TestMLDSAAccumulated, 100
// iterations). Seeds come from a SHAKE128 stream; each key (from CKA_SEED)
// signs the empty message with an empty context deterministically through
// CKM_ML_DSA, and SHAKE128 over every public key and signature must give
// Go's published hash. This checks key generation and the external (context
// prefixed) signing of FIPS 204 byte for byte.
func TestMLDSAAccumulated(t *testing.T) {
	want := map[ck.ULong]string{
		1: "d51148e1f9f4fa1a723a6cf42e25f2a99eb5c1b378b3d2dbbd561b1203beeae4",
		2: "8358a1843220194417cadbc2651295cd8fc65125b5a5c1a239a16dc8b57ca199",
		3: "8c3ad714777622b8f21ce31bb35f71394f23bc0fcf3c78ace5d608990f3b061b",
	}
	det := &ck.SignAdditionalContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED}
	for set, hash := range want {
		s, o := sha3.NewSHAKE128(), sha3.NewSHAKE128()
		for range 100 {
			seed := make([]byte, 32)
			s.Read(seed)
			pub, priv := mldsaKeys(set, map[ck.AttributeType][]byte{}, map[ck.AttributeType][]byte{ck.CKA_SEED: seed})
			sk, err := mldsaPrivateKey(priv)
			if err != nil {
				t.Fatal(err)
			}
			pk, _ := sk.sk.Public().(sign.PublicKey).MarshalBinary()
			pub.Attrs[ck.CKA_VALUE] = pk
			sig, err := mldsaSign(t, priv, det, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := mldsaVerify(t, pub, nil, nil, sig); err != nil {
				t.Fatalf("verify: %v", err)
			}
			o.Write(pk)
			o.Write(sig)
		}
		got := make([]byte, 32)
		o.Read(got)
		if hex.EncodeToString(got) != hash {
			t.Errorf("parameter set %d: accumulated hash %x, want %s", set, got, hash)
		}
	}
}
