package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"unicode/utf8"
	"unsafe"

	"github.com/gohsm/gohsm/ck"
)

// Limits on what a caller can ask gohsm to read or write in one call. A
// length beyond them is a corrupt argument, not a real request.
const (
	maxBuffer    = 1 << 30 // bytes of data, a value or an output buffer
	maxTemplate  = 1 << 16 // attributes in one template
	maxListCount = 1 << 20 // entries of an output list (slots, mechanisms, handles)
)

// inBytes copies an input buffer out of C memory: the provider may keep it
// (a multi-part operation), and C memory is the application's to free. So
// data and template copies are the provider's from then on and are not
// wiped here; only PINs, which no layer keeps, are (wipe).
// NULL is nil; a non-NULL pointer with length 0 is an empty, non-nil slice.
func inBytes(p unsafe.Pointer, n C.CK_ULONG) ([]byte, error) {
	switch {
	case p == nil && n != 0:
		return nil, ck.CKR_ARGUMENTS_BAD
	case p == nil:
		return nil, nil
	case n > maxBuffer:
		return nil, ck.CKR_ARGUMENTS_BAD
	}
	b := make([]byte, int(n))
	copy(b, unsafe.Slice((*byte)(p), int(n)))
	return b, nil
}

// inView is inBytes without the copy: the slice is the caller's C memory,
// valid only during the call. It is for inputs that the provider consumes
// before returning and never keeps (see README: Buffers): single-part
// C_Encrypt/C_Decrypt/C_Digest/C_Sign/C_Verify and C_DigestUpdate (a
// hash.Hash, which as an io.Writer must not retain its input). A 1 MiB
// input then costs no allocation, and a length query (miekg/pkcs11 asks
// C_Encrypt(NULL) first) costs nothing.
func inView(p unsafe.Pointer, n C.CK_ULONG) ([]byte, error) {
	switch {
	case p == nil && n != 0:
		return nil, ck.CKR_ARGUMENTS_BAD
	case p == nil:
		return nil, nil
	case n > maxBuffer:
		return nil, ck.CKR_ARGUMENTS_BAD
	case n == 0:
		return []byte{}, nil
	}
	b := unsafe.Slice((*byte)(p), int(n))
	touch(b) // an unreadable buffer faults here, as inBytes's copy would (README: Panics)
	return b, nil
}

// touch reads the first and last byte of b. Not inlined, so that the reads
// happen: a garbage pointer then panics in the shim, before the provider
// looks at the session (the order inBytes had).
//
//go:noinline
func touch(b []byte) byte { return b[0] ^ b[len(b)-1] }

// outBytes aliases an output buffer of *pLen bytes: nil for a NULL pointer
// (a length query), a non-nil empty slice for a real buffer of length 0.
func outBytes(p *C.CK_BYTE, pLen *C.CK_ULONG) []byte {
	if p == nil {
		return nil
	}
	n := *pLen
	if n == 0 {
		return []byte{}
	}
	if n > maxBuffer { // the caller's claim is larger than anything gohsm writes
		n = maxBuffer
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))
}

// finishOut stores the length of an output (n) in *pLen on success and on
// CKR_BUFFER_TOO_SMALL, as the length-query convention requires.
func finishOut(fn string, pLen *C.CK_ULONG, n int, err error) C.CK_RV {
	rv := rvOf(fn, err)
	if rv == C.CKR_OK || rv == C.CKR_BUFFER_TOO_SMALL {
		*pLen = C.CK_ULONG(n)
	}
	return rv
}

// wipe clears a copied PIN once the call is done with it (provider derives
// what it needs and keeps no PIN).
func wipe(b []byte) { clear(b) }

// template copies a CK_ATTRIBUTE array. A value pointer that is NULL with a
// non-zero length is CKR_ATTRIBUTE_VALUE_INVALID. Array attributes
// (CKF_ARRAY_ATTRIBUTE: CKA_WRAP_TEMPLATE ...) are flattened by arrayValue.
func template(p *C.CK_ATTRIBUTE, n C.CK_ULONG) (ck.Template, error) {
	if p == nil {
		if n != 0 {
			return nil, ck.CKR_ARGUMENTS_BAD
		}
		return ck.Template{}, nil
	}
	if n > maxTemplate {
		return nil, ck.CKR_ARGUMENTS_BAD
	}
	attrs := unsafe.Slice(p, int(n))
	t := make(ck.Template, len(attrs))
	for i := range attrs {
		a := &attrs[i]
		typ := ck.AttributeType(a._type)
		if ck.Flags(typ)&ck.CKF_ARRAY_ATTRIBUTE != 0 {
			v, err := arrayValue(a)
			if err != nil {
				return nil, err
			}
			t[i] = ck.Attribute{Type: typ, Value: v}
			continue
		}
		if a.pValue == nil && a.ulValueLen != 0 {
			return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		if a.ulValueLen > maxBuffer {
			return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		v := make([]byte, int(a.ulValueLen))
		if len(v) > 0 {
			copy(v, unsafe.Slice((*byte)(a.pValue), len(v)))
		}
		t[i] = ck.Attribute{Type: typ, Value: v}
	}
	return t, nil
}

// padded writes s into a blank-padded, not NUL-terminated field of size
// bytes, cutting at a rune boundary when s is too long.
func padded(dst unsafe.Pointer, size int, s string) {
	b := unsafe.Slice((*byte)(dst), size)
	for len(s) > size {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	n := copy(b, s)
	for i := n; i < size; i++ {
		b[i] = ' '
	}
}

func version(v ck.Version) C.CK_VERSION {
	return C.CK_VERSION{major: C.CK_BYTE(v.Major), minor: C.CK_BYTE(v.Minor)}
}

// listOut applies the length-query convention to a list of CK_ULONGs.
func listOut[T ~uint64](fn string, items []T, p *C.CK_ULONG, pCount *C.CK_ULONG) C.CK_RV {
	n := C.CK_ULONG(len(items))
	if p == nil {
		*pCount = n
		return C.CKR_OK
	}
	if *pCount < n {
		*pCount = n
		return C.CKR_BUFFER_TOO_SMALL
	}
	out := unsafe.Slice(p, len(items))
	for i, v := range items {
		out[i] = C.CK_ULONG(v)
	}
	*pCount = n
	return C.CKR_OK
}
