package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// decodeChaCha20 reads CK_CHACHA20_PARAMS (CKM_CHACHA20). The two arrays
// have no length member: their sizes come from blockCounterBits (32 or 64)
// and ulNonceBits (64, 96 or 192), so any other value is refused before a
// byte is read. The mechanism decides which combinations it runs.
func decodeChaCha20(p unsafe.Pointer, n C.CK_ULONG) (any, error) {
	s, err := structAt[C.CK_CHACHA20_PARAMS](p, n)
	if err != nil {
		return nil, err
	}
	switch s.blockCounterBits {
	case 32, 64:
	default:
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	switch s.ulNonceBits {
	case 64, 96, 192:
	default:
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if s.pBlockCounter == nil || s.pNonce == nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	ctr, err := field(unsafe.Pointer(s.pBlockCounter), s.blockCounterBits/8)
	if err != nil {
		return nil, err
	}
	nonce, err := field(unsafe.Pointer(s.pNonce), s.ulNonceBits/8)
	if err != nil {
		return nil, err
	}
	return &ck.ChaCha20Params{BlockCounter: ctr, CounterBits: ck.ULong(s.blockCounterBits), Nonce: nonce, NonceBits: ck.ULong(s.ulNonceBits)}, nil
}
