package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// concatParam is what provider hands CKM_CONCATENATE_BASE_AND_KEY for k.
func concatParam(k *Key) *ck.ConcatenateKeyParams {
	return &ck.ConcatenateKeyParams{Other: 7, OtherClass: k.Class, OtherAttrs: k.Attrs}
}

// TestConcatenateBaseAndKey: base||other, truncated to CKA_VALUE_LEN; the
// second key's protection carried over (sensitive, non-extractable, and
// lowering always-sensitive / never-extractable); the refusals.
func TestConcatenateBaseAndKey(t *testing.T) {
	base := secretKey(ck.CKK_GENERIC_SECRET, []byte{1, 2, 3})
	other := aesKey([]byte("0123456789abcdef"))
	want := append([]byte{1, 2, 3}, "0123456789abcdef"...)
	got, err := derive(t, ck.CKM_CONCATENATE_BASE_AND_KEY, base, concatParam(other), nil)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("base||other: %x %v, want %x", got, err, want)
	}
	got, err = derive(t, ck.CKM_CONCATENATE_BASE_AND_KEY, base, concatParam(other), ck.Template{valueLen(5)})
	if err != nil || !bytes.Equal(got, want[:5]) {
		t.Errorf("5 bytes: %x %v", got, err)
	}

	prot := aesKey([]byte("0123456789abcdef"))
	prot.Attrs[ck.CKA_SENSITIVE] = ck.EncodeBool(true)
	prot.Attrs[ck.CKA_EXTRACTABLE] = ck.EncodeBool(false)
	prot.Attrs[ck.CKA_ALWAYS_SENSITIVE] = ck.EncodeBool(false)
	prot.Attrs[ck.CKA_NEVER_EXTRACTABLE] = ck.EncodeBool(false)
	attrs, err := mustLookup(t, ck.CKM_CONCATENATE_BASE_AND_KEY).(KeyDeriver).DeriveKey(base, concatParam(prot),
		ck.Template{{Type: ck.CKA_SENSITIVE, Value: ck.EncodeBool(false)}})
	if err != nil {
		t.Fatal(err)
	}
	for typ, v := range map[ck.AttributeType]bool{
		ck.CKA_SENSITIVE: true, ck.CKA_EXTRACTABLE: false, ck.CKA_ALWAYS_SENSITIVE: false, ck.CKA_NEVER_EXTRACTABLE: false,
	} {
		if !bytes.Equal(attrs[typ], ck.EncodeBool(v)) {
			t.Errorf("from a protected second key: %v = %x, want %v", typ, attrs[typ], v)
		}
	}

	ecPriv := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: {1}}}
	checkDerive(t, ck.CKM_CONCATENATE_BASE_AND_KEY, []deriveCase{
		{"unresolved handle", base, &ck.ConcatenateKeyParams{Other: 7}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"raw bytes", base, []byte{7, 0, 0, 0, 0, 0, 0, 0}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"private second key", base, concatParam(ecPriv), nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"private base", ecPriv, concatParam(other), nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"longer than both", base, concatParam(other), ck.Template{valueLen(20)}, ck.CKR_TEMPLATE_INCONSISTENT},
	})
}

func init() {
	addFixture(fixture{
		deriveKey:   func(*testing.T) *Key { return secretKey(ck.CKK_GENERIC_SECRET, []byte("base")) },
		deriveParam: func(*testing.T) any { return concatParam(secretKey(ck.CKK_GENERIC_SECRET, []byte("other"))) },
	}, ck.CKM_CONCATENATE_BASE_AND_KEY)
}
