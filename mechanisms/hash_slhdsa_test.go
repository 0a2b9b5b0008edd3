package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var hashSLHDSAByACVP = map[string]ck.MechanismType{
	"SHA2-224": ck.CKM_HASH_SLH_DSA_SHA224, "SHA2-256": ck.CKM_HASH_SLH_DSA_SHA256,
	"SHA2-384": ck.CKM_HASH_SLH_DSA_SHA384, "SHA2-512": ck.CKM_HASH_SLH_DSA_SHA512,
	"SHA3-224": ck.CKM_HASH_SLH_DSA_SHA3_224, "SHA3-256": ck.CKM_HASH_SLH_DSA_SHA3_256,
	"SHA3-384": ck.CKM_HASH_SLH_DSA_SHA3_384, "SHA3-512": ck.CKM_HASH_SLH_DSA_SHA3_512,
	"SHAKE-128": ck.CKM_HASH_SLH_DSA_SHAKE128, "SHAKE-256": ck.CKM_HASH_SLH_DSA_SHAKE256,
}

// TestHashSLHDSAVectors: NIST ACVP HashSLH-DSA signatures, one per
// CKM_HASH_SLH_DSA_<hash>, reproduced byte for byte single-part and
// multipart, and verified; another mechanism's hash does not verify.
func TestHashSLHDSAVectors(t *testing.T) {
	vs := readVectors(t, "testdata/hash_slhdsa.txt")
	if len(vs) != len(hashSLHDSAByACVP) {
		t.Fatalf("%d vectors for %d mechanisms", len(vs), len(hashSLHDSAByACVP))
	}
	for i, v := range vs {
		if raceEnabled && i%3 != 0 { // a sample under -race (race_on_test.go)
			continue
		}
		m := mustLookup(t, hashSLHDSAByACVP[v["Hash"]])
		skb := unhex(t, v["SK"])
		pub, priv := slhdsaKeys(slhdsaSetOf(t, v["Set"]), skb[len(skb)/2:], skb)
		p := &ck.SignAdditionalContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED, Context: unhex(t, v["Context"])}
		msg, want := unhex(t, v["Message"]), unhex(t, v["Signature"])
		s, err := m.(Signer).SignInit(priv, p)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Sign(msg); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: signature differs from ACVP's (%v)", v["Hash"], err)
		}
		s, _ = m.(Signer).SignInit(priv, p)
		mp := s.(MultipartSign)
		mp.Update(msg[:len(msg)/2])
		mp.Update(msg[len(msg)/2:])
		if got, err := mp.Final(); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: multipart signature differs (%v)", v["Hash"], err)
		}
		vc, _ := m.(Verifier).VerifyInit(pub, p)
		if err := vc.Verify(msg, want); err != nil {
			t.Errorf("%s: verify: %v", v["Hash"], err)
		}
		other := ck.CKM_HASH_SLH_DSA_SHA256
		if m.Type() == other {
			other = ck.CKM_HASH_SLH_DSA_SHA512
		}
		vc, _ = mustLookup(t, other).(Verifier).VerifyInit(pub, p)
		if err := vc.Verify(msg, want); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("%s verified as %v: %v", v["Hash"], other, err)
		}
		vc, _ = mustLookup(t, ck.CKM_SLH_DSA).(Verifier).VerifyInit(pub, p)
		if err := vc.Verify(msg, want); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("%s verified as pure SLH-DSA: %v", v["Hash"], err)
		}
	}
}

func init() {
	var pub, priv *Key
	keys := func(t *testing.T) {
		if pub == nil {
			pub, priv = genSLHDSA(t, ck.ULong(ck.CKP_SLH_DSA_SHA2_128F)) // the fastest set, also under -race
		}
	}
	f := fixture{signKey: func(t *testing.T) *Key { keys(t); return priv }, verifyKey: func(t *testing.T) *Key { keys(t); return pub }}
	for _, mt := range hashSLHDSAByACVP {
		addFixture(f, mt)
	}
}
