package tests

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

const unknownMechanism = 0x7ffff123 // no such CKM_*

// badCase is one bad-input case: it runs in a fresh R/W session s on token A
// (the user logged in) and checks the exact codes with e.want.
type badCase struct {
	name string
	run  func(e *rawEnv, s uint64)
}

func at(typ ck.AttributeType) uint64 { return uint64(typ) }

// outLen is an output buffer of n bytes and a CK_ULONG holding its length.
func (e *rawEnv) outLen(n int) (buf, pn uint64) { return e.a.Buf(max(n, 1)), e.a.ULong(uint64(n)) }

// lengthConvention checks the output-buffer convention on a call whose last
// two arguments are the buffer and its length: NULL gives the length, a short
// buffer CKR_BUFFER_TOO_SMALL and the length, and the operation stays active.
func (e *rawEnv) lengthConvention(what, fn string, wantLen uint64, args ...uint64) {
	e.t.Helper()
	pn := e.a.ULong(0)
	if e.want(what+": length query", e.call(fn, append(args, 0, pn)...), codes(ck.CKR_OK)) && capi.ReadULong(pn) != wantLen {
		e.t.Errorf("%s: length query says %d, want %d", what, capi.ReadULong(pn), wantLen)
	}
	capi.WriteULong(pn, wantLen-1)
	if e.want(what+": short buffer", e.call(fn, append(args, e.a.Buf(int(wantLen)), pn)...), codes(ck.CKR_BUFFER_TOO_SMALL)) && capi.ReadULong(pn) != wantLen {
		e.t.Errorf("%s: short buffer says %d, want %d", what, capi.ReadULong(pn), wantLen)
	}
}

