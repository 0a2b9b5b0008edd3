package interop

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestPublicKeyInfoInterop: CKA_PUBLIC_KEY_INFO of every key type openssl
// knows, generated in the token or made by openssl and imported, is the
// SubjectPublicKeyInfo of CKA_MODULUS/CKA_EC_POINT (keys_test.go:
// exportSPKI), the private key's too (readable although sensitive), and
// `openssl pkey -pubin -inform DER` reads it back unchanged. A private key
// created with another key's SPKI is CKR_ATTRIBUTE_VALUE_INVALID, with its
// own it is taken.
func TestPublicKeyInfoInterop(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := newEnv(t)
	algs := append([]alg{rsaAlg(2048)}, ecCurves...)
	algs = append(algs, algEd25519, algEd448, algX25519, algX448)
	var last []byte // the previous key's SPKI: another key's
	for _, a := range algs {
		t.Run(a.name, func(t *testing.T) {
			for _, k := range []*keyPair{e.tokenKey(t, a), e.opensslKey(t, a)} {
				t.Run(k.origin, func(t *testing.T) {
					got := e.attrs(t, k.pub, pkcs11.CKA_PUBLIC_KEY_INFO)[0]
					if !bytes.Equal(got, k.spki) {
						t.Fatalf("public key's CKA_PUBLIC_KEY_INFO %x, want %x", got, k.spki)
					}
					if priv := e.attrs(t, k.priv, pkcs11.CKA_PUBLIC_KEY_INFO)[0]; !bytes.Equal(priv, k.spki) {
						t.Fatalf("private key's CKA_PUBLIC_KEY_INFO %x, want %x", priv, k.spki)
					}
					found := e.find(t, attr(pkcs11.CKA_PUBLIC_KEY_INFO, got))
					if len(found) != 2 || !(found[0] == k.pub && found[1] == k.priv || found[0] == k.priv && found[1] == k.pub) {
						t.Fatalf("C_FindObjects by CKA_PUBLIC_KEY_INFO found %v, want %v and %v", found, k.pub, k.priv)
					}
					f := e.file(t, "spki.der", got)
					if back := openssl(t, nil, "pkey", "-pubin", "-inform", "DER", "-in", f, "-outform", "DER"); !bytes.Equal(back, got) {
						t.Fatalf("openssl pkey reads CKA_PUBLIC_KEY_INFO as %x", back)
					}
					if text := string(openssl(t, nil, "pkey", "-pubin", "-inform", "DER", "-in", f, "-noout", "-text")); !strings.Contains(text, "ublic") {
						t.Fatalf("openssl pkey -text: %q", text)
					}
				})
			}
			k := e.opensslKey(t, a)
			_, use := usage(a.kind)
			tmpl := append([]*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), attr(pkcs11.CKA_KEY_TYPE, keyType(a.kind)),
				attr(pkcs11.CKA_TOKEN, false)}, use...)
			tmpl = append(tmpl, parsePKCS8(t, a, readFile(t, k.privPEM))...)
			_, err := e.p.CreateObject(e.s, append(tmpl, attr(pkcs11.CKA_PUBLIC_KEY_INFO, k.spki)))
			hsmtest.Must(t, err, "C_CreateObject with the key's own CKA_PUBLIC_KEY_INFO")
			if last != nil {
				_, err = e.p.CreateObject(e.s, append(tmpl, attr(pkcs11.CKA_PUBLIC_KEY_INFO, last)))
				hsmtest.WantRV(t, err, "C_CreateObject with another key's CKA_PUBLIC_KEY_INFO", pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)
			}
			last = k.spki
		})
	}
}

// find runs a whole C_FindObjects search.
func (e *env) find(t testing.TB, tmpl ...*pkcs11.Attribute) []pkcs11.ObjectHandle {
	t.Helper()
	hsmtest.Must(t, e.p.FindObjectsInit(e.s, tmpl), "C_FindObjectsInit")
	defer e.p.FindObjectsFinal(e.s)
	got, _, err := e.p.FindObjects(e.s, 100)
	hsmtest.Must(t, err, "C_FindObjects")
	return got
}

