package mechanisms

import (
	"bytes"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// Wycheproof's elliptic-curve files: ECDSA verification (IEEE P1363 r||s,
// PKCS#11's signature format), ECDH with raw points (what
// CKM_ECDH1_DERIVE's pPublicData takes), X25519, X448, Ed25519 and Ed448.

// wpECDSAGroup is a group of the ecdsa_* files.
type wpECDSAGroup struct {
	PublicKey struct {
		Curve        string
		Uncompressed wpHex
	}
	SHA   string
	Tests []struct {
		wpTest
		Msg, Sig wpHex
	}
}

func (g wpECDSAGroup) public(t *testing.T) *Key {
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_EC_PARAMS: derPrintable(t, g.PublicKey.Curve), ck.CKA_EC_POINT: encodeECPoint(g.PublicKey.Uncompressed)}}
}

// wpSlowCurve: scalar multiplication is slow on P-384 and P-521, so their
// vectors run one way only.
func wpSlowCurve(curve string) bool { return curve == "secp384r1" || curve == "secp521r1" }

// TestWycheproofECDSA verifies through CKM_ECDSA_SHA* and, where scalar
// multiplication is cheap (not P-384, P-521), also in pieces and through
// CKM_ECDSA over the hash; all must agree.
func TestWycheproofECDSA(t *testing.T) {
	for _, file := range []string{
		"ecdsa_secp224r1_sha224_p1363", "ecdsa_secp224r1_sha256_p1363", "ecdsa_secp224r1_sha512_p1363",
		"ecdsa_secp256r1_sha256_p1363", "ecdsa_secp256r1_sha512_p1363",
		"ecdsa_secp384r1_sha384_p1363", "ecdsa_secp384r1_sha512_p1363",
		"ecdsa_secp521r1_sha512_p1363",
		"ecdsa_secp256k1_sha256_p1363", "ecdsa_secp256k1_sha512_p1363",
	} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[wpECDSAGroup](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(20).allowing(ck.CKR_SIGNATURE_INVALID, ck.CKR_SIGNATURE_LEN_RANGE)
			raw := mustLookup(t, ck.CKM_ECDSA).(Verifier)
			for _, g := range groups {
				h, ok := hashByName[g.SHA]
				if !ok {
					t.Fatalf("hash %q", g.SHA)
				}
				pub := g.public(t)
				for _, tc := range g.Tests {
					r.check(tc.wpTest, func() error {
						if wpSlowCurve(g.PublicKey.Curve) {
							return wpVerifySingle(ecdsaHashMechs[h], pub, nil, tc.Msg, tc.Sig)
						}
						err := wpVerify(ecdsaHashMechs[h], pub, nil, tc.Msg, tc.Sig)
						v, err2 := raw.VerifyInit(pub, nil)
						if err2 == nil {
							err2 = v.Verify(hashOf(h, tc.Msg), tc.Sig)
						}
						if err != err2 {
							t.Errorf("%s tcId %d: CKM_ECDSA_%s says %v, CKM_ECDSA %v", file, tc.TcID, g.SHA, err, err2)
						}
						return err
					})
				}
			}
			r.done()
		})
	}
}

