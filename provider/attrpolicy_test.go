package provider

import (
	"bytes"
	"crypto/elliptic"
	"encoding/binary"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// tb builds a template from (type, value) pairs; values are bool, int,
// ck.ObjectClass, ck.KeyType, ck.CertificateType, ck.MechanismType, string or []byte.
func tb(pairs ...any) ck.Template {
	var t ck.Template
	for i := 0; i+1 < len(pairs); i += 2 {
		var v []byte
		switch x := pairs[i+1].(type) {
		case bool:
			v = ck.EncodeBool(x)
		case int:
			v = ck.EncodeULong(ck.ULong(x))
		case ck.ObjectClass:
			v = ck.EncodeULong(ck.ULong(x))
		case ck.KeyType:
			v = ck.EncodeULong(ck.ULong(x))
		case ck.CertificateType:
			v = ck.EncodeULong(ck.ULong(x))
		case ck.MechanismType:
			v = ck.EncodeULong(ck.ULong(x))
		case string:
			v = []byte(x)
		case []byte:
			v = x
		default:
			panic("tb: unsupported value type")
		}
		t = append(t, ck.Attribute{Type: pairs[i].(ck.AttributeType), Value: v})
	}
	return t
}

// TestPolicyInvariants checks the rules the table must keep whatever rows
// are added: key material is sealed and never modifiable, token-set
// attributes are never given by applications, and so on.
func TestPolicyInvariants(t *testing.T) {
	tokenOnly := []ck.AttributeType{ck.CKA_LOCAL, ck.CKA_ALWAYS_SENSITIVE, ck.CKA_NEVER_EXTRACTABLE,
		ck.CKA_KEY_GEN_MECHANISM, ck.CKA_UNIQUE_ID}
	for k, rules := range policy {
		for _, must := range []ck.AttributeType{ck.CKA_CLASS, ck.CKA_TOKEN, ck.CKA_PRIVATE, ck.CKA_LABEL,
			ck.CKA_MODIFIABLE, ck.CKA_COPYABLE, ck.CKA_DESTROYABLE, ck.CKA_UNIQUE_ID} {
			if _, ok := rules[must]; !ok {
				t.Errorf("%v/%#x: no rule for %v", k.class, k.sub, must)
			}
		}
		isKey := k.class == ck.CKO_PRIVATE_KEY || k.class == ck.CKO_SECRET_KEY
		if isKey {
			for _, must := range []ck.AttributeType{ck.CKA_SENSITIVE, ck.CKA_EXTRACTABLE, ck.CKA_ALWAYS_SENSITIVE, ck.CKA_NEVER_EXTRACTABLE, ck.CKA_VALUE} {
				if _, ok := rules[must]; !ok && !(must == ck.CKA_VALUE && k.sub == ck.ULong(ck.CKK_RSA)) {
					t.Errorf("%v/%#x: no rule for %v", k.class, k.sub, must)
				}
			}
		}
		nMaterial := 0
		for typ, r := range rules {
			name := k.class.String() + " " + typ.String()
			if r.has(material) {
				nMaterial++
				if !isKey {
					t.Errorf("%s: key material outside private/secret keys", name)
				}
				if !secretAtRest(r, typ, false) || !secretAtRest(r, typ, true) {
					t.Errorf("%s: sensitive but not sealed at rest", name)
				}
				if r.has(modifiable) || r.has(copyOnly) || r.has(inGenerate) {
					t.Errorf("%s: key material may be changed or given to a generator", name)
				}
			}
			if r.has(rqCreate) && !r.has(inCreate) {
				t.Errorf("%s: required at create but not settable", name)
			}
			if r.has(onlyToTrue) && r.has(onlyToFalse) {
				t.Errorf("%s: both one-way directions", name)
			}
			if (r.has(onlyToTrue) || r.has(onlyToFalse) || r.has(soTrue)) && r.kind != kBool {
				t.Errorf("%s: one-way rule on a non-boolean", name)
			}
			if r.def != nil && checkEncoding(r.kind, r.def) != nil {
				t.Errorf("%s: default %x does not fit its kind", name, r.def)
			}
			if r.has(rqCreate) && r.def != nil {
				t.Errorf("%s: required and defaulted", name)
			}
			if (r.has(modifiable) || r.has(copyOnly)) && !r.has(inCreate) {
				t.Errorf("%s: modifiable but not settable at create", name)
			}
			if indexedAttrs[typ] && secretAtRest(r, typ, true) {
				t.Errorf("%s: indexed but sealed", name)
			}
		}
		if isKey && nMaterial == 0 {
			t.Errorf("%v/%#x: a private or secret key without key material", k.class, k.sub)
		}
		for _, typ := range tokenOnly {
			if r, ok := rules[typ]; ok && r.flags&(inCreate|inGenerate|modifiable|copyOnly) != 0 {
				t.Errorf("%v %v: set by the token, but applications may give it", k.class, typ)
			}
		}
	}
	// Every private key component is material; every public one is not.
	rsaPriv := policy[classKey{ck.CKO_PRIVATE_KEY, ck.ULong(ck.CKK_RSA)}]
	for _, typ := range []ck.AttributeType{ck.CKA_PRIVATE_EXPONENT, ck.CKA_PRIME_1, ck.CKA_PRIME_2,
		ck.CKA_EXPONENT_1, ck.CKA_EXPONENT_2, ck.CKA_COEFFICIENT} {
		if !rsaPriv[typ].has(material) {
			t.Errorf("RSA %v is not key material", typ)
		}
	}
	for _, typ := range []ck.AttributeType{ck.CKA_MODULUS, ck.CKA_PUBLIC_EXPONENT} {
		if rsaPriv[typ].has(material) {
			t.Errorf("RSA %v is marked key material", typ)
		}
	}
	// Of a private object every non-indexed attribute is sealed.
	r := policy[classKey{ck.CKO_DATA, 0}][ck.CKA_APPLICATION]
	if !secretAtRest(r, ck.CKA_APPLICATION, true) || secretAtRest(r, ck.CKA_APPLICATION, false) {
		t.Error("CKA_APPLICATION: sealed at rest only for private objects expected")
	}
}

// TestClassDefaults: the per-class defaults key generation checks early
// agree for every key type of the class.
func TestClassDefaults(t *testing.T) {
	for k, rules := range policy {
		for _, typ := range []ck.AttributeType{ck.CKA_TOKEN, ck.CKA_PRIVATE} {
			if got, want := classDefault(k.class, typ), bytes.Equal(rules[typ].def, vTrue); got != want {
				t.Errorf("%v %#x %v: classDefault %v, rule %v", k.class, k.sub, typ, got, want)
			}
		}
	}
	if classDefault(ck.CKO_PUBLIC_KEY, ck.CKA_PRIVATE) || !classDefault(ck.CKO_SECRET_KEY, ck.CKA_PRIVATE) || classDefault(ck.CKO_SECRET_KEY, ck.CKA_TOKEN) {
		t.Error("unexpected class defaults")
	}
}

func TestCompilePolicyRejectsDuplicates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("two rules for one attribute and class did not panic")
		}
	}()
	compilePolicy([]policyRow{
		{typ: ck.CKA_LABEL, in: cData, kind: kBytes},
		{typ: ck.CKA_LABEL, in: cData, kind: kBytes},
	})
}

