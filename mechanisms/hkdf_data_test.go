package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestHKDFDataVectors: CKM_HKDF_DATA computes what CKM_HKDF_DERIVE does
// (RFC 5869 and openssl kdf HKDF outputs, testdata/hkdf.txt, all three
// modes) and returns it as a CKO_DATA object's value.
func TestHKDFDataVectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_HKDF_DATA).(KeyDeriver)
	if c, ok := m.(DerivedClasser); !ok || c.DerivedClass() != ck.CKO_DATA {
		t.Fatal("CKM_HKDF_DATA does not say it derives CKO_DATA")
	}
	if _, ok := mustLookup(t, ck.CKM_HKDF_DERIVE).(DerivedClasser); ok {
		t.Fatal("CKM_HKDF_DERIVE must derive secret keys")
	}
	dataClass := ck.EncodeULong(ck.ULong(ck.CKO_DATA))
	for _, v := range readHKDFVectors(t, "testdata/hkdf.txt", hkdfPRF) {
		base := secretKey(ck.CKK_GENERIC_SECRET, v.ikm)
		for _, tc := range []struct {
			name string
			mode hkdfMode
			tmpl ck.Template
		}{
			{"both", v.both, ck.Template{valueLen(len(v.both.want))}},
			{"both, class named", v.both, ck.Template{{Type: ck.CKA_CLASS, Value: dataClass}, valueLen(len(v.both.want))}},
			{"extract", v.extract, nil},
			{"expand", v.expand, ck.Template{valueLen(len(v.expand.want))}},
		} {
			attrs, err := m.DeriveKey(base, tc.mode.p, tc.tmpl)
			if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], tc.mode.want) {
				t.Errorf("%s %s: %v", v.hash, tc.name, err)
				continue
			}
			if !bytes.Equal(attrs[ck.CKA_CLASS], dataClass) || len(attrs) != 2 {
				t.Errorf("%s %s: attributes %v, want CKA_CLASS=CKO_DATA and CKA_VALUE only", v.hash, tc.name, attrs)
			}
		}
	}
}

func TestHKDFDataErrors(t *testing.T) {
	m := mustLookup(t, ck.CKM_HKDF_DATA).(KeyDeriver)
	base := secretKey(ck.CKK_HKDF, []byte("input keying material"))
	ok := ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL, Info: []byte("iv")}
	class := func(c ck.ObjectClass) ck.Attribute {
		return ck.Attribute{Type: ck.CKA_CLASS, Value: ck.EncodeULong(ck.ULong(c))}
	}
	for _, tc := range []struct {
		name  string
		param any
		tmpl  ck.Template
		want  error
		n     int
	}{
		{"default length is the hash's", &ok, nil, nil, 32},
		{"12 bytes", &ok, ck.Template{valueLen(12)}, nil, 12},
		{"255 hash lengths", &ok, ck.Template{valueLen(255 * 32)}, nil, 255 * 32},
		{"one byte too many", &ok, ck.Template{valueLen(255*32 + 1)}, ck.CKR_TEMPLATE_INCONSISTENT, 0},
		{"zero length", &ok, ck.Template{valueLen(0)}, ck.CKR_TEMPLATE_INCONSISTENT, 0},
		{"bad length encoding", &ok, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: []byte{1}}}, ck.CKR_ATTRIBUTE_VALUE_INVALID, 0},
		{"class secret key", &ok, ck.Template{class(ck.CKO_SECRET_KEY)}, ck.CKR_TEMPLATE_INCONSISTENT, 0},
		{"class private key", &ok, ck.Template{class(ck.CKO_PRIVATE_KEY)}, ck.CKR_TEMPLATE_INCONSISTENT, 0},
		{"key type", &ok, ck.Template{keyTypeAttr(ck.CKK_GENERIC_SECRET)}, ck.CKR_TEMPLATE_INCONSISTENT, 0},
		{"no parameter", nil, nil, ck.CKR_MECHANISM_PARAM_INVALID, 0},
		{"extract-only of 16 bytes", &ck.HKDFParams{Extract: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL}, ck.Template{valueLen(16)}, ck.CKR_TEMPLATE_INCONSISTENT, 0},
		{"unknown PRF", &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_AES_ECB}, nil, ck.CKR_MECHANISM_PARAM_INVALID, 0},
	} {
		attrs, err := m.DeriveKey(base, tc.param, tc.tmpl)
		if err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		if err == nil && len(attrs[ck.CKA_VALUE]) != tc.n {
			t.Errorf("%s: %d bytes, want %d", tc.name, len(attrs[ck.CKA_VALUE]), tc.n)
		}
	}
	_, ecPriv := genECKeys(t, curves[1])
	if _, err := m.DeriveKey(ecPriv, &ok, nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("EC base key: %v", err)
	}
}

func init() {
	k := func(*testing.T) *Key { return secretKey(ck.CKK_GENERIC_SECRET, []byte("input keying material")) }
	addFixture(fixture{deriveKey: k, deriveParam: func(*testing.T) any {
		return &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL, Info: []byte("i")}
	}}, ck.CKM_HKDF_DATA)
}
