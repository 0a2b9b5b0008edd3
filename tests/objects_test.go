package tests

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestObjectLifecycle: create, get, set, find, copy, size and destroy for
// each object class.
func TestObjectLifecycle(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	km := newKeyMaterial(t)
	tmpls := classTemplates(km, true, "obj")
	names := make([]string, 0, len(tmpls))
	for n := range tmpls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			label := "obj-" + name
			tmpl := classTemplates(km, true, label)[name]
			h, err := p.CreateObject(s, tmpl)
			hsmtest.Must(t, err, "C_CreateObject")
			if got := attr(t, p, s, h, pkcs11.CKA_CLASS); !bytes.Equal(got, tmpl[0].Value) {
				t.Errorf("CKA_CLASS %x, want %x", got, tmpl[0].Value)
			}
			if got := findAll(t, p, s, byLabel(label)); len(got) != 1 || got[0] != h {
				t.Errorf("find by label: %v, want [%d]", got, h)
			}
			hsmtest.Must(t, p.SetAttributeValue(s, h, byLabel(label+"-renamed")), "C_SetAttributeValue(CKA_LABEL)")
			if got := string(attr(t, p, s, h, pkcs11.CKA_LABEL)); got != label+"-renamed" {
				t.Errorf("label after set: %q", got)
			}
			if got := findAll(t, p, s, byLabel(label)); len(got) != 0 {
				t.Errorf("old label still finds %v", got)
			}
			c, err := p.CopyObject(s, h, byLabel(label+"-copy"))
			hsmtest.Must(t, err, "C_CopyObject")
			if c == h {
				t.Fatalf("copy has the original's handle %d", h)
			}
			if got := attr(t, p, s, c, pkcs11.CKA_CLASS); !bytes.Equal(got, tmpl[0].Value) {
				t.Errorf("copy's CKA_CLASS %x", got)
			}
			if got := string(attr(t, p, s, c, pkcs11.CKA_LABEL)); got != label+"-copy" {
				t.Errorf("copy's label %q", got)
			}
			if _, err := p.GetObjectSize(s, h); err != nil {
				hsmtest.WantRV(t, err, "C_GetObjectSize", pkcs11.CKR_INFORMATION_SENSITIVE)
			}
			for _, o := range []pkcs11.ObjectHandle{h, c} {
				hsmtest.Must(t, p.DestroyObject(s, o), "C_DestroyObject")
				_, err := p.GetAttributeValue(s, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, nil)})
				hsmtest.WantRV(t, err, "C_GetAttributeValue on a destroyed object", pkcs11.CKR_OBJECT_HANDLE_INVALID)
				hsmtest.WantRV(t, p.DestroyObject(s, o), "C_DestroyObject twice", pkcs11.CKR_OBJECT_HANDLE_INVALID)
			}
			if got := findAll(t, p, s, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, tmpl[0].Value)}); len(got) != 0 {
				t.Errorf("destroyed objects still found: %v", got)
			}
		})
	}
}