var (
	p256Params = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
	aesKey128  = bytes.Repeat([]byte{0x42}, 16)
)

// TestBuildAttrsErrors: the error each bad C_CreateObject template earns.
func TestBuildAttrsErrors(t *testing.T) {
	secret := func(extra ...any) ck.Template {
		return append(tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128), tb(extra...)...)
	}
	cases := []struct {
		name string
		tmpl ck.Template
		so   bool
		want ck.RV
	}{
		{"data ok", tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_VALUE, "x"), false, ck.CKR_OK},
		{"aes ok", secret(), false, ck.CKR_OK},
		{"no class", tb(ck.CKA_VALUE, "x"), false, ck.CKR_TEMPLATE_INCOMPLETE},
		{"class 3 bytes", tb(ck.CKA_CLASS, []byte{1, 2, 3}), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"unknown class", tb(ck.CKA_CLASS, ck.CKO_HW_FEATURE), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"key without type", tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_VALUE, aesKey128), false, ck.CKR_TEMPLATE_INCOMPLETE},
		{"unknown key type", tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_SKIPJACK), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"aes without value", tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES), false, ck.CKR_TEMPLATE_INCOMPLETE},
		{"aes 15 bytes", tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, make([]byte, 15)), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"value len at create", secret(ck.CKA_VALUE_LEN, 16), false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"local at create", secret(ck.CKA_LOCAL, true), false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"always sensitive at create", secret(ck.CKA_ALWAYS_SENSITIVE, true), false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"unique id at create", secret(ck.CKA_UNIQUE_ID, "1"), false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"bool 2 bytes", secret(ck.CKA_SENSITIVE, []byte{1, 0}), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"bool value 2", secret(ck.CKA_SENSITIVE, []byte{2}), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"ulong 4 bytes", tb(ck.CKA_CLASS, []byte{4, 0, 0, 0}), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC point on a secret key", secret(ck.CKA_EC_POINT, "x"), false, ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"vendor attribute", secret(ck.CKA_VENDOR_DEFINED|7, "x"), false, ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"empty wrap template", secret(ck.CKA_WRAP_TEMPLATE, []byte{}), false, ck.CKR_OK},
		{"wrap template", secret(ck.CKA_WRAP_TEMPLATE, ck.EncodeAttributeArray(ck.Template{{Type: ck.CKA_EXTRACTABLE, Value: []byte{1}}})), false, ck.CKR_OK},
		{"corrupt wrap template", secret(ck.CKA_WRAP_TEMPLATE, []byte{1, 2, 3}), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"unwrap template on a public key", tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_EC_PARAMS, p256Params, ck.CKA_UNWRAP_TEMPLATE, []byte{}), false, ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"allowed mechanisms", secret(ck.CKA_ALLOWED_MECHANISMS, ck.EncodeULong(ck.ULong(ck.CKM_AES_GCM))), false, ck.CKR_OK},
		{"allowed mechanisms 4 bytes", secret(ck.CKA_ALLOWED_MECHANISMS, []byte{1, 2, 3, 4}), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"twice, two values", append(secret(), tb(ck.CKA_LABEL, "a", ck.CKA_LABEL, "b")...), false, ck.CKR_TEMPLATE_INCONSISTENT},
		{"twice, one value", append(secret(), tb(ck.CKA_LABEL, "a", ck.CKA_LABEL, "a")...), false, ck.CKR_OK},
		{"trusted by user", secret(ck.CKA_TRUSTED, true), false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"trusted by SO", secret(ck.CKA_TRUSTED, true), true, ck.CKR_OK},
		{"bad date", secret(ck.CKA_START_DATE, "2024-1-1"), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"good date", secret(ck.CKA_START_DATE, "20240101"), false, ck.CKR_OK},
		{"cert without subject", tb(ck.CKA_CLASS, ck.CKO_CERTIFICATE, ck.CKA_CERTIFICATE_TYPE, ck.CKC_X_509, ck.CKA_VALUE, "der"), false, ck.CKR_TEMPLATE_INCOMPLETE},
		{"cert WTLS", tb(ck.CKA_CLASS, ck.CKO_CERTIFICATE, ck.CKA_CERTIFICATE_TYPE, ck.CKC_WTLS), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC private without params", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_VALUE, make([]byte, 32)), false, ck.CKR_TEMPLATE_INCOMPLETE},
		{"EC private bad params", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_EC_PARAMS, "xx", ck.CKA_VALUE, aesKey128), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC private scalar zero", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_EC_PARAMS, p256Params, ck.CKA_VALUE, make([]byte, 32)), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC private scalar = order", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_EC_PARAMS, p256Params, ck.CKA_VALUE, elliptic.P256().Params().N.Bytes()), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC private scalar too long", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_EC_PARAMS, p256Params, ck.CKA_VALUE, bytes.Repeat([]byte{1}, 33)), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC public bad point", tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_EC_PARAMS, p256Params, ck.CKA_EC_POINT, "nope"), false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"RSA public modulus bits at create", tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_KEY_TYPE, ck.CKK_RSA, ck.CKA_MODULUS, []byte{0xc1}, ck.CKA_PUBLIC_EXPONENT, []byte{3}, ck.CKA_MODULUS_BITS, 8), false, ck.CKR_ATTRIBUTE_READ_ONLY},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm, err := attrMap(c.tmpl)
			if err == nil {
				var k classKey
				k, err = classKeyOf(tm, ck.ObjectClass(ck.UnavailableInformation))
				if err == nil {
					_, err = buildAttrs(opCreate, k, tm, nil, c.so)
				}
			}
			wantRV(t, c.name, err, c.want)
		})
	}
}

