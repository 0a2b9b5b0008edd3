package mechanisms

import (
	"bytes"
	stdmlkem "crypto/mlkem"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var mlkemSetNames = map[string]ck.ULong{"ML-KEM-512": 1, "ML-KEM-768": 2, "ML-KEM-1024": 3}

func mlkemKey(class ck.ObjectClass, set ck.ULong, attrs map[ck.AttributeType][]byte) *Key {
	attrs[ck.CKA_PARAMETER_SET] = ck.EncodeULong(set)
	return &Key{Class: class, KeyType: ck.CKK_ML_KEM, Attrs: attrs}
}

func genMLKEM(t *testing.T, set ck.ULong) (*Key, *Key) {
	t.Helper()
	g := mustLookup(t, ck.CKM_ML_KEM_KEY_PAIR_GEN).(KeyPairGenerator)
	pa, va, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(set)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_ML_KEM, Attrs: pa}, &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_ML_KEM, Attrs: va}
}

func encap(t *testing.T, pub *Key, tmpl ck.Template) ([]byte, []byte, error) {
	ct, attrs, err := mustLookup(t, ck.CKM_ML_KEM).(Encapsulator).Encapsulate(pub, nil, tmpl)
	return ct, attrs[ck.CKA_VALUE], err
}

func decap(t *testing.T, priv *Key, ct []byte, tmpl ck.Template) ([]byte, error) {
	attrs, err := mustLookup(t, ck.CKM_ML_KEM).(Decapsulator).Decapsulate(priv, nil, ct, tmpl)
	return attrs[ck.CKA_VALUE], err
}

// TestMLKEMVectors: NIST ACVP FIPS 203 keyGen (d||z -> ek, dk) and
// decapsulation cases (valid and implicitly rejected ciphertexts) through
// CKM_ML_KEM, with private keys from CKA_SEED, CKA_VALUE or both.
func TestMLKEMVectors(t *testing.T) {
	vs := readVectors(t, "testdata/mlkem.txt")
	var nKey, nDec int
	for _, v := range vs {
		set := mlkemSetNames[v["Set"]]
		switch v["Section"] {
		case "keyGen":
			nKey++
			seed, ek, dk := unhex(t, v["Seed"]), unhex(t, v["EK"]), unhex(t, v["DK"])
			s, _ := findMLKEMSet(set)
			pk, sk := s.DeriveKeyPair(seed)
			gotEK, _ := pk.MarshalBinary()
			gotDK, _ := sk.MarshalBinary()
			if !bytes.Equal(gotEK, ek) || !bytes.Equal(gotDK, dk) {
				t.Fatalf("%s: ek/dk from the seed differ from ACVP's", v["Set"])
			}
			pub := mlkemKey(ck.CKO_PUBLIC_KEY, set, map[ck.AttributeType][]byte{ck.CKA_VALUE: ek})
			for name, attrs := range map[string]map[ck.AttributeType][]byte{
				"seed": {ck.CKA_SEED: seed}, "value": {ck.CKA_VALUE: dk}, "both": {ck.CKA_SEED: seed, ck.CKA_VALUE: dk},
			} {
				ct, k1, err := encap(t, pub, nil)
				if err != nil || len(ct) != s.CiphertextSize() || len(k1) != 32 {
					t.Fatalf("%s: encapsulate: %v", v["Set"], err)
				}
				k2, err := decap(t, mlkemKey(ck.CKO_PRIVATE_KEY, set, attrs), ct, nil)
				if err != nil || !bytes.Equal(k1, k2) {
					t.Errorf("%s %s: decapsulated secret differs: %v", v["Set"], name, err)
				}
			}
			bad := bytes.Clone(dk)
			bad[10] ^= 1
			if _, err := decap(t, mlkemKey(ck.CKO_PRIVATE_KEY, set, map[ck.AttributeType][]byte{ck.CKA_SEED: seed, ck.CKA_VALUE: bad}), make([]byte, s.CiphertextSize()), nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
				t.Errorf("mismatched seed and value: %v", err)
			}
		case "decapsulation":
			nDec++
			priv := mlkemKey(ck.CKO_PRIVATE_KEY, set, map[ck.AttributeType][]byte{ck.CKA_VALUE: unhex(t, v["DK"])})
			k, err := decap(t, priv, unhex(t, v["C"]), nil)
			if err != nil || !bytes.Equal(k, unhex(t, v["K"])) {
				t.Errorf("%s: decapsulation differs from ACVP: %v", v["Set"], err)
			}
		}
	}
	if nKey < 6 || nDec < 12 {
		t.Fatalf("%d keyGen and %d decapsulation vectors", nKey, nDec)
	}
}

