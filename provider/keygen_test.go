package provider

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
)

var (
	aesGen = ck.Mechanism{Type: ck.CKM_AES_KEY_GEN}
	ecGen  = ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}
)

func TestGenerateKey(t *testing.T) {
	m, _, h := userSession(t)
	o, err := m.GenerateKey(h, aesGen, tb(ck.CKA_VALUE_LEN, 32, ck.CKA_TOKEN, true, ck.CKA_LABEL, "gen"))
	must(t, err)
	want := map[ck.AttributeType][]byte{
		ck.CKA_CLASS: ck.EncodeULong(ck.ULong(ck.CKO_SECRET_KEY)), ck.CKA_KEY_TYPE: ck.EncodeULong(ck.ULong(ck.CKK_AES)),
		ck.CKA_VALUE_LEN: ck.EncodeULong(32), ck.CKA_LOCAL: vTrue, ck.CKA_KEY_GEN_MECHANISM: ck.EncodeULong(ck.ULong(ck.CKM_AES_KEY_GEN)),
		ck.CKA_SENSITIVE: vTrue, ck.CKA_ALWAYS_SENSITIVE: vTrue, ck.CKA_EXTRACTABLE: vTrue, ck.CKA_NEVER_EXTRACTABLE: vFalse,
		ck.CKA_PRIVATE: vTrue, ck.CKA_TOKEN: vTrue, ck.CKA_LABEL: []byte("gen"),
	}
	for typ, v := range want {
		if got := mustAttr(t, m, h, o, typ); !bytes.Equal(got, v) {
			t.Errorf("%v = %x, want %x", typ, got, v)
		}
	}
	if _, rv := getAttr(t, m, h, o, ck.CKA_VALUE); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Errorf("generated CKA_VALUE: %v, want CKR_ATTRIBUTE_SENSITIVE", rv)
	}
	// Non-sensitive, non-extractable: never extractable, not always sensitive.
	o, err = m.GenerateKey(h, aesGen, tb(ck.CKA_VALUE_LEN, 16, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, false))
	must(t, err)
	if v := mustAttr(t, m, h, o, ck.CKA_NEVER_EXTRACTABLE); !bytes.Equal(v, vTrue) {
		t.Error("CKA_NEVER_EXTRACTABLE false for a non-extractable generated key")
	}
	if v := mustAttr(t, m, h, o, ck.CKA_ALWAYS_SENSITIVE); !bytes.Equal(v, vFalse) {
		t.Error("CKA_ALWAYS_SENSITIVE true for a non-sensitive key")
	}
	if _, rv := getAttr(t, m, h, o, ck.CKA_VALUE); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Errorf("non-extractable CKA_VALUE: %v", rv)
	}
	// Made sensitive later, it was not always sensitive.
	must(t, m.SetAttributeValue(h, o, tb(ck.CKA_SENSITIVE, true)))
	if v := mustAttr(t, m, h, o, ck.CKA_ALWAYS_SENSITIVE); !bytes.Equal(v, vFalse) {
		t.Error("CKA_ALWAYS_SENSITIVE changed by C_SetAttributeValue")
	}
}