// TestSensitiveKeysUnreadable: the value of a sensitive or non-extractable
// key of every key type can never be read, and everything else in the same
// C_GetAttributeValue call still is.
func TestSensitiveKeysUnreadable(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	raw := hsmtest.Raw(t)
	km := newKeyMaterial(t)
	secret := func(kt uint, sensitive, extractable bool, label string) pkcs11.ObjectHandle {
		h, err := p.CreateObject(s, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, kt),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, sensitive),
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, extractable),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, km.aes),
		})
		hsmtest.Must(t, err, "C_CreateObject(secret "+label+")")
		return h
	}
	genAES := func(sensitive, extractable bool, label string) pkcs11.ObjectHandle {
		h, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)}, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 32),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, sensitive),
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, extractable),
		})
		hsmtest.Must(t, err, "C_GenerateKey(AES)")
		return h
	}
	ecPriv, err := p.CreateObject(s, classTemplates(km, false, "ec-imported")["ec-private"])
	hsmtest.Must(t, err, "C_CreateObject(EC private)")
	_, ecGen := genEC(t, p, s, "ec-generated", false, pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true))
	_, ecGenNX := genEC(t, p, s, "ec-generated-nx", false,
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false))

	hidden := map[string]pkcs11.ObjectHandle{
		"aes imported sensitive":            secret(pkcs11.CKK_AES, true, true, "a1"),
		"aes imported non-extractable":      secret(pkcs11.CKK_AES, false, false, "a2"),
		"generic imported sensitive":        secret(pkcs11.CKK_GENERIC_SECRET, true, true, "g1"),
		"generic imported non-extractable":  secret(pkcs11.CKK_GENERIC_SECRET, false, false, "g2"),
		"aes generated sensitive":           genAES(true, true, "a3"),
		"aes generated non-extractable":     genAES(false, false, "a4"),
		"ec private imported sensitive":     ecPriv,
		"ec private generated sensitive":    ecGen,
		"ec private generated non-extract.": ecGenNX,
	}
	for name, h := range hidden {
		for _, size := range []int{-1, 64} {
			rv, back, vals := rawAttrs(raw, s, h, []uint{pkcs11.CKA_VALUE, pkcs11.CKA_CLASS}, []int{size, 8})
			if rv != pkcs11.CKR_ATTRIBUTE_SENSITIVE {
				t.Errorf("%s: C_GetAttributeValue(CKA_VALUE, buffer %d) = %s, want CKR_ATTRIBUTE_SENSITIVE", name, size, hsmtest.RVName(uint(rv)))
			}
			if back[0].Len != capi.Unavailable {
				t.Errorf("%s: CKA_VALUE length %d, want CK_UNAVAILABLE_INFORMATION", name, back[0].Len)
			}
			if size > 0 && bytes.Contains(capi.Read(back[0].PValue, size), km.aes[:8]) {
				t.Errorf("%s: key bytes written into the buffer anyway", name)
			}
			if back[1].Len != 8 || vals[1] == nil {
				t.Errorf("%s: CKA_CLASS in the same call not processed (len %d)", name, back[1].Len)
			}
		}
	}
	// RSA: every private component of a sensitive key.
	_, rsaPriv, err := p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_MODULUS_BITS, 2048), pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1})},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true), pkcs11.NewAttribute(pkcs11.CKA_SIGN, true)})
	hsmtest.Must(t, err, "C_GenerateKeyPair(RSA 2048)")
	for _, typ := range []uint{pkcs11.CKA_PRIVATE_EXPONENT, pkcs11.CKA_PRIME_1, pkcs11.CKA_PRIME_2,
		pkcs11.CKA_EXPONENT_1, pkcs11.CKA_EXPONENT_2, pkcs11.CKA_COEFFICIENT} {
		rv, back, _ := rawAttrs(raw, s, rsaPriv, []uint{typ, pkcs11.CKA_MODULUS}, []int{512, 512})
		if rv != pkcs11.CKR_ATTRIBUTE_SENSITIVE || back[0].Len != capi.Unavailable {
			t.Errorf("RSA private key attribute %#x: %s, length %#x; want CKR_ATTRIBUTE_SENSITIVE, unavailable", typ, hsmtest.RVName(uint(rv)), back[0].Len)
		}
		if back[1].Len != 256 {
			t.Errorf("RSA CKA_MODULUS in the same call: length %d, want 256", back[1].Len)
		}
	}

	// The control: an extractable, non-sensitive key's value is readable (so the above is not vacuous).
	open := secret(pkcs11.CKK_AES, false, true, "open")
	if got := attr(t, p, s, open, pkcs11.CKA_VALUE); !bytes.Equal(got, km.aes) {
		t.Errorf("non-sensitive key's CKA_VALUE %x, want %x", got, km.aes)
	}
}