// TestMLKEMAgreesWithStdlib: for ML-KEM-768 and -1024, Go's crypto/mlkem
// and CKM_ML_KEM agree both ways on keys gohsm generated.
func TestMLKEMAgreesWithStdlib(t *testing.T) {
	for _, set := range []ck.ULong{2, 3} {
		pub, priv := genMLKEM(t, set)
		seed := priv.Attrs[ck.CKA_SEED]
		var ekBytes []byte
		var stdEncap func() ([]byte, []byte)
		var stdDecap func([]byte) ([]byte, error)
		if set == 2 {
			dk, err := stdmlkem.NewDecapsulationKey768(seed)
			if err != nil {
				t.Fatal(err)
			}
			ekBytes, stdDecap = dk.EncapsulationKey().Bytes(), dk.Decapsulate
			stdEncap = dk.EncapsulationKey().Encapsulate
		} else {
			dk, err := stdmlkem.NewDecapsulationKey1024(seed)
			if err != nil {
				t.Fatal(err)
			}
			ekBytes, stdDecap = dk.EncapsulationKey().Bytes(), dk.Decapsulate
			stdEncap = dk.EncapsulationKey().Encapsulate
		}
		if !bytes.Equal(ekBytes, pub.Attrs[ck.CKA_VALUE]) {
			t.Fatalf("set %d: crypto/mlkem's ek from CKA_SEED differs from CKA_VALUE", set)
		}
		ct, k1, err := encap(t, pub, nil)
		if err != nil {
			t.Fatal(err)
		}
		if k2, err := stdDecap(ct); err != nil || !bytes.Equal(k1, k2) {
			t.Errorf("set %d: crypto/mlkem decapsulates another secret: %v", set, err)
		}
		k3, ct2 := stdEncap()
		if k4, err := decap(t, priv, ct2, nil); err != nil || !bytes.Equal(k3, k4) {
			t.Errorf("set %d: CKM_ML_KEM decapsulates another secret: %v", set, err)
		}
	}
}

func TestMLKEMTemplatesAndErrors(t *testing.T) {
	pub, priv := genMLKEM(t, 1)
	if len(priv.Attrs[ck.CKA_SEED]) != 64 || len(priv.Attrs[ck.CKA_VALUE]) != 1632 || len(pub.Attrs[ck.CKA_VALUE]) != 800 {
		t.Fatal("ML-KEM-512 key sizes")
	}
	aes16 := ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(16)}
	ct, k1, err := encap(t, pub, aes16)
	if err != nil || len(k1) != 16 {
		t.Fatalf("AES-128 from ML-KEM: %d bytes, %v", len(k1), err)
	}
	full, _ := decap(t, priv, ct, nil)
	if k2, err := decap(t, priv, ct, aes16); err != nil || !bytes.Equal(k1, k2) || !bytes.Equal(full[:16], k2) {
		t.Errorf("truncated secrets differ: %v", err)
	}
	m := mustLookup(t, ck.CKM_ML_KEM)
	if n, err := m.(Encapsulator).CiphertextLen(pub, nil); n != 768 || err != nil {
		t.Errorf("CiphertextLen = %d, %v", n, err)
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"encapsulate with a private key", func() error { _, _, err := encap(t, priv, nil); return err }(), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"decapsulate with a public key", func() error { _, err := decap(t, pub, ct, nil); return err }(), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"short ciphertext", func() error { _, err := decap(t, priv, ct[1:], nil); return err }(), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"33-byte key", func() error { _, _, err := encap(t, pub, ck.Template{valueLen(33)}); return err }(), ck.CKR_TEMPLATE_INCONSISTENT},
		{"AES-24 is fine, AES-20 is not", func() error {
			_, _, err := encap(t, pub, ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(20)})
			return err
		}(), ck.CKR_TEMPLATE_INCONSISTENT},
		{"parameter", func() error { _, err := m.(Encapsulator).CiphertextLen(pub, []byte{1}); return err }(), ck.CKR_MECHANISM_PARAM_INVALID},
		{"bad set on a key", func() error {
			_, _, err := encap(t, mlkemKey(ck.CKO_PUBLIC_KEY, 7, map[ck.AttributeType][]byte{ck.CKA_VALUE: pub.Attrs[ck.CKA_VALUE]}), nil)
			return err
		}(), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"wrong size public key", func() error {
			_, _, err := encap(t, mlkemKey(ck.CKO_PUBLIC_KEY, 2, map[ck.AttributeType][]byte{ck.CKA_VALUE: pub.Attrs[ck.CKA_VALUE]}), nil)
			return err
		}(), ck.CKR_KEY_TYPE_INCONSISTENT},
	} {
		if tc.err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	// A tampered ciphertext decapsulates (implicit rejection) to another secret.
	bad := bytes.Clone(ct)
	bad[0] ^= 1
	if k, err := decap(t, priv, bad, nil); err != nil || bytes.Equal(k, full) {
		t.Errorf("tampered ciphertext: %v", err)
	}
	g := mustLookup(t, ck.CKM_ML_KEM_KEY_PAIR_GEN).(KeyPairGenerator)
	if _, _, err := g.GenerateKeyPair(nil, nil); err != ck.CKR_TEMPLATE_INCOMPLETE {
		t.Errorf("no parameter set: %v", err)
	}
	if _, _, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(4)}}, nil); err != ck.CKR_TEMPLATE_INCONSISTENT {
		t.Errorf("unknown parameter set: %v", err)
	}
}

func init() {
	addFixture(fixture{pubTmpl: ck.Template{{Type: ck.CKA_PARAMETER_SET, Value: ck.EncodeULong(2)}}}, ck.CKM_ML_KEM_KEY_PAIR_GEN)
	var pub, priv *Key
	keys := func(t *testing.T) {
		if pub == nil {
			pub, priv = genMLKEM(t, 2)
		}
	}
	addFixture(fixture{encapKey: func(t *testing.T) *Key { keys(t); return pub }, decapKey: func(t *testing.T) *Key { keys(t); return priv }}, ck.CKM_ML_KEM)
}
