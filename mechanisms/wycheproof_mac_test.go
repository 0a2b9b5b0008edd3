package mechanisms

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// Wycheproof's MACs and KDFs: AES-CMAC, HMAC with SHA-1/2/3, HKDF, PBKDF2.

type wpMACGroup struct {
	KeySize, TagSize int
	Tests            []struct {
		wpTest
		Key, Msg, Tag wpHex
	}
}

// macVector signs and verifies a valid vector (the MAC must be the vector's)
// and verifies an invalid one, which must be refused. A tag shorter than the
// full MAC goes through the _GENERAL mechanism with that length.
func macVector(m [2]ck.MechanismType, fullLen int, key *Key, tagBits int, tc wpTest, msg, tag []byte) error {
	mech, param := m[0], any(nil)
	if tagBits != 8*fullLen {
		mech, param = m[1], macLenParam(tagBits/8)
	}
	mm, _ := Lookup(mech)
	if tc.Result == "valid" {
		s, err := mm.(Signer).SignInit(key, param)
		if err != nil {
			return err
		}
		got, err := s.Sign(msg)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, tag) {
			return errMismatch
		}
	}
	return wpVerify(mech, key, param, msg, tag)
}

func TestWycheproofCMAC(t *testing.T) {
	groups, n := wpGroups[wpMACGroup](t, "aes_cmac")
	r := newWPRun(t, "aes_cmac", n).allowing(ck.CKR_SIGNATURE_INVALID, ck.CKR_SIGNATURE_LEN_RANGE, ck.CKR_KEY_SIZE_RANGE)
	for _, g := range groups {
		for _, tc := range g.Tests {
			r.check(tc.wpTest, func() error {
				return macVector([2]ck.MechanismType{ck.CKM_AES_CMAC, ck.CKM_AES_CMAC_GENERAL}, 16, aesKey(tc.Key), g.TagSize, tc.wpTest, tc.Msg, tc.Tag)
			})
		}
	}
	r.done()
}

func TestWycheproofHMAC(t *testing.T) {
	for file, h := range map[string]string{
		"hmac_sha1": "sha1", "hmac_sha224": "sha224", "hmac_sha256": "sha256", "hmac_sha384": "sha384", "hmac_sha512": "sha512",
		"hmac_sha512_224": "sha512-224", "hmac_sha512_256": "sha512-256",
		"hmac_sha3_224": "sha3-224", "hmac_sha3_256": "sha3-256", "hmac_sha3_384": "sha3-384", "hmac_sha3_512": "sha3-512",
	} {
		t.Run(file, func(t *testing.T) {
			mechs := hmacByName[h]
			s, err := mustLookup(t, mechs[0]).(Signer).SignInit(secretKey(ck.CKK_GENERIC_SECRET, []byte("k")), nil)
			if err != nil {
				t.Fatal(err)
			}
			full := s.SignatureLen()
			groups, n := wpGroups[wpMACGroup](t, file)
			r := newWPRun(t, file, n).allowing(ck.CKR_SIGNATURE_INVALID, ck.CKR_SIGNATURE_LEN_RANGE)
			for _, g := range groups {
				for _, tc := range g.Tests {
					r.check(tc.wpTest, func() error {
						return macVector(mechs, full, secretKey(ck.CKK_GENERIC_SECRET, tc.Key), g.TagSize, tc.wpTest, tc.Msg, tc.Tag)
					})
				}
			}
			r.done()
		})
	}
}

// wpHKDFTest is a test of Wycheproof's hkdf_* files.
type wpHKDFTest struct {
	wpTest
	IKM, Salt, Info, OKM wpHex
	Size                 int
}

// eachWPHKDF runs f on every test of the hkdf_* files with the test's
// extract-and-expand parameters; an empty salt is CKF_HKDF_SALT_NULL
// (RFC 5869: a string of zeros, the same thing).
func eachWPHKDF(t *testing.T, f func(t *testing.T, r *wpRun, prf ck.MechanismType, tc wpHKDFTest, p *ck.HKDFParams)) {
	type group struct{ Tests []wpHKDFTest }
	for file, prf := range map[string]ck.MechanismType{
		"hkdf_sha1": ck.CKM_SHA_1, "hkdf_sha256": ck.CKM_SHA256, "hkdf_sha384": ck.CKM_SHA384, "hkdf_sha512": ck.CKM_SHA512,
	} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[group](t, file)
			r := newWPRun(t, file, n).allowing(ck.CKR_TEMPLATE_INCONSISTENT)
			for _, g := range groups {
				for _, tc := range g.Tests {
					p := &ck.HKDFParams{Extract: true, Expand: true, PRF: prf, SaltType: ck.CKF_HKDF_SALT_DATA, Salt: tc.Salt, Info: tc.Info}
					if len(tc.Salt) == 0 {
						p.SaltType = ck.CKF_HKDF_SALT_NULL
					}
					f(t, r, prf, tc, p)
				}
			}
			r.done()
		})
	}
}

