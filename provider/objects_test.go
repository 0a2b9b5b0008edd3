package provider

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

// getAttr reads one attribute.
func getAttr(t testing.TB, m *Module, h ck.SessionHandle, o ck.ObjectHandle, typ ck.AttributeType) ([]byte, ck.RV) {
	t.Helper()
	res, err := m.GetAttributeValue(h, o, []ck.AttributeType{typ})
	must(t, err)
	if len(res) != 1 {
		t.Fatalf("GetAttributeValue returned %d results for 1 type", len(res))
	}
	return res[0].Value, res[0].Err
}

func create(t testing.TB, m *Module, h ck.SessionHandle, tmpl ck.Template) ck.ObjectHandle {
	t.Helper()
	o, err := m.CreateObject(h, tmpl)
	must(t, err)
	return o
}

// Key templates for every key type the policy knows, with their material.
var (
	ecPrivValue  = bytes.Repeat([]byte{0x11}, 32)
	rsaPrivParts = map[ck.AttributeType][]byte{
		ck.CKA_PRIVATE_EXPONENT: bytes.Repeat([]byte{0x21}, 64), ck.CKA_PRIME_1: bytes.Repeat([]byte{0x22}, 32),
		ck.CKA_PRIME_2: bytes.Repeat([]byte{0x23}, 32), ck.CKA_EXPONENT_1: bytes.Repeat([]byte{0x24}, 32),
		ck.CKA_EXPONENT_2: bytes.Repeat([]byte{0x25}, 32), ck.CKA_COEFFICIENT: bytes.Repeat([]byte{0x26}, 32),
	}
)

// keyImport is one importable key with its key-material attributes.
type keyImport struct {
	name     string
	tmpl     ck.Template
	material map[ck.AttributeType][]byte
}

// keyImports covers every private and secret key type of the policy (the
// test below checks that).
func keyImports() []keyImport {
	rsa := tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_RSA, ck.CKA_MODULUS, bytes.Repeat([]byte{0xc3}, 128),
		ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1})
	for typ, v := range rsaPrivParts {
		rsa = append(rsa, ck.Attribute{Type: typ, Value: v})
	}
	out := []keyImport{
		{"EC private", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_EC_PARAMS, p256Params, ck.CKA_VALUE, ecPrivValue),
			map[ck.AttributeType][]byte{ck.CKA_VALUE: ecPrivValue}},
		{"Ed25519 private", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC_EDWARDS, ck.CKA_EC_PARAMS, []byte{0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'}, ck.CKA_VALUE, ecPrivValue),
			map[ck.AttributeType][]byte{ck.CKA_VALUE: ecPrivValue}},
		{"X25519 private", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC_MONTGOMERY, ck.CKA_EC_PARAMS, []byte{0x13, 0x0a, 'c', 'u', 'r', 'v', 'e', '2', '5', '5', '1', '9'}, ck.CKA_VALUE, ecPrivValue),
			map[ck.AttributeType][]byte{ck.CKA_VALUE: ecPrivValue}},
		{"RSA private", rsa, rsaPrivParts},
	}
	// PKCS#11 3.2 keys, real ones (C_CreateObject checks them): CKA_SEED and
	// CKA_VALUE are both material.
	for _, g := range []struct {
		kt  ck.KeyType
		gen ck.MechanismType
		set int
	}{{ck.CKK_ML_DSA, ck.CKM_ML_DSA_KEY_PAIR_GEN, 1}, {ck.CKK_ML_KEM, ck.CKM_ML_KEM_KEY_PAIR_GEN, 1}, {ck.CKK_SLH_DSA, ck.CKM_SLH_DSA_KEY_PAIR_GEN, 3}} {
		mm, _ := mechanisms.Lookup(g.gen)
		_, priv, err := mm.(mechanisms.KeyPairGenerator).GenerateKeyPair(tb(ck.CKA_PARAMETER_SET, g.set), nil)
		if err != nil {
			panic(err)
		}
		tmpl := tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, g.kt, ck.CKA_PARAMETER_SET, g.set, ck.CKA_VALUE, priv[ck.CKA_VALUE])
		material := map[ck.AttributeType][]byte{ck.CKA_VALUE: priv[ck.CKA_VALUE]}
		if seed := priv[ck.CKA_SEED]; seed != nil {
			tmpl = append(tmpl, tb(ck.CKA_SEED, seed)...)
			material[ck.CKA_SEED] = seed
		}
		out = append(out, keyImport{g.kt.String(), tmpl, material})
	}
	for _, kt := range append(append([]ck.ULong{}, secretFamily...), desFamily...) {
		n := 32
		if ck.KeyType(kt) == ck.CKK_DES2 {
			n = 16
		} else if ck.KeyType(kt) == ck.CKK_DES3 {
			n = 24
		}
		v := bytes.Repeat([]byte{byte(kt)}, n)
		out = append(out, keyImport{ck.KeyType(kt).String(),
			tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.KeyType(kt), ck.CKA_VALUE, v),
			map[ck.AttributeType][]byte{ck.CKA_VALUE: v}})
	}
	return out
}