// TestWycheproofECDSASHA3: Wycheproof has CKM_ECDSA_SHA3_*'s hashes only in
// DER-signature files. A strict-DER signature whose r and s fit the curve
// size is turned into r||s and verified; the vectors about the DER encoding
// itself (BER forms, bad lengths, extra bytes ...) have no r||s form and are
// skipped. Every valid vector is strict DER, so none is skipped.
func TestWycheproofECDSASHA3(t *testing.T) {
	mechs := map[string]ck.MechanismType{"SHA3-224": ck.CKM_ECDSA_SHA3_224, "SHA3-256": ck.CKM_ECDSA_SHA3_256,
		"SHA3-384": ck.CKM_ECDSA_SHA3_384, "SHA3-512": ck.CKM_ECDSA_SHA3_512}
	for _, file := range []string{
		"ecdsa_secp224r1_sha3_224", "ecdsa_secp256r1_sha3_256", "ecdsa_secp384r1_sha3_384", "ecdsa_secp521r1_sha3_512",
	} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[wpECDSAGroup](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(20).allowing(ck.CKR_SIGNATURE_INVALID, ck.CKR_SIGNATURE_LEN_RANGE)
			for _, g := range groups {
				mech, ok := mechs[g.SHA]
				if !ok {
					t.Fatalf("hash %q", g.SHA)
				}
				size := (len(g.PublicKey.Uncompressed) - 1) / 2
				pub := g.public(t)
				for _, tc := range g.Tests {
					sig, ok := derToRS(tc.Sig, size)
					if !ok {
						if tc.Result == "valid" {
							t.Errorf("%s tcId %d: a valid signature is not strict DER", file, tc.TcID)
						}
						r.skip(tc.wpTest, "DER encoding (PKCS#11 signatures are r||s)")
						continue
					}
					r.check(tc.wpTest, func() error {
						if wpSlowCurve(g.PublicKey.Curve) {
							return wpVerifySingle(mech, pub, nil, tc.Msg, sig)
						}
						return wpVerify(mech, pub, nil, tc.Msg, sig)
					})
				}
			}
			r.done()
		})
	}
}

// derToRS turns a strict-DER ECDSA-Sig-Value into r||s of size-byte halves.
func derToRS(der []byte, size int) ([]byte, bool) {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) != 0 || rs.R.Sign() < 0 || rs.S.Sign() < 0 ||
		len(rs.R.Bytes()) > size || len(rs.S.Bytes()) > size {
		return nil, false
	}
	if again, err := asn1.Marshal(rs); err != nil || !bytes.Equal(again, der) {
		return nil, false
	}
	return append(rs.R.FillBytes(make([]byte, size)), rs.S.FillBytes(make([]byte, size))...), true
}

// wpDeriveZ derives with CKD_NULL and no truncation: the key is Z.
func wpDeriveZ(mech ck.MechanismType, base *Key, peer, want []byte) error {
	m, _ := Lookup(mech)
	attrs, err := m.(KeyDeriver).DeriveKey(base, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: peer}, nil)
	if err != nil {
		return err
	}
	if !bytes.Equal(attrs[ck.CKA_VALUE], want) {
		return errMismatch
	}
	return nil
}

type wpECDHGroup struct {
	Curve string
	Tests []struct {
		wpTest
		Public, Private, Shared wpHex
	}
}

func TestWycheproofECDH(t *testing.T) {
	for _, file := range []string{
		"ecdh_secp224r1_ecpoint", "ecdh_secp256r1_ecpoint", "ecdh_secp384r1_ecpoint", "ecdh_secp521r1_ecpoint", "ecdh_secp256k1",
	} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[wpECDHGroup](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(20).allowing(ck.CKR_MECHANISM_PARAM_INVALID)
			for _, g := range groups {
				params := derPrintable(t, g.Curve)
				for _, tc := range g.Tests {
					peer := []byte(tc.Public)
					if file == "ecdh_secp256k1" {
						// This file gives the peer as a SubjectPublicKeyInfo. PKCS#11
						// takes the point alone, on the private key's curve, so the
						// vectors about the SPKI's own encoding and explicit
						// parameters do not apply. A well-formed SPKI with a named
						// curve is run with its point (another curve's point must
						// be refused: it is not on secp256k1).
						var ok bool
						if peer, ok = spkiPoint(tc.Public); !ok {
							r.skip(tc.wpTest, "SPKI encoding or explicit parameters (PKCS#11 takes the point)")
							continue
						}
						if tc.TcID == 492 || tc.TcID == 493 {
							// The SPKI names another curve but its point was chosen
							// to be on secp256k1 too: given as a point, it is a good
							// secp256k1 key, and the other curve cannot be said.
							r.skip(tc.wpTest, "another curve's SPKI with a secp256k1 point")
							continue
						}
					}
					base := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{
						ck.CKA_EC_PARAMS: params, ck.CKA_VALUE: tc.Private}}
					r.check(tc.wpTest, func() error {
						err := wpDeriveZ(ck.CKM_ECDH1_DERIVE, base, peer, tc.Shared)
						// Cofactor ECDH is the same on these cofactor-1 curves;
						// checked where scalar multiplication is cheap.
						if !wpSlowCurve(g.Curve) {
							if err2 := wpDeriveZ(ck.CKM_ECDH1_COFACTOR_DERIVE, base, peer, tc.Shared); err2 != err {
								t.Errorf("%s tcId %d: ECDH1 %v, ECDH1_COFACTOR %v", file, tc.TcID, err, err2)
							}
						}
						return err
					})
				}
			}
			r.done()
		})
	}
}

