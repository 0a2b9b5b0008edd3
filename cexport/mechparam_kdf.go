package main

/*
#include "pkcs11.h"

// The older CK_PKCS5_PBKD2_PARAMS keeps a CK_ULONG_PTR where PARAMS2 keeps
// the password length; read through it in C (an address held as an integer).
static CK_ULONG gohsm_ulong_at(CK_ULONG addr) { return *(CK_ULONG *)addr; }
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// pbkdf2MaxPasswordLen separates the two PBKDF2 structures, which have the
// same size: in CK_PKCS5_PBKD2_PARAMS2 the last member is the password
// length, in the older CK_PKCS5_PBKD2_PARAMS a pointer to it. No password is
// this long and no pointer this small.
const pbkdf2MaxPasswordLen = 1 << 16

func decodePBKD2(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_PKCS5_PBKD2_PARAMS2](p, n)
	if err != nil {
		return nil, err
	}
	pwLen := s.ulPasswordLen
	if pwLen >= pbkdf2MaxPasswordLen { // CK_PKCS5_PBKD2_PARAMS: ulPasswordLen is a CK_ULONG_PTR
		pwLen = C.gohsm_ulong_at(pwLen)
		if pwLen >= pbkdf2MaxPasswordLen {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
	}
	salt, err := field(unsafe.Pointer(s.pSaltSourceData), s.ulSaltSourceDataLen)
	if err != nil {
		return nil, err
	}
	prfData, err := field(unsafe.Pointer(s.pPrfData), s.ulPrfDataLen)
	if err != nil {
		return nil, err
	}
	pw, err := field(unsafe.Pointer(s.pPassword), pwLen)
	if err != nil {
		return nil, err
	}
	return &ck.PBKDF2Params{
		SaltSource: ck.PBKDF2SaltSource(s.saltSource),
		Salt:       salt,
		Iterations: ck.ULong(s.iterations),
		PRF:        ck.PBKDF2PRF(s.prf),
		PRFData:    prfData,
		Password:   pw,
	}, nil
}

// sp800108MaxDataParams bounds ulNumberOfDataParams: a real KDF has a handful.
const sp800108MaxDataParams = 64

func decodeSP800108(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_SP800_108_KDF_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	data, err := prfDataParams(s.pDataParams, s.ulNumberOfDataParams)
	if err != nil {
		return nil, err
	}
	return &ck.SP800108Params{PRF: ck.MechanismType(s.prfType), Data: data, AdditionalKeys: ck.ULong(s.ulAdditionalDerivedKeys)}, nil
}

func decodeSP800108Feedback(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_SP800_108_FEEDBACK_KDF_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	data, err := prfDataParams(s.pDataParams, s.ulNumberOfDataParams)
	if err != nil {
		return nil, err
	}
	iv, err := field(unsafe.Pointer(s.pIV), s.ulIVLen)
	if err != nil {
		return nil, err
	}
	return &ck.SP800108Params{PRF: ck.MechanismType(s.prfType), Data: data, IV: iv, AdditionalKeys: ck.ULong(s.ulAdditionalDerivedKeys)}, nil
}

// prfDataParams copies a CK_PRF_DATA_PARAM array. Counter and DKM-length
// formats must be exactly their structure's size; the feedback/pipeline
// iteration variable has no value.
func prfDataParams(arr *C.CK_PRF_DATA_PARAM, count C.CK_ULONG) ([]ck.PRFDataParam, error) {
	if count == 0 {
		return nil, nil
	}
	if arr == nil || count > sp800108MaxDataParams {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	out := make([]ck.PRFDataParam, 0, count)
	for _, d := range unsafe.Slice(arr, int(count)) {
		e := ck.PRFDataParam{Type: ck.PRFDataType(d._type)}
		switch {
		case d.pValue == nil && d.ulValueLen == 0:
		case e.Type == ck.CK_SP800_108_ITERATION_VARIABLE || e.Type == ck.CK_SP800_108_OPTIONAL_COUNTER:
			f, err := structAt[C.CK_SP800_108_COUNTER_FORMAT](unsafe.Pointer(d.pValue), d.ulValueLen)
			if err != nil || f.bLittleEndian > 1 {
				return nil, ck.CKR_MECHANISM_PARAM_INVALID
			}
			e.LittleEndian, e.WidthBits = f.bLittleEndian == 1, ck.ULong(f.ulWidthInBits)
		case e.Type == ck.CK_SP800_108_DKM_LENGTH:
			f, err := structAt[C.CK_SP800_108_DKM_LENGTH_FORMAT](unsafe.Pointer(d.pValue), d.ulValueLen)
			if err != nil || f.bLittleEndian > 1 {
				return nil, ck.CKR_MECHANISM_PARAM_INVALID
			}
			e.DKMMethod = ck.SP800108DKMLengthMethod(f.dkmLengthMethod)
			e.LittleEndian, e.WidthBits = f.bLittleEndian == 1, ck.ULong(f.ulWidthInBits)
		default: // byte arrays (and key handles, which the mechanism refuses)
			b, err := field(unsafe.Pointer(d.pValue), d.ulValueLen)
			if err != nil {
				return nil, err
			}
			e.Bytes = b
		}
		if d.pValue == nil && d.ulValueLen != 0 {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		out = append(out, e)
	}
	return out, nil
}