// TestAttributeTransitions: CKA_SENSITIVE only false->true, CKA_EXTRACTABLE
// only true->false, CKA_LOCAL/ALWAYS_SENSITIVE/NEVER_EXTRACTABLE kept by the
// token, CKA_MODIFIABLE/COPYABLE/DESTROYABLE honoured.
func TestAttributeTransitions(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	km := newKeyMaterial(t)
	set := func(h pkcs11.ObjectHandle, typ uint, v any) error {
		return p.SetAttributeValue(s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, v)})
	}
	wantBools := func(what string, h pkcs11.ObjectHandle, want map[uint]bool) {
		t.Helper()
		for typ, w := range want {
			if got := boolAttr(t, p, s, h, typ); got != w {
				t.Errorf("%s: attribute %#x = %v, want %v", what, typ, got, w)
			}
		}
	}
	imported, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, km.aes),
	})
	hsmtest.Must(t, err, "C_CreateObject(AES)")
	wantBools("imported", imported, map[uint]bool{pkcs11.CKA_LOCAL: false, pkcs11.CKA_ALWAYS_SENSITIVE: false, pkcs11.CKA_NEVER_EXTRACTABLE: false})
	hsmtest.Must(t, set(imported, pkcs11.CKA_SENSITIVE, true), "CKA_SENSITIVE false->true")
	hsmtest.WantRV(t, set(imported, pkcs11.CKA_SENSITIVE, false), "CKA_SENSITIVE true->false", pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	hsmtest.Must(t, set(imported, pkcs11.CKA_EXTRACTABLE, false), "CKA_EXTRACTABLE true->false")
	hsmtest.WantRV(t, set(imported, pkcs11.CKA_EXTRACTABLE, true), "CKA_EXTRACTABLE false->true", pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	wantBools("after the changes", imported, map[uint]bool{pkcs11.CKA_SENSITIVE: true, pkcs11.CKA_EXTRACTABLE: false,
		pkcs11.CKA_ALWAYS_SENSITIVE: false, pkcs11.CKA_NEVER_EXTRACTABLE: false})
	for _, typ := range []uint{pkcs11.CKA_LOCAL, pkcs11.CKA_ALWAYS_SENSITIVE, pkcs11.CKA_NEVER_EXTRACTABLE} {
		hsmtest.WantRV(t, set(imported, typ, true), "C_SetAttributeValue of a token-kept attribute", pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	}
	_, err = p.CopyObject(s, imported, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false)})
	hsmtest.WantRV(t, err, "C_CopyObject making a sensitive key non-sensitive", pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	_, err = p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_LOCAL, true),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, km.aes),
	})
	hsmtest.WantRV(t, err, "C_CreateObject claiming CKA_LOCAL", pkcs11.CKR_ATTRIBUTE_READ_ONLY)

	gen := func(sensitive, extractable bool) pkcs11.ObjectHandle {
		h, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)}, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 16),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, sensitive),
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, extractable),
		})
		hsmtest.Must(t, err, "C_GenerateKey(AES)")
		return h
	}
	wantBools("generated sensitive, non-extractable", gen(true, false), map[uint]bool{
		pkcs11.CKA_LOCAL: true, pkcs11.CKA_ALWAYS_SENSITIVE: true, pkcs11.CKA_NEVER_EXTRACTABLE: true})
	closed := gen(true, false)
	cp, err := p.CopyObject(s, closed, nil)
	hsmtest.Must(t, err, "C_CopyObject of a generated sensitive key")
	wantBools("copy of a generated sensitive key", cp, map[uint]bool{
		pkcs11.CKA_LOCAL: true, pkcs11.CKA_ALWAYS_SENSITIVE: true, pkcs11.CKA_NEVER_EXTRACTABLE: true, pkcs11.CKA_SENSITIVE: true})
	_, err = p.CopyObject(s, closed, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true)})
	hsmtest.WantRV(t, err, "C_CopyObject making a key extractable", pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	g := gen(false, true)
	cp, err = p.CopyObject(s, g, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true)})
	hsmtest.Must(t, err, "C_CopyObject closing a key")
	wantBools("closed copy of an open key", cp, map[uint]bool{pkcs11.CKA_SENSITIVE: true, pkcs11.CKA_EXTRACTABLE: false,
		pkcs11.CKA_ALWAYS_SENSITIVE: false, pkcs11.CKA_NEVER_EXTRACTABLE: false})
	wantBools("generated open", g, map[uint]bool{pkcs11.CKA_LOCAL: true, pkcs11.CKA_ALWAYS_SENSITIVE: false, pkcs11.CKA_NEVER_EXTRACTABLE: false})
	hsmtest.Must(t, set(g, pkcs11.CKA_SENSITIVE, true), "CKA_SENSITIVE false->true")
	hsmtest.Must(t, set(g, pkcs11.CKA_EXTRACTABLE, false), "CKA_EXTRACTABLE true->false")
	wantBools("generated, closed later", g, map[uint]bool{pkcs11.CKA_ALWAYS_SENSITIVE: false, pkcs11.CKA_NEVER_EXTRACTABLE: false})
	pub, priv := genEC(t, p, s, "ec", false, pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false))
	wantBools("generated EC private", priv, map[uint]bool{pkcs11.CKA_LOCAL: true, pkcs11.CKA_ALWAYS_SENSITIVE: true, pkcs11.CKA_NEVER_EXTRACTABLE: true})
	wantBools("generated EC public", pub, map[uint]bool{pkcs11.CKA_LOCAL: true})

	// CKA_UNIQUE_ID (3.0): given by the token, distinct, read-only.
	ids := map[string]bool{}
	for _, h := range []pkcs11.ObjectHandle{imported, g, pub, priv} {
		id := string(attr(t, p, s, h, uint(ck.CKA_UNIQUE_ID)))
		if id == "" || ids[id] {
			t.Errorf("CKA_UNIQUE_ID %q empty or repeated", id)
		}
		ids[id] = true
	}
	hsmtest.WantRV(t, set(g, uint(ck.CKA_UNIQUE_ID), "mine"), "C_SetAttributeValue(CKA_UNIQUE_ID)", pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	_, err = p.CreateObject(s, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA), pkcs11.NewAttribute(uint(ck.CKA_UNIQUE_ID), "mine")})
	hsmtest.WantRV(t, err, "C_CreateObject with CKA_UNIQUE_ID", pkcs11.CKR_ATTRIBUTE_READ_ONLY)

	// MODIFIABLE, COPYABLE, DESTROYABLE.
	data := func(typ uint) pkcs11.ObjectHandle {
		h, err := p.CreateObject(s, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("v")),
			pkcs11.NewAttribute(typ, false),
		})
		hsmtest.Must(t, err, "C_CreateObject(data)")
		return h
	}
	hsmtest.WantRV(t, set(data(pkcs11.CKA_MODIFIABLE), pkcs11.CKA_LABEL, "x"), "set on CKA_MODIFIABLE=false", pkcs11.CKR_ATTRIBUTE_READ_ONLY, pkcs11.CKR_ACTION_PROHIBITED)
	_, err = p.CopyObject(s, data(pkcs11.CKA_COPYABLE), nil)
	hsmtest.WantRV(t, err, "copy of CKA_COPYABLE=false", pkcs11.CKR_ACTION_PROHIBITED)
	hsmtest.WantRV(t, p.DestroyObject(s, data(pkcs11.CKA_DESTROYABLE)), "destroy of CKA_DESTROYABLE=false", pkcs11.CKR_ACTION_PROHIBITED)
}