func TestBuildAttrsDefaultsAndDerived(t *testing.T) {
	tm, _ := attrMap(tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128))
	k, err := classKeyOf(tm, ck.ObjectClass(ck.UnavailableInformation))
	must(t, err)
	a, err := buildAttrs(opCreate, k, tm, nil, false)
	must(t, err)
	want := map[ck.AttributeType][]byte{
		ck.CKA_VALUE_LEN: ck.EncodeULong(16), ck.CKA_SENSITIVE: vTrue, ck.CKA_EXTRACTABLE: vTrue,
		ck.CKA_PRIVATE: vTrue, ck.CKA_TOKEN: vFalse, ck.CKA_LOCAL: vFalse, ck.CKA_ALWAYS_SENSITIVE: vFalse,
		ck.CKA_NEVER_EXTRACTABLE: vFalse, ck.CKA_DERIVE: vFalse, ck.CKA_MODIFIABLE: vTrue,
		ck.CKA_KEY_GEN_MECHANISM: ck.EncodeULong(ck.UnavailableInformation),
	}
	for typ, v := range want {
		if !bytes.Equal(a[typ], v) {
			t.Errorf("%v = %x, want %x", typ, a[typ], v)
		}
	}
	tm, _ = attrMap(tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_KEY_TYPE, ck.CKK_RSA,
		ck.CKA_MODULUS, []byte{0x00, 0x01, 0xff}, ck.CKA_PUBLIC_EXPONENT, []byte{3}))
	k, _ = classKeyOf(tm, ck.ObjectClass(ck.UnavailableInformation))
	a, err = buildAttrs(opCreate, k, tm, nil, false)
	must(t, err)
	if bits, _ := ulongOf(a, ck.CKA_MODULUS_BITS); bits != 9 {
		t.Errorf("CKA_MODULUS_BITS = %d, want 9", bits)
	}
	if !bytes.Equal(a[ck.CKA_PRIVATE], vFalse) {
		t.Error("a public key is private by default")
	}
}

