package capi

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import (
	"encoding/binary"
	"unsafe"
)

// Arena hands out C memory and frees it all at once.
type Arena struct{ ptrs []unsafe.Pointer }

// Free releases everything the arena gave out.
func (a *Arena) Free() {
	for _, p := range a.ptrs {
		C.free(p)
	}
	a.ptrs = nil
}

// Buf returns n zeroed bytes (at least one, so that the pointer is never NULL).
func (a *Arena) Buf(n int) uint64 {
	p := C.calloc(C.size_t(max(n, 1)), 1)
	a.ptrs = append(a.ptrs, p)
	return uint64(uintptr(p))
}

// Bytes copies b into C memory.
func (a *Arena) Bytes(b []byte) uint64 {
	p := a.Buf(len(b))
	copy(unsafe.Slice((*byte)(ptr(p)), len(b)), b)
	return p
}

// CString copies s with a terminating NUL.
func (a *Arena) CString(s string) uint64 { return a.Bytes(append([]byte(s), 0)) }

// ULong returns a pointer to a CK_ULONG holding v.
func (a *Arena) ULong(v uint64) uint64 {
	p := a.Buf(8)
	WriteULong(p, v)
	return p
}

// ULongs returns a pointer to len(v) CK_ULONGs.
func (a *Arena) ULongs(v ...uint64) uint64 {
	p := a.Buf(8 * len(v))
	for i, x := range v {
		WriteULong(p+uint64(8*i), x)
	}
	return p
}

// Read copies n bytes from C memory at p.
func Read(p uint64, n int) []byte {
	return append([]byte(nil), unsafe.Slice((*byte)(ptr(p)), n)...)
}

// ReadULong reads the CK_ULONG at p.
func ReadULong(p uint64) uint64 { return binary.NativeEndian.Uint64(Read(p, 8)) }

// WriteULong writes the CK_ULONG at p.
func WriteULong(p, v uint64) {
	binary.NativeEndian.PutUint64(unsafe.Slice((*byte)(ptr(p)), 8), v)
}

// Attr is one CK_ATTRIBUTE as the module sees it: PValue 0 is NULL_PTR.
type Attr struct {
	Type   uint64
	PValue uint64
	Len    uint64
}

// Val is an Attr holding a copy of value.
func (a *Arena) Val(typ uint64, value []byte) Attr {
	return Attr{Type: typ, PValue: a.Bytes(value), Len: uint64(len(value))}
}

// Bool is an Attr holding a CK_BBOOL.
func (a *Arena) Bool(typ uint64, v bool) Attr {
	b := byte(0)
	if v {
		b = 1
	}
	return a.Val(typ, []byte{b})
}

// Num is an Attr holding a CK_ULONG.
func (a *Arena) Num(typ, v uint64) Attr {
	return a.Val(typ, binary.NativeEndian.AppendUint64(nil, v))
}

// Out is an Attr with an n-byte output buffer (n < 0: NULL pValue, a length query).
func (a *Arena) Out(typ uint64, n int) Attr {
	if n < 0 {
		return Attr{Type: typ}
	}
	return Attr{Type: typ, PValue: a.Buf(n), Len: uint64(n)}
}

// Template lays attrs out as a CK_ATTRIBUTE array; it returns the pointer and the count.
func (a *Arena) Template(attrs ...Attr) (uint64, uint64) {
	p := a.Buf(24 * len(attrs))
	for i, at := range attrs {
		base := p + uint64(24*i)
		WriteULong(base, at.Type)
		WriteULong(base+8, at.PValue)
		WriteULong(base+16, at.Len)
	}
	return p, uint64(len(attrs))
}

// ReadTemplate reads n CK_ATTRIBUTEs back from p.
func ReadTemplate(p uint64, n int) []Attr {
	out := make([]Attr, n)
	for i := range out {
		base := p + uint64(24*i)
		out[i] = Attr{Type: ReadULong(base), PValue: ReadULong(base + 8), Len: ReadULong(base + 16)}
	}
	return out
}

// Mechanism lays out a CK_MECHANISM with param (nil: NULL, 0).
func (a *Arena) Mechanism(typ uint64, param []byte) uint64 {
	p := a.Buf(24)
	WriteULong(p, typ)
	if param != nil {
		WriteULong(p+8, a.Bytes(param))
		WriteULong(p+16, uint64(len(param)))
	}
	return p
}

// Unavailable is CK_UNAVAILABLE_INFORMATION.
const Unavailable = ^uint64(0)