func TestGenerateKeyErrors(t *testing.T) {
	m, slot, h := userSession(t)
	ro, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
	must(t, err)
	cases := []struct {
		name string
		h    ck.SessionHandle
		mech ck.Mechanism
		tmpl ck.Template
		want ck.RV
	}{
		{"unknown mechanism", h, ck.Mechanism{Type: ck.CKM_VENDOR_DEFINED | 99}, tb(ck.CKA_VALUE_LEN, 16), ck.CKR_MECHANISM_INVALID},
		{"digest mechanism", h, ck.Mechanism{Type: ck.CKM_SHA256}, tb(ck.CKA_VALUE_LEN, 16), ck.CKR_MECHANISM_INVALID},
		{"key pair mechanism", h, ecGen, tb(ck.CKA_VALUE_LEN, 16), ck.CKR_MECHANISM_INVALID},
		{"wrong class", h, aesGen, tb(ck.CKA_VALUE_LEN, 16, ck.CKA_CLASS, ck.CKO_PRIVATE_KEY), ck.CKR_TEMPLATE_INCONSISTENT},
		{"wrong key type", h, aesGen, tb(ck.CKA_VALUE_LEN, 16, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET), ck.CKR_TEMPLATE_INCONSISTENT},
		{"value given", h, aesGen, tb(ck.CKA_VALUE_LEN, 16, ck.CKA_VALUE, aesKey128), ck.CKR_ATTRIBUTE_READ_ONLY},
		{"local given", h, aesGen, tb(ck.CKA_VALUE_LEN, 16, ck.CKA_LOCAL, true), ck.CKR_ATTRIBUTE_READ_ONLY},
		{"unknown attribute", h, aesGen, tb(ck.CKA_VALUE_LEN, 16, ck.CKA_MODULUS, "x"), ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"no length", h, aesGen, nil, ck.CKR_TEMPLATE_INCOMPLETE},
		{"bad length", h, aesGen, tb(ck.CKA_VALUE_LEN, 17), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"bad bool", h, aesGen, tb(ck.CKA_VALUE_LEN, 16, ck.CKA_TOKEN, []byte{3}), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"token key in R/O session", ro, aesGen, tb(ck.CKA_VALUE_LEN, 16, ck.CKA_TOKEN, true), ck.CKR_SESSION_READ_ONLY},
		{"bad session", 4242, aesGen, tb(ck.CKA_VALUE_LEN, 16), ck.CKR_SESSION_HANDLE_INVALID},
		{"parameter given", h, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN, Parameter: []byte{1}}, tb(ck.CKA_VALUE_LEN, 16), ck.CKR_MECHANISM_PARAM_INVALID},
		{"empty parameter", h, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN, Parameter: []byte{}}, tb(ck.CKA_VALUE_LEN, 16), ck.CKR_OK},
	}
	for _, c := range cases {
		_, err := m.GenerateKey(c.h, c.mech, c.tmpl)
		wantRV(t, c.name, err, c.want)
	}
	must(t, m.Logout(h))
	_, err = m.GenerateKey(h, aesGen, tb(ck.CKA_VALUE_LEN, 16))
	wantRV(t, "private key without login", err, ck.CKR_USER_NOT_LOGGED_IN)
}

func TestGenerateKeyPair(t *testing.T) {
	m, _, h := userSession(t)
	pub, priv, err := m.GenerateKeyPair(h, ecGen,
		tb(ck.CKA_EC_PARAMS, p256Params, ck.CKA_TOKEN, true, ck.CKA_ID, []byte{7}, ck.CKA_VERIFY, true),
		tb(ck.CKA_TOKEN, true, ck.CKA_ID, []byte{7}, ck.CKA_SIGN, true, ck.CKA_EXTRACTABLE, false))
	must(t, err)
	if v := mustAttr(t, m, h, pub, ck.CKA_EC_POINT); len(v) != 67 {
		t.Errorf("CKA_EC_POINT is %d bytes, want 67 (DER of a P-256 point)", len(v))
	}
	for _, c := range []struct {
		o   ck.ObjectHandle
		typ ck.AttributeType
		v   []byte
	}{
		{pub, ck.CKA_CLASS, ck.EncodeULong(ck.ULong(ck.CKO_PUBLIC_KEY))},
		{pub, ck.CKA_LOCAL, vTrue},
		{pub, ck.CKA_PRIVATE, vFalse},
		{priv, ck.CKA_CLASS, ck.EncodeULong(ck.ULong(ck.CKO_PRIVATE_KEY))},
		{priv, ck.CKA_LOCAL, vTrue},
		{priv, ck.CKA_KEY_GEN_MECHANISM, ck.EncodeULong(ck.ULong(ck.CKM_EC_KEY_PAIR_GEN))},
		{priv, ck.CKA_ALWAYS_SENSITIVE, vTrue},
		{priv, ck.CKA_NEVER_EXTRACTABLE, vTrue},
		{priv, ck.CKA_EC_PARAMS, p256Params},
		{priv, ck.CKA_ID, []byte{7}},
	} {
		if got := mustAttr(t, m, h, c.o, c.typ); !bytes.Equal(got, c.v) {
			t.Errorf("%v = %x, want %x", c.typ, got, c.v)
		}
	}
	if _, rv := getAttr(t, m, h, priv, ck.CKA_VALUE); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Errorf("generated EC CKA_VALUE: %v", rv)
	}
	// The private key is usable for signing, the public one for verifying.
	s, err := m.session(h)
	must(t, err)
	k, _, err := m.keyForUse(s, priv, ck.CKA_SIGN)
	must(t, err)
	if k.Class != ck.CKO_PRIVATE_KEY || k.KeyType != ck.CKK_EC || len(k.Attrs[ck.CKA_VALUE]) != 32 {
		t.Errorf("keyForUse: class %v type %v value %d bytes", k.Class, k.KeyType, len(k.Attrs[ck.CKA_VALUE]))
	}
	_, _, err = m.keyForUse(s, pub, ck.CKA_VERIFY)
	must(t, err)
}

