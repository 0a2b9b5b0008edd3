package mechanisms

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestCheckPQCKeyMaterial: generated keys pass; wrong sizes, unknown sets and
// mismatched seeds are CKR_ATTRIBUTE_VALUE_INVALID.
func TestCheckPQCKeyMaterial(t *testing.T) {
	gens := map[ck.KeyType]func() (*Key, *Key){
		ck.CKK_ML_DSA:  func() (*Key, *Key) { return genMLDSA(t, 1) },
		ck.CKK_ML_KEM:  func() (*Key, *Key) { return genMLKEM(t, 1) },
		ck.CKK_SLH_DSA: func() (*Key, *Key) { return genSLHDSA(t, ck.ULong(ck.CKP_SLH_DSA_SHA2_128F)) },
	}
	for kt, gen := range gens {
		pub, priv := gen()
		for _, k := range []*Key{pub, priv} {
			if err := CheckPQCKeyMaterial(k.Class, kt, k.Attrs); err != nil {
				t.Errorf("%v %v: %v", kt, k.Class, err)
			}
			short := map[ck.AttributeType][]byte{ck.CKA_PARAMETER_SET: k.Attrs[ck.CKA_PARAMETER_SET], ck.CKA_VALUE: k.Attrs[ck.CKA_VALUE][1:]}
			if err := CheckPQCKeyMaterial(k.Class, kt, short); err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
				t.Errorf("%v %v short value: %v", kt, k.Class, err)
			}
			bad := map[ck.AttributeType][]byte{ck.CKA_PARAMETER_SET: ck.EncodeULong(99), ck.CKA_VALUE: k.Attrs[ck.CKA_VALUE]}
			if err := CheckPQCKeyMaterial(k.Class, kt, bad); err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
				t.Errorf("%v %v parameter set 99: %v", kt, k.Class, err)
			}
		}
	}
	_, a := genMLDSA(t, 1)
	_, b := genMLDSA(t, 1)
	mixed := map[ck.AttributeType][]byte{ck.CKA_PARAMETER_SET: a.Attrs[ck.CKA_PARAMETER_SET], ck.CKA_SEED: a.Attrs[ck.CKA_SEED], ck.CKA_VALUE: b.Attrs[ck.CKA_VALUE]}
	if err := CheckPQCKeyMaterial(ck.CKO_PRIVATE_KEY, ck.CKK_ML_DSA, mixed); err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
		t.Errorf("seed of one key, value of another: %v", err)
	}
	if err := CheckPQCKeyMaterial(ck.CKO_PRIVATE_KEY, ck.CKK_EC, nil); err != nil {
		t.Errorf("other key types are not its business: %v", err)
	}
}
