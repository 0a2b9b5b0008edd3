package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// The PKCS#11 3.2 signature parameters, added to mechanism.go's table here
// so that the table's owner and this file do not edit one file.
func init() {
	for _, t := range signContextMechs {
		paramDecoders[t] = decodeSignAdditionalContext
	}
}

// decodeSignAdditionalContext reads CK_SIGN_ADDITIONAL_CONTEXT (hedgeVariant,
// pContext/ulContextLen); the mechanism checks the values.
func decodeSignAdditionalContext(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_SIGN_ADDITIONAL_CONTEXT](p, n)
	if err != nil {
		return nil, err
	}
	ctx, err := field(unsafe.Pointer(s.pContext), s.ulContextLen)
	if err != nil {
		return nil, err
	}
	return &ck.SignAdditionalContext{Hedge: ck.HedgeType(s.hedgeVariant), Context: ctx}, nil
}

// signContextMechs take an optional CK_SIGN_ADDITIONAL_CONTEXT.
var signContextMechs = []ck.MechanismType{
	ck.CKM_ML_DSA, ck.CKM_SLH_DSA,
	ck.CKM_HASH_SLH_DSA_SHA224, ck.CKM_HASH_SLH_DSA_SHA256, ck.CKM_HASH_SLH_DSA_SHA384, ck.CKM_HASH_SLH_DSA_SHA512,
	ck.CKM_HASH_SLH_DSA_SHA3_224, ck.CKM_HASH_SLH_DSA_SHA3_256, ck.CKM_HASH_SLH_DSA_SHA3_384, ck.CKM_HASH_SLH_DSA_SHA3_512,
	ck.CKM_HASH_SLH_DSA_SHAKE128, ck.CKM_HASH_SLH_DSA_SHAKE256,
}
