package mechanisms

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var mldsaSetNames = map[string]ck.ULong{"ML-DSA-44": 1, "ML-DSA-65": 2, "ML-DSA-87": 3}

func mldsaKeys(set ck.ULong, pub, priv map[ck.AttributeType][]byte) (*Key, *Key) {
	pub[ck.CKA_PARAMETER_SET] = ck.EncodeULong(set)
	priv[ck.CKA_PARAMETER_SET] = ck.EncodeULong(set)
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_ML_DSA, Attrs: pub},
		&Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_ML_DSA, Attrs: priv}
}

func genMLDSA(t *testing.T, set ck.ULong) (*Key, *Key) {
	t.Helper()
	g := mustLookup(t, ck.CKM_ML_DSA_KEY_PAIR_GEN).(KeyPairGenerator)
	pa, va, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(set)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_ML_DSA, Attrs: pa}, &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_ML_DSA, Attrs: va}
}

func mldsaSign(t *testing.T, k *Key, p any, msg []byte) ([]byte, error) {
	s, err := mustLookup(t, ck.CKM_ML_DSA).(Signer).SignInit(k, p)
	if err != nil {
		return nil, err
	}
	return s.Sign(msg)
}

func mldsaVerify(t *testing.T, k *Key, p any, msg, sig []byte) error {
	v, err := mustLookup(t, ck.CKM_ML_DSA).(Verifier).VerifyInit(k, p)
	if err != nil {
		return err
	}
	return v.Verify(msg, sig)
}

// TestMLDSAKeyGenVectors: NIST ACVP FIPS 204 keyGen cases. A private key
// made from CKA_SEED alone, from CKA_VALUE alone, or from both signs, and the
// ACVP public key verifies; the seed gives exactly ACVP's pk and sk.
func TestMLDSAKeyGenVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/mldsa_keygen.txt") {
		set := mldsaSetNames[v["Set"]]
		seed, pkb, skb := unhex(t, v["Seed"]), unhex(t, v["PK"]), unhex(t, v["SK"])
		s, _ := findMLDSASet(set)
		pk, sk := s.scheme.DeriveKey(seed)
		gotPK, _ := pk.MarshalBinary()
		gotSK, _ := sk.MarshalBinary()
		if !bytes.Equal(gotPK, pkb) || !bytes.Equal(gotSK, skb) {
			t.Fatalf("%s: keys from the seed differ from ACVP's", v["Set"])
		}
		for name, priv := range map[string]map[ck.AttributeType][]byte{
			"seed":  {ck.CKA_SEED: seed},
			"value": {ck.CKA_VALUE: skb},
			"both":  {ck.CKA_SEED: seed, ck.CKA_VALUE: skb},
		} {
			pub, prv := mldsaKeys(set, map[ck.AttributeType][]byte{ck.CKA_VALUE: pkb}, priv)
			msg := []byte("FIPS 204 " + name)
			sig, err := mldsaSign(t, prv, nil, msg)
			if err != nil || len(sig) != s.scheme.SignatureSize() {
				t.Fatalf("%s %s: sign: %v", v["Set"], name, err)
			}
			if err := mldsaVerify(t, pub, nil, msg, sig); err != nil {
				t.Errorf("%s %s: verify: %v", v["Set"], name, err)
			}
		}
		// A value that does not match the seed is refused.
		bad := bytes.Clone(skb)
		bad[100] ^= 1
		_, prv := mldsaKeys(set, map[ck.AttributeType][]byte{}, map[ck.AttributeType][]byte{ck.CKA_SEED: seed, ck.CKA_VALUE: bad})
		if _, err := mldsaSign(t, prv, nil, []byte("x")); err != ck.CKR_KEY_TYPE_INCONSISTENT {
			t.Errorf("mismatched seed and value: %v", err)
		}
	}
}

