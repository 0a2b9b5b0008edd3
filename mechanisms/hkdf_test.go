package mechanisms

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var hkdfPRF = map[string]ck.MechanismType{"SHA1": ck.CKM_SHA_1, "SHA256": ck.CKM_SHA256, "SHA384": ck.CKM_SHA384, "SHA512": ck.CKM_SHA512, "SHA3-256": ck.CKM_SHA3_256}

// TestHKDFVectors: RFC 5869 test cases 1-3 and random inputs, outputs of
// openssl kdf HKDF (testdata/hkdf.txt) in its three modes.
func TestHKDFVectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_HKDF_DERIVE)
	for _, v := range readVectors(t, "testdata/hkdf.txt") {
		prf := hkdfPRF[v["Hash"]]
		ikm, salt, info := unhex(t, v["IKM"]), unhex(t, v["Salt"]), unhex(t, v["Info"])
		okm, prk, exp := unhex(t, strings.ToLower(v["OKM"])), unhex(t, strings.ToLower(v["PRK"])), unhex(t, strings.ToLower(v["ExpandOnly"]))
		saltType := ck.CKF_HKDF_SALT_DATA
		if len(salt) == 0 {
			saltType = ck.CKF_HKDF_SALT_NULL
		}
		base := secretKey(ck.CKK_HKDF, ikm)
		for _, tc := range []struct {
			name            string
			extract, expand bool
			want            []byte
		}{{"both", true, true, okm}, {"extract", true, false, prk}, {"expand", false, true, exp}} {
			p := &ck.HKDFParams{Extract: tc.extract, Expand: tc.expand, PRF: prf, SaltType: saltType, Salt: salt, Info: info}
			attrs, err := m.(KeyDeriver).DeriveKey(base, p, ck.Template{valueLen(len(tc.want))})
			if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], tc.want) {
				t.Errorf("%s %s: %v", v["Hash"], tc.name, err)
			}
		}
	}
}

func TestHKDFErrors(t *testing.T) {
	m := mustLookup(t, ck.CKM_HKDF_DERIVE)
	base := secretKey(ck.CKK_GENERIC_SECRET, []byte("input keying material"))
	ok := ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL}
	with := func(f func(*ck.HKDFParams)) *ck.HKDFParams { p := ok; f(&p); return &p }
	_, ecPriv := genECKeys(t, curves[1])
	for _, tc := range []struct {
		name  string
		base  *Key
		param any
		tmpl  ck.Template
		want  error
	}{
		{"no parameter", base, nil, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"neither extract nor expand", base, with(func(p *ck.HKDFParams) { p.Extract, p.Expand = false, false }), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"unknown PRF", base, with(func(p *ck.HKDFParams) { p.PRF = ck.CKM_AES_ECB }), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"salt data missing", base, with(func(p *ck.HKDFParams) { p.SaltType = ck.CKF_HKDF_SALT_DATA }), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"salt key unresolved", base, with(func(p *ck.HKDFParams) { p.SaltType = ck.CKF_HKDF_SALT_KEY }), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"unknown salt type", base, with(func(p *ck.HKDFParams) { p.SaltType = 8 }), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"EC base key", ecPriv, &ok, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"extract-only of 16 bytes", base, with(func(p *ck.HKDFParams) { p.Expand = false }), ck.Template{valueLen(16)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"AES-256 by default length", base, &ok, ck.Template{keyTypeAttr(ck.CKK_AES)}, nil},
		{"512-byte key", base, &ok, ck.Template{valueLen(512)}, nil},
	} {
		if _, err := m.(KeyDeriver).DeriveKey(tc.base, tc.param, tc.tmpl); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func init() {
	k := func(*testing.T) *Key { return secretKey(ck.CKK_HKDF, []byte("input keying material")) }
	addFixture(fixture{deriveKey: k, deriveParam: func(*testing.T) any {
		return &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL, Info: []byte("i")}
	}}, ck.CKM_HKDF_DERIVE)
}