// spkiPoint returns the point of a DER SubjectPublicKeyInfo whose algorithm
// is id-ecPublicKey with a named curve.
func spkiPoint(der []byte) ([]byte, bool) {
	var spki struct {
		Alg struct {
			Algorithm asn1.ObjectIdentifier
			Params    asn1.RawValue
		}
		Key asn1.BitString
	}
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil || len(rest) != 0 || spki.Key.BitLength%8 != 0 {
		return nil, false
	}
	idECPublicKey := asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	var curve asn1.ObjectIdentifier
	if !spki.Alg.Algorithm.Equal(idECPublicKey) {
		return nil, false
	}
	if rest, err := asn1.Unmarshal(spki.Alg.Params.FullBytes, &curve); err != nil || len(rest) != 0 {
		return nil, false
	}
	return spki.Key.Bytes, true
}

// TestWycheproofXDH: X25519 and X448 through CKM_ECDH1_DERIVE on
// CKK_EC_MONTGOMERY keys, the peer's u-coordinate as pPublicData.
func TestWycheproofXDH(t *testing.T) {
	for file, c := range map[string]*edCurve{"x25519": curveX25519, "x448": curveX448} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[wpECDHGroup](t, file)
			r := newWPRun(t, file, n).sampleUnderRace(4).allowing(ck.CKR_MECHANISM_PARAM_INVALID)
			for _, g := range groups {
				for _, tc := range g.Tests {
					base := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_MONTGOMERY, Attrs: map[ck.AttributeType][]byte{
						ck.CKA_EC_PARAMS: derOID(t, c.oid), ck.CKA_VALUE: tc.Private}}
					r.check(tc.wpTest, func() error { return wpDeriveZ(ck.CKM_ECDH1_DERIVE, base, tc.Public, tc.Shared) })
				}
			}
			r.done()
		})
	}
}

// TestWycheproofEdDSA: pure Ed25519 and Ed448 (CKM_EDDSA without a parameter).
func TestWycheproofEdDSA(t *testing.T) {
	type group struct {
		PublicKey struct{ PK wpHex }
		Tests     []struct {
			wpTest
			Msg, Sig wpHex
		}
	}
	for file, c := range map[string]*edCurve{"ed25519": curveEd25519, "ed448": curveEd448} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[group](t, file)
			r := newWPRun(t, file, n).allowing(ck.CKR_SIGNATURE_INVALID, ck.CKR_SIGNATURE_LEN_RANGE)
			for _, g := range groups {
				pub := &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: map[ck.AttributeType][]byte{
					ck.CKA_EC_PARAMS: derOID(t, c.oid), ck.CKA_EC_POINT: encodeECPoint(g.PublicKey.PK)}}
				for _, tc := range g.Tests {
					r.check(tc.wpTest, func() error { return wpVerifySingle(ck.CKM_EDDSA, pub, nil, tc.Msg, tc.Sig) })
				}
			}
			r.done()
		})
	}
}