// TestKeyMaterialNeverRevealed: for every key type, the material of a
// sensitive or non-extractable key is CKR_ATTRIBUTE_SENSITIVE, in session
// and token objects, before and after a reload from the store; a
// non-sensitive extractable key shows it.
func TestKeyMaterialNeverRevealed(t *testing.T) {
	m, _, h := userSession(t)
	covered := map[classKey]bool{}
	for _, ki := range keyImports() {
		tm, _ := attrMap(ki.tmpl)
		k, err := classKeyOf(tm, ck.ObjectClass(ck.UnavailableInformation))
		must(t, err)
		covered[k] = true
	}
	for k := range policy {
		if (k.class == ck.CKO_PRIVATE_KEY || k.class == ck.CKO_SECRET_KEY) && !covered[k] {
			t.Errorf("%v key type %#x has no case in keyImports", k.class, k.sub)
		}
	}
	for _, ki := range keyImports() {
		for _, token := range []bool{false, true} {
			for _, mode := range []struct {
				sens, ext bool
			}{{true, true}, {false, false}, {true, false}, {false, true}} {
				tmpl := append(append(ck.Template{}, ki.tmpl...), tb(ck.CKA_TOKEN, token, ck.CKA_SENSITIVE, mode.sens, ck.CKA_EXTRACTABLE, mode.ext)...)
				o := create(t, m, h, tmpl)
				hidden := mode.sens || !mode.ext
				for typ, want := range ki.material {
					v, rv := getAttr(t, m, h, o, typ)
					if hidden && (rv != ck.CKR_ATTRIBUTE_SENSITIVE || v != nil) {
						t.Errorf("%s token=%v %+v: %v = %x, %v; want CKR_ATTRIBUTE_SENSITIVE", ki.name, token, mode, typ, v, rv)
					}
					if !hidden && (rv != ck.CKR_OK || !bytes.Equal(v, want)) {
						t.Errorf("%s token=%v %+v: %v = %x, %v; want the value", ki.name, token, mode, typ, v, rv)
					}
				}
				if hidden {
					// Making it extractable or non-sensitive again is refused.
					err := m.SetAttributeValue(h, o, tb(ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true))
					wantRV(t, ki.name+" unhide", err, ck.CKR_ATTRIBUTE_READ_ONLY)
				}
			}
		}
	}
}

