package tests

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// randomAttrTypes are the attribute types random templates draw from: the
// ones the token knows, and some it does not.
var randomAttrTypes = []ck.AttributeType{
	ck.CKA_CLASS, ck.CKA_TOKEN, ck.CKA_PRIVATE, ck.CKA_LABEL, ck.CKA_APPLICATION, ck.CKA_VALUE, ck.CKA_OBJECT_ID,
	ck.CKA_CERTIFICATE_TYPE, ck.CKA_ISSUER, ck.CKA_SERIAL_NUMBER, ck.CKA_SUBJECT, ck.CKA_KEY_TYPE, ck.CKA_ID,
	ck.CKA_SENSITIVE, ck.CKA_ENCRYPT, ck.CKA_DECRYPT, ck.CKA_WRAP, ck.CKA_UNWRAP, ck.CKA_SIGN, ck.CKA_VERIFY,
	ck.CKA_DERIVE, ck.CKA_MODULUS, ck.CKA_MODULUS_BITS, ck.CKA_PUBLIC_EXPONENT, ck.CKA_VALUE_LEN, ck.CKA_EXTRACTABLE,
	ck.CKA_LOCAL, ck.CKA_NEVER_EXTRACTABLE, ck.CKA_ALWAYS_SENSITIVE, ck.CKA_MODIFIABLE, ck.CKA_COPYABLE,
	ck.CKA_DESTROYABLE, ck.CKA_EC_PARAMS, ck.CKA_EC_POINT, ck.CKA_ALWAYS_AUTHENTICATE, ck.CKA_WRAP_WITH_TRUSTED,
	ck.CKA_UNIQUE_ID, ck.CKA_START_DATE, ck.CKA_END_DATE, 0x7ffff0f0, 0x80000001, 0xffffffff,
}

// randomTemplate makes 0 to 8 attributes with random lengths and bytes; now
// and then a NULL pValue with a length, or a well-formed class, bool or ulong.
func (e *rawEnv) randomTemplate(r *rand.Rand) (uint64, uint64) {
	attrs := make([]capi.Attr, r.IntN(9))
	for i := range attrs {
		typ := uint64(randomAttrTypes[r.IntN(len(randomAttrTypes))])
		switch r.IntN(10) {
		case 0:
			attrs[i] = capi.Attr{Type: typ, Len: uint64(1 + r.IntN(64))} // NULL pValue
		case 1:
			attrs[i] = e.a.Bool(typ, r.IntN(2) == 0)
		case 2:
			attrs[i] = e.a.Num(typ, uint64(r.IntN(5)))
		default:
			b := make([]byte, r.IntN(48))
			for j := range b {
				b[j] = byte(r.Uint32())
			}
			attrs[i] = e.a.Val(typ, b)
		}
	}
	if len(attrs) == 0 && r.IntN(2) == 0 {
		return 0, 0
	}
	return e.a.Template(attrs...)
}

// noPanic fails the test when a call answered CKR_GENERAL_ERROR: the C front
// returns it for a recovered Go panic, and nothing here should panic.
func (e *rawEnv) noPanic(what string, rv uint64) {
	e.t.Helper()
	e.checked++
	if rv == uint64(ck.CKR_GENERAL_ERROR) {
		e.t.Errorf("%s: CKR_GENERAL_ERROR (a panic?)", what)
	}
}