var badCases = []badCase{
	{"slot list: length query and short buffer", func(e *rawEnv, s uint64) {
		for _, present := range []uint64{0, 1} {
			pn := e.a.ULong(0)
			e.want("C_GetSlotList(NULL, NULL)", e.call("C_GetSlotList", present, 0, 0), codes(ck.CKR_ARGUMENTS_BAD))
			e.must("C_GetSlotList", present, 0, pn)
			n := capi.ReadULong(pn)
			if n < 3 {
				t := e.t
				t.Errorf("C_GetSlotList(%d): %d slots, want tokens A and B and the free slot", present, n)
				continue
			}
			capi.WriteULong(pn, 1)
			e.want("C_GetSlotList short", e.call("C_GetSlotList", present, e.a.Buf(8*int(n)), pn), codes(ck.CKR_BUFFER_TOO_SMALL))
			if got := capi.ReadULong(pn); got != n {
				e.t.Errorf("C_GetSlotList short buffer: count %d, want %d", got, n)
			}
		}
	}},
	{"mechanism list and info", func(e *rawEnv, s uint64) {
		pn := e.a.ULong(0)
		e.must("C_GetMechanismList", e.slot, 0, pn)
		n := capi.ReadULong(pn)
		capi.WriteULong(pn, 1)
		e.want("C_GetMechanismList short", e.call("C_GetMechanismList", e.slot, e.a.Buf(8*int(n)), pn), codes(ck.CKR_BUFFER_TOO_SMALL))
		if capi.ReadULong(pn) != n {
			e.t.Errorf("C_GetMechanismList short buffer: count %d, want %d", capi.ReadULong(pn), n)
		}
		buf := e.a.Buf(8 * int(n))
		capi.WriteULong(pn, n)
		e.must("C_GetMechanismList", e.slot, buf, pn)
		have := map[uint64]bool{}
		for i := 0; i < int(n); i++ {
			have[capi.ReadULong(buf+uint64(8*i))] = true
		}
		for _, m := range []ck.MechanismType{ck.CKM_EC_KEY_PAIR_GEN, ck.CKM_ECDSA, ck.CKM_ECDSA_SHA256, ck.CKM_AES_KEY_GEN, ck.CKM_SHA256} {
			if !have[uint64(m)] {
				e.t.Errorf("C_GetMechanismList lacks %v", m)
			}
		}
		e.want("C_GetMechanismList(bad slot)", e.call("C_GetMechanismList", 0x7eadbeef, 0, pn), codes(ck.CKR_SLOT_ID_INVALID))
		info := e.a.Buf(24) // ulMinKeySize, ulMaxKeySize, flags
		e.want("C_GetMechanismInfo(unknown)", e.call("C_GetMechanismInfo", e.slot, unknownMechanism, info), codes(ck.CKR_MECHANISM_INVALID))
		e.want("C_GetMechanismInfo(bad slot)", e.call("C_GetMechanismInfo", 0x7eadbeef, uint64(ck.CKM_ECDSA), info), codes(ck.CKR_SLOT_ID_INVALID))
		if e.want("C_GetMechanismInfo(ECDSA)", e.call("C_GetMechanismInfo", e.slot, uint64(ck.CKM_ECDSA), info), codes(ck.CKR_OK)) {
			if f := capi.ReadULong(info + 16); f&uint64(ck.CKF_SIGN|ck.CKF_VERIFY) != uint64(ck.CKF_SIGN|ck.CKF_VERIFY) {
				e.t.Errorf("CKM_ECDSA flags %#x lack CKF_SIGN|CKF_VERIFY", f)
			}
		}
	}},
	{"digest: output convention, operation active, ended", func(e *rawEnv, s uint64) {
		sha := e.a.Mechanism(uint64(ck.CKM_SHA256), nil)
		in := e.a.Bytes([]byte("abc"))
		want := sha256.Sum256([]byte("abc"))
		e.must("C_DigestInit", s, sha)
		e.lengthConvention("C_Digest", "C_Digest", 32, s, in, 3)
		e.want("C_DigestInit while active", e.call("C_DigestInit", s, sha), codes(ck.CKR_OPERATION_ACTIVE))
		e.want("C_Digest(NULL input)", e.call("C_Digest", s, 0, 3, e.a.Buf(32), e.a.ULong(32)), codes(ck.CKR_ARGUMENTS_BAD))
		e.want("C_DigestInit after the error ended the digest (any error but CKR_BUFFER_TOO_SMALL ends it)", e.call("C_DigestInit", s, sha), codes(ck.CKR_OK))
		out, pn := e.outLen(32)
		e.must("C_Digest", s, in, 3, out, pn)
		if !bytes.Equal(capi.Read(out, 32), want[:]) {
			e.t.Errorf("C_Digest(SHA256, abc) = %x", capi.Read(out, 32))
		}
		e.want("C_Digest after the end", e.call("C_Digest", s, in, 3, out, pn), codes(ck.CKR_OPERATION_NOT_INITIALIZED))

		e.must("C_DigestInit", s, sha)
		e.must("C_DigestUpdate", s, in, 2)
		e.must("C_DigestUpdate", s, in+2, 1)
		e.lengthConvention("C_DigestFinal", "C_DigestFinal", 32, s)
		capi.WriteULong(pn, 32)
		e.must("C_DigestFinal", s, out, pn)
		if !bytes.Equal(capi.Read(out, 32), want[:]) {
			e.t.Errorf("C_DigestUpdate x2 + C_DigestFinal = %x", capi.Read(out, 32))
		}
		e.want("C_DigestUpdate after the end", e.call("C_DigestUpdate", s, in, 3), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
		e.want("C_DigestKey without C_DigestInit", e.call("C_DigestKey", s, e.aes), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
	}},
	{"sign and verify: output convention, operation active, bad signatures", func(e *rawEnv, s uint64) {
		ecdsa := e.a.Mechanism(uint64(ck.CKM_ECDSA), nil)
		d := e.a.Bytes(bytes.Repeat([]byte{7}, 32))
		e.must("C_SignInit", s, ecdsa, e.ecPriv)
		e.lengthConvention("C_Sign(ECDSA)", "C_Sign", 64, s, d, 32)
		e.want("C_SignInit while active", e.call("C_SignInit", s, ecdsa, e.ecPriv), codes(ck.CKR_OPERATION_ACTIVE))
		sig, pn := e.outLen(64)
		e.must("C_Sign", s, d, 32, sig, pn)
		e.must("C_VerifyInit", s, ecdsa, e.ecPb)
		e.want("C_VerifyInit while active", e.call("C_VerifyInit", s, ecdsa, e.ecPb), codes(ck.CKR_OPERATION_ACTIVE))
		e.must("C_Verify", s, d, 32, sig, 64)
		e.must("C_VerifyInit", s, ecdsa, e.ecPb)
		e.want("C_Verify(63-byte signature)", e.call("C_Verify", s, d, 32, sig, 63), codes(ck.CKR_SIGNATURE_LEN_RANGE, ck.CKR_SIGNATURE_INVALID))
		bad := e.a.Bytes(append([]byte{0x55}, capi.Read(sig+1, 63)...))
		e.must("C_VerifyInit", s, ecdsa, e.ecPb)
		e.want("C_Verify(changed signature)", e.call("C_Verify", s, d, 32, bad, 64), codes(ck.CKR_SIGNATURE_INVALID))
		e.want("C_Verify after the end", e.call("C_Verify", s, d, 32, sig, 64), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
		e.want("C_SignFinal without init", e.call("C_SignFinal", s, sig, pn), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
	}},
	{"encrypt and decrypt: output convention, data lengths, parameters", func(e *rawEnv, s uint64) {
		ecb := e.a.Mechanism(uint64(ck.CKM_AES_ECB), nil)
		plain := bytes.Repeat([]byte("0123456789abcdef"), 2)
		in := e.a.Bytes(plain)
		e.must("C_EncryptInit", s, ecb, e.aes)
		e.lengthConvention("C_Encrypt(AES-ECB)", "C_Encrypt", 32, s, in, 32)
		e.want("C_EncryptInit while active", e.call("C_EncryptInit", s, ecb, e.aes), codes(ck.CKR_OPERATION_ACTIVE))
		ct, pn := e.outLen(32)
		e.must("C_Encrypt", s, in, 32, ct, pn)
		e.must("C_DecryptInit", s, ecb, e.aes)
		e.lengthConvention("C_Decrypt(AES-ECB)", "C_Decrypt", 32, s, ct, 32)
		pt, pn2 := e.outLen(32)
		e.must("C_Decrypt", s, ct, 32, pt, pn2)
		if !bytes.Equal(capi.Read(pt, 32), plain) {
			e.t.Errorf("AES-ECB round trip gave %q", capi.Read(pt, 32))
		}
		e.must("C_EncryptInit", s, ecb, e.aes)
		e.want("C_Encrypt(AES-ECB, 15 bytes)", e.call("C_Encrypt", s, in, 15, ct, e.a.ULong(32)), codes(ck.CKR_DATA_LEN_RANGE))
		e.must("C_DecryptInit", s, ecb, e.aes)
		e.want("C_Decrypt(AES-ECB, 15 bytes)", e.call("C_Decrypt", s, ct, 15, pt, e.a.ULong(32)), codes(ck.CKR_ENCRYPTED_DATA_LEN_RANGE))
		e.want("C_EncryptInit(AES-CBC-PAD, 8-byte IV)", e.call("C_EncryptInit", s, e.a.Mechanism(uint64(ck.CKM_AES_CBC_PAD), make([]byte, 8)), e.aes),
			codes(ck.CKR_MECHANISM_PARAM_INVALID))
		e.want("C_EncryptInit(AES-ECB, EC key)", e.call("C_EncryptInit", s, ecb, e.ecPriv), codes(ck.CKR_KEY_TYPE_INCONSISTENT, ck.CKR_KEY_FUNCTION_NOT_PERMITTED))
		cbc := e.a.Mechanism(uint64(ck.CKM_AES_CBC_PAD), make([]byte, 16))
		e.must("C_EncryptInit(AES-CBC-PAD)", s, cbc, e.aes)
		e.lengthConvention("C_EncryptUpdate(AES-CBC-PAD, 20 bytes)", "C_EncryptUpdate", 16, s, in, 20)
		e.must("C_EncryptUpdate", s, in, 20, ct, e.a.ULong(32))
		e.lengthConvention("C_EncryptFinal(AES-CBC-PAD)", "C_EncryptFinal", 16, s)
		e.must("C_EncryptFinal", s, ct+16, e.a.ULong(16))
		e.must("C_DecryptInit(AES-CBC-PAD)", s, cbc, e.aes)
		out, on := e.outLen(32)
		if e.want("C_Decrypt(AES-CBC-PAD)", e.call("C_Decrypt", s, ct, 32, out, on), codes(ck.CKR_OK)) &&
			!bytes.Equal(capi.Read(out, int(capi.ReadULong(on))), plain[:20]) {
			e.t.Errorf("AES-CBC-PAD multi-part round trip gave %q", capi.Read(out, int(capi.ReadULong(on))))
		}
	}},
	{"multi-part sign and verify: output convention", func(e *rawEnv, s uint64) {
		m := e.a.Mechanism(uint64(ck.CKM_ECDSA_SHA256), nil)
		msg := e.a.Bytes([]byte("a message in two parts"))
		e.must("C_SignInit(ECDSA_SHA256)", s, m, e.ecPriv)
		e.must("C_SignUpdate", s, msg, 10)
		e.must("C_SignUpdate", s, msg+10, 12)
		e.lengthConvention("C_SignFinal(ECDSA_SHA256)", "C_SignFinal", 64, s)
		sig, pn := e.outLen(64)
		e.must("C_SignFinal", s, sig, pn)
		e.want("C_SignUpdate after C_SignFinal", e.call("C_SignUpdate", s, msg, 1), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
		e.must("C_VerifyInit(ECDSA_SHA256)", s, m, e.ecPb)
		e.must("C_VerifyUpdate", s, msg, 22)
		e.want("C_VerifyFinal", e.call("C_VerifyFinal", s, sig, 64), codes(ck.CKR_OK))
		e.must("C_VerifyInit(ECDSA_SHA256)", s, m, e.ecPb)
		e.must("C_VerifyUpdate", s, msg, 21)
		e.want("C_VerifyFinal over another message", e.call("C_VerifyFinal", s, sig, 64), codes(ck.CKR_SIGNATURE_INVALID))
	}},
	{"an *Init with a NULL mechanism ends the active operation (3.0)", func(e *rawEnv, s uint64) {
		un := e.unsupportedOnce()
		for _, c := range []struct{ init, op string }{
			{"C_EncryptInit", "C_Encrypt"}, {"C_DecryptInit", "C_Decrypt"}, {"C_DigestInit", "C_Digest"},
			{"C_SignInit", "C_Sign"}, {"C_VerifyInit", "C_Verify"},
		} {
			if un[c.init] {
				continue
			}
			cancel := e.args(c.init, s)
			cancel[1] = 0 // pMechanism
			e.want(c.init+"(NULL) with nothing active", e.call(c.init, cancel...),
				codes(ck.CKR_OK, ck.CKR_OPERATION_NOT_INITIALIZED, ck.CKR_ARGUMENTS_BAD))
			e.must(c.init, e.args(c.init, s)...)
			e.want(c.init+"(NULL) ends it", e.call(c.init, cancel...), codes(ck.CKR_OK))
			e.want(c.op+" after the cancel", e.call(c.op, e.args(c.op, s)...), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
			e.must(c.init+"(again)", e.args(c.init, s)...)
			e.call(c.init, cancel...)
		}
	}},
	{"mechanism and key mismatches", func(e *rawEnv, s uint64) {
		ecdsa := e.a.Mechanism(uint64(ck.CKM_ECDSA), nil)
		e.want("C_SignInit(ECDSA, AES key)", e.call("C_SignInit", s, ecdsa, e.aes), codes(ck.CKR_KEY_TYPE_INCONSISTENT))
		e.want("C_SignInit(ECDSA, public key)", e.call("C_SignInit", s, ecdsa, e.ecPb), codes(ck.CKR_KEY_TYPE_INCONSISTENT, ck.CKR_KEY_FUNCTION_NOT_PERMITTED))
		e.want("C_SignInit(ECDSA, data object)", e.call("C_SignInit", s, ecdsa, e.data), codes(ck.CKR_KEY_HANDLE_INVALID, ck.CKR_KEY_TYPE_INCONSISTENT))
		e.want("C_VerifyInit(ECDSA, private key)", e.call("C_VerifyInit", s, ecdsa, e.ecPriv), codes(ck.CKR_KEY_TYPE_INCONSISTENT, ck.CKR_KEY_FUNCTION_NOT_PERMITTED))
		e.want("C_SignInit(SHA256, EC key)", e.call("C_SignInit", s, e.a.Mechanism(uint64(ck.CKM_SHA256), nil), e.ecPriv), codes(ck.CKR_MECHANISM_INVALID))
		e.want("C_SignInit(ECDSA with a parameter)", e.call("C_SignInit", s, e.a.Mechanism(uint64(ck.CKM_ECDSA), []byte{1, 2, 3}), e.ecPriv), codes(ck.CKR_MECHANISM_PARAM_INVALID))
		noSign := e.create(s, e.a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_PRIVATE_KEY)), e.a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_EC)),
			e.a.Val(at(ck.CKA_EC_PARAMS), p256), e.a.Bool(at(ck.CKA_SIGN), false), e.a.Val(at(ck.CKA_VALUE), e.km.ecScalar))
		e.want("C_SignInit with CKA_SIGN=false", e.call("C_SignInit", s, ecdsa, noSign), codes(ck.CKR_KEY_FUNCTION_NOT_PERMITTED))
	}},
	{"C_CreateObject templates", func(e *rawEnv, s uint64) {
		a := &e.a
		class := func(c ck.ObjectClass) capi.Attr { return a.Num(at(ck.CKA_CLASS), uint64(c)) }
		aesType := a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_AES))
		for _, c := range []struct {
			name  string
			attrs []capi.Attr
			want  []uint64
		}{
			{"no CKA_CLASS", []capi.Attr{a.Val(at(ck.CKA_LABEL), []byte("x"))}, codes(ck.CKR_TEMPLATE_INCOMPLETE)},
			{"AES key without CKA_VALUE", []capi.Attr{class(ck.CKO_SECRET_KEY), aesType}, codes(ck.CKR_TEMPLATE_INCOMPLETE)},
			{"secret key without CKA_KEY_TYPE", []capi.Attr{class(ck.CKO_SECRET_KEY), a.Val(at(ck.CKA_VALUE), e.km.aes)}, codes(ck.CKR_TEMPLATE_INCOMPLETE)},
			{"EC private key without CKA_EC_PARAMS", []capi.Attr{class(ck.CKO_PRIVATE_KEY), a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_EC)),
				a.Val(at(ck.CKA_VALUE), e.km.ecScalar)}, codes(ck.CKR_TEMPLATE_INCOMPLETE)},
			{"certificate without CKA_CERTIFICATE_TYPE", []capi.Attr{class(ck.CKO_CERTIFICATE), a.Val(at(ck.CKA_VALUE), e.km.cert),
				a.Val(at(ck.CKA_SUBJECT), []byte{0x30, 0})}, codes(ck.CKR_TEMPLATE_INCOMPLETE)},
			{"X.509 certificate without CKA_VALUE", []capi.Attr{class(ck.CKO_CERTIFICATE), a.Num(at(ck.CKA_CERTIFICATE_TYPE), uint64(ck.CKC_X_509)),
				a.Val(at(ck.CKA_SUBJECT), []byte{0x30, 0})}, codes(ck.CKR_TEMPLATE_INCOMPLETE)},
			{"EC public key without CKA_EC_POINT", []capi.Attr{class(ck.CKO_PUBLIC_KEY), a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_EC)),
				a.Val(at(ck.CKA_EC_PARAMS), p256)}, codes(ck.CKR_TEMPLATE_INCOMPLETE)},
			{"EC public key with a point off the curve", []capi.Attr{class(ck.CKO_PUBLIC_KEY), a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_EC)),
				a.Val(at(ck.CKA_EC_PARAMS), p256), a.Val(at(ck.CKA_EC_POINT), append([]byte{0x04, 0x41, 0x04}, make([]byte, 64)...))},
				codes(ck.CKR_ATTRIBUTE_VALUE_INVALID)},
			{"EC private key of 0", []capi.Attr{class(ck.CKO_PRIVATE_KEY), a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_EC)),
				a.Val(at(ck.CKA_EC_PARAMS), p256), a.Val(at(ck.CKA_VALUE), make([]byte, 32))}, codes(ck.CKR_ATTRIBUTE_VALUE_INVALID)},
			{"3-byte CKA_CLASS", []capi.Attr{a.Val(at(ck.CKA_CLASS), []byte{0, 0, 0})}, codes(ck.CKR_ATTRIBUTE_VALUE_INVALID)},
			{"2-byte CKA_TOKEN", []capi.Attr{class(ck.CKO_DATA), a.Val(at(ck.CKA_TOKEN), []byte{1, 0})}, codes(ck.CKR_ATTRIBUTE_VALUE_INVALID)},
			{"unknown class", []capi.Attr{class(0x7fff0000)}, codes(ck.CKR_ATTRIBUTE_VALUE_INVALID, ck.CKR_TEMPLATE_INCONSISTENT)},
			{"CKA_CLASS twice, different", []capi.Attr{class(ck.CKO_DATA), class(ck.CKO_CERTIFICATE)}, codes(ck.CKR_TEMPLATE_INCONSISTENT)},
			{"unknown attribute type", []capi.Attr{class(ck.CKO_DATA), a.Val(0x7ffff0f0, []byte{1})}, codes(ck.CKR_ATTRIBUTE_TYPE_INVALID)},
			{"CKA_KEY_TYPE on a data object", []capi.Attr{class(ck.CKO_DATA), aesType}, codes(ck.CKR_TEMPLATE_INCONSISTENT, ck.CKR_ATTRIBUTE_TYPE_INVALID)},
			{"CKA_LOCAL set by the caller", []capi.Attr{class(ck.CKO_SECRET_KEY), aesType, a.Val(at(ck.CKA_VALUE), e.km.aes), a.Bool(at(ck.CKA_LOCAL), true)},
				codes(ck.CKR_ATTRIBUTE_READ_ONLY)},
			{"7-byte AES key", []capi.Attr{class(ck.CKO_SECRET_KEY), aesType, a.Val(at(ck.CKA_VALUE), []byte("1234567"))}, codes(ck.CKR_ATTRIBUTE_VALUE_INVALID)},
			{"EC key with garbage CKA_EC_PARAMS", []capi.Attr{class(ck.CKO_PRIVATE_KEY), a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_EC)),
				a.Val(at(ck.CKA_EC_PARAMS), []byte{0x06, 0x01}), a.Val(at(ck.CKA_VALUE), e.km.ecScalar)},
				codes(ck.CKR_ATTRIBUTE_VALUE_INVALID, ck.CKR_CURVE_NOT_SUPPORTED)},
			{"NULL pValue with a length", []capi.Attr{class(ck.CKO_DATA), {Type: at(ck.CKA_LABEL), Len: 4}}, codes(ck.CKR_ARGUMENTS_BAD, ck.CKR_ATTRIBUTE_VALUE_INVALID)},
		} {
			tp, n := a.Template(c.attrs...)
			e.want("C_CreateObject: "+c.name, e.call("C_CreateObject", s, tp, n, a.ULong(0)), c.want)
		}
		e.want("C_CreateObject: empty template", e.call("C_CreateObject", s, 0, 0, a.ULong(0)), codes(ck.CKR_TEMPLATE_INCOMPLETE))
		tp, n := a.Template(class(ck.CKO_DATA), a.Bool(at(ck.CKA_PRIVATE), true))
		e.want("C_CreateObject: private object, nobody logged in", e.call("C_CreateObject", e.pubB, tp, n, a.ULong(0)), codes(ck.CKR_USER_NOT_LOGGED_IN))
		ro := e.open(e.slot, false)
		tp, n = a.Template(class(ck.CKO_DATA), a.Bool(at(ck.CKA_TOKEN), true))
		e.want("C_CreateObject: token object in a R/O session", e.call("C_CreateObject", ro, tp, n, a.ULong(0)), codes(ck.CKR_SESSION_READ_ONLY))
		e.want("C_DestroyObject: token object from a R/O session", e.call("C_DestroyObject", ro, e.data), codes(ck.CKR_SESSION_READ_ONLY))
		e.must("C_CloseSession", ro)
	}},
	{"C_SetAttributeValue and C_CopyObject templates", func(e *rawEnv, s uint64) {
		a := &e.a
		set := func(what string, obj uint64, want []uint64, attrs ...capi.Attr) {
			tp, n := a.Template(attrs...)
			e.want("C_SetAttributeValue: "+what, e.call("C_SetAttributeValue", s, obj, tp, n), want)
		}
		set("CKA_CLASS", e.data, codes(ck.CKR_ATTRIBUTE_READ_ONLY), a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_CERTIFICATE)))
		set("CKA_TOKEN", e.data, codes(ck.CKR_ATTRIBUTE_READ_ONLY), a.Bool(at(ck.CKA_TOKEN), false))
		set("CKA_KEY_TYPE", e.aes, codes(ck.CKR_ATTRIBUTE_READ_ONLY), a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_GENERIC_SECRET)))
		set("unknown type", e.data, codes(ck.CKR_ATTRIBUTE_TYPE_INVALID), a.Val(0x7ffff0f0, []byte{1}))
		set("2-byte CKA_SENSITIVE", e.aes, codes(ck.CKR_ATTRIBUTE_VALUE_INVALID), a.Val(at(ck.CKA_SENSITIVE), []byte{1, 1}))
		set("NULL pValue with a length", e.data, codes(ck.CKR_ARGUMENTS_BAD, ck.CKR_ATTRIBUTE_VALUE_INVALID), capi.Attr{Type: at(ck.CKA_LABEL), Len: 3})
		ro := e.open(e.slot, false)
		tp, n := a.Template(a.Val(at(ck.CKA_LABEL), []byte("ro")))
		e.want("C_SetAttributeValue: token object from a R/O session", e.call("C_SetAttributeValue", ro, e.data, tp, n), codes(ck.CKR_SESSION_READ_ONLY))
		tp, n = a.Template(a.Bool(at(ck.CKA_TOKEN), true))
		e.want("C_CopyObject: to a token object from a R/O session", e.call("C_CopyObject", ro, e.data, tp, n, a.ULong(0)), codes(ck.CKR_SESSION_READ_ONLY))
		e.must("C_CloseSession", ro)
		tp, n = a.Template(a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_CERTIFICATE)))
		e.want("C_CopyObject: changing CKA_CLASS", e.call("C_CopyObject", s, e.data, tp, n, a.ULong(0)), codes(ck.CKR_ATTRIBUTE_READ_ONLY, ck.CKR_TEMPLATE_INCONSISTENT))
	}},
	{"C_GenerateKey and C_GenerateKeyPair templates", func(e *rawEnv, s uint64) {
		a := &e.a
		aesGen := a.Mechanism(uint64(ck.CKM_AES_KEY_GEN), nil)
		gen := func(what string, mech uint64, want []uint64, attrs ...capi.Attr) {
			tp, n := a.Template(attrs...)
			e.want("C_GenerateKey: "+what, e.call("C_GenerateKey", s, mech, tp, n, a.ULong(0)), want)
		}
		gen("AES without CKA_VALUE_LEN", aesGen, codes(ck.CKR_TEMPLATE_INCOMPLETE), a.Bool(at(ck.CKA_TOKEN), false))
		gen("AES of 7 bytes", aesGen, codes(ck.CKR_KEY_SIZE_RANGE, ck.CKR_ATTRIBUTE_VALUE_INVALID), a.Num(at(ck.CKA_VALUE_LEN), 7))
		gen("AES as a public key", aesGen, codes(ck.CKR_TEMPLATE_INCONSISTENT), a.Num(at(ck.CKA_VALUE_LEN), 16), a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_PUBLIC_KEY)))
		gen("AES with CKA_KEY_TYPE EC", aesGen, codes(ck.CKR_TEMPLATE_INCONSISTENT), a.Num(at(ck.CKA_VALUE_LEN), 16), a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_EC)))
		gen("AES with a CKA_VALUE", aesGen, codes(ck.CKR_ATTRIBUTE_READ_ONLY, ck.CKR_TEMPLATE_INCONSISTENT), a.Num(at(ck.CKA_VALUE_LEN), 16), a.Val(at(ck.CKA_VALUE), e.km.aes[:16]))
		gen("key-pair mechanism", a.Mechanism(uint64(ck.CKM_EC_KEY_PAIR_GEN), nil), codes(ck.CKR_MECHANISM_INVALID), a.Num(at(ck.CKA_VALUE_LEN), 16))
		gen("AES keygen with a parameter", a.Mechanism(uint64(ck.CKM_AES_KEY_GEN), []byte{1}), codes(ck.CKR_MECHANISM_PARAM_INVALID), a.Num(at(ck.CKA_VALUE_LEN), 16))

		ecGen := a.Mechanism(uint64(ck.CKM_EC_KEY_PAIR_GEN), nil)
		pair := func(what string, mech uint64, want []uint64, pub, priv []capi.Attr) {
			pt, pn := a.Template(pub...)
			qt, qn := a.Template(priv...)
			e.want("C_GenerateKeyPair: "+what, e.call("C_GenerateKeyPair", s, mech, pt, pn, qt, qn, a.ULong(0), a.ULong(0)), want)
		}
		sign := []capi.Attr{a.Bool(at(ck.CKA_SIGN), true)}
		pair("no CKA_EC_PARAMS", ecGen, codes(ck.CKR_TEMPLATE_INCOMPLETE), []capi.Attr{a.Bool(at(ck.CKA_VERIFY), true)}, sign)
		pair("garbage CKA_EC_PARAMS", ecGen, codes(ck.CKR_ATTRIBUTE_VALUE_INVALID, ck.CKR_CURVE_NOT_SUPPORTED),
			[]capi.Attr{a.Val(at(ck.CKA_EC_PARAMS), []byte{0x30, 0x03, 1, 2})}, sign)
		pair("unsupported curve brainpoolP256r1", ecGen, codes(ck.CKR_CURVE_NOT_SUPPORTED, ck.CKR_ATTRIBUTE_VALUE_INVALID),
			[]capi.Attr{a.Val(at(ck.CKA_EC_PARAMS), []byte{0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07})}, sign)
		pair("private template says public", ecGen, codes(ck.CKR_TEMPLATE_INCONSISTENT),
			[]capi.Attr{a.Val(at(ck.CKA_EC_PARAMS), p256)}, []capi.Attr{a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_PUBLIC_KEY))})
		pair("secret-key mechanism", a.Mechanism(uint64(ck.CKM_AES_KEY_GEN), nil), codes(ck.CKR_MECHANISM_INVALID), []capi.Attr{a.Val(at(ck.CKA_EC_PARAMS), p256)}, sign)
	}},
	{"find: operation active, NULL outputs, final", func(e *rawEnv, s uint64) {
		tp, n := e.a.Template(e.a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_DATA)))
		e.want("C_FindObjects without init", e.call("C_FindObjects", s, e.a.Buf(64), 8, e.a.ULong(0)), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
		e.must("C_FindObjectsInit", s, tp, n)
		e.want("C_FindObjectsInit while active", e.call("C_FindObjectsInit", s, tp, n), codes(ck.CKR_OPERATION_ACTIVE))
		e.want("C_FindObjects(NULL handles)", e.call("C_FindObjects", s, 0, 8, e.a.ULong(0)), codes(ck.CKR_ARGUMENTS_BAD))
		e.want("C_FindObjects(NULL count)", e.call("C_FindObjects", s, e.a.Buf(64), 8, 0), codes(ck.CKR_ARGUMENTS_BAD))
		pn := e.a.ULong(99)
		if e.want("C_FindObjects(max 0)", e.call("C_FindObjects", s, e.a.Buf(64), 0, pn), codes(ck.CKR_OK)) && capi.ReadULong(pn) != 0 {
			e.t.Errorf("C_FindObjects(max 0) returned %d handles", capi.ReadULong(pn))
		}
		e.must("C_FindObjectsFinal", s)
		e.want("C_FindObjectsFinal twice", e.call("C_FindObjectsFinal", s), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
		e.must("C_FindObjectsInit", s, tp, n)
		e.must("C_SessionCancel", s, uint64(ck.CKF_FIND_OBJECTS))
		e.want("C_FindObjects after C_SessionCancel", e.call("C_FindObjects", s, e.a.Buf(64), 8, e.a.ULong(0)), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
		e.must("C_SignInit", s, e.a.Mechanism(uint64(ck.CKM_ECDSA), nil), e.ecPriv)
		e.must("C_SessionCancel", s, uint64(ck.CKF_SIGN))
		sig, spn := e.outLen(64)
		e.want("C_Sign after C_SessionCancel", e.call("C_Sign", s, e.a.Buf(32), 32, sig, spn), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
	}},
	{"login state and wrong PINs", func(e *rawEnv, s uint64) {
		pin := func(p string) (uint64, uint64) { return e.a.Bytes([]byte(p)), uint64(len(p)) }
		up, ul := pin(hsmtest.UserPIN)
		sp, sl := pin(hsmtest.SOPIN)
		wp, wl := pin("wrong-pin-123")
		e.want("user login twice", e.call("C_Login", s, uint64(ck.CKU_USER), up, ul), codes(ck.CKR_USER_ALREADY_LOGGED_IN))
		e.want("SO login while the user is", e.call("C_Login", s, uint64(ck.CKU_SO), sp, sl), codes(ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN))
		e.want("C_InitPIN as the user", e.call("C_InitPIN", s, up, ul), codes(ck.CKR_USER_NOT_LOGGED_IN))
		e.want("C_SetPIN wrong old PIN", e.call("C_SetPIN", s, wp, wl, up, ul), codes(ck.CKR_PIN_INCORRECT))
		e.want("C_SetPIN NULL old PIN", e.call("C_SetPIN", s, 0, 5, up, ul), codes(ck.CKR_ARGUMENTS_BAD))
		b := e.pubB
		e.want("wrong user PIN", e.call("C_Login", b, uint64(ck.CKU_USER), wp, wl), codes(ck.CKR_PIN_INCORRECT))
		e.want("wrong SO PIN", e.call("C_Login", b, uint64(ck.CKU_SO), wp, wl), codes(ck.CKR_PIN_INCORRECT))
		e.want("user type 99", e.call("C_Login", b, 99, up, ul), codes(ck.CKR_USER_TYPE_INVALID))
		e.want("NULL PIN", e.call("C_Login", b, uint64(ck.CKU_USER), 0, 5), codes(ck.CKR_ARGUMENTS_BAD))
		e.want("C_Logout, nobody logged in", e.call("C_Logout", b), codes(ck.CKR_USER_NOT_LOGGED_IN))
		e.want("C_InitPIN, nobody logged in", e.call("C_InitPIN", b, up, ul), codes(ck.CKR_USER_NOT_LOGGED_IN))
		e.want("context login, nobody logged in", e.call("C_Login", b, uint64(ck.CKU_CONTEXT_SPECIFIC), up, ul),
			codes(ck.CKR_USER_NOT_LOGGED_IN, ck.CKR_OPERATION_NOT_INITIALIZED))
		e.want("C_LoginUser(NULL name)", e.call("C_LoginUser", b, uint64(ck.CKU_USER), up, ul, 0, 4), codes(ck.CKR_ARGUMENTS_BAD))
		nobody, nl := pin("nobody")
		e.want("C_LoginUser(unknown name)", e.call("C_LoginUser", b, uint64(ck.CKU_USER), up, ul, nobody, nl), codes(ck.CKR_PIN_INCORRECT))
		ro := e.open(e.slotB, false)
		e.want("SO login with a R/O session open", e.call("C_Login", b, uint64(ck.CKU_SO), sp, sl), codes(ck.CKR_SESSION_READ_ONLY_EXISTS))
		e.must("C_CloseSession", ro)

		label := e.label32("A")
		e.want("C_InitToken with sessions open", e.call("C_InitToken", e.slot, sp, sl, label), codes(ck.CKR_SESSION_EXISTS))
		e.want("C_InitToken(bad slot)", e.call("C_InitToken", 0x7eadbeef, sp, sl, label), codes(ck.CKR_SLOT_ID_INVALID))
		free := e.freeSlot()
		e.want("C_InitToken(NULL PIN)", e.call("C_InitToken", free, 0, 8, label), codes(ck.CKR_ARGUMENTS_BAD))
		e.want("C_InitToken(NULL label)", e.call("C_InitToken", free, sp, sl, 0), codes(ck.CKR_ARGUMENTS_BAD))
		e.must("C_CloseAllSessions", e.slotB)
		e.want("C_InitToken wrong SO PIN", e.call("C_InitToken", e.slotB, wp, wl, e.label32("B")), codes(ck.CKR_PIN_INCORRECT))
		e.pubB = e.open(e.slotB, true)
	}},
	{"public session: what needs a login", func(e *rawEnv, s uint64) {
		a := &e.a
		b := e.pubB
		if rv := e.login(b, ck.CKU_USER, hsmtest.UserPIN); rv != 0 {
			e.t.Fatalf("user login on B: %s", rvName(rv))
		}
		key := e.create(b, a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_PRIVATE_KEY)), a.Num(at(ck.CKA_KEY_TYPE), uint64(ck.CKK_EC)),
			a.Val(at(ck.CKA_EC_PARAMS), p256), a.Bool(at(ck.CKA_SIGN), true), a.Val(at(ck.CKA_VALUE), e.km.ecScalar))
		pubData := e.create(b, a.Num(at(ck.CKA_CLASS), uint64(ck.CKO_DATA)), a.Bool(at(ck.CKA_PRIVATE), false))
		e.must("C_Logout", b)
		e.want("C_SignInit with a private key, logged out", e.call("C_SignInit", b, a.Mechanism(uint64(ck.CKM_ECDSA), nil), key),
			codes(ck.CKR_KEY_HANDLE_INVALID, ck.CKR_USER_NOT_LOGGED_IN))
		e.want("C_GetAttributeValue of a private key, logged out", e.call("C_GetAttributeValue", b, key, e.a.Buf(24), 0),
			codes(ck.CKR_OBJECT_HANDLE_INVALID, ck.CKR_USER_NOT_LOGGED_IN))
		tp, n := a.Template(a.Num(at(ck.CKA_VALUE_LEN), 16), a.Bool(at(ck.CKA_PRIVATE), true))
		e.want("C_GenerateKey of a private key, logged out", e.call("C_GenerateKey", b, a.Mechanism(uint64(ck.CKM_AES_KEY_GEN), nil), tp, n, a.ULong(0)),
			codes(ck.CKR_USER_NOT_LOGGED_IN))
		pt, pn := a.Template(a.Val(at(ck.CKA_EC_PARAMS), p256))
		qt, qn := a.Template(a.Bool(at(ck.CKA_PRIVATE), true))
		e.want("C_GenerateKeyPair with a private key, logged out", e.call("C_GenerateKeyPair", b, a.Mechanism(uint64(ck.CKM_EC_KEY_PAIR_GEN), nil),
			pt, pn, qt, qn, a.ULong(0), a.ULong(0)), codes(ck.CKR_USER_NOT_LOGGED_IN))
		tp, n = a.Template(a.Bool(at(ck.CKA_PRIVATE), true))
		e.want("C_CopyObject to a private object, logged out", e.call("C_CopyObject", b, pubData, tp, n, a.ULong(0)), codes(ck.CKR_USER_NOT_LOGGED_IN))
		e.want("C_GenerateRandom needs no login", e.call("C_GenerateRandom", b, a.Buf(16), 16), codes(ck.CKR_OK))
	}},
	{"slot events, random, legacy functions", func(e *rawEnv, s uint64) {
		ps := e.a.ULong(0)
		rv := uint64(0)
		for i := 0; i < 16; i++ { // token creation may have queued events: drain them
			if rv = e.call("C_WaitForSlotEvent", uint64(ck.CKF_DONT_BLOCK), ps, 0); rv != 0 {
				break
			}
		}
		e.want("C_WaitForSlotEvent(CKF_DONT_BLOCK)", rv, codes(ck.CKR_NO_EVENT))
		e.want("C_WaitForSlotEvent(NULL slot)", e.call("C_WaitForSlotEvent", uint64(ck.CKF_DONT_BLOCK), 0, 0), codes(ck.CKR_ARGUMENTS_BAD))
		e.want("C_WaitForSlotEvent(pReserved)", e.call("C_WaitForSlotEvent", uint64(ck.CKF_DONT_BLOCK), ps, e.a.Buf(8)), codes(ck.CKR_ARGUMENTS_BAD))
		e.want("C_GenerateRandom(NULL, 5)", e.call("C_GenerateRandom", s, 0, 5), codes(ck.CKR_ARGUMENTS_BAD))
		e.want("C_GenerateRandom(0 bytes)", e.call("C_GenerateRandom", s, e.a.Buf(1), 0), codes(ck.CKR_OK))
		e.want("C_SeedRandom(NULL, 5)", e.call("C_SeedRandom", s, 0, 5), codes(ck.CKR_ARGUMENTS_BAD))
		e.want("C_SeedRandom", e.call("C_SeedRandom", s, e.a.Buf(8), 8), codes(ck.CKR_OK, ck.CKR_RANDOM_SEED_NOT_SUPPORTED))
		e.want("C_GetFunctionStatus", e.call("C_GetFunctionStatus", s), codes(ck.CKR_FUNCTION_NOT_PARALLEL))
		e.want("C_CancelFunction", e.call("C_CancelFunction", s), codes(ck.CKR_FUNCTION_NOT_PARALLEL))
	}},
}

