package mechanisms

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// Wycheproof's RSA files: PKCS #1 v1.5 signature verification and
// generation, PSS verification, OAEP and PKCS #1 v1.5 decryption.

// wycheproofRSAHash is rsaHashes by Wycheproof's name ("SHA-256",
// "SHA3-256"); a hash it lacks fails the test.
func wycheproofRSAHash(t *testing.T, name string) rsaHash {
	h, ok := rsaHashes[strings.ToLower(strings.Replace(name, "SHA-", "SHA", 1))]
	if !ok {
		t.Fatalf("hash %q", name)
	}
	return h
}

// wpRSAKey is Wycheproof's RSA key as components (the CRT values are
// recomputed by gohsm from the primes).
type wpRSAKey struct {
	Modulus, PublicExponent, PrivateExponent, Prime1, Prime2 wpHex
	OtherPrimeInfos                                          json.RawMessage
}

func (k wpRSAKey) public() *Key {
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_RSA, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_MODULUS: k.Modulus, ck.CKA_PUBLIC_EXPONENT: k.PublicExponent}}
}

// private gives the primes when the file has them: without, gohsm recovers
// them from n, e and d. A key of more than two primes is given as n, e and d
// only, since PKCS#11's CKA_PRIME_1 and CKA_PRIME_2 are n's two factors.
func (k wpRSAKey) private() *Key {
	attrs := map[ck.AttributeType][]byte{
		ck.CKA_MODULUS: k.Modulus, ck.CKA_PUBLIC_EXPONENT: k.PublicExponent, ck.CKA_PRIVATE_EXPONENT: k.PrivateExponent}
	if len(k.Prime1) > 0 && len(k.OtherPrimeInfos) == 0 {
		attrs[ck.CKA_PRIME_1], attrs[ck.CKA_PRIME_2] = k.Prime1, k.Prime2
	}
	return &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_RSA, Attrs: attrs}
}

func wpDecrypt(mech ck.MechanismType, key *Key, param any, ct, want []byte) error {
	m, _ := Lookup(mech)
	d, err := m.(Decrypter).DecryptInit(key, param)
	if err != nil {
		return err
	}
	got, err := d.Do(ct)
	if err == nil && !bytes.Equal(got, want) {
		return errMismatch
	}
	return err
}

func TestWycheproofRSAPKCS1Verify(t *testing.T) {
	type group struct {
		PublicKey wpRSAKey
		SHA       string
		Tests     []struct {
			wpTest
			Msg, Sig wpHex
		}
	}
	for _, file := range []string{
		"rsa_signature_2048_sha224", "rsa_signature_2048_sha256", "rsa_signature_2048_sha512", "rsa_signature_2048_sha3_256",
		"rsa_signature_3072_sha384", "rsa_signature_4096_sha512",
	} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[group](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(5).allowing(ck.CKR_SIGNATURE_INVALID, ck.CKR_SIGNATURE_LEN_RANGE)
			for _, g := range groups {
				h := wycheproofRSAHash(t, g.SHA)
				pub := g.PublicKey.public()
				for _, tc := range g.Tests {
					r.check(tc.wpTest, func() error { return wpVerify(h.pkcs1, pub, nil, tc.Msg, tc.Sig) })
				}
			}
			r.done()
		})
	}
}

// TestWycheproofRSAPKCS1Sign: PKCS #1 v1.5 signatures are deterministic, so
// ours must equal the vector's, and verify.
func TestWycheproofRSAPKCS1Sign(t *testing.T) {
	type group struct {
		PrivateKey wpRSAKey
		SHA        string
		Tests      []struct {
			wpTest
			Msg, Sig wpHex
		}
	}
	for _, file := range []string{
		"rsa_pkcs1_1024_sig_gen", "rsa_pkcs1_1536_sig_gen", "rsa_pkcs1_2048_sig_gen", "rsa_pkcs1_3072_sig_gen", "rsa_pkcs1_4096_sig_gen",
	} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[group](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(5)
			for _, g := range groups {
				h := wycheproofRSAHash(t, g.SHA)
				priv, pub := g.PrivateKey.private(), g.PrivateKey.public()
				m := mustLookup(t, h.pkcs1).(Signer)
				for _, tc := range g.Tests {
					r.check(tc.wpTest, func() error {
						s, err := m.SignInit(priv, nil)
						if err != nil {
							return err
						}
						sig, err := s.Sign(tc.Msg)
						if err != nil {
							return err
						}
						if !bytes.Equal(sig, tc.Sig) {
							return errMismatch
						}
						return wpVerify(h.pkcs1, pub, nil, tc.Msg, sig)
					})
				}
			}
			r.done()
		})
	}
}