func TestCreateObjectsOfEachClass(t *testing.T) {
	m, slot, h := userSession(t)
	cases := []struct {
		name string
		tmpl ck.Template
		want map[ck.AttributeType][]byte
	}{
		{"data", tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true, ck.CKA_APPLICATION, "app", ck.CKA_OBJECT_ID, []byte{6, 1, 1}, ck.CKA_VALUE, "payload", ck.CKA_LABEL, "d"),
			map[ck.AttributeType][]byte{ck.CKA_APPLICATION: []byte("app"), ck.CKA_VALUE: []byte("payload"), ck.CKA_LABEL: []byte("d"),
				ck.CKA_PRIVATE: vFalse, ck.CKA_TOKEN: vTrue, ck.CKA_OBJECT_ID: {6, 1, 1}}},
		{"certificate", tb(ck.CKA_CLASS, ck.CKO_CERTIFICATE, ck.CKA_CERTIFICATE_TYPE, ck.CKC_X_509, ck.CKA_TOKEN, true,
			ck.CKA_SUBJECT, "subj", ck.CKA_VALUE, "der", ck.CKA_ID, []byte{1, 2}, ck.CKA_ISSUER, "iss", ck.CKA_SERIAL_NUMBER, []byte{2, 1, 5}, ck.CKA_CERTIFICATE_CATEGORY, 1),
			map[ck.AttributeType][]byte{ck.CKA_SUBJECT: []byte("subj"), ck.CKA_VALUE: []byte("der"), ck.CKA_ID: {1, 2},
				ck.CKA_ISSUER: []byte("iss"), ck.CKA_CERTIFICATE_CATEGORY: ck.EncodeULong(1), ck.CKA_TRUSTED: vFalse,
				ck.CKA_CERTIFICATE_TYPE: ck.EncodeULong(ck.ULong(ck.CKC_X_509))}},
		{"private cert", tb(ck.CKA_CLASS, ck.CKO_CERTIFICATE, ck.CKA_CERTIFICATE_TYPE, ck.CKC_X_509, ck.CKA_TOKEN, true, ck.CKA_PRIVATE, true,
			ck.CKA_SUBJECT, "subj", ck.CKA_VALUE, "der"),
			map[ck.AttributeType][]byte{ck.CKA_SUBJECT: []byte("subj"), ck.CKA_PRIVATE: vTrue}},
		{"AES", tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_TOKEN, true, ck.CKA_VALUE, aesKey128, ck.CKA_LABEL, "k"),
			map[ck.AttributeType][]byte{ck.CKA_VALUE_LEN: ck.EncodeULong(16), ck.CKA_LOCAL: vFalse, ck.CKA_SENSITIVE: vTrue,
				ck.CKA_ALWAYS_SENSITIVE: vFalse, ck.CKA_PRIVATE: vTrue}},
		{"EC private", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_TOKEN, true, ck.CKA_EC_PARAMS, p256Params, ck.CKA_VALUE, ecPrivValue),
			map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: p256Params, ck.CKA_SIGN: vTrue, ck.CKA_KEY_TYPE: ck.EncodeULong(ck.ULong(ck.CKK_EC))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := create(t, m, h, c.tmpl)
			// A second module on the same store reads the token object back.
			m2 := openTestModule(t, m.cfg.StoreDir)
			h2 := openRW(t, m2, slot)
			must(t, m2.Login(h2, ck.CKU_USER, []byte(testUserPIN)))
			must(t, m2.FindObjectsInit(h2, tb(ck.CKA_UNIQUE_ID, mustAttr(t, m, h, o, ck.CKA_UNIQUE_ID))))
			found, err := m2.FindObjects(h2, 10)
			must(t, err)
			must(t, m2.FindObjectsFinal(h2))
			if len(found) != 1 {
				t.Fatalf("found %d objects by CKA_UNIQUE_ID in a second module, want 1", len(found))
			}
			for _, mm := range []struct {
				m *Module
				h ck.SessionHandle
				o ck.ObjectHandle
			}{{m, h, o}, {m2, h2, found[0]}} {
				for typ, want := range c.want {
					v, rv := getAttr(t, mm.m, mm.h, mm.o, typ)
					if rv != ck.CKR_OK || !bytes.Equal(v, want) {
						t.Errorf("%v = %x, %v; want %x", typ, v, rv, want)
					}
				}
				_, rv := getAttr(t, mm.m, mm.h, mm.o, ck.CKA_MODULUS_BITS)
				if rv != ck.CKR_ATTRIBUTE_TYPE_INVALID {
					t.Errorf("CKA_MODULUS_BITS: %v, want CKR_ATTRIBUTE_TYPE_INVALID", rv)
				}
				size, err := mm.m.ObjectSize(mm.h, mm.o)
				must(t, err)
				if size < 100 {
					t.Errorf("ObjectSize = %d, implausibly small", size)
				}
			}
		})
	}
}

func mustAttr(t testing.TB, m *Module, h ck.SessionHandle, o ck.ObjectHandle, typ ck.AttributeType) []byte {
	t.Helper()
	v, rv := getAttr(t, m, h, o, typ)
	if rv != ck.CKR_OK {
		t.Fatalf("%v: %v", typ, rv)
	}
	return v
}

