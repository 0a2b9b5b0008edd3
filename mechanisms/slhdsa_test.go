package mechanisms

import (
	"bytes"
	"testing"

	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/gohsm/gohsm/ck"
)

func slhdsaKeys(set ck.ULong, pk, sk []byte) (*Key, *Key) {
	ps := ck.EncodeULong(set)
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_SLH_DSA, Attrs: map[ck.AttributeType][]byte{ck.CKA_PARAMETER_SET: ps, ck.CKA_VALUE: pk}},
		&Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_SLH_DSA, Attrs: map[ck.AttributeType][]byte{ck.CKA_PARAMETER_SET: ps, ck.CKA_VALUE: sk}}
}

func slhdsaSetOf(t *testing.T, name string) ck.ULong {
	id, err := slhdsa.IDByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return ck.ULong(id)
}

func genSLHDSA(t *testing.T, set ck.ULong) (*Key, *Key) {
	t.Helper()
	g := mustLookup(t, ck.CKM_SLH_DSA_KEY_PAIR_GEN).(KeyPairGenerator)
	pa, va, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(set)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_SLH_DSA, Attrs: pa}, &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_SLH_DSA, Attrs: va}
}

// TestSLHDSAVectors: NIST ACVP FIPS 205 keyGen for 8 of the 12 parameter sets
// (seeds -> exact pk and sk) and deterministic external/pure signatures with
// contexts, which CKM_SLH_DSA must reproduce byte for byte and verify.
func TestSLHDSAVectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_SLH_DSA)
	var nKey, nSig int
	for i, v := range readVectors(t, "testdata/slhdsa.txt") {
		set := slhdsaSetOf(t, v["Set"])
		if raceEnabled && i%4 != 0 { // a sample under -race (race_on_test.go)
			continue
		}
		switch v["Section"] {
		case "keyGen":
			nKey++
			pk, sk, err := slhdsa.GenerateKey(bytes.NewReader(unhex(t, v["Seeds"])), slhdsa.ID(set))
			if err != nil {
				t.Fatal(err)
			}
			pkb, _ := pk.MarshalBinary()
			skb, _ := sk.MarshalBinary()
			if !bytes.Equal(pkb, unhex(t, v["PK"])) || !bytes.Equal(skb, unhex(t, v["SK"])) {
				t.Errorf("%s: keys from the seeds differ from ACVP's", v["Set"])
			}
			if _, priv := slhdsaKeys(set, nil, unhex(t, v["SK"])); true {
				if _, err := slhdsaPrivateKey(priv); err != nil {
					t.Errorf("%s: ACVP private key refused: %v", v["Set"], err)
				}
			}
		case "sigGen":
			nSig++
			skb := unhex(t, v["SK"])
			pub, priv := slhdsaKeys(set, skb[len(skb)/2:], skb)
			p := &ck.SignAdditionalContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED, Context: unhex(t, v["Context"])}
			msg, want := unhex(t, v["Message"]), unhex(t, v["Signature"])
			s, err := m.(Signer).SignInit(priv, p)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.Sign(msg); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: signature differs from ACVP's (%v)", v["Set"], err)
			}
			vc, _ := m.(Verifier).VerifyInit(pub, &ck.SignAdditionalContext{Hedge: ck.CKH_HEDGE_REQUIRED, Context: p.Context})
			if err := vc.Verify(msg, want); err != nil {
				t.Errorf("%s: verify: %v", v["Set"], err)
			}
			vc, _ = m.(Verifier).VerifyInit(pub, &ck.SignAdditionalContext{Context: append(bytes.Clone(p.Context), 1)})
			if err := vc.Verify(msg, want); err != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("%s: verified under another context: %v", v["Set"], err)
			}
		}
	}
	if !raceEnabled && (nKey != 8 || nSig < 4) {
		t.Fatalf("%d keyGen and %d sigGen vectors", nKey, nSig)
	}
}

// TestSLHDSAGenerateSignVerify: a generated SHAKE-128f pair signs (hedged and
// deterministic) and verifies; errors keep their codes.
func TestSLHDSAGenerateSignVerify(t *testing.T) {
	pub, priv := genSLHDSA(t, ck.ULong(ck.CKP_SLH_DSA_SHAKE_128F))
	if len(pub.Attrs[ck.CKA_VALUE]) != 32 || len(priv.Attrs[ck.CKA_VALUE]) != 64 || priv.Attrs[ck.CKA_SEED] != nil {
		t.Fatal("SHAKE-128f key sizes, or a CKA_SEED")
	}
	m := mustLookup(t, ck.CKM_SLH_DSA)
	msg := []byte("FIPS 205")
	s, _ := m.(Signer).SignInit(priv, nil)
	h1, err := s.Sign(msg)
	if err != nil || len(h1) != s.SignatureLen() {
		t.Fatalf("sign: %v", err)
	}
	h2, _ := s.Sign(msg)
	if bytes.Equal(h1, h2) {
		t.Error("hedged signatures repeat")
	}
	for _, sig := range [][]byte{h1, h2} {
		vc, _ := m.(Verifier).VerifyInit(pub, nil)
		if err := vc.Verify(msg, sig); err != nil {
			t.Errorf("verify: %v", err)
		}
		if err := vc.Verify(msg, sig[1:]); err != ck.CKR_SIGNATURE_LEN_RANGE {
			t.Errorf("short signature: %v", err)
		}
		if err := vc.Verify(append(msg, 0), sig); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("another message: %v", err)
		}
	}
	// A private key whose PK.root does not belong to its seeds is refused.
	bad := bytes.Clone(priv.Attrs[ck.CKA_VALUE])
	bad[len(bad)-1] ^= 1
	_, badPriv := slhdsaKeys(ck.ULong(ck.CKP_SLH_DSA_SHAKE_128F), nil, bad)
	if _, err := m.(Signer).SignInit(badPriv, nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("inconsistent private key: %v", err)
	}
	_, short := slhdsaKeys(ck.ULong(ck.CKP_SLH_DSA_SHAKE_128F), nil, bad[:63])
	if _, err := m.(Signer).SignInit(short, nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("short private key: %v", err)
	}
	g := mustLookup(t, ck.CKM_SLH_DSA_KEY_PAIR_GEN).(KeyPairGenerator)
	for _, u := range []ck.ULong{0, 13, 1 << 20} {
		if _, _, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(u)}}, nil); err != ck.CKR_TEMPLATE_INCONSISTENT {
			t.Errorf("parameter set %d: %v", u, err)
		}
	}
	if _, err := m.(Signer).SignInit(priv, &ck.SignAdditionalContext{Context: make([]byte, 256)}); err != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("256-byte context: %v", err)
	}
}

func init() {
	var pub, priv *Key
	keys := func(t *testing.T) {
		if pub == nil {
			pub, priv = genSLHDSA(t, ck.ULong(ck.CKP_SLH_DSA_SHA2_128F))
		}
	}
	addFixture(fixture{signKey: func(t *testing.T) *Key { keys(t); return priv }, verifyKey: func(t *testing.T) *Key { keys(t); return pub }}, ck.CKM_SLH_DSA)
	addFixture(fixture{pubTmpl: ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(ck.ULong(ck.CKP_SLH_DSA_SHAKE_128F))}}}, ck.CKM_SLH_DSA_KEY_PAIR_GEN)
}
