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

// The shapes of the cryptographic functions, as provider methods.
type (
	initFunc  func(m *provider.Module, h ck.SessionHandle, mech ck.Mechanism, key ck.ObjectHandle) error
	inOutFunc func(m *provider.Module, h ck.SessionHandle, in, out []byte) (int, error)
	outFunc   func(m *provider.Module, h ck.SessionHandle, out []byte) (int, error)
	inFunc    func(m *provider.Module, h ck.SessionHandle, in []byte) error
)

func callInit(fn string, f initFunc, h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, key C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mech, err := mechanism(pMech)
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, f(m, ck.SessionHandle(h), mech, ck.ObjectHandle(key)))
}

func callInOut(fn string, f inOutFunc, h C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, inLen C.CK_ULONG, pOut *C.CK_BYTE, pOutLen *C.CK_ULONG) (rv C.CK_RV) {
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	in, err := inBytes(unsafe.Pointer(pIn), inLen)
	if err != nil {
		return rvOf(fn, err)
	}
	n, err := f(m, ck.SessionHandle(h), in, outBytes(pOut, pOutLen))
	return finishOut(fn, pOutLen, n, err)
}

func callOut(fn string, f outFunc, h C.CK_SESSION_HANDLE, pOut *C.CK_BYTE, pOutLen *C.CK_ULONG) (rv C.CK_RV) {
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	n, err := f(m, ck.SessionHandle(h), outBytes(pOut, pOutLen))
	return finishOut(fn, pOutLen, n, err)
}

func callIn(fn string, f inFunc, h C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, inLen C.CK_ULONG) (rv C.CK_RV) {
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	in, err := inBytes(unsafe.Pointer(pIn), inLen)
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, f(m, ck.SessionHandle(h), in))
}

//export goEncryptInit
func goEncryptInit(h C.CK_SESSION_HANDLE, p *C.CK_MECHANISM, k C.CK_OBJECT_HANDLE) C.CK_RV {
	return callInit("C_EncryptInit", (*provider.Module).EncryptInit, h, p, k)
}

//export goEncrypt
func goEncrypt(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_Encrypt", (*provider.Module).Encrypt, h, in, inLen, out, outLen)
}

//export goEncryptUpdate
func goEncryptUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_EncryptUpdate", (*provider.Module).EncryptUpdate, h, in, inLen, out, outLen)
}

//export goEncryptFinal
func goEncryptFinal(h C.CK_SESSION_HANDLE, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callOut("C_EncryptFinal", (*provider.Module).EncryptFinal, h, out, outLen)
}

//export goDecryptInit
func goDecryptInit(h C.CK_SESSION_HANDLE, p *C.CK_MECHANISM, k C.CK_OBJECT_HANDLE) C.CK_RV {
	return callInit("C_DecryptInit", (*provider.Module).DecryptInit, h, p, k)
}

//export goDecrypt
func goDecrypt(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_Decrypt", (*provider.Module).Decrypt, h, in, inLen, out, outLen)
}

//export goDecryptUpdate
func goDecryptUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_DecryptUpdate", (*provider.Module).DecryptUpdate, h, in, inLen, out, outLen)
}

//export goDecryptFinal
func goDecryptFinal(h C.CK_SESSION_HANDLE, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callOut("C_DecryptFinal", (*provider.Module).DecryptFinal, h, out, outLen)
}

//export goDigestInit
func goDigestInit(h C.CK_SESSION_HANDLE, p *C.CK_MECHANISM) C.CK_RV {
	digestInit := func(m *provider.Module, h ck.SessionHandle, mech ck.Mechanism, _ ck.ObjectHandle) error {
		return m.DigestInit(h, mech)
	}
	return callInit("C_DigestInit", digestInit, h, p, 0)
}

//export goDigest
func goDigest(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_Digest", (*provider.Module).Digest, h, in, inLen, out, outLen)
}

//export goDigestUpdate
func goDigestUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG) C.CK_RV {
	return callIn("C_DigestUpdate", (*provider.Module).DigestUpdate, h, in, inLen)
}