// TestGetAttributeValueMixed: one result per type, in order, each with its own code.
func TestGetAttributeValueMixed(t *testing.T) {
	m, _, h := userSession(t)
	o := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128, ck.CKA_LABEL, "lbl"))
	res, err := m.GetAttributeValue(h, o, []ck.AttributeType{ck.CKA_LABEL, ck.CKA_VALUE, ck.CKA_MODULUS, ck.CKA_VALUE_LEN})
	must(t, err)
	want := []AttributeResult{{[]byte("lbl"), ck.CKR_OK}, {nil, ck.CKR_ATTRIBUTE_SENSITIVE}, {nil, ck.CKR_ATTRIBUTE_TYPE_INVALID}, {ck.EncodeULong(16), ck.CKR_OK}}
	for i := range want {
		if res[i].Err != want[i].Err || !bytes.Equal(res[i].Value, want[i].Value) {
			t.Errorf("result %d = %x %v, want %x %v", i, res[i].Value, res[i].Err, want[i].Value, want[i].Err)
		}
	}
	_, err = m.GetAttributeValue(h, 99999, []ck.AttributeType{ck.CKA_LABEL})
	wantRV(t, "unknown handle", err, ck.CKR_OBJECT_HANDLE_INVALID)
	_, err = m.GetAttributeValue(99999, o, []ck.AttributeType{ck.CKA_LABEL})
	wantRV(t, "unknown session", err, ck.CKR_SESSION_HANDLE_INVALID)
}

// TestSessionStateRules: who may create, change and destroy what.
func TestSessionStateRules(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	ro, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
	must(t, err)
	rw := openRW(t, m, slot)
	pubData := tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true, ck.CKA_VALUE, "v")
	privData := tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, false, ck.CKA_PRIVATE, true)
	aes := tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128) // private by default

	_, err = m.CreateObject(ro, pubData)
	wantRV(t, "token object in R/O session", err, ck.CKR_SESSION_READ_ONLY)
	_, err = m.CreateObject(ro, tb(ck.CKA_CLASS, ck.CKO_DATA))
	wantRV(t, "session object in R/O session", err, ck.CKR_OK)
	_, err = m.CreateObject(rw, privData)
	wantRV(t, "private object without login", err, ck.CKR_USER_NOT_LOGGED_IN)
	_, err = m.CreateObject(rw, aes)
	wantRV(t, "secret key (private by default) without login", err, ck.CKR_USER_NOT_LOGGED_IN)
	_, err = m.CreateObject(rw, append(aes, tb(ck.CKA_PRIVATE, false, ck.CKA_TOKEN, true)...))
	wantRV(t, "public token secret key without login (material must be sealed)", err, ck.CKR_USER_NOT_LOGGED_IN)
	pub := create(t, m, rw, pubData)

	// The SO may create public objects only.
	must(t, m.CloseSession(ro))
	must(t, m.Login(rw, ck.CKU_SO, []byte(testSOPIN)))
	_, err = m.CreateObject(rw, privData)
	wantRV(t, "private object by SO", err, ck.CKR_USER_NOT_LOGGED_IN)
	soObj := create(t, m, rw, pubData)
	must(t, m.Logout(rw))

	must(t, m.Login(rw, ck.CKU_USER, []byte(testUserPIN)))
	ro, err = m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
	must(t, err)
	wantRV(t, "set token object in R/O session", m.SetAttributeValue(ro, pub, tb(ck.CKA_LABEL, "x")), ck.CKR_SESSION_READ_ONLY)
	wantRV(t, "destroy token object in R/O session", m.DestroyObject(ro, pub), ck.CKR_SESSION_READ_ONLY)
	wantRV(t, "user changes the SO's object", m.SetAttributeValue(rw, soObj, tb(ck.CKA_LABEL, "x")), ck.CKR_ACTION_PROHIBITED)
	wantRV(t, "user destroys the SO's object", m.DestroyObject(rw, soObj), ck.CKR_ACTION_PROHIBITED)
	must(t, m.SetAttributeValue(rw, pub, tb(ck.CKA_LABEL, "renamed")))
	if v := mustAttr(t, m, ro, pub, ck.CKA_LABEL); string(v) != "renamed" {
		t.Errorf("label = %q after set", v)
	}

	fixed := create(t, m, rw, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_MODIFIABLE, false, ck.CKA_COPYABLE, false, ck.CKA_DESTROYABLE, false))
	wantRV(t, "set unmodifiable", m.SetAttributeValue(rw, fixed, tb(ck.CKA_LABEL, "x")), ck.CKR_ACTION_PROHIBITED)
	_, err = m.CopyObject(rw, fixed, nil)
	wantRV(t, "copy uncopyable", err, ck.CKR_ACTION_PROHIBITED)
	wantRV(t, "destroy undestroyable", m.DestroyObject(rw, fixed), ck.CKR_ACTION_PROHIBITED)

	// SetAttributeValue is all or nothing.
	wantRV(t, "set label and class", m.SetAttributeValue(rw, pub, tb(ck.CKA_LABEL, "half", ck.CKA_CLASS, ck.CKO_DATA)), ck.CKR_ATTRIBUTE_READ_ONLY)
	if v := mustAttr(t, m, rw, pub, ck.CKA_LABEL); string(v) != "renamed" {
		t.Errorf("label = %q after a refused set, want unchanged", v)
	}
	wantRV(t, "set unknown", m.SetAttributeValue(rw, pub, tb(ck.CKA_MODULUS, "x")), ck.CKR_ATTRIBUTE_TYPE_INVALID)
	wantRV(t, "set bad encoding", m.SetAttributeValue(rw, pub, tb(ck.CKA_COPYABLE, []byte{1, 1})), ck.CKR_ATTRIBUTE_VALUE_INVALID)
}