// TestChangeAttrs: C_SetAttributeValue and C_CopyObject rules.
func TestChangeAttrs(t *testing.T) {
	base := func(sensitive, extractable bool) (classKey, map[ck.AttributeType][]byte) {
		tm, _ := attrMap(tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128,
			ck.CKA_SENSITIVE, sensitive, ck.CKA_EXTRACTABLE, extractable, ck.CKA_COPYABLE, true))
		k, _ := classKeyOf(tm, ck.ObjectClass(ck.UnavailableInformation))
		a, err := buildAttrs(opCreate, k, tm, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		return k, a
	}
	cases := []struct {
		name                 string
		sensitive, extractbl bool
		tmpl                 ck.Template
		copy, so             bool
		want                 ck.RV
	}{
		{"label", true, true, tb(ck.CKA_LABEL, "new"), false, false, ck.CKR_OK},
		{"sensitive false->true", false, true, tb(ck.CKA_SENSITIVE, true), false, false, ck.CKR_OK},
		{"sensitive true->false", true, true, tb(ck.CKA_SENSITIVE, false), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"sensitive true->true", true, true, tb(ck.CKA_SENSITIVE, true), false, false, ck.CKR_OK},
		{"sensitive true->false by copy", true, true, tb(ck.CKA_SENSITIVE, false), true, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"extractable true->false", true, true, tb(ck.CKA_EXTRACTABLE, false), false, false, ck.CKR_OK},
		{"extractable false->true", true, false, tb(ck.CKA_EXTRACTABLE, true), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"copyable true->false", true, true, tb(ck.CKA_COPYABLE, false), false, false, ck.CKR_OK},
		{"destroyable by set", true, true, tb(ck.CKA_DESTROYABLE, false), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"destroyable by copy", true, true, tb(ck.CKA_DESTROYABLE, false), true, false, ck.CKR_OK},
		{"value", true, true, tb(ck.CKA_VALUE, aesKey128), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"class", true, true, tb(ck.CKA_CLASS, ck.CKO_DATA), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"key type", true, true, tb(ck.CKA_KEY_TYPE, ck.CKK_AES), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"token by set", true, true, tb(ck.CKA_TOKEN, true), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"token by copy", true, true, tb(ck.CKA_TOKEN, true), true, false, ck.CKR_OK},
		{"private by copy", true, true, tb(ck.CKA_PRIVATE, false), true, false, ck.CKR_OK},
		{"modifiable by set", true, true, tb(ck.CKA_MODIFIABLE, false), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"modifiable by copy", true, true, tb(ck.CKA_MODIFIABLE, false), true, false, ck.CKR_OK},
		{"local", true, true, tb(ck.CKA_LOCAL, true), true, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"never extractable", true, true, tb(ck.CKA_NEVER_EXTRACTABLE, true), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"unknown attribute", true, true, tb(ck.CKA_MODULUS, "x"), false, false, ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"bad bool", true, true, tb(ck.CKA_SIGN, []byte{7}), false, false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"trusted by user", true, true, tb(ck.CKA_TRUSTED, true), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"wrap with trusted false->true", true, true, tb(ck.CKA_WRAP_WITH_TRUSTED, true), false, false, ck.CKR_OK},
		{"two values", true, true, tb(ck.CKA_LABEL, "a", ck.CKA_LABEL, "b"), false, false, ck.CKR_TEMPLATE_INCONSISTENT},
		{"good then bad: nothing changes", true, true, tb(ck.CKA_LABEL, "a", ck.CKA_VALUE, "b"), false, false, ck.CKR_ATTRIBUTE_READ_ONLY},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, cur := base(c.sensitive, c.extractbl)
			before := len(cur)
			label := string(cur[ck.CKA_LABEL])
			out, err := changeAttrs(k, cur, c.tmpl, c.copy, c.so)
			wantRV(t, c.name, err, c.want)
			if len(cur) != before || string(cur[ck.CKA_LABEL]) != label {
				t.Error("changeAttrs changed its input")
			}
			if err == nil {
				for _, a := range c.tmpl {
					if !bytes.Equal(out[a.Type], a.Value) {
						t.Errorf("%v = %x, want %x", a.Type, out[a.Type], a.Value)
					}
				}
			}
		})
	}
	// WRAP_WITH_TRUSTED true -> false is refused.
	k, cur := base(true, true)
	cur[ck.CKA_WRAP_WITH_TRUSTED] = vTrue
	_, err := changeAttrs(k, cur, tb(ck.CKA_WRAP_WITH_TRUSTED, false), false, false)
	wantRV(t, "wrap with trusted true->false", err, ck.CKR_ATTRIBUTE_READ_ONLY)
}

