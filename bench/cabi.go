package bench

// cabi.go calls a module's C functions straight through its CK_FUNCTION_LIST
// for the timed calls of the crypto rows, as a C application does: one cgo
// call per timed op, the mechanism and its parameter on the C stack, the
// output in a buffer made once per session. miekg/pkcs11 (used for set-up,
// and for every call with -harness miekg) costs the caller more than the
// call itself on the fast rows: per call it copies the mechanism into C
// memory it allocates and frees through several cgo calls, and copies
// every output into a new Go slice. That cost lands in every module column
// and not in the raw one. The call sequence is the same with either
// harness, the length query included.

/*
#cgo CFLAGS: -I${SRCDIR}/../cexport/include
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include "pkcs11.h"

// bench_functions returns the function list of the module at path, which
// miekg/pkcs11 has loaded already (RTLD_NOLOAD: the same instance).
static CK_FUNCTION_LIST_PTR bench_functions(const char *path) {
	void *h = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
	if (h == NULL)
		return NULL;
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR fl = NULL;
	if (get == NULL || get(&fl) != CKR_OK)
		return NULL;
	return fl;
}

enum { OP_SIGN, OP_VERIFY, OP_ENCRYPT, OP_DIGEST, OP_RANDOM, OP_GETINFO, OP_GETSESSIONINFO };

// bench_call runs one timed op: XxxInit, then (sign, encrypt, digest) the
// length query and the call into out, as miekg/pkcs11 does. gcm set makes
// a CK_GCM_PARAMS with a 12-byte IV from ctr (a 128-bit tag, no AAD) and
// ignores param.
static CK_RV bench_call(CK_FUNCTION_LIST_PTR f, int op, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mt,
			void *param, CK_ULONG paramLen, int gcm, uint64_t ctr, CK_OBJECT_HANDLE key,
			CK_BYTE_PTR in, CK_ULONG inLen, CK_BYTE_PTR out, CK_ULONG outCap) {
	CK_BYTE iv[12] = {0};
	CK_GCM_PARAMS gp = {iv, sizeof iv, 96, NULL, 0, 128};
	CK_MECHANISM m = {mt, param, paramLen};
	CK_ULONG n = 0;
	CK_RV rv;
	if (gcm) {
		for (int i = 0; i < 8; i++)
			iv[11 - i] = (CK_BYTE)(ctr >> (8 * i));
		m.pParameter = &gp;
		m.ulParameterLen = sizeof gp;
	}
	switch (op) {
	case OP_SIGN:
		if ((rv = f->C_SignInit(s, &m, key)) != CKR_OK || (rv = f->C_Sign(s, in, inLen, NULL, &n)) != CKR_OK)
			return rv;
		if (n > outCap)
			return CKR_BUFFER_TOO_SMALL;
		return f->C_Sign(s, in, inLen, out, &n);
	case OP_VERIFY: // out holds the signature
		if ((rv = f->C_VerifyInit(s, &m, key)) != CKR_OK)
			return rv;
		return f->C_Verify(s, in, inLen, out, outCap);
	case OP_ENCRYPT:
		if ((rv = f->C_EncryptInit(s, &m, key)) != CKR_OK || (rv = f->C_Encrypt(s, in, inLen, NULL, &n)) != CKR_OK)
			return rv;
		if (n > outCap)
			return CKR_BUFFER_TOO_SMALL;
		return f->C_Encrypt(s, in, inLen, out, &n);
	case OP_DIGEST:
		if ((rv = f->C_DigestInit(s, &m)) != CKR_OK || (rv = f->C_Digest(s, in, inLen, NULL, &n)) != CKR_OK)
			return rv;
		if (n > outCap)
			return CKR_BUFFER_TOO_SMALL;
		return f->C_Digest(s, in, inLen, out, &n);
	case OP_RANDOM:
		return f->C_GenerateRandom(s, out, outCap);
	case OP_GETINFO: {
		CK_INFO info;
		return f->C_GetInfo(&info);
	}
	case OP_GETSESSIONINFO: {
		CK_SESSION_INFO info;
		return f->C_GetSessionInfo(s, &info);
	}
	}
	return CKR_ARGUMENTS_BAD;
}
*/
import "C"