// TestObjectVisibility: private objects need a login, session objects end
// with their session, token objects outlive C_Finalize, handles are stable
// and never reused.
func TestObjectVisibility(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	dataT := func(label string, token, private bool) []*pkcs11.Attribute {
		return []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, token),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, private),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("value of "+label)),
		}
	}
	priv, err := p.CreateObject(s, dataT("private", true, true))
	hsmtest.Must(t, err, "C_CreateObject(private token data)")
	pub, err := p.CreateObject(s, dataT("public", true, false))
	hsmtest.Must(t, err, "C_CreateObject(public token data)")

	// Handles: the same object has the same handle in every session; a new object never gets an old handle.
	other := hsmtest.OpenRW(t, p, tok.Slot)
	if got := findAll(t, p, other, byLabel("private")); len(got) != 1 || got[0] != priv {
		t.Errorf("another session finds %v, want [%d]", got, priv)
	}
	tmp, err := p.CreateObject(s, dataT("tmp", true, false))
	hsmtest.Must(t, err, "C_CreateObject(tmp)")
	hsmtest.Must(t, p.DestroyObject(s, tmp), "C_DestroyObject(tmp)")
	seen := map[pkcs11.ObjectHandle]bool{priv: true, pub: true, tmp: true}
	for i := 0; i < 5; i++ {
		h, err := p.CreateObject(s, dataT("again", false, false))
		hsmtest.Must(t, err, "C_CreateObject(again)")
		if seen[h] {
			t.Errorf("handle %d given out again", h)
		}
		seen[h] = true
	}

	// Session objects are seen by every session and end with the one that made them.
	sessObj, err := p.CreateObject(other, dataT("session-only", false, false))
	hsmtest.Must(t, err, "C_CreateObject(session object)")
	if got := findAll(t, p, s, byLabel("session-only")); len(got) != 1 || got[0] != sessObj {
		t.Errorf("session object from another session: %v", got)
	}
	hsmtest.Must(t, p.CloseSession(other), "C_CloseSession")
	if got := findAll(t, p, s, byLabel("session-only")); len(got) != 0 {
		t.Errorf("session object outlived its session: %v", got)
	}
	_, err = p.GetAttributeValue(s, sessObj, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
	hsmtest.WantRV(t, err, "handle of a closed session's object", pkcs11.CKR_OBJECT_HANDLE_INVALID)

	// Private objects disappear on logout, and the officer never sees them.
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "C_Login(SO)")
	if got := findAll(t, p, s, byLabel("private")); len(got) != 0 {
		t.Errorf("the SO finds the user's private object: %v", got)
	}
	hsmtest.Must(t, p.Logout(s), "C_Logout(SO)")
	if got := findAll(t, p, s, byLabel("private")); len(got) != 0 {
		t.Errorf("private object found without login: %v", got)
	}
	if got := findAll(t, p, s, byLabel("public")); len(got) != 1 {
		t.Errorf("public object without login: %v", got)
	}
	_, err = p.GetAttributeValue(s, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
	hsmtest.WantRV(t, err, "private object's attributes without login", pkcs11.CKR_OBJECT_HANDLE_INVALID, pkcs11.CKR_USER_NOT_LOGGED_IN)
	_, err = p.CreateObject(s, dataT("private-2", false, true))
	hsmtest.WantRV(t, err, "private object without login", pkcs11.CKR_USER_NOT_LOGGED_IN)
	ro := hsmtest.OpenRO(t, p, tok.Slot)
	_, err = p.CreateObject(ro, dataT("token-in-ro", true, false))
	hsmtest.WantRV(t, err, "token object in a R/O session", pkcs11.CKR_SESSION_READ_ONLY)
	_, err = p.CreateObject(ro, dataT("session-in-ro", false, false))
	hsmtest.Must(t, err, "session object in a R/O session")

	// Token objects outlive C_Finalize; session objects do not.
	hsmtest.Must(t, p.Finalize(), "C_Finalize")
	hsmtest.Must(t, p.Initialize(), "C_Initialize")
	s = hsmtest.OpenRW(t, p, tok.Slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login")
	for label, want := range map[string]int{"private": 1, "public": 1, "again": 0, "session-in-ro": 0, "tmp": 0} {
		got := findAll(t, p, s, byLabel(label))
		if len(got) != want {
			t.Errorf("after C_Finalize/C_Initialize: %d objects labelled %q, want %d", len(got), label, want)
			continue
		}
		if want == 1 {
			if v := string(attr(t, p, s, got[0], pkcs11.CKA_VALUE)); v != "value of "+label {
				t.Errorf("%s: value %q after reload", label, v)
			}
		}
	}
}

// TestGetAttributeValueRules: every attribute of the template is processed,
// with per-attribute results, the length query and CKR_BUFFER_TOO_SMALL.
func TestGetAttributeValueRules(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	raw := hsmtest.Raw(t)
	h, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "abc"),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("123456789")),
	})
	hsmtest.Must(t, err, "C_CreateObject")
	const bogus = 0x7ffff0f0 // no such attribute type

	rv, back, _ := rawAttrs(raw, s, h, []uint{pkcs11.CKA_LABEL, pkcs11.CKA_VALUE}, []int{-1, -1})
	if rv != pkcs11.CKR_OK || back[0].Len != 3 || back[1].Len != 9 {
		t.Errorf("length query: %s, lengths %d %d, want CKR_OK 3 9", hsmtest.RVName(uint(rv)), back[0].Len, back[1].Len)
	}
	rv, back, vals := rawAttrs(raw, s, h, []uint{pkcs11.CKA_VALUE, bogus, pkcs11.CKA_LABEL}, []int{4, 16, 16})
	if rv != pkcs11.CKR_BUFFER_TOO_SMALL && rv != pkcs11.CKR_ATTRIBUTE_TYPE_INVALID {
		t.Errorf("short buffer + bad type: %s, want CKR_BUFFER_TOO_SMALL or CKR_ATTRIBUTE_TYPE_INVALID", hsmtest.RVName(uint(rv)))
	}
	if back[0].Len != capi.Unavailable || back[1].Len != capi.Unavailable {
		t.Errorf("short buffer / bad type lengths %#x %#x, want CK_UNAVAILABLE_INFORMATION", back[0].Len, back[1].Len)
	}
	if string(vals[2]) != "abc" {
		t.Errorf("CKA_LABEL after the failing entries: %q (not processed?)", vals[2])
	}
	rv, back, _ = rawAttrs(raw, s, h, []uint{bogus}, []int{-1})
	if rv != pkcs11.CKR_ATTRIBUTE_TYPE_INVALID || back[0].Len != capi.Unavailable {
		t.Errorf("bad type alone: %s len %#x", hsmtest.RVName(uint(rv)), back[0].Len)
	}
	rv, back, vals = rawAttrs(raw, s, h, []uint{pkcs11.CKA_VALUE}, []int{9})
	if rv != pkcs11.CKR_OK || back[0].Len != 9 || string(vals[0]) != "123456789" {
		t.Errorf("exact buffer: %s len %d %q", hsmtest.RVName(uint(rv)), back[0].Len, vals[0])
	}
}