// TestGenerateKeyPairAllOrNothing: when the second key cannot be made, the
// first is not left behind.
func TestGenerateKeyPairAllOrNothing(t *testing.T) {
	m, slot, h := userSession(t)
	tok, err := m.store.Tokens()
	must(t, err)
	count := func() int {
		n := 0
		for _, tk := range tok {
			c, err := m.store.CountObjects(tk.ID)
			must(t, err)
			n += c
		}
		return n
	}
	before := count()
	cases := []struct {
		name      string
		pub, priv ck.Template
		want      ck.RV
	}{
		{"private value given", tb(ck.CKA_EC_PARAMS, p256Params, ck.CKA_TOKEN, true), tb(ck.CKA_TOKEN, true, ck.CKA_VALUE, ecPrivValue), ck.CKR_ATTRIBUTE_READ_ONLY},
		{"private class wrong", tb(ck.CKA_EC_PARAMS, p256Params, ck.CKA_TOKEN, true), tb(ck.CKA_TOKEN, true, ck.CKA_CLASS, ck.CKO_SECRET_KEY), ck.CKR_TEMPLATE_INCONSISTENT},
		{"public class wrong", tb(ck.CKA_EC_PARAMS, p256Params, ck.CKA_CLASS, ck.CKO_PRIVATE_KEY), nil, ck.CKR_TEMPLATE_INCONSISTENT},
		{"key type wrong", tb(ck.CKA_EC_PARAMS, p256Params, ck.CKA_KEY_TYPE, ck.CKK_RSA), nil, ck.CKR_TEMPLATE_INCONSISTENT},
		{"private unknown attr", tb(ck.CKA_EC_PARAMS, p256Params, ck.CKA_TOKEN, true), tb(ck.CKA_TOKEN, true, ck.CKA_MODULUS, "x"), ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"no curve", tb(ck.CKA_TOKEN, true), tb(ck.CKA_TOKEN, true), ck.CKR_TEMPLATE_INCOMPLETE},
		{"public token, private session in R/O", tb(ck.CKA_EC_PARAMS, p256Params, ck.CKA_TOKEN, true), nil, ck.CKR_SESSION_READ_ONLY},
	}
	ro, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
	must(t, err)
	for _, c := range cases {
		sh := h
		if c.want == ck.CKR_SESSION_READ_ONLY {
			sh = ro
		}
		_, _, err := m.GenerateKeyPair(sh, ecGen, c.pub, c.priv)
		wantRV(t, c.name, err, c.want)
		if n := count(); n != before {
			t.Fatalf("%s: %d objects left behind", c.name, n-before)
		}
	}
	_, _, err = m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN, Parameter: []byte{0}}, tb(ck.CKA_EC_PARAMS, p256Params), nil)
	wantRV(t, "pair with a parameter", err, ck.CKR_MECHANISM_PARAM_INVALID)
	_, _, err = m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN}, nil, nil)
	wantRV(t, "secret key generator for a pair", err, ck.CKR_MECHANISM_INVALID)
}

