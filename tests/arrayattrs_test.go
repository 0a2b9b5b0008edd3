package tests

import (
	"bytes"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// Array attribute types (PKCS#11 3.0 §4.7, §4.8, §4.10).
const (
	ckaWrapTemplate   = 0x40000211
	ckaUnwrapTemplate = 0x40000212
	ckaDeriveTemplate = 0x40000213
	ckaAllowedMechs   = 0x40000600
	attrSize          = 24 // sizeof(CK_ATTRIBUTE) on LP64
)

// rawCreate is C_CreateObject through the raw ABI, for templates holding
// CK_ATTRIBUTE arrays (miekg/pkcs11 cannot express them).
func rawCreate(t *testing.T, raw *capi.Lib, a *capi.Arena, s pkcs11.SessionHandle, attrs ...capi.Attr) (uint64, pkcs11.ObjectHandle) {
	t.Helper()
	tp, n := a.Template(attrs...)
	ph := a.ULong(0)
	rv := raw.Call("C_CreateObject", uint64(s), tp, n, ph)
	return rv, pkcs11.ObjectHandle(capi.ReadULong(ph))
}

// arrayAttr is an attribute whose value is the CK_ATTRIBUTE array inner.
func arrayAttr(a *capi.Arena, typ uint64, inner ...capi.Attr) capi.Attr {
	p, n := a.Template(inner...)
	return capi.Attr{Type: typ, PValue: p, Len: n * attrSize}
}

// TestArrayAttributes: CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE,
// CKA_DERIVE_TEMPLATE and CKA_ALLOWED_MECHANISMS go in through
// C_CreateObject, come back through C_GetAttributeValue's two-level length
// query, cannot be changed, and are enforced by C_WrapKey, C_UnwrapKey,
// C_DeriveKey and C_EncryptInit.
func TestArrayAttributes(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	raw := hsmtest.Raw(t)
	var a capi.Arena
	defer a.Free()
	km := newKeyMaterial(t)

	rv, wrapper := rawCreate(t, raw, &a, s,
		a.Num(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		a.Num(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		a.Val(pkcs11.CKA_VALUE, bytes.Repeat([]byte{0x11}, 32)),
		a.Bool(pkcs11.CKA_WRAP, true), a.Bool(pkcs11.CKA_UNWRAP, true),
		arrayAttr(&a, ckaWrapTemplate, a.Val(pkcs11.CKA_ID, []byte("wrappable"))),
		arrayAttr(&a, ckaUnwrapTemplate, a.Bool(pkcs11.CKA_EXTRACTABLE, false), a.Val(pkcs11.CKA_LABEL, []byte("unwrapped"))),
		capi.Attr{Type: ckaAllowedMechs, PValue: a.ULongs(pkcs11.CKM_AES_KEY_WRAP, pkcs11.CKM_AES_KEY_WRAP_PAD), Len: 16},
	)
	if rv != pkcs11.CKR_OK {
		t.Fatalf("C_CreateObject with array attributes: %s", hsmtest.RVName(uint(rv)))
	}

	// A length not a whole number of CK_ATTRIBUTEs is refused.
	bad := arrayAttr(&a, ckaWrapTemplate, a.Val(pkcs11.CKA_ID, []byte("x")))
	bad.Len--
	rv, _ = rawCreate(t, raw, &a, s, a.Num(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), a.Num(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		a.Val(pkcs11.CKA_VALUE, km.aes), bad)
	if rv != pkcs11.CKR_ATTRIBUTE_VALUE_INVALID {
		t.Errorf("short template array: %s, want CKR_ATTRIBUTE_VALUE_INVALID", hsmtest.RVName(uint(rv)))
	}

	t.Run("get", func(t *testing.T) {
		// Outer length query: count * sizeof(CK_ATTRIBUTE).
		rv, back, _ := rawAttrs(raw, s, wrapper, []uint{ckaUnwrapTemplate, ckaAllowedMechs}, []int{-1, -1})
		if rv != pkcs11.CKR_OK || back[0].Len != 2*attrSize || back[1].Len != 16 {
			t.Fatalf("length query: %s, %d %d, want CKR_OK %d 16", hsmtest.RVName(uint(rv)), back[0].Len, back[1].Len, 2*attrSize)
		}
		// Inner length query: an array of entries with NULL pValues.
		var b capi.Arena
		defer b.Free()
		inner, _ := b.Template(capi.Attr{}, capi.Attr{})
		outer, n := b.Template(capi.Attr{Type: ckaUnwrapTemplate, PValue: inner, Len: 2 * attrSize})
		if rv := raw.Call("C_GetAttributeValue", uint64(s), uint64(wrapper), outer, n); rv != pkcs11.CKR_OK {
			t.Fatalf("inner length query: %s", hsmtest.RVName(uint(rv)))
		}
		// The library stores a template sorted by type (order never matters).
		got := capi.ReadTemplate(inner, 2)
		if got[0].Type != pkcs11.CKA_LABEL || got[0].Len != 9 || got[1].Type != pkcs11.CKA_EXTRACTABLE || got[1].Len != 1 {
			t.Fatalf("inner lengths %+v", got)
		}
		// Values.
		inner, _ = b.Template(b.Out(0, 9), b.Out(0, 1))
		outer, n = b.Template(capi.Attr{Type: ckaUnwrapTemplate, PValue: inner, Len: 2 * attrSize})
		if rv := raw.Call("C_GetAttributeValue", uint64(s), uint64(wrapper), outer, n); rv != pkcs11.CKR_OK {
			t.Fatalf("values: %s", hsmtest.RVName(uint(rv)))
		}
		got = capi.ReadTemplate(inner, 2)
		if v := capi.Read(got[1].PValue, 1); v[0] != 0 || string(capi.Read(got[0].PValue, 9)) != "unwrapped" {
			t.Fatalf("values %q %x", capi.Read(got[0].PValue, 9), v)
		}
		// An inner buffer too small.
		inner, _ = b.Template(b.Out(0, 3), b.Out(0, 1))
		outer, n = b.Template(capi.Attr{Type: ckaUnwrapTemplate, PValue: inner, Len: 2 * attrSize})
		if rv := raw.Call("C_GetAttributeValue", uint64(s), uint64(wrapper), outer, n); rv != pkcs11.CKR_BUFFER_TOO_SMALL {
			t.Fatalf("short inner buffer: %s, want CKR_BUFFER_TOO_SMALL", hsmtest.RVName(uint(rv)))
		}
		if got = capi.ReadTemplate(inner, 2); got[0].Len != capi.Unavailable || got[1].Len != 1 {
			t.Fatalf("short inner buffer lengths %#x %d, want CK_UNAVAILABLE_INFORMATION 1", got[0].Len, got[1].Len)
		}
	})

	t.Run("find", func(t *testing.T) {
		// The unwrap template in another order than at create still matches.
		var b capi.Arena
		defer b.Free()
		tp, n := b.Template(arrayAttr(&b, ckaUnwrapTemplate, b.Val(pkcs11.CKA_LABEL, []byte("unwrapped")), b.Bool(pkcs11.CKA_EXTRACTABLE, false)))
		if rv := raw.Call("C_FindObjectsInit", uint64(s), tp, n); rv != pkcs11.CKR_OK {
			t.Fatalf("C_FindObjectsInit: %s", hsmtest.RVName(uint(rv)))
		}
		found, _, err := p.FindObjects(s, 10)
		hsmtest.Must(t, p.FindObjectsFinal(s), "C_FindObjectsFinal")
		if err != nil || len(found) != 1 || found[0] != wrapper {
			t.Fatalf("found %v, %v; want [%d]", found, err, wrapper)
		}
	})

	t.Run("no allowed-mechanisms list", func(t *testing.T) {
		plain := aesKey(t, p, s, km.aes, nil)
		rv, back, _ := rawAttrs(raw, s, plain, []uint{ckaAllowedMechs, ckaWrapTemplate}, []int{-1, -1})
		if rv != pkcs11.CKR_ATTRIBUTE_TYPE_INVALID || back[0].Len != capi.Unavailable || back[1].Len != 0 {
			t.Fatalf("key without array attributes: %s, lengths %#x %d; want CKR_ATTRIBUTE_TYPE_INVALID, unavailable, an empty template",
				hsmtest.RVName(uint(rv)), back[0].Len, back[1].Len)
		}
		hsmtest.Must(t, p.EncryptInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_ECB, nil)}, plain), "C_EncryptInit without a list")
		_, err := p.Encrypt(s, make([]byte, 16)) // ends the operation
		hsmtest.Must(t, err, "C_Encrypt")
	})

	t.Run("not modifiable", func(t *testing.T) {
		err := p.SetAttributeValue(s, wrapper, []*pkcs11.Attribute{pkcs11.NewAttribute(ckaAllowedMechs, []byte{})})
		hsmtest.WantRV(t, err, "C_SetAttributeValue(CKA_ALLOWED_MECHANISMS)", pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	})

	kw := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_WRAP, nil)}
	t.Run("allowed mechanisms", func(t *testing.T) {
		err := p.EncryptInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_ECB, nil)}, wrapper)
		hsmtest.WantRV(t, err, "C_EncryptInit with a mechanism outside CKA_ALLOWED_MECHANISMS", pkcs11.CKR_MECHANISM_INVALID)
	})

	var wrapped []byte
	t.Run("wrap template", func(t *testing.T) {
		ok := aesKey(t, p, s, km.aes, map[uint]bool{pkcs11.CKA_EXTRACTABLE: true})
		hsmtest.Must(t, p.SetAttributeValue(s, ok, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_ID, "wrappable")}), "CKA_ID")
		other := aesKey(t, p, s, km.aes, map[uint]bool{pkcs11.CKA_EXTRACTABLE: true})
		var err error
		wrapped, err = p.WrapKey(s, kw, wrapper, ok)
		hsmtest.Must(t, err, "C_WrapKey of a key matching CKA_WRAP_TEMPLATE")
		_, err = p.WrapKey(s, kw, wrapper, other)
		hsmtest.WantRV(t, err, "C_WrapKey of a key not matching CKA_WRAP_TEMPLATE", pkcs11.CKR_KEY_NOT_WRAPPABLE)
	})

	t.Run("unwrap template", func(t *testing.T) {
		if wrapped == nil {
			t.Skip("no wrapped key")
		}
		base := []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		}
		_, err := p.UnwrapKey(s, kw, wrapper, wrapped, append(base, pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true)))
		hsmtest.WantRV(t, err, "C_UnwrapKey against CKA_UNWRAP_TEMPLATE", pkcs11.CKR_TEMPLATE_INCONSISTENT)
		h, err := p.UnwrapKey(s, kw, wrapper, wrapped, base)
		hsmtest.Must(t, err, "C_UnwrapKey")
		got, err := p.GetAttributeValue(s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil), pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
		hsmtest.Must(t, err, "C_GetAttributeValue(unwrapped)")
		if !bytes.Equal(got[0].Value, []byte{0}) || string(got[1].Value) != "unwrapped" {
			t.Fatalf("unwrapped key CKA_EXTRACTABLE %x CKA_LABEL %q, want the unwrap template's", got[0].Value, got[1].Value)
		}
	})

	t.Run("derive template", func(t *testing.T) {
		rv, baseKey := rawCreate(t, raw, &a, s,
			a.Num(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			a.Num(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
			a.Val(pkcs11.CKA_VALUE, km.aes), a.Bool(pkcs11.CKA_DERIVE, true),
			arrayAttr(&a, ckaDeriveTemplate, a.Val(pkcs11.CKA_LABEL, []byte("derived"))),
		)
		if rv != pkcs11.CKR_OK {
			t.Fatalf("C_CreateObject(derive base): %s", hsmtest.RVName(uint(rv)))
		}
		mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256_KEY_DERIVATION, nil)}
		tmpl := []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
		}
		_, err := p.DeriveKey(s, mech, baseKey, append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_LABEL, "other")))
		hsmtest.WantRV(t, err, "C_DeriveKey against CKA_DERIVE_TEMPLATE", pkcs11.CKR_TEMPLATE_INCONSISTENT)
		h, err := p.DeriveKey(s, mech, baseKey, tmpl)
		hsmtest.Must(t, err, "C_DeriveKey")
		got, err := p.GetAttributeValue(s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
		hsmtest.Must(t, err, "C_GetAttributeValue(derived)")
		if string(got[0].Value) != "derived" {
			t.Fatalf("derived key CKA_LABEL %q, want the derive template's", got[0].Value)
		}
	})
}
