package ck

import (
	"errors"
	"fmt"
	"testing"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		v    fmt.Stringer
		want string
	}{
		{CKR_OK, "CKR_OK"},
		{CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
		{CKR_PIN_TOO_WEAK, "CKR_PIN_TOO_WEAK"},
		{CKR_PARAMETER_SET_NOT_SUPPORTED, "CKR_PARAMETER_SET_NOT_SUPPORTED"},
		{CKM_ECDSA_SHA256, "CKM_ECDSA_SHA256"},
		{CKM_ML_DSA, "CKM_ML_DSA"},
		{CKA_VALUE, "CKA_VALUE"},
		{CKA_WRAP_TEMPLATE, "CKA_WRAP_TEMPLATE"},
		{CKO_PROFILE, "CKO_PROFILE"},
		{CKU_CONTEXT_SPECIFIC, "CKU_CONTEXT_SPECIFIC"},
		{CKS_RW_SO_FUNCTIONS, "CKS_RW_SO_FUNCTIONS"},
		{CKC_X_509, "CKC_X_509"},
		{CKG_GENERATE_COUNTER_XOR, "CKG_GENERATE_COUNTER_XOR"},
		{CKP_ML_KEM_768, "CKP_ML_KEM_768"},
		{CKP_BASELINE_PROVIDER, "CKP_BASELINE_PROVIDER"},
		{CKD_SHA3_256_KDF, "CKD_SHA3_256_KDF"},
		// Aliases print the current name, not the deprecated one declared first.
		{CKM_ECDSA_KEY_PAIR_GEN, "CKM_EC_KEY_PAIR_GEN"},
		{CKK_ECDSA, "CKK_EC"},
		{CKA_ECDSA_PARAMS, "CKA_EC_PARAMS"},
		{CKM_CAST5_CBC, "CKM_CAST128_CBC"},
		{CKM_DSA_PROBABLISTIC_PARAMETER_GEN, "CKM_DSA_PROBABILISTIC_PARAMETER_GEN"},
		// Of two current spellings the first declared wins.
		{CKM_SHA3_256_KEY_DERIVE, "CKM_SHA3_256_KEY_DERIVATION"},
		// Unknown values print their kind and hex value.
		{RV(0x12345), "RV(0x12345)"},
		{MechanismType(0x80001234), "MechanismType(0x80001234)"},
		{AttributeType(0xfff), "AttributeType(0xfff)"},
		{KeyType(0x7777), "KeyType(0x7777)"},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%T(%#x).String() = %q, want %q", tc.v, tc.v, got, tc.want)
		}
	}
}

// An RV is an error whose text is its name, and errors.Is matches the code.
func TestRVError(t *testing.T) {
	var err error = CKR_PIN_INCORRECT
	if err.Error() != "CKR_PIN_INCORRECT" {
		t.Errorf("Error() = %q", err.Error())
	}
	wrapped := fmt.Errorf("login: %w", err)
	var rv RV
	if !errors.As(wrapped, &rv) || rv != CKR_PIN_INCORRECT || !errors.Is(wrapped, CKR_PIN_INCORRECT) {
		t.Errorf("wrapped RV not recovered: %v", wrapped)
	}
}