func TestCopyObject(t *testing.T) {
	m, _, h := userSession(t)
	o := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128,
		ck.CKA_SENSITIVE, false, ck.CKA_LABEL, "orig"))
	c, err := m.CopyObject(h, o, tb(ck.CKA_TOKEN, true, ck.CKA_LABEL, "copy", ck.CKA_SENSITIVE, true))
	must(t, err)
	if c == o {
		t.Fatal("copy has the original's handle")
	}
	if v, rv := getAttr(t, m, h, c, ck.CKA_VALUE); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Errorf("copy made sensitive reveals CKA_VALUE: %x %v", v, rv)
	}
	if v := mustAttr(t, m, h, o, ck.CKA_VALUE); !bytes.Equal(v, aesKey128) {
		t.Error("original changed by the copy")
	}
	if v := mustAttr(t, m, h, c, ck.CKA_TOKEN); !bytes.Equal(v, vTrue) {
		t.Error("copy is not a token object")
	}
	if bytes.Equal(mustAttr(t, m, h, c, ck.CKA_UNIQUE_ID), mustAttr(t, m, h, o, ck.CKA_UNIQUE_ID)) {
		t.Error("copy shares CKA_UNIQUE_ID")
	}
	_, err = m.CopyObject(h, c, tb(ck.CKA_SENSITIVE, false))
	wantRV(t, "copy unhides", err, ck.CKR_ATTRIBUTE_READ_ONLY)
	_, err = m.CopyObject(h, c, tb(ck.CKA_VALUE, aesKey128))
	wantRV(t, "copy changes value", err, ck.CKR_ATTRIBUTE_READ_ONLY)
	wantRV(t, "unique id read-only", m.SetAttributeValue(h, c, tb(ck.CKA_UNIQUE_ID, "1")), ck.CKR_ATTRIBUTE_READ_ONLY)
}

// TestVisibility: private objects are invisible without a login and to
// other users; their handles say CKR_OBJECT_HANDLE_INVALID.
func TestVisibility(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	h := openRW(t, m, slot)
	must(t, m.Login(h, ck.CKU_SO, []byte(testSOPIN)))
	must(t, m.InitPIN(h, []byte("bob:bob-pw-1")))
	must(t, m.Logout(h))

	must(t, m.Login(h, ck.CKU_USER, []byte(testUserPIN)))
	priv := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true, ck.CKA_PRIVATE, true, ck.CKA_LABEL, "mine", ck.CKA_VALUE, "secret data"))
	sessPriv := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_PRIVATE, true, ck.CKA_LABEL, "mine"))
	pub := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true, ck.CKA_LABEL, "mine"))
	if n := countFound(t, m, h, tb(ck.CKA_LABEL, "mine")); n != 3 {
		t.Errorf("owner finds %d objects, want 3", n)
	}
	must(t, m.Logout(h))

	check := func(who string, wantPriv ck.RV) {
		for _, o := range []ck.ObjectHandle{priv, sessPriv} {
			_, err := m.GetAttributeValue(h, o, []ck.AttributeType{ck.CKA_LABEL})
			wantRV(t, who+" reads private", err, wantPriv)
			_, err = m.ObjectSize(h, o)
			wantRV(t, who+" sizes private", err, wantPriv)
			wantRV(t, who+" destroys private", m.DestroyObject(h, o), wantPriv)
			_, err = m.CopyObject(h, o, nil)
			wantRV(t, who+" copies private", err, wantPriv)
		}
		if _, err := m.GetAttributeValue(h, pub, []ck.AttributeType{ck.CKA_LABEL}); err != nil {
			t.Errorf("%s cannot read a public object: %v", who, err)
		}
		if n := countFound(t, m, h, tb(ck.CKA_LABEL, "mine")); n != 1 {
			t.Errorf("%s finds %d objects, want only the public one", who, n)
		}
	}
	check("nobody", ck.CKR_OBJECT_HANDLE_INVALID)
	must(t, m.Login(h, ck.CKU_USER, []byte("bob:bob-pw-1")))
	check("bob", ck.CKR_OBJECT_HANDLE_INVALID)
	wantRV(t, "bob destroys the user's public object", m.DestroyObject(h, pub), ck.CKR_ACTION_PROHIBITED)
	must(t, m.Logout(h))
	must(t, m.Login(h, ck.CKU_SO, []byte(testSOPIN)))
	check("SO", ck.CKR_OBJECT_HANDLE_INVALID)
	must(t, m.Logout(h))

	must(t, m.Login(h, ck.CKU_USER, []byte(testUserPIN)))
	if v := mustAttr(t, m, h, priv, ck.CKA_VALUE); string(v) != "secret data" {
		t.Errorf("owner reads %q after logging in again", v)
	}
}

