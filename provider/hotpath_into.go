package provider

import (
	"unsafe"

	"github.com/gohsm/gohsm/mechanisms"
)

// cipherInto runs a single-part C_Encrypt/C_Decrypt straight into the
// caller's buffer when the context can (mechanisms.CipherInto), the buffer
// has room for the bound and nothing is pending: no result slice, no copy.
// ok is false when the call must go through operation.produce instead (a
// length query, a short buffer, a retry, inputs that overlap the output
// other than in place).
func cipherInto(op *operation, in, out []byte) (n int, ok bool, err error) {
	if out == nil || op.pend != nil {
		return 0, false, nil
	}
	ci, can := op.cipher.(mechanisms.CipherInto)
	if !can {
		return 0, false, nil
	}
	bound := op.cipher.OutputLen(len(in))
	if len(out) < bound || inexactOverlap(out[:bound], in) {
		return 0, false, nil
	}
	n, err = ci.DoInto(out, in)
	return n, true, err
}

// inexactOverlap reports whether a and b share memory without starting at
// the same byte (in-place use is fine; a shifted overlap is not, for Go's
// ciphers).
func inexactOverlap(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return pa != pb && pa < pb+uintptr(len(b)) && pb < pa+uintptr(len(a))
}
