package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// paramDecoder turns the parameter bytes of a mechanism whose C structure
// carries pointers into one of ck's *Params values (ck/params.go), so that no
// layer below cexport ever holds a C pointer. p points to n bytes.
type paramDecoder func(p unsafe.Pointer, n C.CK_ULONG) (any, error)

// paramDecoders names the mechanisms whose parameter is a structure. Every
// other mechanism gets its parameter as raw bytes (nil when NULL or empty);
// pointer-free structures are decoded by the mechanism itself.
var paramDecoders = map[ck.MechanismType]paramDecoder{
	ck.CKM_AES_GCM:               decodeGCM,
	ck.CKM_AES_CCM:               decodeCCM,
	ck.CKM_RSA_PKCS_OAEP:         decodeOAEP,
	ck.CKM_RSA_PKCS_PSS:          decodePSS,
	ck.CKM_SHA1_RSA_PKCS_PSS:     decodePSS,
	ck.CKM_SHA224_RSA_PKCS_PSS:   decodePSS,
	ck.CKM_SHA256_RSA_PKCS_PSS:   decodePSS,
	ck.CKM_SHA384_RSA_PKCS_PSS:   decodePSS,
	ck.CKM_SHA512_RSA_PKCS_PSS:   decodePSS,
	ck.CKM_SHA3_224_RSA_PKCS_PSS: decodePSS,
	ck.CKM_SHA3_256_RSA_PKCS_PSS: decodePSS,
	ck.CKM_SHA3_384_RSA_PKCS_PSS: decodePSS,
	ck.CKM_SHA3_512_RSA_PKCS_PSS: decodePSS,
	ck.CKM_ECDH1_DERIVE:          decodeECDH1,
	ck.CKM_ECDH1_COFACTOR_DERIVE: decodeECDH1,
	ck.CKM_EDDSA:                 decodeEdDSA,

	ck.CKM_CHACHA20_POLY1305:             decodeChaChaPoly,
	ck.CKM_CHACHA20:                      decodeChaCha20, // mechparam_chacha.go
	ck.CKM_HKDF_DERIVE:                   decodeHKDF,
	ck.CKM_HKDF_DATA:                     decodeHKDF,
	ck.CKM_CONCATENATE_BASE_AND_KEY:      decodeConcatenateKey,
	ck.CKM_CONCATENATE_BASE_AND_DATA:     decodeStringData,
	ck.CKM_CONCATENATE_DATA_AND_BASE:     decodeStringData,
	ck.CKM_XOR_BASE_AND_DATA:             decodeStringData,
	ck.CKM_AES_ECB_ENCRYPT_DATA:          decodeStringData,
	ck.CKM_DES3_ECB_ENCRYPT_DATA:         decodeStringData,
	ck.CKM_AES_CBC_ENCRYPT_DATA:          decodeAESCBCData,
	ck.CKM_DES3_CBC_ENCRYPT_DATA:         decodeDESCBCData,
	ck.CKM_RSA_AES_KEY_WRAP:              decodeRSAAESWrap,
	ck.CKM_PKCS5_PBKD2:                   decodePBKD2,
	ck.CKM_SP800_108_COUNTER_KDF:         decodeSP800108,
	ck.CKM_SP800_108_DOUBLE_PIPELINE_KDF: decodeSP800108,
	ck.CKM_SP800_108_FEEDBACK_KDF:        decodeSP800108Feedback,
}

// mechanism copies a CK_MECHANISM. A NULL or empty parameter is nil.
func mechanism(m *C.CK_MECHANISM) (ck.Mechanism, error) {
	if m == nil {
		return ck.Mechanism{}, ck.CKR_ARGUMENTS_BAD
	}
	out := ck.Mechanism{Type: ck.MechanismType(m.mechanism)}
	if m.pParameter == nil || m.ulParameterLen == 0 {
		if m.pParameter == nil && m.ulParameterLen != 0 {
			return out, ck.CKR_MECHANISM_PARAM_INVALID
		}
		return out, nil
	}
	if dec, ok := paramDecoders[out.Type]; ok {
		v, err := dec(unsafe.Pointer(m.pParameter), m.ulParameterLen)
		out.Parameter = v
		return out, err
	}
	b, err := inBytes(unsafe.Pointer(m.pParameter), m.ulParameterLen)
	if err != nil {
		return out, ck.CKR_MECHANISM_PARAM_INVALID
	}
	out.Parameter = b
	return out, nil
}

// structAt returns the parameter as a *T when it is exactly sizeof(T).
func structAt[T any](p unsafe.Pointer, n C.CK_ULONG) (*T, error) {
	var zero T
	if uintptr(n) != unsafe.Sizeof(zero) {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return (*T)(p), nil
}

// field copies one pointer+length member; NULL with a length is invalid.
func field(p unsafe.Pointer, n C.CK_ULONG) ([]byte, error) {
	b, err := inBytes(p, n)
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return b, nil
}

func decodeGCM(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_GCM_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	iv, err := field(unsafe.Pointer(s.pIv), s.ulIvLen)
	if err != nil {
		return nil, err
	}
	aad, err := field(unsafe.Pointer(s.pAAD), s.ulAADLen)
	if err != nil {
		return nil, err
	}
	return &ck.GCMParams{IV: iv, AAD: aad, IVBits: ck.ULong(s.ulIvBits), TagBits: ck.ULong(s.ulTagBits)}, nil
}

func decodeCCM(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_CCM_PARAMS](p, n)
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
	return &ck.CCMParams{DataLen: ck.ULong(s.ulDataLen), Nonce: nonce, AAD: aad, MACLen: ck.ULong(s.ulMACLen)}, nil
}

func decodeOAEP(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_RSA_PKCS_OAEP_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	src, err := field(unsafe.Pointer(s.pSourceData), s.ulSourceDataLen)
	if err != nil {
		return nil, err
	}
	return &ck.OAEPParams{
		Hash:       ck.MechanismType(s.hashAlg),
		MGF:        ck.MGF(s.mgf),
		Source:     ck.SourceType(s.source),
		SourceData: src,
	}, nil
}

func decodePSS(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_RSA_PKCS_PSS_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	return &ck.PSSParams{Hash: ck.MechanismType(s.hashAlg), MGF: ck.MGF(s.mgf), SaltLength: ck.ULong(s.sLen)}, nil
}

func decodeECDH1(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_ECDH1_DERIVE_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	shared, err := field(unsafe.Pointer(s.pSharedData), s.ulSharedDataLen)
	if err != nil {
		return nil, err
	}
	pub, err := field(unsafe.Pointer(s.pPublicData), s.ulPublicDataLen)
	if err != nil {
		return nil, err
	}
	return &ck.ECDH1DeriveParams{KDF: ck.EC_KDF(s.kdf), SharedData: shared, PublicData: pub}, nil
}

func decodeEdDSA(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_EDDSA_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	if s.phFlag > 1 {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	ctx, err := field(unsafe.Pointer(s.pContextData), s.ulContextDataLen)
	if err != nil {
		return nil, err
	}
	return &ck.EdDSAParams{PHFlag: s.phFlag == 1, ContextData: ctx}, nil
}
