package mechanisms

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// hkdfDigestPRF names the digests of testdata/hkdf_digests.txt (OpenSSL's names).
var hkdfDigestPRF = map[string]ck.MechanismType{
	"MD5": ck.CKM_MD5, "SHA224": ck.CKM_SHA224, "SHA512-224": ck.CKM_SHA512_224, "SHA512-256": ck.CKM_SHA512_256,
	"SHA3-224": ck.CKM_SHA3_224, "SHA3-384": ck.CKM_SHA3_384, "SHA3-512": ck.CKM_SHA3_512,
}

// TestHKDFDigests: prfHashMechanism may be any digest mechanism the token
// has. The digests testdata/hkdf.txt lacks (MD5, SHA-224, SHA-512/224,
// SHA-512/256, SHA3-224/384/512) give `openssl kdf HKDF`'s outputs
// (testdata/hkdf_digests.txt) in the three modes, for CKM_HKDF_DERIVE and
// CKM_HKDF_DATA; every registered digest is accepted, and a mechanism that
// is not a digest (an HMAC, a cipher, an unknown value) is refused.
func TestHKDFDigests(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range readHKDFVectors(t, "testdata/hkdf_digests.txt", hkdfDigestPRF) {
		seen[v.hash] = true
		for _, tc := range v.modes() {
			for _, mt := range []ck.MechanismType{ck.CKM_HKDF_DERIVE, ck.CKM_HKDF_DATA} {
				attrs, err := mustLookup(t, mt).(KeyDeriver).DeriveKey(secretKey(ck.CKK_GENERIC_SECRET, v.ikm), tc.p, ck.Template{valueLen(len(tc.want))})
				if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], tc.want) {
					t.Errorf("%v HKDF-%s %s: %v, value equal %v", mt, v.hash, tc.name, err, err == nil && bytes.Equal(attrs[ck.CKA_VALUE], tc.want))
				}
			}
		}
	}
	if len(seen) != len(hkdfDigestPRF) {
		t.Errorf("testdata covers %d of %d digests", len(seen), len(hkdfDigestPRF))
	}
	base := secretKey(ck.CKK_GENERIC_SECRET, []byte("ikm"))
	digests := 0
	for _, mt := range Types() {
		m, _ := Lookup(mt)
		_, isDigest := m.(Digester)
		p := &ck.HKDFParams{Extract: true, Expand: true, PRF: mt, SaltType: ck.CKF_HKDF_SALT_NULL}
		_, err := m2d(t, ck.CKM_HKDF_DERIVE).DeriveKey(base, p, ck.Template{valueLen(16)})
		switch {
		case isDigest && err != nil:
			t.Errorf("digest %v as the PRF: %v", mt, err)
		case !isDigest && err != ck.CKR_MECHANISM_PARAM_INVALID:
			t.Errorf("%v (not a digest) as the PRF: %v, want CKR_MECHANISM_PARAM_INVALID", mt, err)
		}
		if isDigest {
			digests++
		}
	}
	if digests < 12 {
		t.Errorf("%d digest mechanisms registered, want at least 12", digests)
	}
	p := &ck.HKDFParams{Extract: true, Expand: true, PRF: 0x7fff0001, SaltType: ck.CKF_HKDF_SALT_NULL}
	if _, err := m2d(t, ck.CKM_HKDF_DERIVE).DeriveKey(base, p, nil); err != ck.CKR_MECHANISM_PARAM_INVALID {
		t.Errorf("an unknown PRF: %v", err)
	}
}

func m2d(t *testing.T, mt ck.MechanismType) KeyDeriver { return mustLookup(t, mt).(KeyDeriver) }

