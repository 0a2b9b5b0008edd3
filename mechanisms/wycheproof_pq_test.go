package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// Wycheproof's post-quantum files: ML-KEM (FIPS 203) decapsulation from
// seeds and from expanded keys, ML-DSA (FIPS 204) verification and
// deterministic signing from seeds, through PKCS#11 3.2's CKM_ML_KEM and
// CKM_ML_DSA.

func wpDecapsulate(priv *Key, c, want []byte) error {
	m, _ := Lookup(ck.CKM_ML_KEM)
	attrs, err := m.(Decapsulator).Decapsulate(priv, nil, c, nil)
	if err != nil {
		return err
	}
	if !bytes.Equal(attrs[ck.CKA_VALUE], want) {
		return errMismatch
	}
	return nil
}

// wpMLKEMSet is a group's CKA_PARAMETER_SET; an unknown name fails the test.
func wpMLKEMSet(t *testing.T, name string) ck.ULong {
	set, ok := mlkemSetNames[name]
	if !ok {
		t.Fatalf("parameter set %q", name)
	}
	return set
}

// TestWycheproofMLKEM: the private key is the 64-byte seed d||z (CKA_SEED);
// K must come out of C_DecapsulateKey. ek is checked against the seed by a
// round trip: what C_EncapsulateKey makes under ek, the seed's key recovers.
func TestWycheproofMLKEM(t *testing.T) {
	type group struct {
		ParameterSet string
		Tests        []struct {
			wpTest
			Seed, EK, C, K wpHex
		}
	}
	file := "mlkem_768"
	groups, n := wpGroups[group](t, file)
	r := newWPRun(t, file, n).sampleUnderRace(4).allowing(ck.CKR_ENCRYPTED_DATA_LEN_RANGE, ck.CKR_KEY_TYPE_INCONSISTENT)
	enc := mustLookup(t, ck.CKM_ML_KEM).(Encapsulator)
	for _, g := range groups {
		set := wpMLKEMSet(t, g.ParameterSet)
		for _, tc := range g.Tests {
			r.check(tc.wpTest, func() error {
				priv := mlkemKey(ck.CKO_PRIVATE_KEY, set, map[ck.AttributeType][]byte{ck.CKA_SEED: tc.Seed})
				if err := wpDecapsulate(priv, tc.C, tc.K); err != nil || len(tc.EK) == 0 {
					return err
				}
				pub := mlkemKey(ck.CKO_PUBLIC_KEY, set, map[ck.AttributeType][]byte{ck.CKA_VALUE: tc.EK})
				ct, attrs, err := enc.Encapsulate(pub, nil, nil)
				if err != nil {
					return err
				}
				return wpDecapsulate(priv, ct, attrs[ck.CKA_VALUE])
			})
		}
	}
	r.done()
}

// TestWycheproofMLKEMEncaps: an encapsulation key that is not FIPS 203's
// (wrong length, a coefficient not reduced mod q) must be refused by
// C_EncapsulateKey. The valid vectors fix the randomness m, which
// C_EncapsulateKey does not take: for them, encapsulation under ek must work
// and give a ciphertext of the vector's length.
func TestWycheproofMLKEMEncaps(t *testing.T) {
	type group struct {
		ParameterSet string
		Tests        []struct {
			wpTest
			EK, C wpHex
		}
	}
	file := "mlkem_512_encaps"
	groups, n := wpGroups[group](t, file)
	r := newWPRun(t, file, n).allowing(ck.CKR_KEY_TYPE_INCONSISTENT)
	enc := mustLookup(t, ck.CKM_ML_KEM).(Encapsulator)
	for _, g := range groups {
		set := wpMLKEMSet(t, g.ParameterSet)
		for _, tc := range g.Tests {
			pub := mlkemKey(ck.CKO_PUBLIC_KEY, set, map[ck.AttributeType][]byte{ck.CKA_VALUE: tc.EK})
			if tc.Result == "valid" {
				if ct, _, err := enc.Encapsulate(pub, nil, nil); err != nil || len(ct) != len(tc.C) {
					t.Errorf("tcId %d: %d-byte ciphertext, %v", tc.TcID, len(ct), err)
				}
				r.skip(tc.wpTest, "given m: no PKCS#11 interface (encapsulation checked)")
				continue
			}
			r.check(tc.wpTest, func() error {
				_, _, err := enc.Encapsulate(pub, nil, nil)
				return err
			})
		}
	}
	r.done()
}

// TestWycheproofMLKEMExpanded: the private key is the expanded dk
// (CKA_VALUE), whose embedded hash of ek must be checked.
func TestWycheproofMLKEMExpanded(t *testing.T) {
	type group struct {
		ParameterSet string
		Tests        []struct {
			wpTest
			DK, C, K wpHex
		}
	}
	for _, file := range []string{"mlkem_512_semi_expanded_decaps", "mlkem_768_semi_expanded_decaps", "mlkem_1024_semi_expanded_decaps"} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[group](t, file)
			r := newWPRun(t, file, n).allowing(ck.CKR_ENCRYPTED_DATA_LEN_RANGE, ck.CKR_KEY_TYPE_INCONSISTENT)
			for _, g := range groups {
				set := wpMLKEMSet(t, g.ParameterSet)
				for _, tc := range g.Tests {
					r.check(tc.wpTest, func() error {
						priv := mlkemKey(ck.CKO_PRIVATE_KEY, set, map[ck.AttributeType][]byte{ck.CKA_VALUE: tc.DK})
						return wpDecapsulate(priv, tc.C, tc.K)
					})
				}
			}
			r.done()
		})
	}
}