import (
	"errors"
	"sync/atomic"
	"unsafe"

	"github.com/miekg/pkcs11"
)

// useMiekg makes every timed call go through miekg/pkcs11 (-harness miekg).
var useMiekg bool

// cOp names the op kinds of bench_call.
type cOp C.int

const (
	cSign           = cOp(C.OP_SIGN)
	cVerify         = cOp(C.OP_VERIFY)
	cEncrypt        = cOp(C.OP_ENCRYPT)
	cDigest         = cOp(C.OP_DIGEST)
	cRandom         = cOp(C.OP_RANDOM)
	cGetInfo        = cOp(C.OP_GETINFO)
	cGetSessionInfo = cOp(C.OP_GETSESSIONINFO)
)

// functionList returns the CK_FUNCTION_LIST of the loaded module at path.
func functionList(path string) (unsafe.Pointer, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	fl := C.bench_functions(cpath)
	if fl == nil {
		return nil, errors.New(path + ": no C_GetFunctionList through dlopen(RTLD_NOLOAD)")
	}
	return unsafe.Pointer(fl), nil
}

// cCall is one kind of timed call through the function list.
type cCall struct {
	op    cOp
	mech  uint
	param []byte // the mechanism parameter's C struct bytes (miekg's encoding), or nil
	gcm   bool   // a fresh AES-GCM IV per call instead of param
	key   pkcs11.ObjectHandle
	in    []byte
	// outLen is the output buffer's size (the signature's length for cVerify).
	outLen int
	sig    []byte // cVerify: the signature, copied into each session's buffer
}

// directOp makes an Op running c on the module of t, with an output buffer
// per session of the pool (the workers run on distinct sessions at once).
func directOp(t *Target, c cCall) Op {
	// Small buffers live in C memory, as a C application's would: cgo then
	// skips its check of Go pointers passed to C (measured at 5-7% of the
	// floor rows). Large ones stay Go memory (that check is per call, not
	// per byte), so that a run does not hold megabytes of C memory per row.
	cmem := len(c.in)+len(t.pool)*c.outLen <= 64<<10
	buf := func(n int) []byte {
		if !cmem {
			return make([]byte, n)
		}
		return unsafe.Slice((*byte)(C.calloc(C.size_t(n), 1)), n) // freed never: 64 KiB per row and module at most
	}
	if len(c.in) > 0 {
		in := buf(len(c.in))
		copy(in, c.in)
		c.in = in
	}
	bufs := make(map[pkcs11.SessionHandle][]byte, len(t.pool))
	for _, s := range t.pool {
		b := buf(max(c.outLen, 1))
		copy(b, c.sig)
		bufs[s] = b
	}
	var ctr atomic.Uint64
	ctr.Store(uint64(nowNanos()))
	fl := (*C.CK_FUNCTION_LIST)(t.fl)
	var param unsafe.Pointer
	if len(c.param) > 0 {
		param = C.CBytes(c.param) // freed never: a few bytes per row and module
	}
	return Op{Run: func(s pkcs11.SessionHandle) error {
		out := bufs[s]
		var in *C.CK_BYTE
		if len(c.in) > 0 {
			in = (*C.CK_BYTE)(unsafe.Pointer(&c.in[0]))
		}
		rv := C.bench_call(fl, C.int(c.op), C.CK_SESSION_HANDLE(s), C.CK_MECHANISM_TYPE(c.mech),
			param, C.CK_ULONG(len(c.param)), boolInt(c.gcm), C.uint64_t(ctr.Add(1)), C.CK_OBJECT_HANDLE(c.key),
			in, C.CK_ULONG(len(c.in)), (*C.CK_BYTE)(unsafe.Pointer(&out[0])), C.CK_ULONG(c.outLen))
		if rv != C.CKR_OK {
			return pkcs11.Error(rv)
		}
		return nil
	}}
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// mechParam returns the C struct bytes of a miekg mechanism's parameter.
func mechParam(m []*pkcs11.Mechanism) []byte {
	if len(m) == 0 {
		return nil
	}
	return m[0].Parameter
}
