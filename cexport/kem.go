package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// kem.go: the Go side of C_EncapsulateKey and C_DecapsulateKey (PKCS#11 3.2).

//export goEncapsulateKey
func goEncapsulateKey(h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, pub C.CK_OBJECT_HANDLE, p *C.CK_ATTRIBUTE, n C.CK_ULONG,
	pCt *C.CK_BYTE, pCtLen *C.CK_ULONG, ph *C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_EncapsulateKey"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mech, err := mechanism(pMech)
	if err != nil {
		return rvOf(fn, err)
	}
	t, err := template(p, n)
	if err != nil {
		return rvOf(fn, err)
	}
	size, k, err := m.EncapsulateKey(ck.SessionHandle(h), mech, ck.ObjectHandle(pub), t, outBytes(pCt, pCtLen))
	rv = finishOut(fn, pCtLen, size, err)
	if rv == C.CKR_OK && pCt != nil {
		*ph = C.CK_OBJECT_HANDLE(k)
	}
	return rv
}

//export goDecapsulateKey
func goDecapsulateKey(h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, priv C.CK_OBJECT_HANDLE, p *C.CK_ATTRIBUTE, n C.CK_ULONG,
	pCt *C.CK_BYTE, ctLen C.CK_ULONG, ph *C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_DecapsulateKey"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mech, err := mechanism(pMech)
	if err != nil {
		return rvOf(fn, err)
	}
	t, err := template(p, n)
	if err != nil {
		return rvOf(fn, err)
	}
	ct, err := inBytes(unsafe.Pointer(pCt), ctLen)
	if err != nil {
		return rvOf(fn, err)
	}
	k, err := m.DecapsulateKey(ck.SessionHandle(h), mech, ck.ObjectHandle(priv), t, ct)
	if err != nil {
		return rvOf(fn, err)
	}
	*ph = C.CK_OBJECT_HANDLE(k)
	return C.CKR_OK
}