// TestMLDSASignVerify: for each parameter set, generated keys sign with
// contexts and hedging; deterministic signatures repeat, hedged ones do not;
// a signature verifies only under its own context and message.
func TestMLDSASignVerify(t *testing.T) {
	for name, set := range mldsaSetNames {
		pub, priv := genMLDSA(t, set)
		if len(priv.Attrs[ck.CKA_SEED]) != 32 || !bytes.Equal(priv.Attrs[ck.CKA_PARAMETER_SET], ck.EncodeULong(set)) {
			t.Fatalf("%s: private key lacks CKA_SEED or CKA_PARAMETER_SET", name)
		}
		msg := []byte(strings.Repeat("message ", 40))
		ctx := &ck.SignAdditionalContext{Hedge: ck.CKH_HEDGE_REQUIRED, Context: []byte("gohsm context")}
		det := &ck.SignAdditionalContext{Hedge: ck.CKH_DETERMINISTIC_REQUIRED, Context: ctx.Context}
		s1, err1 := mldsaSign(t, priv, det, msg)
		s2, err2 := mldsaSign(t, priv, det, msg)
		h1, err3 := mldsaSign(t, priv, ctx, msg)
		h2, err4 := mldsaSign(t, priv, ctx, msg)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			t.Fatal(err1, err2, err3, err4)
		}
		if !bytes.Equal(s1, s2) || bytes.Equal(h1, h2) {
			t.Errorf("%s: deterministic signatures differ or hedged ones repeat", name)
		}
		for _, sig := range [][]byte{s1, h1, h2} {
			if err := mldsaVerify(t, pub, ctx, msg, sig); err != nil {
				t.Errorf("%s: verify: %v", name, err)
			}
			if err := mldsaVerify(t, pub, nil, msg, sig); err != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("%s: verified without its context: %v", name, err)
			}
			if err := mldsaVerify(t, pub, ctx, msg[1:], sig); err != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("%s: verified another message: %v", name, err)
			}
			if err := mldsaVerify(t, pub, ctx, msg, sig[1:]); err != ck.CKR_SIGNATURE_LEN_RANGE {
				t.Errorf("%s: short signature: %v", name, err)
			}
		}
	}
}

func TestMLDSAErrors(t *testing.T) {
	g := mustLookup(t, ck.CKM_ML_DSA_KEY_PAIR_GEN).(KeyPairGenerator)
	ps := func(v ck.ULong) ck.Template {
		return ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(v)}}
	}
	for _, tc := range []struct {
		name      string
		pub, priv ck.Template
		want      error
	}{
		{"no parameter set", nil, nil, ck.CKR_TEMPLATE_INCOMPLETE},
		{"unknown set", ps(4), nil, ck.CKR_TEMPLATE_INCONSISTENT},
		{"sets disagree", ps(1), ps(2), ck.CKR_TEMPLATE_INCONSISTENT},
		{"short value", ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: []byte{1}}}, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"wrong key type", append(ps(1), keyTypeAttr(ck.CKK_EC)), nil, ck.CKR_TEMPLATE_INCONSISTENT},
	} {
		if _, _, err := g.GenerateKeyPair(tc.pub, tc.priv); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	pub, priv := genMLDSA(t, 1)
	for _, p := range []any{
		&ck.SignAdditionalContext{Context: make([]byte, 256)},
		&ck.SignAdditionalContext{Hedge: 3},
		[]byte{1, 2, 3},
	} {
		if _, err := mldsaSign(t, priv, p, nil); err != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("param %v: %v", p, err)
		}
	}
	if _, err := mldsaSign(t, pub, nil, nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("signing with a public key: %v", err)
	}
	_, noSet := mldsaKeys(9, map[ck.AttributeType][]byte{}, map[ck.AttributeType][]byte{ck.CKA_SEED: make([]byte, 32)})
	if _, err := mldsaSign(t, noSet, nil, nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("unknown parameter set on a key: %v", err)
	}
}

func init() {
	var pub, priv *Key
	keys := func(t *testing.T) {
		if pub == nil {
			pub, priv = genMLDSA(t, 2)
		}
	}
	addFixture(fixture{signKey: func(t *testing.T) *Key { keys(t); return priv }, verifyKey: func(t *testing.T) *Key { keys(t); return pub }}, ck.CKM_ML_DSA)
	addFixture(fixture{pubTmpl: ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(1)}}}, ck.CKM_ML_DSA_KEY_PAIR_GEN)
}