// TestRandomTemplates feeds random templates to every function that takes
// one; the answer may be anything but a crash, a hang or CKR_GENERAL_ERROR.
func TestRandomTemplates(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := openRaw(t)
	e.setup()
	r := rand.New(rand.NewPCG(3, 2026))
	for i := 0; i < 1500; i++ {
		s := e.open(e.slot, true)
		tp, n := e.randomTemplate(r)
		out := e.a.ULong(0)
		e.noPanic("C_CreateObject", e.call("C_CreateObject", s, tp, n, out))
		e.noPanic("C_SetAttributeValue(data)", e.call("C_SetAttributeValue", s, e.data, tp, n))
		e.noPanic("C_SetAttributeValue(AES key)", e.call("C_SetAttributeValue", s, e.aes, tp, n))
		e.noPanic("C_CopyObject", e.call("C_CopyObject", s, e.data, tp, n, out))
		if rv := e.call("C_FindObjectsInit", s, tp, n); rv == 0 {
			e.noPanic("C_FindObjects", e.call("C_FindObjects", s, e.a.Buf(64), 8, out))
			e.noPanic("C_FindObjectsFinal", e.call("C_FindObjectsFinal", s))
		} else {
			e.noPanic("C_FindObjectsInit", rv)
		}
		e.noPanic("C_GenerateKey(AES)", e.call("C_GenerateKey", s, e.a.Mechanism(uint64(ck.CKM_AES_KEY_GEN), nil), tp, n, out))
		tp2, n2 := e.randomTemplate(r)
		e.noPanic("C_GenerateKeyPair(EC)", e.call("C_GenerateKeyPair", s, e.a.Mechanism(uint64(ck.CKM_EC_KEY_PAIR_GEN), nil), tp, n, tp2, n2, out, e.a.ULong(0)))
		e.call("C_CloseSession", s)
		if i%100 == 99 {
			e.a.Free()
		}
	}
}

// TestRandomMechanismParameters: every mechanism the token lists, in every
// kind of operation, with parameters of odd sizes (zero bytes, so that any
// pointer inside is NULL) and a NULL parameter with a length.
func TestRandomMechanismParameters(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := openRaw(t)
	e.setup()
	pn := e.a.ULong(0)
	e.must("C_GetMechanismList", e.slot, 0, pn)
	list := e.a.Buf(8 * int(capi.ReadULong(pn)))
	e.must("C_GetMechanismList", e.slot, list, pn)
	mechs := make([]uint64, capi.ReadULong(pn))
	for i := range mechs {
		mechs[i] = capi.ReadULong(list + uint64(8*i))
	}
	inits := []string{"C_EncryptInit", "C_DecryptInit", "C_SignInit", "C_VerifyInit", "C_SignRecoverInit", "C_VerifyRecoverInit",
		"C_MessageEncryptInit", "C_MessageSignInit"}
	keys := []uint64{e.aes, e.ecPriv, e.ecPb}
	s := e.open(e.slot, true)
	for _, m := range mechs {
		for _, size := range []int{-8, 1, 7, 8, 16, 24, 40, 48, 56, 64, 128} {
			mech := e.a.Buf(24)
			capi.WriteULong(mech, m)
			if size > 0 {
				capi.WriteULong(mech+8, e.a.Buf(size))
				capi.WriteULong(mech+16, uint64(size))
			} else {
				capi.WriteULong(mech+16, uint64(-size)) // NULL with a length
			}
			try := func(what string, rv uint64) {
				e.noPanic(what, rv)
				if rv == 0 { // an operation may be active now: start afresh
					e.call("C_CloseSession", s)
					s = e.open(e.slot, true)
				}
			}
			for _, init := range inits {
				for _, k := range keys {
					try(init, e.call(init, s, mech, k))
				}
			}
			try("C_DigestInit", e.call("C_DigestInit", s, mech))
			tp, n := e.template("C_GenerateKey", 0)
			try("C_GenerateKey", e.call("C_GenerateKey", s, mech, tp, n, e.a.ULong(0)))
			pt, pn := e.template("C_GenerateKeyPair", 0)
			qt, qn := e.template("C_GenerateKeyPair", 1)
			try("C_GenerateKeyPair", e.call("C_GenerateKeyPair", s, mech, pt, pn, qt, qn, e.a.ULong(0), e.a.ULong(0)))
			dt, dn := e.template("C_DeriveKey", 0)
			try("C_DeriveKey", e.call("C_DeriveKey", s, mech, e.ecPriv, dt, dn, e.a.ULong(0)))
			try("C_WrapKey", e.call("C_WrapKey", s, mech, e.aes, e.aes, 0, e.a.ULong(0)))
			try("C_UnwrapKey", e.call("C_UnwrapKey", s, mech, e.aes, e.a.Buf(40), 40, dt, dn, e.a.ULong(0)))
		}
	}
}