// TestRevealable: key material of every key type is hidden unless the key
// is both non-sensitive and extractable; other attributes are always shown.
func TestRevealable(t *testing.T) {
	for k, rules := range policy {
		for typ, r := range rules {
			for _, sens := range []bool{false, true} {
				for _, ext := range []bool{false, true} {
					attrs := map[ck.AttributeType][]byte{ck.CKA_SENSITIVE: ck.EncodeBool(sens), ck.CKA_EXTRACTABLE: ck.EncodeBool(ext)}
					err := revealable(k, attrs, typ)
					want := ck.CKR_OK
					if r.has(material) && (sens || !ext) {
						want = ck.CKR_ATTRIBUTE_SENSITIVE
					}
					wantRV(t, k.class.String()+" "+typ.String(), err, want)
				}
			}
		}
		wantRV(t, "unknown", revealable(k, nil, ck.CKA_VENDOR_DEFINED), ck.CKR_ATTRIBUTE_TYPE_INVALID)
	}
}

// decodeFuzzTemplate reads a template from fuzz input: repeated
// (type: 2 bytes, picked from known types or raw) (length: 1 byte) value.
func decodeFuzzTemplate(b []byte) ck.Template {
	known := []ck.AttributeType{ck.CKA_CLASS, ck.CKA_KEY_TYPE, ck.CKA_VALUE, ck.CKA_TOKEN, ck.CKA_PRIVATE,
		ck.CKA_SENSITIVE, ck.CKA_EXTRACTABLE, ck.CKA_EC_PARAMS, ck.CKA_EC_POINT, ck.CKA_MODULUS,
		ck.CKA_PUBLIC_EXPONENT, ck.CKA_PRIVATE_EXPONENT, ck.CKA_CERTIFICATE_TYPE, ck.CKA_SUBJECT, ck.CKA_LABEL,
		ck.CKA_ID, ck.CKA_VALUE_LEN, ck.CKA_LOCAL, ck.CKA_TRUSTED, ck.CKA_START_DATE, ck.CKA_MODULUS_BITS,
		ck.CKA_COPYABLE, ck.CKA_UNIQUE_ID, ck.CKA_WRAP_TEMPLATE}
	var t ck.Template
	for len(b) >= 3 {
		sel := binary.BigEndian.Uint16(b[:2])
		n := int(b[2])
		b = b[3:]
		if n > len(b) {
			n = len(b)
		}
		typ := ck.AttributeType(sel)
		if int(sel)%2 == 0 {
			typ = known[int(sel/2)%len(known)]
		}
		t = append(t, ck.Attribute{Type: typ, Value: b[:n]})
		b = b[n:]
	}
	return t
}