// TestBadInputCases: exact codes for bad input that needs a state to be
// meaningful: length queries and short buffers, active and missing
// operations, templates, unknown mechanisms, login state, wrong PINs.
func TestBadInputCases(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := openRaw(t)
	e.setup()
	un := e.unsupported()
	for _, c := range badCases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			s := e.open(e.slot, true)
			c.run(e, s)
			e.call("C_CloseSession", s)
		})
	}
	e.t = t
	// Every operation needs its Init, and every mechanism argument is checked.
	s := e.open(e.slot, true)
	for _, f := range capi.All {
		if un[f.Name] {
			continue
		}
		switch f.Name {
		case "C_Encrypt", "C_EncryptUpdate", "C_EncryptFinal", "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal",
			"C_Digest", "C_DigestUpdate", "C_DigestKey", "C_DigestFinal", "C_Sign", "C_SignUpdate", "C_SignFinal",
			"C_SignRecover", "C_Verify", "C_VerifyUpdate", "C_VerifyFinal", "C_VerifyRecover", "C_FindObjects", "C_FindObjectsFinal",
			"C_DigestEncryptUpdate", "C_DecryptDigestUpdate", "C_SignEncryptUpdate", "C_DecryptVerifyUpdate":
			e.want(f.Name+" without an operation", e.call(f.Name, e.args(f.Name, s)...), codes(ck.CKR_OPERATION_NOT_INITIALIZED))
		}
		for i, k := range f.Args {
			if k == 'M' {
				args := e.args(f.Name, s)
				args[i] = e.a.Mechanism(unknownMechanism, nil)
				e.want(f.Name+" with an unknown mechanism", e.call(f.Name, args...), codes(ck.CKR_MECHANISM_INVALID))
			}
		}
	}
}
