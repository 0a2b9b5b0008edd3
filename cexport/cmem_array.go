package main

/*
#include <stdlib.h>
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// Test helpers (test files cannot use cgo) for array attributes.

// cAttrs lays attrs out as a CK_ATTRIBUTE array in m.
func (m *cmem) cAttrs(attrs []testAttr) *C.CK_ATTRIBUTE {
	arr := (*C.CK_ATTRIBUTE)(C.calloc(C.size_t(len(attrs)+1), C.size_t(attrSize)))
	m.ptrs = append(m.ptrs, unsafe.Pointer(arr))
	s := unsafe.Slice(arr, len(attrs))
	for i, a := range attrs {
		s[i]._type = C.CK_ATTRIBUTE_TYPE(a.Type)
		s[i].pValue = C.CK_VOID_PTR(m.bytes(a.Value))
		s[i].ulValueLen = C.CK_ULONG(a.Len)
	}
	return arr
}

// decodeCArray decodes a one-attribute template whose attribute typ holds
// inner as its CK_ATTRIBUTE array, with ulValueLen = len(inner) *
// sizeof(CK_ATTRIBUTE) + lenDelta.
func decodeCArray(typ ck.AttributeType, inner []testAttr, lenDelta int) (ck.Template, error) {
	var m cmem
	defer m.free()
	outer := []testAttr{{Type: typ}}
	arr := m.cAttrs(outer)
	arr.pValue = C.CK_VOID_PTR(unsafe.Pointer(m.cAttrs(inner)))
	arr.ulValueLen = C.CK_ULONG(len(inner)*int(attrSize) + lenDelta)
	return template(arr, 1)
}

// getCArray runs applyArray on a stored value with an outer buffer of
// outerCount entries (-1: NULL pValue) whose entries have buffers of
// innerLen bytes (-1: NULL pValues). It returns the rv, the outer
// ulValueLen and the entries as the application would read them.
func getCArray(value []byte, outerCount, innerLen int) (ck.RV, uint64, []testAttr) {
	var m cmem
	defer m.free()
	var a C.CK_ATTRIBUTE
	a._type = C.CK_ATTRIBUTE_TYPE(ck.CKA_WRAP_TEMPLATE)
	var entries []C.CK_ATTRIBUTE
	if outerCount >= 0 {
		inner := make([]testAttr, outerCount)
		for i := range inner {
			if innerLen >= 0 {
				inner[i] = testAttr{Value: make([]byte, innerLen), Len: uint64(innerLen)}
			}
		}
		arr := m.cAttrs(inner)
		entries = unsafe.Slice(arr, outerCount)
		a.pValue = C.CK_VOID_PTR(unsafe.Pointer(arr))
		a.ulValueLen = C.CK_ULONG(outerCount * int(attrSize))
	}
	rv := applyArray(&a, value)
	out := make([]testAttr, len(entries))
	for i, e := range entries {
		out[i] = testAttr{Type: ck.AttributeType(e._type), Len: uint64(e.ulValueLen)}
		if e.pValue != nil && e.ulValueLen <= C.CK_ULONG(innerLen) {
			out[i].Value = C.GoBytes(unsafe.Pointer(e.pValue), C.int(e.ulValueLen))
		}
	}
	return ck.RV(rv), uint64(a.ulValueLen), out
}