func countFound(t testing.TB, m *Module, h ck.SessionHandle, tmpl ck.Template) int {
	t.Helper()
	must(t, m.FindObjectsInit(h, tmpl))
	defer func() { must(t, m.FindObjectsFinal(h)) }()
	n := 0
	for {
		got, err := m.FindObjects(h, 7)
		must(t, err)
		if len(got) == 0 {
			return n
		}
		n += len(got)
	}
}

// TestSessionObjectsVanish: session objects are seen by every session of
// the application and go with the session that made them; handles are
// never reused.
func TestSessionObjectsVanish(t *testing.T) {
	m, slot, h := userSession(t)
	h2 := openRW(t, m, slot)
	o := create(t, m, h2, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_LABEL, "tmp"))
	if v := mustAttr(t, m, h, o, ck.CKA_LABEL); string(v) != "tmp" {
		t.Errorf("another session reads %q", v)
	}
	if n := countFound(t, m, h, tb(ck.CKA_LABEL, "tmp")); n != 1 {
		t.Errorf("another session finds %d, want 1", n)
	}
	must(t, m.CloseSession(h2))
	_, err := m.GetAttributeValue(h, o, []ck.AttributeType{ck.CKA_LABEL})
	wantRV(t, "session object after its session closed", err, ck.CKR_OBJECT_HANDLE_INVALID)
	if n := countFound(t, m, h, tb(ck.CKA_LABEL, "tmp")); n != 0 {
		t.Errorf("finds %d after close, want 0", n)
	}

	seen := map[ck.ObjectHandle]bool{o: true}
	for i := 0; i < 50; i++ {
		tok := i%2 == 0
		x := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, tok))
		if seen[x] {
			t.Fatalf("handle %d reused", x)
		}
		seen[x] = true
		must(t, m.DestroyObject(h, x))
		wantRV(t, "destroyed handle", m.DestroyObject(h, x), ck.CKR_OBJECT_HANDLE_INVALID)
	}
}

// TestTokenObjectsAcrossModules: a change or destruction by another process
// is seen; a token object keeps its handle.
func TestTokenObjectsAcrossModules(t *testing.T) {
	m, slot, h := userSession(t)
	o := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128,
		ck.CKA_TOKEN, true, ck.CKA_LABEL, "shared", ck.CKA_ID, []byte{9}))
	m2 := openTestModule(t, m.cfg.StoreDir)
	h2 := openRW(t, m2, slot)
	must(t, m2.Login(h2, ck.CKU_USER, []byte(testUserPIN)))
	must(t, m2.FindObjectsInit(h2, tb(ck.CKA_ID, []byte{9})))
	found, err := m2.FindObjects(h2, 2)
	must(t, err)
	must(t, m2.FindObjectsFinal(h2))
	if len(found) != 1 {
		t.Fatalf("second module finds %d", len(found))
	}
	mustAttr(t, m, h, o, ck.CKA_LABEL) // cached in m's login
	must(t, m2.SetAttributeValue(h2, found[0], tb(ck.CKA_LABEL, "changed")))
	if v := mustAttr(t, m, h, o, ck.CKA_LABEL); string(v) != "changed" {
		t.Errorf("first module still reads %q", v)
	}
	if n := countFound(t, m, h, tb(ck.CKA_ID, []byte{9})); n != 1 {
		t.Errorf("found %d", n)
	}
	must(t, m2.DestroyObject(h2, found[0]))
	_, err = m.GetAttributeValue(h, o, []ck.AttributeType{ck.CKA_LABEL})
	wantRV(t, "destroyed by another process", err, ck.CKR_OBJECT_HANDLE_INVALID)
	wantRV(t, "set after destroy", m.SetAttributeValue(h, o, tb(ck.CKA_LABEL, "x")), ck.CKR_OBJECT_HANDLE_INVALID)
}