//export goDigestKey
func goDigestKey(h C.CK_SESSION_HANDLE, k C.CK_OBJECT_HANDLE) (rv C.CK_RV) {
	const fn = "C_DigestKey"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.DigestKey(ck.SessionHandle(h), ck.ObjectHandle(k)))
}

//export goDigestFinal
func goDigestFinal(h C.CK_SESSION_HANDLE, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callOut("C_DigestFinal", (*provider.Module).DigestFinal, h, out, outLen)
}

//export goSignInit
func goSignInit(h C.CK_SESSION_HANDLE, p *C.CK_MECHANISM, k C.CK_OBJECT_HANDLE) C.CK_RV {
	return callInit("C_SignInit", (*provider.Module).SignInit, h, p, k)
}

//export goSign
func goSign(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_Sign", (*provider.Module).Sign, h, in, inLen, out, outLen)
}

//export goSignUpdate
func goSignUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG) C.CK_RV {
	return callIn("C_SignUpdate", (*provider.Module).SignUpdate, h, in, inLen)
}

//export goSignFinal
func goSignFinal(h C.CK_SESSION_HANDLE, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callOut("C_SignFinal", (*provider.Module).SignFinal, h, out, outLen)
}

//export goSignRecoverInit
func goSignRecoverInit(h C.CK_SESSION_HANDLE, p *C.CK_MECHANISM, k C.CK_OBJECT_HANDLE) C.CK_RV {
	return callInit("C_SignRecoverInit", (*provider.Module).SignRecoverInit, h, p, k)
}

//export goSignRecover
func goSignRecover(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_SignRecover", (*provider.Module).SignRecover, h, in, inLen, out, outLen)
}

//export goVerifyInit
func goVerifyInit(h C.CK_SESSION_HANDLE, p *C.CK_MECHANISM, k C.CK_OBJECT_HANDLE) C.CK_RV {
	return callInit("C_VerifyInit", (*provider.Module).VerifyInit, h, p, k)
}

//export goVerify
func goVerify(h C.CK_SESSION_HANDLE, pData *C.CK_BYTE, dataLen C.CK_ULONG, pSig *C.CK_BYTE, sigLen C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_Verify"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	data, err := inBytes(unsafe.Pointer(pData), dataLen)
	if err != nil {
		return rvOf(fn, err)
	}
	sig, err := inBytes(unsafe.Pointer(pSig), sigLen)
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.Verify(ck.SessionHandle(h), data, sig))
}

//export goVerifyUpdate
func goVerifyUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG) C.CK_RV {
	return callIn("C_VerifyUpdate", (*provider.Module).VerifyUpdate, h, in, inLen)
}

//export goVerifyFinal
func goVerifyFinal(h C.CK_SESSION_HANDLE, sig *C.CK_BYTE, sigLen C.CK_ULONG) C.CK_RV {
	return callIn("C_VerifyFinal", (*provider.Module).VerifyFinal, h, sig, sigLen)
}

//export goVerifyRecoverInit
func goVerifyRecoverInit(h C.CK_SESSION_HANDLE, p *C.CK_MECHANISM, k C.CK_OBJECT_HANDLE) C.CK_RV {
	return callInit("C_VerifyRecoverInit", (*provider.Module).VerifyRecoverInit, h, p, k)
}

//export goVerifyRecover
func goVerifyRecover(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_VerifyRecover", (*provider.Module).VerifyRecover, h, in, inLen, out, outLen)
}

//export goDigestEncryptUpdate
func goDigestEncryptUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_DigestEncryptUpdate", (*provider.Module).DigestEncryptUpdate, h, in, inLen, out, outLen)
}

//export goDecryptDigestUpdate
func goDecryptDigestUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_DecryptDigestUpdate", (*provider.Module).DecryptDigestUpdate, h, in, inLen, out, outLen)
}

//export goSignEncryptUpdate
func goSignEncryptUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_SignEncryptUpdate", (*provider.Module).SignEncryptUpdate, h, in, inLen, out, outLen)
}

//export goDecryptVerifyUpdate
func goDecryptVerifyUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_DecryptVerifyUpdate", (*provider.Module).DecryptVerifyUpdate, h, in, inLen, out, outLen)
}
