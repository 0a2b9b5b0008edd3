package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"slices"
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// Array attributes (CKF_ARRAY_ATTRIBUTE). CKA_ALLOWED_MECHANISMS is an array
// of CK_MECHANISM_TYPE and passes as bytes (a whole number of CK_ULONGs).
// CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE and CKA_DERIVE_TEMPLATE are arrays
// of CK_ATTRIBUTE, each with its own pValue; they cross into the provider in
// ck's flat attribute-array encoding (ck.EncodeAttributeArray).

const attrSize = C.sizeof_CK_ATTRIBUTE

// arrayValue copies the value of array attribute a out of C memory.
func arrayValue(a *C.CK_ATTRIBUTE) ([]byte, error) {
	typ := ck.AttributeType(a._type)
	if a.pValue == nil && a.ulValueLen != 0 {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	switch {
	case typ == ck.CKA_ALLOWED_MECHANISMS:
		if a.ulValueLen%C.sizeof_CK_ULONG != 0 || a.ulValueLen > maxBuffer {
			return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		v := make([]byte, int(a.ulValueLen))
		if len(v) > 0 {
			copy(v, unsafe.Slice((*byte)(a.pValue), len(v)))
		}
		return v, nil
	case ck.IsAttributeArray(typ):
	default:
		return nil, ck.CKR_ATTRIBUTE_TYPE_INVALID // an array type gohsm does not know
	}
	if a.ulValueLen%attrSize != 0 || a.ulValueLen/attrSize > ck.MaxArrayEntries {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	n := int(a.ulValueLen / attrSize)
	if n == 0 {
		return ck.EncodeAttributeArray(nil), nil
	}
	inner := unsafe.Slice((*C.CK_ATTRIBUTE)(a.pValue), n)
	t := make(ck.Template, n)
	for i := range inner {
		e := &inner[i]
		et := ck.AttributeType(e._type)
		// The specification defines no nesting: a template inside a
		// template would be a template for a template's key.
		if ck.Flags(et)&ck.CKF_ARRAY_ATTRIBUTE != 0 && et != ck.CKA_ALLOWED_MECHANISMS {
			return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		if (e.pValue == nil && e.ulValueLen != 0) || e.ulValueLen > maxBuffer {
			return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		v := make([]byte, int(e.ulValueLen))
		if len(v) > 0 {
			copy(v, unsafe.Slice((*byte)(e.pValue), len(v)))
		}
		t[i] = ck.Attribute{Type: et, Value: v}
	}
	// The order of a template's attributes never matters (base 3.0 §3.4
	// CK_ATTRIBUTE): sorted, equal templates have equal encodings, so that
	// C_FindObjects compares them as values.
	slices.SortStableFunc(t, func(x, y ck.Attribute) int {
		switch {
		case x.Type < y.Type:
			return -1
		case x.Type > y.Type:
			return 1
		}
		return 0
	})
	return ck.EncodeAttributeArray(t), nil
}

// applyArray fills a CK_ATTRIBUTE-array attribute for C_GetAttributeValue
// (base 3.0 section 5.7.5). The length-query convention applies twice: with
// a NULL pValue the caller learns count*sizeof(CK_ATTRIBUTE); with an array
// whose entries have NULL pValues it learns each entry's type and length;
// with buffers it gets the values. An entry too small for its value gets
// CK_UNAVAILABLE_INFORMATION and the call CKR_BUFFER_TOO_SMALL.
func applyArray(a *C.CK_ATTRIBUTE, value []byte) C.CK_RV {
	t, err := ck.DecodeAttributeArray(value)
	if err != nil { // the provider stored something cexport did not encode
		a.ulValueLen = C.CK_ULONG(ck.UnavailableInformation)
		return C.CKR_GENERAL_ERROR
	}
	need := C.CK_ULONG(len(t)) * attrSize
	switch {
	case a.pValue == nil:
		a.ulValueLen = need
		return C.CKR_OK
	case a.ulValueLen < need:
		a.ulValueLen = C.CK_ULONG(ck.UnavailableInformation)
		return C.CKR_BUFFER_TOO_SMALL
	}
	a.ulValueLen = need
	if len(t) == 0 {
		return C.CKR_OK
	}
	rv := C.CK_RV(C.CKR_OK)
	out := unsafe.Slice((*C.CK_ATTRIBUTE)(a.pValue), len(t))
	for i, in := range t {
		e := &out[i]
		e._type = C.CK_ATTRIBUTE_TYPE(in.Type)
		n := C.CK_ULONG(len(in.Value))
		switch {
		case e.pValue == nil:
			e.ulValueLen = n
		case e.ulValueLen < n:
			e.ulValueLen = C.CK_ULONG(ck.UnavailableInformation)
			rv = C.CKR_BUFFER_TOO_SMALL
		default:
			if n > 0 {
				copy(unsafe.Slice((*byte)(e.pValue), int(n)), in.Value)
			}
			e.ulValueLen = n
		}
	}
	return rv
}