// TestNothingSecretInClearAtRest: key material (of private and public keys)
// and every attribute of a private object reach the store's files sealed.
func TestNothingSecretInClearAtRest(t *testing.T) {
	m, _, h := userSession(t)
	keyBytes := []byte("KEYBYTES-0123456789abcdefKEYBYTE") // 32 bytes, AES-256
	openKey := []byte("OPENKEY-0123456789abcdefOPENKEY!")
	privApp := []byte("PRIVATE-APPLICATION-NAME-xyz")
	create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, keyBytes, ck.CKA_TOKEN, true))
	create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, openKey, ck.CKA_TOKEN, true,
		ck.CKA_PRIVATE, false, ck.CKA_SENSITIVE, false))
	create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true, ck.CKA_PRIVATE, true, ck.CKA_APPLICATION, privApp))
	publicLabel := []byte("PUBLIC-LABEL-visible-on-purpose")
	create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true, ck.CKA_LABEL, publicLabel))

	var all []byte
	entries, err := os.ReadDir(m.cfg.StoreDir)
	must(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(m.cfg.StoreDir, e.Name()))
		must(t, err)
		all = append(all, b...)
	}
	if !bytes.Contains(all, publicLabel) {
		t.Fatal("the public label is not in the store files: the test reads the wrong files")
	}
	for name, secret := range map[string][]byte{"key": keyBytes, "public key's material": openKey, "private attribute": privApp} {
		if bytes.Contains(all, secret) {
			t.Errorf("%s found in clear in the store files", name)
		}
	}
}

// TestObjectFunctionsBadSession: every object function refuses an unknown
// session, and every one refuses a closed module.
func TestObjectFunctionsBadSession(t *testing.T) {
	m, _, h := userSession(t)
	o := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA))
	calls := map[string]func(ck.SessionHandle) error{
		"CreateObject":  func(s ck.SessionHandle) error { _, err := m.CreateObject(s, tb(ck.CKA_CLASS, ck.CKO_DATA)); return err },
		"CopyObject":    func(s ck.SessionHandle) error { _, err := m.CopyObject(s, o, nil); return err },
		"DestroyObject": func(s ck.SessionHandle) error { return m.DestroyObject(s, o) },
		"ObjectSize":    func(s ck.SessionHandle) error { _, err := m.ObjectSize(s, o); return err },
		"GetAttributeValue": func(s ck.SessionHandle) error {
			_, err := m.GetAttributeValue(s, o, []ck.AttributeType{ck.CKA_LABEL})
			return err
		},
		"SetAttributeValue": func(s ck.SessionHandle) error { return m.SetAttributeValue(s, o, tb(ck.CKA_LABEL, "x")) },
		"FindObjectsInit":   func(s ck.SessionHandle) error { return m.FindObjectsInit(s, nil) },
		"FindObjects":       func(s ck.SessionHandle) error { _, err := m.FindObjects(s, 1); return err },
		"FindObjectsFinal":  func(s ck.SessionHandle) error { return m.FindObjectsFinal(s) },
		"GenerateKey": func(s ck.SessionHandle) error {
			_, err := m.GenerateKey(s, aesGen, tb(ck.CKA_VALUE_LEN, 16))
			return err
		},
		"GenerateKeyPair": func(s ck.SessionHandle) error {
			_, _, err := m.GenerateKeyPair(s, ecGen, tb(ck.CKA_EC_PARAMS, p256Params), nil)
			return err
		},
	}
	for name, call := range calls {
		wantRV(t, name+" bad session", call(h+1000), ck.CKR_SESSION_HANDLE_INVALID)
	}
	must(t, m.Close())
	for name, call := range calls {
		wantRV(t, name+" after close", call(h), ck.CKR_CRYPTOKI_NOT_INITIALIZED)
	}
}