// TestWycheproofRSAPSS verifies through CKM_SHA*_RSA_PKCS_PSS and through
// CKM_RSA_PKCS_PSS over the hash, with the group's hash, MGF1 hash and salt
// length as CK_RSA_PKCS_PSS_PARAMS; the two must agree.
func TestWycheproofRSAPSS(t *testing.T) {
	type group struct {
		PublicKey        wpRSAKey
		SHA, MGF, MGFSHA string
		SLen             int
		Tests            []struct {
			wpTest
			Msg, Sig wpHex
		}
	}
	for _, file := range []string{
		"rsa_pss_2048_sha1_mgf1_20", "rsa_pss_2048_sha256_mgf1_0", "rsa_pss_2048_sha256_mgf1_32", "rsa_pss_2048_sha256_mgf1sha1_20",
		"rsa_pss_2048_sha384_mgf1_48", "rsa_pss_3072_sha256_mgf1_32", "rsa_pss_misc",
	} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[group](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(5).allowing(ck.CKR_SIGNATURE_INVALID, ck.CKR_SIGNATURE_LEN_RANGE)
			for _, g := range groups {
				h, mgf := wycheproofRSAHash(t, g.SHA), wycheproofRSAHash(t, g.MGFSHA)
				if g.MGF != "MGF1" {
					t.Fatalf("MGF %q", g.MGF)
				}
				pub := g.PublicKey.public()
				p := &ck.PSSParams{Hash: h.digest, MGF: mgf.mgf, SaltLength: ck.ULong(g.SLen)}
				for _, tc := range g.Tests {
					r.check(tc.wpTest, func() error {
						err := wpVerify(h.pss, pub, p, tc.Msg, tc.Sig)
						hh := digestHashes[h.digest].New()
						hh.Write(tc.Msg)
						if err2 := wpVerify(ck.CKM_RSA_PKCS_PSS, pub, p, hh.Sum(nil), tc.Sig); err2 != err {
							t.Errorf("%s tcId %d: %v says %v, CKM_RSA_PKCS_PSS %v", file, tc.TcID, h.pss, err, err2)
						}
						return err
					})
				}
			}
			r.done()
		})
	}
}

// wpDecryptGroup is an OAEP or PKCS #1 v1.5 decryption group.
type wpDecryptGroup struct {
	PrivateKey  wpRSAKey
	SHA, MGFSHA string
	Tests       []struct {
		wpTest
		Msg, CT, Label wpHex
	}
}

// wpPaddingError: a decryption refused for its padding (not its length)
// must be CKR_ENCRYPTED_DATA_INVALID, the same for every padding fault, so
// that the code tells an attacker nothing more.
func wpPaddingError(t *testing.T, file string, tc wpTest, err error, flags ...string) {
	for _, f := range flags {
		if tc.hasFlag(f) && err != ck.CKR_ENCRYPTED_DATA_INVALID {
			t.Errorf("%s tcId %d (%s): %v, want CKR_ENCRYPTED_DATA_INVALID", file, tc.TcID, f, err)
		}
	}
}

func TestWycheproofRSAOAEP(t *testing.T) {
	for _, file := range []string{
		"rsa_oaep_2048_sha1_mgf1sha1", "rsa_oaep_2048_sha224_mgf1sha1", "rsa_oaep_2048_sha224_mgf1sha224",
		"rsa_oaep_2048_sha256_mgf1sha1", "rsa_oaep_2048_sha256_mgf1sha256", "rsa_oaep_2048_sha384_mgf1sha1",
		"rsa_oaep_2048_sha384_mgf1sha384", "rsa_oaep_2048_sha512_mgf1sha1", "rsa_oaep_2048_sha512_mgf1sha512",
		"rsa_oaep_3072_sha256_mgf1sha256", "rsa_oaep_4096_sha512_mgf1sha512", "rsa_three_primes_oaep_2048_sha1_mgf1sha1",
	} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[wpDecryptGroup](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(5).allowing(ck.CKR_ENCRYPTED_DATA_INVALID, ck.CKR_ENCRYPTED_DATA_LEN_RANGE)
			for _, g := range groups {
				h, mgf := wycheproofRSAHash(t, g.SHA), wycheproofRSAHash(t, g.MGFSHA)
				priv := g.PrivateKey.private()
				for _, tc := range g.Tests {
					r.check(tc.wpTest, func() error {
						p := &ck.OAEPParams{Hash: h.digest, MGF: mgf.mgf, Source: ck.CKZ_DATA_SPECIFIED, SourceData: tc.Label}
						err := wpDecrypt(ck.CKM_RSA_PKCS_OAEP, priv, p, tc.CT, tc.Msg)
						wpPaddingError(t, file, tc.wpTest, err, "InvalidOaepPadding")
						return err
					})
				}
			}
			r.done()
		})
	}
}

func TestWycheproofRSAPKCS1Decrypt(t *testing.T) {
	for _, file := range []string{"rsa_pkcs1_2048", "rsa_pkcs1_3072"} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[wpDecryptGroup](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(5).allowing(ck.CKR_ENCRYPTED_DATA_INVALID, ck.CKR_ENCRYPTED_DATA_LEN_RANGE)
			for _, g := range groups {
				priv := g.PrivateKey.private()
				for _, tc := range g.Tests {
					r.check(tc.wpTest, func() error {
						err := wpDecrypt(ck.CKM_RSA_PKCS, priv, nil, tc.CT, tc.Msg)
						wpPaddingError(t, file, tc.wpTest, err, "InvalidPkcs1Padding")
						return err
					})
				}
			}
			r.done()
		})
	}
}
