package mechanisms

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var hkdfPRF = map[string]ck.MechanismType{"SHA1": ck.CKM_SHA_1, "SHA256": ck.CKM_SHA256, "SHA384": ck.CKM_SHA384, "SHA512": ck.CKM_SHA512, "SHA3-256": ck.CKM_SHA3_256}

// hkdfVector is one record of an `openssl kdf HKDF` vector file: the input
// key and each mode's parameters and output.
type hkdfVector struct {
	hash                  string
	ikm                   []byte
	both, extract, expand hkdfMode
}

type hkdfMode struct {
	name string
	p    *ck.HKDFParams
	want []byte
}

func (v hkdfVector) modes() []hkdfMode { return []hkdfMode{v.both, v.extract, v.expand} }

// readHKDFVectors reads file (Hash, IKM, Salt, Info, OKM, PRK, ExpandOnly);
// a hash prfs does not name fails the test.
func readHKDFVectors(t *testing.T, file string, prfs map[string]ck.MechanismType) []hkdfVector {
	t.Helper()
	var out []hkdfVector
	for _, v := range readVectors(t, file) {
		prf, ok := prfs[v["Hash"]]
		if !ok {
			t.Fatalf("%s: unknown hash %q", file, v["Hash"])
		}
		salt, info := unhex(t, v["Salt"]), unhex(t, v["Info"])
		saltType := ck.CKF_HKDF_SALT_DATA
		if len(salt) == 0 {
			saltType = ck.CKF_HKDF_SALT_NULL
		}
		mode := func(name string, extract, expand bool, want string) hkdfMode {
			p := &ck.HKDFParams{Extract: extract, Expand: expand, PRF: prf, SaltType: saltType, Salt: salt, Info: info}
			return hkdfMode{name, p, unhex(t, strings.ToLower(want))}
		}
		out = append(out, hkdfVector{
			hash: v["Hash"], ikm: unhex(t, v["IKM"]),
			both:    mode("both", true, true, v["OKM"]),
			extract: mode("extract", true, false, v["PRK"]),
			expand:  mode("expand", false, true, v["ExpandOnly"]),
		})
	}
	return out
}

// TestHKDFVectors: RFC 5869 test cases 1-3 and random inputs, outputs of
// openssl kdf HKDF (testdata/hkdf.txt) in its three modes.
func TestHKDFVectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_HKDF_DERIVE)
	for _, v := range readHKDFVectors(t, "testdata/hkdf.txt", hkdfPRF) {
		base := secretKey(ck.CKK_HKDF, v.ikm)
		for _, tc := range v.modes() {
			attrs, err := m.(KeyDeriver).DeriveKey(base, tc.p, ck.Template{valueLen(len(tc.want))})
			if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], tc.want) {
				t.Errorf("%s %s: %v", v.hash, tc.name, err)
			}
		}
	}
}

func TestHKDFErrors(t *testing.T) {
	base := secretKey(ck.CKK_GENERIC_SECRET, []byte("input keying material"))
	ok := ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL}
	with := func(f func(*ck.HKDFParams)) *ck.HKDFParams { p := ok; f(&p); return &p }
	_, ecPriv := genECKeys(t, curves[1])
	checkDerive(t, ck.CKM_HKDF_DERIVE, []deriveCase{
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
	})
}

func init() {
	k := func(*testing.T) *Key { return secretKey(ck.CKK_HKDF, []byte("input keying material")) }
	addFixture(fixture{deriveKey: k, deriveParam: func(*testing.T) any {
		return &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL, Info: []byte("i")}
	}}, ck.CKM_HKDF_DERIVE)
}