// TestKeyForUse: usage flags, login and handle checks, and the per-login
// cache that parses a key once per version.
func TestKeyForUse(t *testing.T) {
	m, slot, h := userSession(t)
	s, err := m.session(h)
	must(t, err)
	key := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128,
		ck.CKA_TOKEN, true, ck.CKA_ENCRYPT, true, ck.CKA_DECRYPT, false))
	sess := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128))
	data := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA))
	auth := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_EC_PARAMS, p256Params,
		ck.CKA_VALUE, ecPrivValue, ck.CKA_ALWAYS_AUTHENTICATE, true))

	k1, aa, err := m.keyForUse(s, key, ck.CKA_ENCRYPT)
	must(t, err)
	if aa || !bytes.Equal(k1.Attrs[ck.CKA_VALUE], aesKey128) {
		t.Fatalf("key: always-auth %v, value %x", aa, k1.Attrs[ck.CKA_VALUE])
	}
	k2, _, err := m.keyForUse(s, key, 0)
	must(t, err)
	if k1 != k2 {
		t.Error("key unsealed and parsed twice in one login")
	}
	_, aa, err = m.keyForUse(s, auth, ck.CKA_SIGN)
	must(t, err)
	if !aa {
		t.Error("CKA_ALWAYS_AUTHENTICATE not reported")
	}
	_, _, err = m.keyForUse(s, sess, ck.CKA_DERIVE)
	wantRV(t, "derive not allowed by default", err, ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	_, _, err = m.keyForUse(s, key, ck.CKA_DECRYPT)
	wantRV(t, "decrypt false", err, ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	_, _, err = m.keyForUse(s, data, 0)
	wantRV(t, "data object", err, ck.CKR_KEY_HANDLE_INVALID)
	_, _, err = m.keyForUse(s, 987654, ck.CKA_ENCRYPT)
	wantRV(t, "unknown handle", err, ck.CKR_KEY_HANDLE_INVALID)

	// A change (here by this process) is a new version: a new key.
	must(t, m.SetAttributeValue(h, key, tb(ck.CKA_DECRYPT, true)))
	k3, _, err := m.keyForUse(s, key, ck.CKA_DECRYPT)
	must(t, err)
	if k3 == k1 {
		t.Error("stale key after C_SetAttributeValue")
	}

	// Logout wipes the login's cache; without a login a secret key is refused.
	l := s.token.current()
	if l.keys.get(storeID(t, m, h, key)) == nil {
		t.Error("token key not cached during the login")
	}
	must(t, m.Logout(h))
	if len(l.keys.entries) != 0 {
		t.Error("key cache not wiped at logout")
	}
	_, _, err = m.keyForUse(s, key, ck.CKA_ENCRYPT)
	wantRV(t, "private key after logout", err, ck.CKR_KEY_HANDLE_INVALID) // private: invisible
	pubKey := create(t, m, openRW(t, m, slot), tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES,
		ck.CKA_VALUE, aesKey128, ck.CKA_PRIVATE, false))
	_, _, err = m.keyForUse(s, pubKey, ck.CKA_ENCRYPT)
	wantRV(t, "public secret key without login", err, ck.CKR_USER_NOT_LOGGED_IN)
	must(t, m.Login(h, ck.CKU_SO, []byte(testSOPIN)))
	_, _, err = m.keyForUse(s, pubKey, ck.CKA_ENCRYPT)
	wantRV(t, "secret key for the SO", err, ck.CKR_USER_NOT_LOGGED_IN)
}

// storeID returns the store ID of a token object handle.
func storeID(t testing.TB, m *Module, h ck.SessionHandle, o ck.ObjectHandle) int64 {
	t.Helper()
	ref, ok := m.handles.lookup(o)
	if !ok || ref.dbID == 0 {
		t.Fatalf("handle %d is not a token object", o)
	}
	return ref.dbID
}

// genCase is how to call one registered generator in tests.
type genCase struct {
	mech      ck.MechanismType
	tmpl      ck.Template // C_GenerateKey
	pub, priv ck.Template // C_GenerateKeyPair
	material  []ck.AttributeType
	param     any // the mechanism parameter, for KeyGeneratorWithParam
}

