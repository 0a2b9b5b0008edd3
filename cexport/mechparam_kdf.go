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
