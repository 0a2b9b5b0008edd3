package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

// The shims of the message-based signing functions (message.c). dir is 1
// for signing, 0 for verifying. The per-message parameter is passed as
// bytes: the MAC mechanisms take none, so provider refuses any.

//export goMessageSignInit
func goMessageSignInit(h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, key C.CK_OBJECT_HANDLE, dir C.int) C.CK_RV {
	if dir == 1 {
		return callInit("C_MessageSignInit", (*provider.Module).MessageSignInit, h, pMech, key)
	}
	return callInit("C_MessageVerifyInit", (*provider.Module).MessageVerifyInit, h, pMech, key)
}

//export goSignMessage
func goSignMessage(h C.CK_SESSION_HANDLE, pParam C.CK_VOID_PTR, paramLen C.CK_ULONG, pData *C.CK_BYTE, dataLen C.CK_ULONG,
	pSig *C.CK_BYTE, pSigLen *C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_SignMessage"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	param, data, err := paramAndData(pParam, paramLen, pData, dataLen)
	if err != nil {
		return rvOf(fn, err)
	}
	n, err := m.SignMessage(ck.SessionHandle(h), param, data, outBytes(pSig, pSigLen))
	return finishOut(fn, pSigLen, n, err)
}

//export goSignMessageBegin
func goSignMessageBegin(h C.CK_SESSION_HANDLE, pParam C.CK_VOID_PTR, paramLen C.CK_ULONG, dir C.int) (rv C.CK_RV) {
	fn, f := "C_VerifyMessageBegin", (*provider.Module).VerifyMessageBegin
	if dir == 1 {
		fn, f = "C_SignMessageBegin", (*provider.Module).SignMessageBegin
	}
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	param, _, err := paramAndData(pParam, paramLen, nil, 0)
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, f(m, ck.SessionHandle(h), param))
}

//export goSignMessageNext
func goSignMessageNext(h C.CK_SESSION_HANDLE, pParam C.CK_VOID_PTR, paramLen C.CK_ULONG, pData *C.CK_BYTE, dataLen C.CK_ULONG,
	pSig *C.CK_BYTE, pSigLen *C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_SignMessageNext"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	param, data, err := paramAndData(pParam, paramLen, pData, dataLen)
	if err != nil {
		return rvOf(fn, err)
	}
	if pSigLen == nil { // not the last part
		_, err := m.SignMessageNext(ck.SessionHandle(h), param, data, false, nil)
		return rvOf(fn, err)
	}
	n, err := m.SignMessageNext(ck.SessionHandle(h), param, data, true, outBytes(pSig, pSigLen))
	return finishOut(fn, pSigLen, n, err)
}

//export goVerifyMessage
func goVerifyMessage(h C.CK_SESSION_HANDLE, pParam C.CK_VOID_PTR, paramLen C.CK_ULONG, pData *C.CK_BYTE, dataLen C.CK_ULONG,
	pSig *C.CK_BYTE, sigLen C.CK_ULONG, whole C.int) (rv C.CK_RV) {
	fn := "C_VerifyMessageNext"
	if whole == 1 {
		fn = "C_VerifyMessage"
	}
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	param, data, err := paramAndData(pParam, paramLen, pData, dataLen)
	if err != nil {
		return rvOf(fn, err)
	}
	sig, err := inBytes(unsafe.Pointer(pSig), sigLen)
	if err != nil {
		return rvOf(fn, err)
	}
	if whole == 1 {
		if sig == nil {
			sig = []byte{}
		}
		return rvOf(fn, m.VerifyMessage(ck.SessionHandle(h), param, data, sig))
	}
	return rvOf(fn, m.VerifyMessageNext(ck.SessionHandle(h), param, data, sig)) // sig nil: not the last part
}

//export goMessageSignFinal
func goMessageSignFinal(h C.CK_SESSION_HANDLE, dir C.int) (rv C.CK_RV) {
	fn, f := "C_MessageVerifyFinal", (*provider.Module).MessageVerifyFinal
	if dir == 1 {
		fn, f = "C_MessageSignFinal", (*provider.Module).MessageSignFinal
	}
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, f(m, ck.SessionHandle(h)))
}

// paramAndData copies the per-message parameter and the data.
func paramAndData(pParam C.CK_VOID_PTR, paramLen C.CK_ULONG, pData *C.CK_BYTE, dataLen C.CK_ULONG) ([]byte, []byte, error) {
	param, err := inBytes(unsafe.Pointer(pParam), paramLen)
	if err != nil {
		return nil, nil, err
	}
	data, err := inBytes(unsafe.Pointer(pData), dataLen)
	if err != nil {
		return nil, nil, err
	}
	return param, data, nil
}