// TestFindAndPersistence: finding by several attributes and by a sealed
// value, copies to the token and changed attributes surviving C_Finalize.
func TestFindAndPersistence(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	mk := func(label, id string, token, private bool, value string) pkcs11.ObjectHandle {
		h, err := p.CreateObject(s, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, token),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, private),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
			pkcs11.NewAttribute(pkcs11.CKA_OBJECT_ID, []byte(id)),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte(value)),
		})
		hsmtest.Must(t, err, "C_CreateObject "+label)
		return h
	}
	a := mk("same", "1", true, true, "alpha")
	b := mk("same", "2", true, false, "beta")
	c := mk("same", "1", false, true, "gamma")
	for _, f := range []struct {
		name string
		tmpl []*pkcs11.Attribute
		want []pkcs11.ObjectHandle
	}{
		{"label", byLabel("same"), []pkcs11.ObjectHandle{a, b, c}},
		{"label + id", append(byLabel("same"), pkcs11.NewAttribute(pkcs11.CKA_OBJECT_ID, []byte("1"))), []pkcs11.ObjectHandle{a, c}},
		{"token objects", append(byLabel("same"), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true)), []pkcs11.ObjectHandle{a, b}},
		{"session objects", append(byLabel("same"), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false)), []pkcs11.ObjectHandle{c}},
		{"private", append(byLabel("same"), pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true)), []pkcs11.ObjectHandle{a, c}},
		{"sealed value", []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("alpha"))}, []pkcs11.ObjectHandle{a}},
		{"class + label + id (libp11)", []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
			pkcs11.NewAttribute(pkcs11.CKA_OBJECT_ID, []byte("2")), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "same")}, []pkcs11.ObjectHandle{b}},
		{"nothing matches", byLabel("other"), nil},
	} {
		got := findAll(t, p, s, f.tmpl)
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		sort.Slice(f.want, func(i, j int) bool { return f.want[i] < f.want[j] })
		if fmt.Sprint(got) != fmt.Sprint(f.want) {
			t.Errorf("find by %s: %v, want %v", f.name, got, f.want)
		}
	}

	// A session object copied to the token, and a changed label, survive C_Finalize.
	_, err := p.CopyObject(s, c, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "copied")})
	hsmtest.Must(t, err, "C_CopyObject to the token")
	hsmtest.Must(t, p.SetAttributeValue(s, b, byLabel("renamed")), "C_SetAttributeValue")
	hsmtest.Must(t, p.Finalize(), "C_Finalize")
	hsmtest.Must(t, p.Initialize(), "C_Initialize")
	s = hsmtest.OpenRW(t, p, tok.Slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login")
	for label, value := range map[string]string{"copied": "gamma", "renamed": "beta", "same": "alpha"} {
		hs := findAll(t, p, s, byLabel(label))
		if len(hs) != 1 {
			t.Errorf("after reload: %d objects labelled %q, want 1", len(hs), label)
			continue
		}
		if v := string(attr(t, p, s, hs[0], pkcs11.CKA_VALUE)); v != value {
			t.Errorf("after reload: %q holds %q, want %q", label, v, value)
		}
	}
}