// wpMLDSATest is an ML-DSA vector; Msg is nil for the external-μ ones.
type wpMLDSATest struct {
	wpTest
	Msg           *wpHex
	Ctx, Sig, Rnd wpHex
}

// wpMLDSAParam is the CK_SIGN_ADDITIONAL_CONTEXT of a vector: nil without a
// context, as an application would pass it.
func wpMLDSAParam(hedge ck.HedgeType, ctx []byte) any {
	if len(ctx) == 0 && hedge != ck.CKH_DETERMINISTIC_REQUIRED {
		return nil
	}
	return &ck.SignAdditionalContext{Hedge: hedge, Context: ctx}
}

func TestWycheproofMLDSAVerify(t *testing.T) {
	type group struct {
		PublicKey wpHex
		Tests     []wpMLDSATest
	}
	file := "mldsa_44_verify"
	groups, n := wpGroups[group](t, file)
	r := newWPRun(t, file, n).sampleUnderRace(4).allowing(ck.CKR_SIGNATURE_INVALID, ck.CKR_SIGNATURE_LEN_RANGE, ck.CKR_KEY_TYPE_INCONSISTENT, ck.CKR_MECHANISM_PARAM_INVALID)
	for _, g := range groups {
		pub, _ := mldsaKeys(mldsaSetNames["ML-DSA-44"], map[ck.AttributeType][]byte{ck.CKA_VALUE: g.PublicKey}, map[ck.AttributeType][]byte{})
		for _, tc := range g.Tests {
			r.check(tc.wpTest, func() error {
				return wpVerify(ck.CKM_ML_DSA, pub, wpMLDSAParam(ck.CKH_HEDGE_PREFERRED, tc.Ctx), *tc.Msg, tc.Sig)
			})
		}
	}
	r.done()
}

// TestWycheproofMLDSASign: the private key is the 32-byte seed xi
// (CKA_SEED) or the encoded sk (CKA_VALUE, whose s1 and s2 must be in
// range); deterministic signing (CKH_DETERMINISTIC_REQUIRED) must give the
// vector's signature, which the group's public key must verify.
func TestWycheproofMLDSASign(t *testing.T) {
	for _, file := range []string{"mldsa_44_sign_seed", "mldsa_44_sign_noseed"} {
		t.Run(file, func(t *testing.T) { wpMLDSASignFile(t, file) })
	}
}

func wpMLDSASignFile(t *testing.T, file string) {
	type group struct {
		PrivateSeed, PrivateKey, PublicKey wpHex
		Tests                              []wpMLDSATest
	}
	groups, n := wpGroups[group](t, file)
	r := newWPRun(t, file, n).sampleUnderRace(4).allowing(ck.CKR_KEY_TYPE_INCONSISTENT, ck.CKR_MECHANISM_PARAM_INVALID)
	sm := mustLookup(t, ck.CKM_ML_DSA).(Signer)
	for _, g := range groups {
		privAttrs := map[ck.AttributeType][]byte{ck.CKA_SEED: g.PrivateSeed}
		if g.PrivateSeed == nil {
			privAttrs = map[ck.AttributeType][]byte{ck.CKA_VALUE: g.PrivateKey}
		}
		pub, priv := mldsaKeys(mldsaSetNames["ML-DSA-44"], map[ck.AttributeType][]byte{ck.CKA_VALUE: g.PublicKey}, privAttrs)
		for _, tc := range g.Tests {
			switch {
			case tc.Msg == nil:
				// Signing a given μ (FIPS 204's external μ): PKCS#11 3.2's
				// CKM_ML_DSA takes the message, not μ.
				r.skip(tc.wpTest, "external mu: no PKCS#11 interface")
				continue
			case tc.Rnd != nil:
				// Hedged signing with the vector's randomness: C_Sign takes
				// none. Its signature must still verify.
				if err := wpVerify(ck.CKM_ML_DSA, pub, wpMLDSAParam(ck.CKH_HEDGE_PREFERRED, tc.Ctx), *tc.Msg, tc.Sig); err != nil {
					t.Errorf("tcId %d: hedged signature: %v", tc.TcID, err)
				}
				r.skip(tc.wpTest, "given randomness: no PKCS#11 interface (signature verified)")
				continue
			}
			r.check(tc.wpTest, func() error {
				p := wpMLDSAParam(ck.CKH_DETERMINISTIC_REQUIRED, tc.Ctx)
				s, err := sm.SignInit(priv, p)
				if err != nil {
					return err
				}
				sig, err := s.Sign(*tc.Msg)
				if err != nil {
					return err
				}
				if !bytes.Equal(sig, tc.Sig) {
					return errMismatch
				}
				return wpVerify(ck.CKM_ML_DSA, pub, p, *tc.Msg, sig)
			})
		}
	}
	r.done()
}