// TestRandomOperationData: valid operations fed random data lengths, random
// output buffer sizes (NULL, short, enough) and random part splits.
func TestRandomOperationData(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := openRaw(t)
	e.setup()
	r := rand.New(rand.NewPCG(11, 2026))
	gcm := func() []byte { // CK_GCM_PARAMS: pIv, ulIvLen, ulIvBits, pAAD, ulAADLen, ulTagBits
		p := make([]byte, 48)
		iv := e.a.Buf(12)
		for i, v := range []uint64{iv, 12, 96, 0, 0, 128} {
			for j := 0; j < 8; j++ {
				p[8*i+j] = byte(v >> (8 * j))
			}
		}
		return p
	}
	type op struct {
		mech           ck.MechanismType
		param          func() []byte
		init, one, upd string
		fin            string
		key            uint64
		verify         bool
	}
	iv := func() []byte { return make([]byte, 16) }
	none := func() []byte { return nil }
	ops := []op{
		{ck.CKM_AES_ECB, none, "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate", "C_EncryptFinal", e.aes, false},
		{ck.CKM_AES_ECB, none, "C_DecryptInit", "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal", e.aes, false},
		{ck.CKM_AES_CBC, iv, "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate", "C_EncryptFinal", e.aes, false},
		{ck.CKM_AES_CBC_PAD, iv, "C_DecryptInit", "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal", e.aes, false},
		{ck.CKM_AES_CBC_PAD, iv, "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate", "C_EncryptFinal", e.aes, false},
		{ck.CKM_AES_GCM, gcm, "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate", "C_EncryptFinal", e.aes, false},
		{ck.CKM_AES_GCM, gcm, "C_DecryptInit", "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal", e.aes, false},
		{ck.CKM_ECDSA, none, "C_SignInit", "C_Sign", "", "", e.ecPriv, false},
		{ck.CKM_ECDSA_SHA256, none, "C_SignInit", "C_Sign", "C_SignUpdate", "C_SignFinal", e.ecPriv, false},
		{ck.CKM_ECDSA, none, "C_VerifyInit", "C_Verify", "", "", e.ecPb, true},
		{ck.CKM_ECDSA_SHA256, none, "C_VerifyInit", "C_Verify", "C_VerifyUpdate", "C_VerifyFinal", e.ecPb, true},
	}
	outArgs := func() (uint64, uint64) {
		switch r.IntN(4) {
		case 0:
			return 0, e.a.ULong(0) // length query
		case 1:
			n := r.IntN(8)
			return e.a.Buf(n), e.a.ULong(uint64(n)) // short, mostly
		}
		return e.a.Buf(256), e.a.ULong(256)
	}
	data := func() (uint64, uint64) {
		n := r.IntN(100)
		return e.a.Buf(n), uint64(n)
	}
	for i := 0; i < 400; i++ {
		o := ops[r.IntN(len(ops))]
		s := e.open(e.slot, true)
		if rv := e.call(o.init, s, e.a.Mechanism(uint64(o.mech), o.param()), o.key); rv != 0 {
			e.t.Errorf("%s(%v): %s", o.init, o.mech, rvName(rv))
			continue
		}
		for step := 0; step < 4; step++ {
			d, dn := data()
			out, pn := outArgs()
			var rv uint64
			switch {
			case o.upd == "" || r.IntN(3) == 0:
				if o.verify {
					rv = e.call(o.one, s, d, dn, out, uint64(r.IntN(80)))
				} else {
					rv = e.call(o.one, s, d, dn, out, pn)
				}
			case r.IntN(2) == 0:
				if strings.HasPrefix(o.upd, "C_Sign") || strings.HasPrefix(o.upd, "C_Verify") {
					rv = e.call(o.upd, s, d, dn)
				} else {
					rv = e.call(o.upd, s, d, dn, out, pn)
				}
			default:
				if o.verify {
					rv = e.call(o.fin, s, d, dn)
				} else {
					rv = e.call(o.fin, s, out, pn)
				}
			}
			e.noPanic(o.init+" then random data", rv)
		}
		e.call("C_CloseSession", s)
	}
}
