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

func callInOut(fn string, op ck.Flags, f inOutFunc, h C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, inLen C.CK_ULONG, pOut *C.CK_BYTE, pOutLen *C.CK_ULONG) (rv C.CK_RV) {
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	in, err := inBytes(unsafe.Pointer(pIn), inLen)
	if err != nil {
		return abortOperation(fn, m, h, op, err)
	}
	n, err := f(m, ck.SessionHandle(h), in, outBytes(pOut, pOutLen))
	return finishOut(fn, pOutLen, n, err)
}

// callOnce is callInOut for a single-part function whose input the provider
// consumes within the call: the input is read in place (inView).
func callOnce(fn string, op ck.Flags, f inOutFunc, h C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, inLen C.CK_ULONG, pOut *C.CK_BYTE, pOutLen *C.CK_ULONG) (rv C.CK_RV) {
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	in, err := inView(unsafe.Pointer(pIn), inLen)
	if err != nil {
		return abortOperation(fn, m, h, op, err)
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

func callIn(fn string, op ck.Flags, f inFunc, h C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, inLen C.CK_ULONG) (rv C.CK_RV) {
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	in, err := inBytes(unsafe.Pointer(pIn), inLen)
	if err != nil {
		return abortOperation(fn, m, h, op, err)
	}
	return rvOf(fn, f(m, ck.SessionHandle(h), in))
}

//export goEncryptInit
func goEncryptInit(h C.CK_SESSION_HANDLE, p *C.CK_MECHANISM, k C.CK_OBJECT_HANDLE) C.CK_RV {
	return callInit("C_EncryptInit", (*provider.Module).EncryptInit, h, p, k)
}

//export goEncrypt
func goEncrypt(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callOnce("C_Encrypt", ck.CKF_ENCRYPT, (*provider.Module).Encrypt, h, in, inLen, out, outLen)
}

//export goEncryptUpdate
func goEncryptUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_EncryptUpdate", ck.CKF_ENCRYPT, (*provider.Module).EncryptUpdate, h, in, inLen, out, outLen)
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
	return callOnce("C_Decrypt", ck.CKF_DECRYPT, (*provider.Module).Decrypt, h, in, inLen, out, outLen)
}

//export goDecryptUpdate
func goDecryptUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_DecryptUpdate", ck.CKF_DECRYPT, (*provider.Module).DecryptUpdate, h, in, inLen, out, outLen)
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
	return callOnce("C_Digest", ck.CKF_DIGEST, (*provider.Module).Digest, h, in, inLen, out, outLen)
}

//export goDigestUpdate
func goDigestUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG) (rv C.CK_RV) {
	const fn = "C_DigestUpdate"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	data, err := inView(unsafe.Pointer(in), inLen) // written into a hash.Hash, which keeps nothing
	if err != nil {
		return abortOperation(fn, m, h, ck.CKF_DIGEST, err)
	}
	return rvOf(fn, m.DigestUpdate(ck.SessionHandle(h), data))
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
	return callOnce("C_Sign", ck.CKF_SIGN, (*provider.Module).Sign, h, in, inLen, out, outLen)
}

//export goSignUpdate
func goSignUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG) C.CK_RV {
	return callIn("C_SignUpdate", ck.CKF_SIGN, (*provider.Module).SignUpdate, h, in, inLen)
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
	return callInOut("C_SignRecover", ck.CKF_SIGN_RECOVER, (*provider.Module).SignRecover, h, in, inLen, out, outLen)
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
	data, err := inView(unsafe.Pointer(pData), dataLen) // consumed within the call
	if err != nil {
		return abortOperation(fn, m, h, ck.CKF_VERIFY, err)
	}
	sig, err := inView(unsafe.Pointer(pSig), sigLen)
	if err != nil {
		return abortOperation(fn, m, h, ck.CKF_VERIFY, err)
	}
	return rvOf(fn, m.Verify(ck.SessionHandle(h), data, sig))
}

//export goVerifyUpdate
func goVerifyUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG) C.CK_RV {
	return callIn("C_VerifyUpdate", ck.CKF_VERIFY, (*provider.Module).VerifyUpdate, h, in, inLen)
}

//export goVerifyFinal
func goVerifyFinal(h C.CK_SESSION_HANDLE, sig *C.CK_BYTE, sigLen C.CK_ULONG) C.CK_RV {
	return callIn("C_VerifyFinal", ck.CKF_VERIFY, (*provider.Module).VerifyFinal, h, sig, sigLen)
}

//export goVerifyRecoverInit
func goVerifyRecoverInit(h C.CK_SESSION_HANDLE, p *C.CK_MECHANISM, k C.CK_OBJECT_HANDLE) C.CK_RV {
	return callInit("C_VerifyRecoverInit", (*provider.Module).VerifyRecoverInit, h, p, k)
}

//export goVerifyRecover
func goVerifyRecover(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_VerifyRecover", ck.CKF_VERIFY_RECOVER, (*provider.Module).VerifyRecover, h, in, inLen, out, outLen)
}

//export goDigestEncryptUpdate
func goDigestEncryptUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_DigestEncryptUpdate", ck.CKF_DIGEST|ck.CKF_ENCRYPT, (*provider.Module).DigestEncryptUpdate, h, in, inLen, out, outLen)
}

//export goDecryptDigestUpdate
func goDecryptDigestUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_DecryptDigestUpdate", ck.CKF_DECRYPT|ck.CKF_DIGEST, (*provider.Module).DecryptDigestUpdate, h, in, inLen, out, outLen)
}

//export goSignEncryptUpdate
func goSignEncryptUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_SignEncryptUpdate", ck.CKF_SIGN|ck.CKF_ENCRYPT, (*provider.Module).SignEncryptUpdate, h, in, inLen, out, outLen)
}

//export goDecryptVerifyUpdate
func goDecryptVerifyUpdate(h C.CK_SESSION_HANDLE, in *C.CK_BYTE, inLen C.CK_ULONG, out *C.CK_BYTE, outLen *C.CK_ULONG) C.CK_RV {
	return callInOut("C_DecryptVerifyUpdate", ck.CKF_DECRYPT|ck.CKF_VERIFY, (*provider.Module).DecryptVerifyUpdate, h, in, inLen, out, outLen)
}

// abortOperation ends the operations named by op (C_SessionCancel flags) after
// an argument error: any error but CKR_BUFFER_TOO_SMALL ends an operation
// (base 3.0 section 5.2), also one found before the provider is called.
func abortOperation(fn string, m *provider.Module, h C.CK_SESSION_HANDLE, op ck.Flags, err error) C.CK_RV {
	_ = m.SessionCancel(ck.SessionHandle(h), op) // an invalid session has nothing to end
	return rvOf(fn, err)
}

// goCancelOperation is C_XxxInit with a NULL mechanism: it ends the active
// operation of that kind, as C_SessionCancel would.
//
//export goCancelOperation
func goCancelOperation(h C.CK_SESSION_HANDLE, op C.CK_FLAGS) (rv C.CK_RV) {
	const fn = "cancel operation"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, m.SessionCancel(ck.SessionHandle(h), ck.Flags(op)))
}

// goAbortOperation is abortOperation for the NULL pointers the C front finds.
//
//export goAbortOperation
func goAbortOperation(h C.CK_SESSION_HANDLE, op C.CK_FLAGS) (rv C.CK_RV) {
	const fn = "abort operation"
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return abortOperation(fn, m, h, ck.Flags(op), ck.CKR_ARGUMENTS_BAD)
}