// TestWycheproofHKDF: extract-and-expand through CKM_HKDF_DERIVE, the output
// length being the derived key's CKA_VALUE_LEN; a valid vector also as
// extract-only then expand-only.
func TestWycheproofHKDF(t *testing.T) {
	m := mustLookup(t, ck.CKM_HKDF_DERIVE).(KeyDeriver)
	eachWPHKDF(t, func(t *testing.T, r *wpRun, prf ck.MechanismType, tc wpHKDFTest, p *ck.HKDFParams) {
		derive := func(n int) ([]byte, error) {
			attrs, err := m.DeriveKey(secretKey(ck.CKK_GENERIC_SECRET, tc.IKM), p, ck.Template{valueLen(n)})
			return attrs[ck.CKA_VALUE], err
		}
		if tc.Result == "valid" && tc.Size > maxGenericSecretLen {
			// The output is a key, and gohsm's secret keys are at most
			// 512 bytes (ulMaxKeySize). Check the refusal, and the
			// 512-byte prefix (HKDF's output is T(1)||T(2)||..., so
			// a shorter output is a prefix of a longer one).
			if _, err := derive(tc.Size); err != ck.CKR_TEMPLATE_INCONSISTENT {
				t.Errorf("tcId %d: %d-byte key: %v, want CKR_TEMPLATE_INCONSISTENT", tc.TcID, tc.Size, err)
			}
			if got, err := derive(maxGenericSecretLen); err != nil || !bytes.Equal(got, tc.OKM[:maxGenericSecretLen]) {
				t.Errorf("tcId %d: 512-byte prefix: %v", tc.TcID, err)
			}
			r.skip(tc.wpTest, "key above the 512-byte bound (refusal and prefix checked; TestWycheproofHKDFData runs it)")
			return
		}
		r.check(tc.wpTest, func() error {
			got, err := derive(tc.Size)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, tc.OKM) {
				return errMismatch
			}
			// The same in two derivations: extract only (the PRK, a
			// key as long as the hash), then expand only from it.
			ext, exp := *p, *p
			ext.Expand, exp.Extract = false, false
			prk, err := m.DeriveKey(secretKey(ck.CKK_GENERIC_SECRET, tc.IKM), &ext, ck.Template{valueLen(digestHashes[prf].Size())})
			if err != nil {
				return err
			}
			okm, err := m.DeriveKey(secretKey(ck.CKK_HKDF, prk[ck.CKA_VALUE]), &exp, ck.Template{valueLen(tc.Size)})
			if err == nil && !bytes.Equal(okm[ck.CKA_VALUE], tc.OKM) {
				return errMismatch
			}
			return err
		})
	})
}

// TestWycheproofHKDFData: the same vectors through CKM_HKDF_DATA, whose
// output is a data object of up to 255 hash lengths, so the longest outputs
// run too; a longer one is refused.
func TestWycheproofHKDFData(t *testing.T) {
	m := mustLookup(t, ck.CKM_HKDF_DATA).(KeyDeriver)
	eachWPHKDF(t, func(_ *testing.T, r *wpRun, _ ck.MechanismType, tc wpHKDFTest, p *ck.HKDFParams) {
		r.check(tc.wpTest, func() error {
			attrs, err := m.DeriveKey(secretKey(ck.CKK_GENERIC_SECRET, tc.IKM), p, ck.Template{valueLen(tc.Size)})
			if err == nil && !bytes.Equal(attrs[ck.CKA_VALUE], tc.OKM) {
				return errMismatch
			}
			return err
		})
	})
}

// TestWycheproofPBKDF2: CKM_PKCS5_PBKD2 as C_GenerateKey of a generic secret
// of dkLen bytes.
func TestWycheproofPBKDF2(t *testing.T) {
	type group struct {
		Tests []struct {
			wpTest
			Password, Salt, DK    wpHex
			IterationCount, DKLen int
		}
	}
	g := mustLookup(t, ck.CKM_PKCS5_PBKD2).(KeyGeneratorWithParam)
	for file, prf := range map[string]ck.PBKDF2PRF{
		"pbkdf2_hmacsha1": ck.CKP_PKCS5_PBKD2_HMAC_SHA1, "pbkdf2_hmacsha224": ck.CKP_PKCS5_PBKD2_HMAC_SHA224,
		"pbkdf2_hmacsha256": ck.CKP_PKCS5_PBKD2_HMAC_SHA256, "pbkdf2_hmacsha384": ck.CKP_PKCS5_PBKD2_HMAC_SHA384,
		"pbkdf2_hmacsha512": ck.CKP_PKCS5_PBKD2_HMAC_SHA512,
	} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[group](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(4)
			for _, gr := range groups {
				for _, tc := range gr.Tests {
					p := &ck.PBKDF2Params{SaltSource: ck.CKZ_SALT_SPECIFIED, Salt: tc.Salt, Iterations: ck.ULong(tc.IterationCount), PRF: prf, Password: tc.Password}
					tmpl := ck.Template{valueLen(tc.DKLen)}
					if tc.IterationCount > pbkdf2MaxIterations {
						// gohsm bounds the work one C_GenerateKey may ask for
						// (RFC 6070's 2^24 iterations would also take seconds):
						// check the refusal instead of the output.
						if _, err := g.GenerateKeyWithParam(p, tmpl); !errors.Is(err, ck.CKR_MECHANISM_PARAM_INVALID) {
							t.Errorf("tcId %d: %d iterations: %v, want CKR_MECHANISM_PARAM_INVALID", tc.TcID, tc.IterationCount, err)
						}
						r.skip(tc.wpTest, "iterations above gohsm's bound (refusal checked)")
						continue
					}
					r.check(tc.wpTest, func() error {
						attrs, err := g.GenerateKeyWithParam(p, tmpl)
						if err == nil && !bytes.Equal(attrs[ck.CKA_VALUE], tc.DK) {
							return errMismatch
						}
						return err
					})
				}
			}
			r.done()
		})
	}
}
