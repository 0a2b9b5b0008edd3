package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestShakeKeyDerivation: the derived value is `openssl dgst -shake128 /
// -shake256 -xoflen N` of the base key's value (vectors below made so, for
// "a base key value" and N = 40), any length the template asks, a DES3 key
// from the type alone (parity set); no length is CKR_TEMPLATE_INCOMPLETE.
func TestShakeKeyDerivation(t *testing.T) {
	base := secretKey(ck.CKK_GENERIC_SECRET, []byte("a base key value"))
	for _, tc := range []struct {
		typ  ck.MechanismType
		want string
	}{
		{ck.CKM_SHAKE_128_KEY_DERIVATION, "e7ce3816f6658958b45ab3e90b61bc4b0933fb24c012eb565427bb30e7651e691f79f0b4bcca1ea0"},
		{ck.CKM_SHAKE_256_KEY_DERIVATION, "f230cf8a9f13dcb028ae3d7fb12279df6a7756f0ae2563a5fef9f38f10420f4091c637127af80522"},
	} {
		want := unhex(t, tc.want)
		for _, n := range []int{40, 7} { // a SHAKE output's prefix is the shorter output
			got, err := derive(t, tc.typ, base, nil, ck.Template{valueLen(n)})
			if err != nil || !bytes.Equal(got, want[:n]) {
				t.Errorf("%v, %d bytes: %x %v", tc.typ, n, got, err)
			}
		}
		attrs, err := mustLookup(t, tc.typ).(KeyDeriver).DeriveKey(base, nil, ck.Template{keyTypeAttr(ck.CKK_DES3)})
		if err != nil || len(attrs[ck.CKA_VALUE]) != 24 {
			t.Errorf("%v to DES3: %d bytes, %v", tc.typ, len(attrs[ck.CKA_VALUE]), err)
		} else {
			for i, b := range attrs[ck.CKA_VALUE] {
				if b != oddParity(want[i]) {
					t.Errorf("%v to DES3: byte %d is not the output with parity", tc.typ, i)
					break
				}
			}
		}
		if _, err := derive(t, tc.typ, base, nil, nil); err != ck.CKR_TEMPLATE_INCOMPLETE {
			t.Errorf("%v without a length: %v", tc.typ, err)
		}
		if _, err := derive(t, tc.typ, base, []byte{1}, ck.Template{valueLen(16)}); err != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("%v with a parameter: %v", tc.typ, err)
		}
	}
}

func init() {
	for _, typ := range []ck.MechanismType{ck.CKM_SHAKE_128_KEY_DERIVATION, ck.CKM_SHAKE_256_KEY_DERIVATION} {
		addFixture(fixture{
			deriveKey:   func(*testing.T) *Key { return secretKey(ck.CKK_GENERIC_SECRET, []byte("base key value")) },
			deriveParam: func(*testing.T) any { return nil },
			deriveTmpl:  lenTmpl(32),
		}, typ)
	}
}
