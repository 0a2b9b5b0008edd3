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
	paramDecoders[ck.CKM_ML_DSA] = decodeSignAdditionalContext
	paramDecoders[ck.CKM_SLH_DSA] = decodeSignAdditionalContext
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
