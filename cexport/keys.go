package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

//export goGenerateKey
func goGenerateKey(h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, p *C.CK_ATTRIBUTE, n C.CK_ULONG, ph *C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_GenerateKey"
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
	k, err := m.GenerateKey(ck.SessionHandle(h), mech, t)
	if err != nil {
		return rvOf(fn, err)
	}
	*ph = C.CK_OBJECT_HANDLE(k)
	return C.CKR_OK
}

//export goGenerateKeyPair
func goGenerateKeyPair(h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, pPub *C.CK_ATTRIBUTE, nPub C.CK_ULONG,
	pPriv *C.CK_ATTRIBUTE, nPriv C.CK_ULONG, phPub, phPriv *C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_GenerateKeyPair"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mech, err := mechanism(pMech)
	if err != nil {
		return rvOf(fn, err)
	}
	pubT, err := template(pPub, nPub)
	if err != nil {
		return rvOf(fn, err)
	}
	privT, err := template(pPriv, nPriv)
	if err != nil {
		return rvOf(fn, err)
	}
	pub, priv, err := m.GenerateKeyPair(ck.SessionHandle(h), mech, pubT, privT)
	if err != nil {
		return rvOf(fn, err)
	}
	*phPub = C.CK_OBJECT_HANDLE(pub)
	*phPriv = C.CK_OBJECT_HANDLE(priv)
	return C.CKR_OK
}

//export goWrapKey
func goWrapKey(h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, wrapping, key C.CK_OBJECT_HANDLE, pOut *C.CK_BYTE, pOutLen *C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_WrapKey"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mech, err := mechanism(pMech)
	if err != nil {
		return rvOf(fn, err)
	}
	n, err := m.WrapKey(ck.SessionHandle(h), mech, ck.ObjectHandle(wrapping), ck.ObjectHandle(key), outBytes(pOut, pOutLen))
	return finishOut(fn, pOutLen, n, err)
}

//export goUnwrapKey
func goUnwrapKey(h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, unwrapping C.CK_OBJECT_HANDLE, pWrapped *C.CK_BYTE, wrappedLen C.CK_ULONG,
	p *C.CK_ATTRIBUTE, n C.CK_ULONG, ph *C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_UnwrapKey"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mech, err := mechanism(pMech)
	if err != nil {
		return rvOf(fn, err)
	}
	wrapped, err := inBytes(unsafe.Pointer(pWrapped), wrappedLen)
	if err != nil {
		return rvOf(fn, err)
	}
	t, err := template(p, n)
	if err != nil {
		return rvOf(fn, err)
	}
	k, err := m.UnwrapKey(ck.SessionHandle(h), mech, ck.ObjectHandle(unwrapping), wrapped, t)
	if err != nil {
		return rvOf(fn, err)
	}
	*ph = C.CK_OBJECT_HANDLE(k)
	return C.CKR_OK
}

//export goDeriveKey
func goDeriveKey(h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, base C.CK_OBJECT_HANDLE, p *C.CK_ATTRIBUTE, n C.CK_ULONG, ph *C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_DeriveKey"
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
	k, err := m.DeriveKey(ck.SessionHandle(h), mech, ck.ObjectHandle(base), t)
	if err != nil {
		return rvOf(fn, err)
	}
	*ph = C.CK_OBJECT_HANDLE(k)
	return C.CKR_OK
}

//export goSeedRandom
func goSeedRandom(h C.CK_SESSION_HANDLE, pSeed *C.CK_BYTE, seedLen C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_SeedRandom"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	seed, err := inBytes(unsafe.Pointer(pSeed), seedLen)
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.SeedRandom(ck.SessionHandle(h), seed))
}

//export goGenerateRandom
func goGenerateRandom(h C.CK_SESSION_HANDLE, pOut *C.CK_BYTE, outLen C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_GenerateRandom"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	if outLen > maxBuffer {
		return C.CKR_ARGUMENTS_BAD
	}
	out := outBytes(pOut, &outLen)
	if out == nil {
		out = []byte{}
	}
	return rvOf(fn, m.GenerateRandom(ck.SessionHandle(h), out))
}
