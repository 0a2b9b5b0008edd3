package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"errors"
	"unsafe"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

type attributeResult = provider.AttributeResult

// Provider contract violations, reported as CKR_GENERAL_ERROR.
var (
	errResultCount    = errors.New("GetAttributeValue returned a result count unlike the template's")
	errTooManyObjects = errors.New("FindObjects returned more handles than asked for")
)

//export goCreateObject
func goCreateObject(h C.CK_SESSION_HANDLE, p *C.CK_ATTRIBUTE, n C.CK_ULONG, ph *C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_CreateObject"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	t, err := template(p, n)
	if err != nil {
		return rvOf(fn, err)
	}
	o, err := m.CreateObject(ck.SessionHandle(h), t)
	if err != nil {
		return rvOf(fn, err)
	}
	*ph = C.CK_OBJECT_HANDLE(o)
	return C.CKR_OK
}

//export goCopyObject
func goCopyObject(h C.CK_SESSION_HANDLE, o C.CK_OBJECT_HANDLE, p *C.CK_ATTRIBUTE, n C.CK_ULONG, ph *C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_CopyObject"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	t, err := template(p, n)
	if err != nil {
		return rvOf(fn, err)
	}
	c, err := m.CopyObject(ck.SessionHandle(h), ck.ObjectHandle(o), t)
	if err != nil {
		return rvOf(fn, err)
	}
	*ph = C.CK_OBJECT_HANDLE(c)
	return C.CKR_OK
}

//export goDestroyObject
func goDestroyObject(h C.CK_SESSION_HANDLE, o C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_DestroyObject"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.DestroyObject(ck.SessionHandle(h), ck.ObjectHandle(o)))
}

//export goGetObjectSize
func goGetObjectSize(h C.CK_SESSION_HANDLE, o C.CK_OBJECT_HANDLE, pSize *C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_GetObjectSize"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	size, err := m.ObjectSize(ck.SessionHandle(h), ck.ObjectHandle(o))
	if err != nil {
		return rvOf(fn, err)
	}
	*pSize = C.CK_ULONG(size)
	return C.CKR_OK
}

// goGetAttributeValue applies the rules of base 3.0 section 5.7.5 to each
// attribute, processing all of them; when several fail, the call returns the
// error of the first failing attribute in template order.
//
//export goGetAttributeValue
func goGetAttributeValue(h C.CK_SESSION_HANDLE, o C.CK_OBJECT_HANDLE, p *C.CK_ATTRIBUTE, n C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_GetAttributeValue"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	if n > maxTemplate || (p == nil && n != 0) {
		return C.CKR_ARGUMENTS_BAD
	}
	var attrs []C.CK_ATTRIBUTE
	if n > 0 {
		attrs = unsafe.Slice(p, int(n))
	}
	types := make([]ck.AttributeType, len(attrs))
	for i := range attrs {
		types[i] = ck.AttributeType(attrs[i]._type)
	}
	results, err := m.GetAttributeValue(ck.SessionHandle(h), ck.ObjectHandle(o), types)
	if err != nil {
		return rvOf(fn, err)
	}
	if len(results) != len(attrs) {
		return rvOf(fn, errResultCount)
	}
	rv = C.CKR_OK
	for i := range attrs {
		r := applyAttribute(fn, &attrs[i], results[i])
		if rv == C.CKR_OK {
			rv = r
		}
	}
	return rv
}

// applyAttribute fills one CK_ATTRIBUTE from the provider's result.
func applyAttribute(fn string, a *C.CK_ATTRIBUTE, r attributeResult) C.CK_RV {
	if r.Err != ck.CKR_OK {
		a.ulValueLen = C.CK_ULONG(ck.UnavailableInformation)
		return C.CK_RV(r.Err)
	}
	if ck.IsAttributeArray(ck.AttributeType(a._type)) {
		return applyArray(a, r.Value)
	}
	need := C.CK_ULONG(len(r.Value))
	switch {
	case a.pValue == nil:
		a.ulValueLen = need
		return C.CKR_OK
	case a.ulValueLen < need:
		a.ulValueLen = C.CK_ULONG(ck.UnavailableInformation)
		return C.CKR_BUFFER_TOO_SMALL
	}
	if need > 0 {
		copy(unsafe.Slice((*byte)(a.pValue), int(need)), r.Value)
	}
	a.ulValueLen = need
	return C.CKR_OK
}

//export goSetAttributeValue
func goSetAttributeValue(h C.CK_SESSION_HANDLE, o C.CK_OBJECT_HANDLE, p *C.CK_ATTRIBUTE, n C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_SetAttributeValue"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	t, err := template(p, n)
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.SetAttributeValue(ck.SessionHandle(h), ck.ObjectHandle(o), t))
}

//export goFindObjectsInit
func goFindObjectsInit(h C.CK_SESSION_HANDLE, p *C.CK_ATTRIBUTE, n C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_FindObjectsInit"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	t, err := template(p, n)
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.FindObjectsInit(ck.SessionHandle(h), t))
}

//export goFindObjects
func goFindObjects(h C.CK_SESSION_HANDLE, ph *C.CK_OBJECT_HANDLE, max C.CK_ULONG, pCount *C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_FindObjects"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	if max > maxListCount {
		max = maxListCount // the caller's array may be larger; gohsm returns fewer
	}
	found, err := m.FindObjects(ck.SessionHandle(h), int(max))
	if err != nil {
		return rvOf(fn, err)
	}
	if len(found) > int(max) {
		return rvOf(fn, errTooManyObjects)
	}
	out := unsafe.Slice(ph, len(found))
	for i, o := range found {
		out[i] = C.CK_OBJECT_HANDLE(o)
	}
	*pCount = C.CK_ULONG(len(found))
	return C.CKR_OK
}

//export goFindObjectsFinal
func goFindObjectsFinal(h C.CK_SESSION_HANDLE) (rv C.CK_RV) {
	const fn = "C_FindObjectsFinal"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.FindObjectsFinal(ck.SessionHandle(h)))
}