// TestHKDFInputObjects: the input "key" of CKM_HKDF_DERIVE and CKM_HKDF_DATA
// is a CKK_HKDF or CKK_GENERIC_SECRET key, or a data object when extracting
// with a salt (PKCS#11 3.x, HKDF derive); other key types and classes are
// CKR_KEY_TYPE_INCONSISTENT, a data object without extract or salt
// CKR_MECHANISM_PARAM_INVALID.
func TestHKDFInputObjects(t *testing.T) {
	ikm := []byte("thirty-two bytes of input key!!!")
	salt, info := []byte("salt"), []byte("info")
	dataObj := &Key{Class: ck.CKO_DATA, KeyType: ck.KeyType(ck.UnavailableInformation), Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: ikm}}
	extractSalt := &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_DATA, Salt: salt, Info: info}
	saltKey := &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, Salt: salt, Info: info}
	want, err := hkdf.Key(sha256.New, ikm, salt, string(info), 32)
	if err != nil {
		t.Fatal(err)
	}
	_, ecPriv := genECKeys(t, curves[1])
	for _, tc := range []struct {
		name  string
		base  *Key
		param *ck.HKDFParams
		err   error
	}{
		{"generic secret", secretKey(ck.CKK_GENERIC_SECRET, ikm), extractSalt, nil},
		{"CKK_HKDF key", secretKey(ck.CKK_HKDF, ikm), extractSalt, nil},
		{"data object, salt data", dataObj, extractSalt, nil},
		{"data object, salt key", dataObj, saltKey, nil},
		{"data object, no salt", dataObj, &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL, Info: info}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"data object, expand only", dataObj, &ck.HKDFParams{Expand: true, PRF: ck.CKM_SHA256, Info: info}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"empty data object", &Key{Class: ck.CKO_DATA, Attrs: map[ck.AttributeType][]byte{}}, extractSalt, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"AES key", secretKey(ck.CKK_AES, ikm), extractSalt, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"HMAC key", secretKey(ck.CKK_SHA256_HMAC, ikm), extractSalt, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"EC private key", ecPriv, extractSalt, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"certificate", &Key{Class: ck.CKO_CERTIFICATE, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: ikm}}, extractSalt, ck.CKR_KEY_TYPE_INCONSISTENT},
	} {
		for _, mt := range []ck.MechanismType{ck.CKM_HKDF_DERIVE, ck.CKM_HKDF_DATA} {
			attrs, err := m2d(t, mt).DeriveKey(tc.base, tc.param, ck.Template{valueLen(32)})
			if err != tc.err {
				t.Errorf("%v from %s: %v, want %v", mt, tc.name, err, tc.err)
				continue
			}
			if err == nil && !bytes.Equal(attrs[ck.CKA_VALUE], want) {
				t.Errorf("%v from %s: value %x, want %x", mt, tc.name, attrs[ck.CKA_VALUE], want)
			}
		}
	}
	for _, mt := range []ck.MechanismType{ck.CKM_HKDF_DERIVE, ck.CKM_HKDF_DATA} {
		if d, ok := mustLookup(t, mt).(DataBaseDeriver); !ok || !d.DerivesFromData() {
			t.Errorf("%v does not say it takes a data object", mt)
		}
	}
	// Only HKDF says so: the other derivations keep to keys.
	for _, mt := range Types() {
		m, _ := Lookup(mt)
		if d, ok := m.(DataBaseDeriver); ok && d.DerivesFromData() && mt != ck.CKM_HKDF_DERIVE && mt != ck.CKM_HKDF_DATA {
			t.Errorf("%v takes a data object as its base", mt)
		}
	}
}

// TestHKDFSaltIgnoredWithoutExtract: "The salt should be ignored if bExtract
// is false": expand-only HKDF gives the same key whatever the salt fields
// say; when extracting, a salt type without a salt, or an unknown salt type,
// is CKR_MECHANISM_PARAM_INVALID.
func TestHKDFSaltIgnoredWithoutExtract(t *testing.T) {
	prk := []byte("a pseudorandom key of 32 bytes!!")
	info := []byte("info")
	want, err := hkdf.Expand(sha256.New, prk, string(info), 40)
	if err != nil {
		t.Fatal(err)
	}
	base := secretKey(ck.CKK_GENERIC_SECRET, prk)
	for _, mt := range []ck.MechanismType{ck.CKM_HKDF_DERIVE, ck.CKM_HKDF_DATA} {
		for _, tc := range []struct {
			name     string
			extract  bool
			saltType ck.Flags
			salt     []byte
			err      error
		}{
			{"expand, salt data without salt", false, ck.CKF_HKDF_SALT_DATA, nil, nil},
			{"expand, salt key not resolved", false, ck.CKF_HKDF_SALT_KEY, nil, nil},
			{"expand, salt data", false, ck.CKF_HKDF_SALT_DATA, []byte("ignored"), nil},
			{"expand, unknown salt type", false, 0x80, nil, nil},
			{"extract, salt data without salt", true, ck.CKF_HKDF_SALT_DATA, nil, ck.CKR_MECHANISM_PARAM_INVALID},
			{"extract, unknown salt type", true, 0x80, []byte("s"), ck.CKR_MECHANISM_PARAM_INVALID},
		} {
			p := &ck.HKDFParams{Extract: tc.extract, Expand: true, PRF: ck.CKM_SHA256, SaltType: tc.saltType, Salt: tc.salt, Info: info}
			attrs, err := m2d(t, mt).DeriveKey(base, p, ck.Template{valueLen(40)})
			if err != tc.err {
				t.Errorf("%v %s: %v, want %v", mt, tc.name, err, tc.err)
				continue
			}
			if err == nil && !bytes.Equal(attrs[ck.CKA_VALUE], want) {
				t.Errorf("%v %s: not HKDF-Expand of the key", mt, tc.name)
			}
		}
	}
}