// TestPublicKeyInfoPQC: ML-DSA, ML-KEM and SLH-DSA keys carry the SPKI of
// the NIST CSOR OIDs with CKA_VALUE as the key; openssl reads it back when
// it knows the algorithm (3.5 and later; Debian 12's 3.0 does not).
func TestPublicKeyInfoPQC(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := newEnv(t)
	nist := func(arc, n int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, arc, n} }
	cases := []struct {
		name string
		mech ck.MechanismType
		ps   uint
		oid  asn1.ObjectIdentifier
	}{
		{"ML-DSA-44", ck.CKM_ML_DSA_KEY_PAIR_GEN, uint(ck.CKP_ML_DSA_44), nist(3, 17)},
		{"ML-DSA-65", ck.CKM_ML_DSA_KEY_PAIR_GEN, uint(ck.CKP_ML_DSA_65), nist(3, 18)},
		{"ML-DSA-87", ck.CKM_ML_DSA_KEY_PAIR_GEN, uint(ck.CKP_ML_DSA_87), nist(3, 19)},
		{"ML-KEM-512", ck.CKM_ML_KEM_KEY_PAIR_GEN, uint(ck.CKP_ML_KEM_512), nist(4, 1)},
		{"ML-KEM-768", ck.CKM_ML_KEM_KEY_PAIR_GEN, uint(ck.CKP_ML_KEM_768), nist(4, 2)},
		{"ML-KEM-1024", ck.CKM_ML_KEM_KEY_PAIR_GEN, uint(ck.CKP_ML_KEM_1024), nist(4, 3)},
		{"SLH-DSA-SHA2-128f", ck.CKM_SLH_DSA_KEY_PAIR_GEN, uint(ck.CKP_SLH_DSA_SHA2_128F), nist(3, 21)},
		{"SLH-DSA-SHAKE-128f", ck.CKM_SLH_DSA_KEY_PAIR_GEN, uint(ck.CKP_SLH_DSA_SHAKE_128F), nist(3, 27)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pub, priv, err := e.p.GenerateKeyPair(e.s, mech(uint(c.mech), nil),
				[]*pkcs11.Attribute{attr(pkcs11.CKA_TOKEN, false), attr(uint(ck.CKA_PARAMETER_SET), c.ps)},
				[]*pkcs11.Attribute{attr(pkcs11.CKA_TOKEN, false), attr(pkcs11.CKA_SENSITIVE, true)})
			hsmtest.Must(t, err, "C_GenerateKeyPair")
			got := e.attrs(t, pub, pkcs11.CKA_PUBLIC_KEY_INFO, pkcs11.CKA_VALUE)
			want := mustDER(t, spkiDER{Alg: pkix.AlgorithmIdentifier{Algorithm: c.oid}, Key: asn1.BitString{Bytes: got[1], BitLength: 8 * len(got[1])}})
			if !bytes.Equal(got[0], want) {
				t.Fatalf("CKA_PUBLIC_KEY_INFO %x, want %x", got[0], want)
			}
			if p := e.attrs(t, priv, pkcs11.CKA_PUBLIC_KEY_INFO)[0]; !bytes.Equal(p, want) {
				t.Fatal("the private key's CKA_PUBLIC_KEY_INFO differs from the public key's")
			}
			f := e.file(t, "spki.der", got[0])
			back, err := opensslErr(t, nil, "pkey", "-pubin", "-inform", "DER", "-in", f, "-outform", "DER")
			switch {
			case err != nil:
				t.Logf("openssl does not read %s public keys (%v); checked against the OID table only", c.name, strings.TrimSpace(err.Error()))
			case !bytes.Equal(back, got[0]):
				t.Fatalf("openssl reads CKA_PUBLIC_KEY_INFO as %x", back)
			}
		})
	}
}

// TestRSAExponentRange: an openssl RSA key with e = 2^32+1, which Go's
// crypto/rsa cannot use, is refused at C_CreateObject (public and private
// key) with CKR_ATTRIBUTE_VALUE_INVALID, as are e = 1 and an even e.
func TestRSAExponentRange(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := newEnv(t)
	der := pemBytes(t, openssl(t, nil, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024",
		"-pkeyopt", "rsa_keygen_pubexp:4294967297"), "PRIVATE KEY")
	var p8 pkcs8DER
	var rsaKey struct {
		Version                   int
		N, E, D, P, Q, Dp, Dq, Qi *big.Int
	}
	if _, err := asn1.Unmarshal(der, &p8); err != nil {
		t.Fatal(err)
	}
	if _, err := asn1.Unmarshal(p8.Key, &rsaKey); err != nil {
		t.Fatal(err)
	}
	if rsaKey.E.Uint64() != 1<<32+1 {
		t.Fatalf("openssl made e = %v", rsaKey.E)
	}
	for _, ex := range [][]byte{rsaKey.E.Bytes(), {1}, {1, 0, 0}} {
		_, err := e.p.CreateObject(e.s, []*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
			attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA), attr(pkcs11.CKA_TOKEN, false),
			attr(pkcs11.CKA_MODULUS, rsaKey.N.Bytes()), attr(pkcs11.CKA_PUBLIC_EXPONENT, ex)})
		hsmtest.WantRV(t, err, "public key with e = "+new(big.Int).SetBytes(ex).String(), pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)
		_, err = e.p.CreateObject(e.s, []*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
			attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA), attr(pkcs11.CKA_TOKEN, false),
			attr(pkcs11.CKA_MODULUS, rsaKey.N.Bytes()), attr(pkcs11.CKA_PUBLIC_EXPONENT, ex),
			attr(pkcs11.CKA_PRIVATE_EXPONENT, rsaKey.D.Bytes())})
		hsmtest.WantRV(t, err, "private key with e = "+new(big.Int).SetBytes(ex).String(), pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)
	}
}