// FuzzTemplate: any template, through every policy path, returns a
// PKCS#11 code and never panics; what it accepts is self-consistent.
func FuzzTemplate(f *testing.F) {
	f.Add([]byte{0, 0, 8, 4, 0, 0, 0, 0, 0, 0, 0, 0, 2, 8, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 4, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte{0, 0, 3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl := decodeFuzzTemplate(data)
		tm, err := attrMap(tmpl)
		if err != nil {
			return
		}
		for _, class := range []ck.ObjectClass{ck.ObjectClass(ck.UnavailableInformation), ck.CKO_SECRET_KEY, ck.CKO_PRIVATE_KEY} {
			k, err := classKeyOf(tm, class)
			if err != nil {
				if _, ok := err.(ck.RV); !ok {
					t.Fatalf("non-RV error %v", err)
				}
				continue
			}
			for _, op := range []buildOp{opCreate, opGenerate} {
				for _, so := range []bool{false, true} {
					a, err := buildAttrs(op, k, tm, nil, so)
					if err != nil {
						if _, ok := err.(ck.RV); !ok {
							t.Fatalf("non-RV error %v", err)
						}
						continue
					}
					for typ, v := range a {
						if r, ok := policy[k][typ]; ok && checkEncoding(r.kind, v) != nil {
							t.Fatalf("accepted %v = %x, which does not fit its kind", typ, v)
						}
					}
					if _, err := changeAttrs(k, a, tmpl, false, so); err != nil {
						if _, ok := err.(ck.RV); !ok {
							t.Fatalf("non-RV error %v", err)
						}
					}
					for _, at := range tmpl {
						_ = revealable(k, a, at.Type)
					}
				}
			}
		}
	})
}
