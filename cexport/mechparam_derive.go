package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// Decoders of the derivation, AEAD and wrapping parameters that carry
// pointers (see paramDecoders in mechanism.go). Each checks ulParameterLen
// against the exact struct size before reading a member.

// cbool reads a CK_BBOOL strictly: only CK_FALSE and CK_TRUE are valid.
func cbool(b C.CK_BBOOL) (bool, error) {
	if b > 1 {
		return false, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return b == 1, nil
}

func decodeChaChaPoly(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_SALSA20_CHACHA20_POLY1305_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	nonce, err := field(unsafe.Pointer(s.pNonce), s.ulNonceLen)
	if err != nil {
		return nil, err
	}
	aad, err := field(unsafe.Pointer(s.pAAD), s.ulAADLen)
	if err != nil {
		return nil, err
	}
	return &ck.ChaCha20Poly1305Params{Nonce: nonce, AAD: aad}, nil
}

func decodeHKDF(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_HKDF_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	extract, err := cbool(s.bExtract)
	if err != nil {
		return nil, err
	}
	expand, err := cbool(s.bExpand)
	if err != nil {
		return nil, err
	}
	salt, err := field(unsafe.Pointer(s.pSalt), s.ulSaltLen)
	if err != nil {
		return nil, err
	}
	info, err := field(unsafe.Pointer(s.pInfo), s.ulInfoLen)
	if err != nil {
		return nil, err
	}
	return &ck.HKDFParams{
		Extract:  extract,
		Expand:   expand,
		PRF:      ck.MechanismType(s.prfHashMechanism),
		SaltType: ck.Flags(s.ulSaltType),
		Salt:     salt,
		SaltKey:  ck.ObjectHandle(s.hSaltKey),
		Info:     info,
	}, nil
}

func decodeStringData(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_KEY_DERIVATION_STRING_DATA](p, n)
	if err != nil {
		return nil, err
	}
	data, err := field(unsafe.Pointer(s.pData), s.ulLen)
	if err != nil {
		return nil, err
	}
	return &ck.KeyDerivationStringData{Data: data}, nil
}

func decodeAESCBCData(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_AES_CBC_ENCRYPT_DATA_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	data, err := field(unsafe.Pointer(s.pData), s.length)
	if err != nil {
		return nil, err
	}
	iv := C.GoBytes(unsafe.Pointer(&s.iv[0]), C.int(len(s.iv)))
	return &ck.CBCEncryptDataParams{IV: iv, Data: data}, nil
}

func decodeDESCBCData(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_DES_CBC_ENCRYPT_DATA_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	data, err := field(unsafe.Pointer(s.pData), s.length)
	if err != nil {
		return nil, err
	}
	iv := C.GoBytes(unsafe.Pointer(&s.iv[0]), C.int(len(s.iv)))
	return &ck.CBCEncryptDataParams{IV: iv, Data: data}, nil
}

// decodeRSAAESWrap follows pOAEPParams, which must be a whole
// CK_RSA_PKCS_OAEP_PARAMS (a NULL pointer is invalid).
func decodeRSAAESWrap(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_RSA_AES_KEY_WRAP_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	if s.pOAEPParams == nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	o, err := decodeOAEP(unsafe.Pointer(s.pOAEPParams), C.CK_ULONG(unsafe.Sizeof(C.CK_RSA_PKCS_OAEP_PARAMS{})))
	if err != nil {
		return nil, err
	}
	return &ck.RSAAESKeyWrapParams{AESKeyBits: ck.ULong(s.ulAESKeyBits), OAEP: *o.(*ck.OAEPParams)}, nil
}

// decodeConcatenateKey reads CKM_CONCATENATE_BASE_AND_KEY's parameter, a
// CK_OBJECT_HANDLE.
func decodeConcatenateKey(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	h, err := structAt[C.CK_OBJECT_HANDLE](p, n)
	if err != nil {
		return nil, err
	}
	return &ck.ConcatenateKeyParams{Other: ck.ObjectHandle(*h)}, nil
}