var ed25519Params = []byte{0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'}

var x25519Params = []byte{0x06, 0x03, 0x2b, 0x65, 0x6e} // id-X25519

var genCases = []genCase{
	{mech: ck.CKM_AES_KEY_GEN, tmpl: tb(ck.CKA_VALUE_LEN, 32), material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_GENERIC_SECRET_KEY_GEN, tmpl: tb(ck.CKA_VALUE_LEN, 32), material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_HKDF_KEY_GEN, tmpl: tb(ck.CKA_VALUE_LEN, 32), material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_AES_XTS_KEY_GEN, tmpl: tb(ck.CKA_VALUE_LEN, 64), material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_PKCS5_PBKD2, tmpl: tb(ck.CKA_VALUE_LEN, 32), material: []ck.AttributeType{ck.CKA_VALUE},
		param: &ck.PBKDF2Params{SaltSource: ck.CKZ_SALT_SPECIFIED, Salt: []byte("salt"), Iterations: 2, PRF: ck.CKP_PKCS5_PBKD2_HMAC_SHA256, Password: []byte("pw")}},
	{mech: ck.CKM_DES2_KEY_GEN, tmpl: ck.Template{}, material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_DES3_KEY_GEN, tmpl: ck.Template{}, material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_EC_KEY_PAIR_GEN, pub: tb(ck.CKA_EC_PARAMS, p256Params), material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, pub: tb(ck.CKA_EC_PARAMS, ed25519Params), material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, pub: tb(ck.CKA_EC_PARAMS, x25519Params), material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_CHACHA20_KEY_GEN, tmpl: ck.Template{}, material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_ML_DSA_KEY_PAIR_GEN, pub: tb(ck.CKA_PARAMETER_SET, int(ck.CKP_ML_DSA_65)), material: []ck.AttributeType{ck.CKA_VALUE, ck.CKA_SEED}},
	{mech: ck.CKM_ML_KEM_KEY_PAIR_GEN, pub: tb(ck.CKA_PARAMETER_SET, int(ck.CKP_ML_KEM_512)), material: []ck.AttributeType{ck.CKA_VALUE, ck.CKA_SEED}},
	{mech: ck.CKM_SLH_DSA_KEY_PAIR_GEN, pub: tb(ck.CKA_PARAMETER_SET, int(ck.CKP_SLH_DSA_SHAKE_128F)), material: []ck.AttributeType{ck.CKA_VALUE}},
	{mech: ck.CKM_RSA_PKCS_KEY_PAIR_GEN, pub: tb(ck.CKA_MODULUS_BITS, 2048), material: []ck.AttributeType{ck.CKA_PRIVATE_EXPONENT,
		ck.CKA_PRIME_1, ck.CKA_PRIME_2, ck.CKA_EXPONENT_1, ck.CKA_EXPONENT_2, ck.CKA_COEFFICIENT}},
}

// TestGeneratedKeyMaterialNeverRevealed: every registered generator is
// covered; its private or secret key's material is hidden by default and
// when unextractable, shown only when non-sensitive and extractable, and
// every attribute it determines is one the policy knows for the class.
func TestGeneratedKeyMaterialNeverRevealed(t *testing.T) {
	covered := map[ck.MechanismType]bool{}
	for _, g := range genCases {
		covered[g.mech] = true
	}
	for _, mt := range mechanisms.Types() {
		mm, _ := mechanisms.Lookup(mt)
		_, kg := mm.(mechanisms.KeyGenerator)
		_, kpg := mm.(mechanisms.KeyPairGenerator)
		if (kg || kpg) && !covered[mt] {
			t.Errorf("generator %v has no case in genCases", mt)
		}
	}
	m, _, h := userSession(t)
	for _, g := range genCases {
		for _, mode := range []struct{ sens, ext, hidden bool }{{true, true, true}, {false, false, true}, {false, true, false}} {
			flags := tb(ck.CKA_SENSITIVE, mode.sens, ck.CKA_EXTRACTABLE, mode.ext, ck.CKA_TOKEN, true)
			var key ck.ObjectHandle
			var pub ck.ObjectHandle
			var err error
			if g.tmpl != nil {
				key, err = m.GenerateKey(h, ck.Mechanism{Type: g.mech, Parameter: g.param}, append(append(ck.Template{}, g.tmpl...), flags...))
			} else {
				pub, key, err = m.GenerateKeyPair(h, ck.Mechanism{Type: g.mech}, g.pub, append(append(ck.Template{}, g.priv...), flags...))
			}
			if err != nil {
				t.Fatalf("%v: %v", g.mech, err)
			}
			for _, typ := range g.material {
				v, rv := getAttr(t, m, h, key, typ)
				if mode.hidden && rv != ck.CKR_ATTRIBUTE_SENSITIVE {
					t.Errorf("%v %+v: %v = %v, want CKR_ATTRIBUTE_SENSITIVE", g.mech, mode, typ, rv)
				}
				if !mode.hidden && (rv != ck.CKR_OK || len(v) == 0) {
					t.Errorf("%v %+v: %v = %d bytes, %v; want the value", g.mech, mode, typ, len(v), rv)
				}
			}
			for _, o := range []ck.ObjectHandle{pub, key} {
				if o == 0 {
					continue
				}
				s, _ := m.session(h)
				obj, _, err := m.resolve(s, o)
				must(t, err)
				for typ := range obj.attrs {
					if _, ok := policy[obj.key][typ]; !ok {
						t.Errorf("%v: generated %v has %v, which the policy does not know", g.mech, obj.class, typ)
					}
				}
			}
		}
	}
}

func TestKeyCacheBounded(t *testing.T) {
	var k keyCache
	k.put(&object{dbID: 1, class: ck.CKO_DATA})
	if k.get(1) != nil {
		t.Error("a data object was cached")
	}
	for i := int64(1); i <= maxCachedKeys+10; i++ {
		k.put(&object{dbID: i, class: ck.CKO_SECRET_KEY})
	}
	if len(k.entries) != maxCachedKeys {
		t.Errorf("%d entries, want the bound %d", len(k.entries), maxCachedKeys)
	}
	if k.get(maxCachedKeys+10) == nil {
		t.Error("the newest key is not cached")
	}
	k.drop(maxCachedKeys + 10)
	if k.get(maxCachedKeys+10) != nil {
		t.Error("drop kept the key")
	}
	k.wipe()
	if k.get(5) != nil || len(k.entries) != 0 {
		t.Error("wipe kept keys")
	}
}
