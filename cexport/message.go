package main

/*
#include <string.h>
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

// The shims of the message-based encryption functions (message.c). dir is
// 1 for encryption, 0 for decryption. Each per-message parameter is copied
// into a ck value for provider and, after a successful call, what the token
// returns through it (a generated IV, the tag) is copied back.

// msgParam is a decoded per-message parameter and how to return its outputs.
type msgParam struct {
	v         any
	writeBack func(withIV bool) // withIV: also the IV or nonce the token may have made
}

// msgParamDecoders read the per-message parameter of each mechanism that
// offers the message-based API.
var msgParamDecoders = map[ck.MechanismType]func(p unsafe.Pointer, n C.CK_ULONG, encrypt bool) (msgParam, error){
	ck.CKM_AES_GCM:           decodeGCMMessage,
	ck.CKM_CHACHA20_POLY1305: decodeChaChaMessage,
	ck.CKM_AES_CCM:           decodeCCMMessage,
}

// tagIn copies n tag bytes at p (the tag to check when decrypting).
func tagIn(p *C.CK_BYTE, n int, encrypt bool) []byte {
	if encrypt {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

// tagOut copies a made tag to p, which has room for n bytes.
func tagOut(p *C.CK_BYTE, n int, tag []byte) {
	if len(tag) == n && n > 0 {
		C.memcpy(unsafe.Pointer(p), unsafe.Pointer(&tag[0]), C.size_t(n))
	}
}

func decodeGCMMessage(p unsafe.Pointer, n C.CK_ULONG, encrypt bool) (msgParam, error) {
	s, err := structAt[C.CK_GCM_MESSAGE_PARAMS](p, n)
	if err != nil {
		return msgParam{}, err
	}
	if s.pTag == nil || s.ulTagBits%8 != 0 || s.ulTagBits > 128 {
		return msgParam{}, ck.CKR_MECHANISM_PARAM_INVALID
	}
	iv, err := field(unsafe.Pointer(s.pIv), s.ulIvLen)
	if err != nil {
		return msgParam{}, err
	}
	tagLen := int(s.ulTagBits / 8)
	v := &ck.GCMMessageParams{IV: iv, IVFixedBits: ck.ULong(s.ulIvFixedBits), IVGenerator: ck.GeneratorFunction(s.ivGenerator),
		Tag: tagIn(s.pTag, tagLen, encrypt), TagBits: ck.ULong(s.ulTagBits)}
	pIv, pTag := s.pIv, s.pTag
	return msgParam{v: v, writeBack: func(withIV bool) {
		if !encrypt {
			return
		}
		if withIV && v.IVGenerator != ck.CKG_NO_GENERATE && len(v.IV) > 0 {
			C.memcpy(unsafe.Pointer(pIv), unsafe.Pointer(&v.IV[0]), C.size_t(len(v.IV)))
		}
		tagOut(pTag, tagLen, v.Tag)
	}}, nil
}

func decodeChaChaMessage(p unsafe.Pointer, n C.CK_ULONG, encrypt bool) (msgParam, error) {
	s, err := structAt[C.CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS](p, n)
	if err != nil {
		return msgParam{}, err
	}
	if s.pTag == nil {
		return msgParam{}, ck.CKR_MECHANISM_PARAM_INVALID
	}
	nonce, err := field(unsafe.Pointer(s.pNonce), s.ulNonceLen)
	if err != nil {
		return msgParam{}, err
	}
	const tagLen = 16
	v := &ck.ChaCha20Poly1305MessageParams{Nonce: nonce, Tag: tagIn(s.pTag, tagLen, encrypt)}
	pTag := s.pTag
	return msgParam{v: v, writeBack: func(bool) {
		if encrypt {
			tagOut(pTag, tagLen, v.Tag)
		}
	}}, nil
}

func decodeCCMMessage(p unsafe.Pointer, n C.CK_ULONG, encrypt bool) (msgParam, error) {
	s, err := structAt[C.CK_CCM_MESSAGE_PARAMS](p, n)
	if err != nil {
		return msgParam{}, err
	}
	if s.pMAC == nil || s.ulMACLen > 16 {
		return msgParam{}, ck.CKR_MECHANISM_PARAM_INVALID
	}
	nonce, err := field(unsafe.Pointer(s.pNonce), s.ulNonceLen)
	if err != nil {
		return msgParam{}, err
	}
	macLen := int(s.ulMACLen)
	v := &ck.CCMMessageParams{DataLen: ck.ULong(s.ulDataLen), Nonce: nonce, NonceFixedBits: ck.ULong(s.ulNonceFixedBits),
		NonceGenerator: ck.GeneratorFunction(s.nonceGenerator), MAC: tagIn(s.pMAC, macLen, encrypt), MACLen: ck.ULong(s.ulMACLen)}
	pNonce, pMAC := s.pNonce, s.pMAC
	return msgParam{v: v, writeBack: func(withIV bool) {
		if !encrypt {
			return
		}
		if withIV && v.NonceGenerator != ck.CKG_NO_GENERATE && len(v.Nonce) > 0 {
			C.memcpy(unsafe.Pointer(pNonce), unsafe.Pointer(&v.Nonce[0]), C.size_t(len(v.Nonce)))
		}
		tagOut(pMAC, macLen, v.MAC)
	}}, nil
}

// decodeMsgParam decodes the parameter for the active operation's mechanism.
func decodeMsgParam(m *provider.Module, h C.CK_SESSION_HANDLE, encrypt bool, p C.CK_VOID_PTR, n C.CK_ULONG) (msgParam, error) {
	mt, err := m.MessageMechanism(ck.SessionHandle(h), encrypt)
	if err != nil {
		return msgParam{}, err
	}
	dec, ok := msgParamDecoders[mt]
	if !ok {
		return msgParam{}, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return dec(unsafe.Pointer(p), n, encrypt)
}

//export goMessageInit
func goMessageInit(h C.CK_SESSION_HANDLE, pMech *C.CK_MECHANISM, key C.CK_OBJECT_HANDLE, dir C.int) C.CK_RV {
	if dir == 1 {
		return callInit("C_MessageEncryptInit", (*provider.Module).MessageEncryptInit, h, pMech, key)
	}
	return callInit("C_MessageDecryptInit", (*provider.Module).MessageDecryptInit, h, pMech, key)
}

//export goMessageWhole
func goMessageWhole(h C.CK_SESSION_HANDLE, pParam C.CK_VOID_PTR, paramLen C.CK_ULONG, pAAD *C.CK_BYTE, aadLen C.CK_ULONG,
	pIn *C.CK_BYTE, inLen C.CK_ULONG, pOut *C.CK_BYTE, pOutLen *C.CK_ULONG, dir C.int) (rv C.CK_RV) {
	fn, f := "C_DecryptMessage", (*provider.Module).DecryptMessage
	if dir == 1 {
		fn, f = "C_EncryptMessage", (*provider.Module).EncryptMessage
	}
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mp, err := decodeMsgParam(m, h, dir == 1, pParam, paramLen)
	if err != nil {
		return rvOf(fn, err)
	}
	aad, err := inBytes(unsafe.Pointer(pAAD), aadLen)
	if err != nil {
		return rvOf(fn, err)
	}
	in, err := inBytes(unsafe.Pointer(pIn), inLen)
	if err != nil {
		return rvOf(fn, err)
	}
	out := outBytes(pOut, pOutLen)
	n, err := f(m, ck.SessionHandle(h), mp.v, aad, in, out)
	if err == nil && out != nil {
		mp.writeBack(true)
	}
	return finishOut(fn, pOutLen, n, err)
}

//export goMessageBegin
func goMessageBegin(h C.CK_SESSION_HANDLE, pParam C.CK_VOID_PTR, paramLen C.CK_ULONG, pAAD *C.CK_BYTE, aadLen C.CK_ULONG, dir C.int) (rv C.CK_RV) {
	fn, f := "C_DecryptMessageBegin", (*provider.Module).DecryptMessageBegin
	if dir == 1 {
		fn, f = "C_EncryptMessageBegin", (*provider.Module).EncryptMessageBegin
	}
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mp, err := decodeMsgParam(m, h, dir == 1, pParam, paramLen)
	if err != nil {
		return rvOf(fn, err)
	}
	aad, err := inBytes(unsafe.Pointer(pAAD), aadLen)
	if err != nil {
		return rvOf(fn, err)
	}
	if err := f(m, ck.SessionHandle(h), mp.v, aad); err != nil {
		return rvOf(fn, err)
	}
	mp.writeBack(true) // the generated IV; no tag yet
	return C.CKR_OK
}

//export goMessageNext
func goMessageNext(h C.CK_SESSION_HANDLE, pParam C.CK_VOID_PTR, paramLen C.CK_ULONG, pIn *C.CK_BYTE, inLen C.CK_ULONG,
	pOut *C.CK_BYTE, pOutLen *C.CK_ULONG, flags C.CK_FLAGS, dir C.int) (rv C.CK_RV) {
	fn, f := "C_DecryptMessageNext", (*provider.Module).DecryptMessageNext
	if dir == 1 {
		fn, f = "C_EncryptMessageNext", (*provider.Module).EncryptMessageNext
	}
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	mp, err := decodeMsgParam(m, h, dir == 1, pParam, paramLen)
	if err != nil {
		return rvOf(fn, err)
	}
	in, err := inBytes(unsafe.Pointer(pIn), inLen)
	if err != nil {
		return rvOf(fn, err)
	}
	out := outBytes(pOut, pOutLen)
	n, err := f(m, ck.SessionHandle(h), mp.v, in, out, ck.Flags(flags))
	if err == nil && out != nil && ck.Flags(flags)&ck.CKF_END_OF_MESSAGE != 0 {
		mp.writeBack(false) // the tag; the IV was made (and returned) at Begin
	}
	return finishOut(fn, pOutLen, n, err)
}

//export goMessageFinal
func goMessageFinal(h C.CK_SESSION_HANDLE, dir C.int) (rv C.CK_RV) {
	fn, f := "C_MessageDecryptFinal", (*provider.Module).MessageDecryptFinal
	if dir == 1 {
		fn, f = "C_MessageEncryptFinal", (*provider.Module).MessageEncryptFinal
	}
	defer recoverRV(fn, &rv)
	m, err := mod()
	if err != nil {
		return rvOf(fn, err)
	}
	return rvOf(fn, f(m, ck.SessionHandle(h)))
}
