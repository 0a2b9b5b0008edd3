package main

/*
#include <stdlib.h>
#include <string.h>
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// cmem lays Go values out in C memory, as an application would pass them, for
// this package's tests and fuzz targets (test files cannot use cgo). Each
// allocation is freed by free.
type cmem struct{ ptrs []unsafe.Pointer }

func (m *cmem) bytes(b []byte) unsafe.Pointer {
	if b == nil {
		return nil
	}
	p := C.malloc(C.size_t(len(b) + 1)) // +1: never malloc(0)
	if len(b) > 0 {
		C.memcpy(p, unsafe.Pointer(&b[0]), C.size_t(len(b)))
	}
	m.ptrs = append(m.ptrs, p)
	return p
}

func (m *cmem) free() {
	for _, p := range m.ptrs {
		C.free(p)
	}
	m.ptrs = nil
}

// testAttr is one CK_ATTRIBUTE to lay out: Value nil with Len > 0 makes a
// NULL pValue with a length.
type testAttr struct {
	Type  ck.AttributeType
	Value []byte
	Len   uint64
}

// decodeCTemplate lays attrs out as a CK_ATTRIBUTE array and decodes it with template.
func decodeCTemplate(attrs []testAttr) (ck.Template, error) {
	var m cmem
	defer m.free()
	if len(attrs) == 0 {
		return template(nil, 0)
	}
	arr := (*C.CK_ATTRIBUTE)(C.calloc(C.size_t(len(attrs)), C.size_t(unsafe.Sizeof(C.CK_ATTRIBUTE{}))))
	m.ptrs = append(m.ptrs, unsafe.Pointer(arr))
	s := unsafe.Slice(arr, len(attrs))
	for i, a := range attrs {
		s[i]._type = C.CK_ATTRIBUTE_TYPE(a.Type)
		s[i].pValue = C.CK_VOID_PTR(m.bytes(a.Value))
		s[i].ulValueLen = C.CK_ULONG(a.Len)
	}
	return template(arr, C.CK_ULONG(len(attrs)))
}

// testParam describes a mechanism parameter: either Raw bytes, or the
// fields of the mechanism's C struct (two byte strings and two numbers, in
// the struct's order of pointer members and number members).
type testParam struct {
	Raw        []byte
	Struct     bool
	A, B       []byte
	X, Y       uint64
	LenDelta   int // added to sizeof(struct) for ulParameterLen
	NullWithLn bool
}

// decodeCMechanism lays a CK_MECHANISM out in C memory and decodes it with mechanism.
func decodeCMechanism(t ck.MechanismType, p testParam) (ck.Mechanism, error) {
	var m cmem
	defer m.free()
	mech := (*C.CK_MECHANISM)(C.calloc(1, C.size_t(unsafe.Sizeof(C.CK_MECHANISM{}))))
	m.ptrs = append(m.ptrs, unsafe.Pointer(mech))
	mech.mechanism = C.CK_MECHANISM_TYPE(t)
	switch {
	case p.NullWithLn:
		mech.ulParameterLen = C.CK_ULONG(len(p.Raw) + 1)
	case !p.Struct:
		mech.pParameter = C.CK_VOID_PTR(m.bytes(p.Raw))
		mech.ulParameterLen = C.CK_ULONG(len(p.Raw))
	default:
		ptr, size := paramStruct(&m, t, p)
		mech.pParameter = C.CK_VOID_PTR(ptr)
		mech.ulParameterLen = C.CK_ULONG(int(size) + p.LenDelta)
	}
	return mechanism(mech)
}

// paramStruct fills the C parameter struct of t from p (see testParam).
func paramStruct(m *cmem, t ck.MechanismType, p testParam) (unsafe.Pointer, uintptr) {
	a, b := m.bytes(p.A), m.bytes(p.B)
	la, lb := C.CK_ULONG(len(p.A)), C.CK_ULONG(len(p.B))
	x, y := C.CK_ULONG(p.X), C.CK_ULONG(p.Y)
	alloc := func(size uintptr) unsafe.Pointer {
		q := C.calloc(1, C.size_t(size+64)) // room for a LenDelta beyond the struct
		m.ptrs = append(m.ptrs, q)
		return q
	}
	switch t {
	case ck.CKM_AES_GCM:
		s := (*C.CK_GCM_PARAMS)(alloc(unsafe.Sizeof(C.CK_GCM_PARAMS{})))
		*s = C.CK_GCM_PARAMS{pIv: (*C.CK_BYTE)(a), ulIvLen: la, ulIvBits: x, pAAD: (*C.CK_BYTE)(b), ulAADLen: lb, ulTagBits: y}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_AES_CCM:
		s := (*C.CK_CCM_PARAMS)(alloc(unsafe.Sizeof(C.CK_CCM_PARAMS{})))
		*s = C.CK_CCM_PARAMS{ulDataLen: x, pNonce: (*C.CK_BYTE)(a), ulNonceLen: la, pAAD: (*C.CK_BYTE)(b), ulAADLen: lb, ulMACLen: y}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_RSA_PKCS_OAEP:
		s := (*C.CK_RSA_PKCS_OAEP_PARAMS)(alloc(unsafe.Sizeof(C.CK_RSA_PKCS_OAEP_PARAMS{})))
		*s = C.CK_RSA_PKCS_OAEP_PARAMS{hashAlg: x, mgf: y, source: 1, pSourceData: C.CK_VOID_PTR(a), ulSourceDataLen: la}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_ECDH1_DERIVE, ck.CKM_ECDH1_COFACTOR_DERIVE:
		s := (*C.CK_ECDH1_DERIVE_PARAMS)(alloc(unsafe.Sizeof(C.CK_ECDH1_DERIVE_PARAMS{})))
		*s = C.CK_ECDH1_DERIVE_PARAMS{kdf: x, ulSharedDataLen: la, pSharedData: (*C.CK_BYTE)(a), ulPublicDataLen: lb, pPublicData: (*C.CK_BYTE)(b)}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_ML_DSA, ck.CKM_SLH_DSA, ck.CKM_HASH_SLH_DSA_SHA224, ck.CKM_HASH_SLH_DSA_SHA256, ck.CKM_HASH_SLH_DSA_SHA384,
		ck.CKM_HASH_SLH_DSA_SHA512, ck.CKM_HASH_SLH_DSA_SHA3_224, ck.CKM_HASH_SLH_DSA_SHA3_256, ck.CKM_HASH_SLH_DSA_SHA3_384,
		ck.CKM_HASH_SLH_DSA_SHA3_512, ck.CKM_HASH_SLH_DSA_SHAKE128, ck.CKM_HASH_SLH_DSA_SHAKE256: // mechparam_pqc.go
		s := (*C.CK_SIGN_ADDITIONAL_CONTEXT)(alloc(unsafe.Sizeof(C.CK_SIGN_ADDITIONAL_CONTEXT{})))
		*s = C.CK_SIGN_ADDITIONAL_CONTEXT{hedgeVariant: x, pContext: (*C.CK_BYTE)(a), ulContextLen: la}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_EDDSA:
		s := (*C.CK_EDDSA_PARAMS)(alloc(unsafe.Sizeof(C.CK_EDDSA_PARAMS{})))
		*s = C.CK_EDDSA_PARAMS{phFlag: C.CK_BBOOL(x), ulContextDataLen: la, pContextData: (*C.CK_BYTE)(a)}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_CHACHA20_POLY1305:
		s := (*C.CK_SALSA20_CHACHA20_POLY1305_PARAMS)(alloc(unsafe.Sizeof(C.CK_SALSA20_CHACHA20_POLY1305_PARAMS{})))
		*s = C.CK_SALSA20_CHACHA20_POLY1305_PARAMS{pNonce: (*C.CK_BYTE)(a), ulNonceLen: la, pAAD: (*C.CK_BYTE)(b), ulAADLen: lb}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_CHACHA20:
		// The arrays have no length member: laid out at their largest
		// (8 and 24 bytes) so that any accepted bit count stays inside.
		ctr, nonce := m.bytes(append(append([]byte{}, p.A...), make([]byte, 8)...)), m.bytes(append(append([]byte{}, p.B...), make([]byte, 24)...))
		s := (*C.CK_CHACHA20_PARAMS)(alloc(unsafe.Sizeof(C.CK_CHACHA20_PARAMS{})))
		*s = C.CK_CHACHA20_PARAMS{pBlockCounter: (*C.CK_BYTE)(ctr), blockCounterBits: x, pNonce: (*C.CK_BYTE)(nonce), ulNonceBits: y}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_HKDF_DERIVE, ck.CKM_HKDF_DATA:
		s := (*C.CK_HKDF_PARAMS)(alloc(unsafe.Sizeof(C.CK_HKDF_PARAMS{})))
		*s = C.CK_HKDF_PARAMS{bExtract: C.CK_BBOOL(x), bExpand: C.CK_BBOOL(y), prfHashMechanism: x, ulSaltType: y,
			pSalt: (*C.CK_BYTE)(a), ulSaltLen: la, hSaltKey: y, pInfo: (*C.CK_BYTE)(b), ulInfoLen: lb}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_CONCATENATE_BASE_AND_DATA, ck.CKM_CONCATENATE_DATA_AND_BASE, ck.CKM_XOR_BASE_AND_DATA,
		ck.CKM_AES_ECB_ENCRYPT_DATA, ck.CKM_DES3_ECB_ENCRYPT_DATA:
		s := (*C.CK_KEY_DERIVATION_STRING_DATA)(alloc(unsafe.Sizeof(C.CK_KEY_DERIVATION_STRING_DATA{})))
		*s = C.CK_KEY_DERIVATION_STRING_DATA{pData: (*C.CK_BYTE)(a), ulLen: la}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_AES_CBC_ENCRYPT_DATA:
		s := (*C.CK_AES_CBC_ENCRYPT_DATA_PARAMS)(alloc(unsafe.Sizeof(C.CK_AES_CBC_ENCRYPT_DATA_PARAMS{})))
		*s = C.CK_AES_CBC_ENCRYPT_DATA_PARAMS{pData: (*C.CK_BYTE)(a), length: la}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_DES3_CBC_ENCRYPT_DATA:
		s := (*C.CK_DES_CBC_ENCRYPT_DATA_PARAMS)(alloc(unsafe.Sizeof(C.CK_DES_CBC_ENCRYPT_DATA_PARAMS{})))
		*s = C.CK_DES_CBC_ENCRYPT_DATA_PARAMS{pData: (*C.CK_BYTE)(a), length: la}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_RSA_AES_KEY_WRAP:
		var oaep *C.CK_RSA_PKCS_OAEP_PARAMS
		if x%2 == 1 { // an odd x leaves pOAEPParams NULL
			oaep = (*C.CK_RSA_PKCS_OAEP_PARAMS)(alloc(unsafe.Sizeof(C.CK_RSA_PKCS_OAEP_PARAMS{})))
			*oaep = C.CK_RSA_PKCS_OAEP_PARAMS{hashAlg: y, mgf: y, source: 1, pSourceData: C.CK_VOID_PTR(b), ulSourceDataLen: lb}
		}
		s := (*C.CK_RSA_AES_KEY_WRAP_PARAMS)(alloc(unsafe.Sizeof(C.CK_RSA_AES_KEY_WRAP_PARAMS{})))
		*s = C.CK_RSA_AES_KEY_WRAP_PARAMS{ulAESKeyBits: x, pOAEPParams: oaep}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_PKCS5_PBKD2:
		// An odd x lays out the older CK_PKCS5_PBKD2_PARAMS (the password
		// length through a pointer), an even x CK_PKCS5_PBKD2_PARAMS2.
		s := (*C.CK_PKCS5_PBKD2_PARAMS2)(alloc(unsafe.Sizeof(C.CK_PKCS5_PBKD2_PARAMS2{})))
		*s = C.CK_PKCS5_PBKD2_PARAMS2{saltSource: 1, pSaltSourceData: C.CK_VOID_PTR(b), ulSaltSourceDataLen: lb,
			iterations: y, prf: x, pPassword: (*C.CK_UTF8CHAR)(a), ulPasswordLen: la}
		if x%2 == 1 {
			pl := (*C.CK_ULONG)(alloc(8))
			*pl = la
			s.ulPasswordLen = C.CK_ULONG(uintptr(unsafe.Pointer(pl)))
		}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_SP800_108_COUNTER_KDF, ck.CKM_SP800_108_DOUBLE_PIPELINE_KDF, ck.CKM_SP800_108_FEEDBACK_KDF:
		// Three data parameters (counter format, byte array a, DKM format),
		// of which x%4 are counted (3 at most: all laid out).
		ctr := (*C.CK_SP800_108_COUNTER_FORMAT)(alloc(unsafe.Sizeof(C.CK_SP800_108_COUNTER_FORMAT{})))
		*ctr = C.CK_SP800_108_COUNTER_FORMAT{bLittleEndian: C.CK_BBOOL(y), ulWidthInBits: x}
		dkm := (*C.CK_SP800_108_DKM_LENGTH_FORMAT)(alloc(unsafe.Sizeof(C.CK_SP800_108_DKM_LENGTH_FORMAT{})))
		*dkm = C.CK_SP800_108_DKM_LENGTH_FORMAT{dkmLengthMethod: y, bLittleEndian: C.CK_BBOOL(y), ulWidthInBits: y}
		arr := (*C.CK_PRF_DATA_PARAM)(alloc(3 * unsafe.Sizeof(C.CK_PRF_DATA_PARAM{})))
		d := unsafe.Slice(arr, 3)
		d[0] = C.CK_PRF_DATA_PARAM{_type: 1, pValue: C.CK_VOID_PTR(ctr), ulValueLen: C.CK_ULONG(unsafe.Sizeof(*ctr))}
		d[1] = C.CK_PRF_DATA_PARAM{_type: 4, pValue: C.CK_VOID_PTR(a), ulValueLen: la}
		d[2] = C.CK_PRF_DATA_PARAM{_type: 3, pValue: C.CK_VOID_PTR(dkm), ulValueLen: C.CK_ULONG(unsafe.Sizeof(*dkm))}
		count := C.CK_ULONG(min(x%4, 3))
		if t == ck.CKM_SP800_108_FEEDBACK_KDF {
			s := (*C.CK_SP800_108_FEEDBACK_KDF_PARAMS)(alloc(unsafe.Sizeof(C.CK_SP800_108_FEEDBACK_KDF_PARAMS{})))
			*s = C.CK_SP800_108_FEEDBACK_KDF_PARAMS{prfType: y, ulNumberOfDataParams: count, pDataParams: arr, ulIVLen: lb, pIV: (*C.CK_BYTE)(b)}
			return unsafe.Pointer(s), unsafe.Sizeof(*s)
		}
		s := (*C.CK_SP800_108_KDF_PARAMS)(alloc(unsafe.Sizeof(C.CK_SP800_108_KDF_PARAMS{})))
		*s = C.CK_SP800_108_KDF_PARAMS{prfType: y, ulNumberOfDataParams: count, pDataParams: arr}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	default: // the PSS family
		s := (*C.CK_RSA_PKCS_PSS_PARAMS)(alloc(unsafe.Sizeof(C.CK_RSA_PKCS_PSS_PARAMS{})))
		*s = C.CK_RSA_PKCS_PSS_PARAMS{hashAlg: x, mgf: y, sLen: la}
		return unsafe.Pointer(s), unsafe.Sizeof(*s)
	}
}

// decodeCMessageParam lays out the per-message parameter of t (GCM, CCM or
// ChaCha20-Poly1305) from p (A: IV or nonce, B: tag, X, Y: numbers) with
// ulParameterLen sizeof+LenDelta, and decodes it as message.go does; the
// write-back runs too, into the laid-out buffers.
func decodeCMessageParam(t ck.MechanismType, encrypt bool, p testParam) (any, error) {
	var m cmem
	defer m.free()
	a, b := m.bytes(p.A), m.bytes(p.B)
	la := C.CK_ULONG(len(p.A))
	x, y := C.CK_ULONG(p.X), C.CK_ULONG(p.Y)
	alloc := func(size uintptr) unsafe.Pointer {
		q := C.calloc(1, C.size_t(size+64))
		m.ptrs = append(m.ptrs, q)
		return q
	}
	var ptr unsafe.Pointer
	var size uintptr
	switch t {
	case ck.CKM_AES_GCM:
		s := (*C.CK_GCM_MESSAGE_PARAMS)(alloc(unsafe.Sizeof(C.CK_GCM_MESSAGE_PARAMS{})))
		*s = C.CK_GCM_MESSAGE_PARAMS{pIv: (*C.CK_BYTE)(a), ulIvLen: la, ulIvFixedBits: x, ivGenerator: y, pTag: (*C.CK_BYTE)(b),
			ulTagBits: C.CK_ULONG(8 * len(p.B))}
		ptr, size = unsafe.Pointer(s), unsafe.Sizeof(*s)
	case ck.CKM_AES_CCM:
		s := (*C.CK_CCM_MESSAGE_PARAMS)(alloc(unsafe.Sizeof(C.CK_CCM_MESSAGE_PARAMS{})))
		*s = C.CK_CCM_MESSAGE_PARAMS{ulDataLen: x, pNonce: (*C.CK_BYTE)(a), ulNonceLen: la, ulNonceFixedBits: x, nonceGenerator: y,
			pMAC: (*C.CK_BYTE)(b), ulMACLen: C.CK_ULONG(len(p.B))}
		ptr, size = unsafe.Pointer(s), unsafe.Sizeof(*s)
	default:
		s := (*C.CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS)(alloc(unsafe.Sizeof(C.CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS{})))
		tag := m.bytes(make([]byte, 16))
		if len(p.B) == 0 {
			tag = nil
		}
		*s = C.CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS{pNonce: (*C.CK_BYTE)(a), ulNonceLen: la, pTag: (*C.CK_BYTE)(tag)}
		ptr, size = unsafe.Pointer(s), unsafe.Sizeof(*s)
	}
	dec, ok := msgParamDecoders[t]
	if !ok {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	mp, err := dec(ptr, C.CK_ULONG(int(size)+p.LenDelta), encrypt)
	if err != nil {
		return nil, err
	}
	mp.writeBack(true)
	return mp.v, nil
}
