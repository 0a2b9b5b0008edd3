package interop

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestKeyImportExportInterop, for RSA, each Weierstrass curve, Ed25519,
// Ed448, X25519 and X448:
//   - openssl's private key imported with C_CreateObject works (its
//     signature or secret is checked by openssl against openssl's public
//     key), and the token's CKA_MODULUS/CKA_EC_POINT of the imported public
//     key give back openssl's SubjectPublicKeyInfo;
//   - the PEM public key built from a token-generated key's attributes is
//     one openssl reads and re-encodes unchanged; openssl's compressed EC
//     public keys import and verify;
//   - openssl's PKCS #8, wrapped with `openssl enc -id-aes256-wrap-pad`,
//     unwraps with C_UnwrapKey(CKM_AES_KEY_WRAP_KWP) into a working key, and
//     so does an RSA-AES blob openssl builds (CKM_RSA_AES_KEY_WRAP);
//   - C_WrapKey of an extractable token key with CKM_AES_KEY_WRAP_KWP and
//     with CKM_RSA_AES_KEY_WRAP gives PKCS #8 that openssl parses to the same
//     key (same public key, and its signatures verify in the token);
//   - openssl's three-prime RSA keys unwrap, work and wrap back.
func TestKeyImportExportInterop(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := newEnv(t)
	kek := make([]byte, 32)
	rand.Read(kek)
	kekH := e.secretKey(t, pkcs11.CKK_AES, kek)
	rsaWrap := e.tokenKey(t, rsaAlg(2048))
	algs := append([]alg{rsaAlg(2048)}, ecCurves...)
	for _, a := range append(algs, algEd25519, algEd448, algX25519, algX448) {
		t.Run(a.name, func(t *testing.T) {
			e := e.sub(t)
			imported := e.opensslKey(t, a)
			e.checkWorks(t, "C_CreateObject", imported.priv, imported)

			if a.kind == kEC { // a compressed public key, as openssl writes it on request
				comp := openssl(t, nil, "pkey", "-in", imported.privPEM, "-pubout", "-outform", "DER", "-ec_conv_form", "compressed")
				pub := e.importPublic(t, a, comp)
				if got := e.exportSPKI(t, a, pub); !bytes.Equal(got, comp) {
					t.Error("a compressed CKA_EC_POINT does not give back openssl's compressed public key")
				}
				msg := []byte("verified with a compressed public key")
				sig := e.sign(t, mech(pkcs11.CKM_ECDSA_SHA256, nil), imported.priv, msg)
				hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_ECDSA_SHA256, nil), pub, msg, sig), "C_Verify with a compressed CKA_EC_POINT")
				hsmtest.WantRV(t, e.verify(t, mech(pkcs11.CKM_ECDSA_SHA256, nil), pub, msg, flip(sig, 1)), "C_Verify of a changed signature", pkcs11.CKR_SIGNATURE_INVALID)
			}

			mine := e.tokenKey(t, a)
			if got := openssl(t, nil, "pkey", "-pubin", "-in", mine.pubPEM, "-outform", "DER"); !bytes.Equal(got, mine.spki) {
				t.Error("openssl re-encodes the token's public key differently")
			}

			// openssl's PKCS #8 in, through an RFC 5649 wrapping.
			// (genpkey's PEM is PKCS #8; `openssl pkey -outform DER` would write
			// the traditional PKCS #1 / SEC 1 forms.)
			pkcs8 := pemBytes(t, readFile(t, imported.privPEM), "PRIVATE KEY")
			blob := openssl(t, pkcs8, "enc", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(kek), "-iv", "A65959A6")
			_, use := usage(a.kind)
			h, err := e.p.UnwrapKey(e.s, mech(uint(ck.CKM_AES_KEY_WRAP_KWP), nil), kekH, blob, append([]*pkcs11.Attribute{
				attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), attr(pkcs11.CKA_KEY_TYPE, keyType(a.kind)), attr(pkcs11.CKA_TOKEN, false)}, use...))
			hsmtest.Must(t, err, "C_UnwrapKey(CKM_AES_KEY_WRAP_KWP) of openssl's PKCS #8")
			e.checkWorks(t, "C_UnwrapKey", h, imported)

			// The same PKCS #8 under CKM_RSA_AES_KEY_WRAP, the blob built by openssl.
			tmp := make([]byte, 32)
			rand.Read(tmp)
			oaep := []string{"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"}
			c1 := openssl(t, nil, append([]string{"pkeyutl", "-encrypt", "-pubin", "-inkey", rsaWrap.pubPEM, "-in", e.file(t, "tmp", tmp)}, oaep...)...)
			c2 := openssl(t, pkcs8, "enc", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(tmp), "-iv", "A65959A6")
			rsaAES := mech(uint(ck.CKM_RSA_AES_KEY_WRAP), &pkcs11.RSAAESKeyWrapParams{AESKeyBits: 256,
				OAEPParams: pkcs11.OAEPParams{HashAlg: pkcs11.CKM_SHA256, MGF: pkcs11.CKG_MGF1_SHA256}})
			h, err = e.p.UnwrapKey(e.s, rsaAES, rsaWrap.priv, append(c1, c2...), append([]*pkcs11.Attribute{
				attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), attr(pkcs11.CKA_KEY_TYPE, keyType(a.kind)), attr(pkcs11.CKA_TOKEN, false)}, use...))
			hsmtest.Must(t, err, "C_UnwrapKey(CKM_RSA_AES_KEY_WRAP) of openssl's PKCS #8")
			e.checkWorks(t, "C_UnwrapKey(CKM_RSA_AES_KEY_WRAP)", h, imported)

			// The token's key out, as PKCS #8, under KWP and under RSA-AES.
			wrapped, err := e.p.WrapKey(e.s, mech(uint(ck.CKM_AES_KEY_WRAP_KWP), nil), kekH, mine.priv)
			hsmtest.Must(t, err, "C_WrapKey(CKM_AES_KEY_WRAP_KWP) of a private key")
			der := openssl(t, wrapped, "enc", "-d", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(kek), "-iv", "A65959A6")
			e.checkExported(t, "CKM_AES_KEY_WRAP_KWP", der, mine)

			wrapped, err = e.p.WrapKey(e.s, rsaAES, rsaWrap.pub, mine.priv)
			hsmtest.Must(t, err, "C_WrapKey(CKM_RSA_AES_KEY_WRAP) of a private key")
			n := rsaWrap.modBytes()
			tmp = openssl(t, nil, append([]string{"pkeyutl", "-decrypt", "-inkey", rsaWrap.privPEM, "-in", e.file(t, "c1", wrapped[:n])}, oaep...)...)
			der = openssl(t, wrapped[n:], "enc", "-d", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(tmp), "-iv", "A65959A6")
			e.checkExported(t, "CKM_RSA_AES_KEY_WRAP", der, mine)
		})
	}
	t.Run("big-integers", func(t *testing.T) { e.sub(t).bigIntegerEncodings(t) })
	t.Run("three-prime-RSA", func(t *testing.T) { e.sub(t).multiPrimeRSA(t, kek, kekH) })
}

// multiPrimeRSA: openssl's three-prime RSA key (rsa_keygen_primes:3), as
// PKCS #8 under KWP, unwraps into a key that signs as openssl's, and wraps
// back into PKCS #8 that openssl checks and reads as the same key.
func (e *env) multiPrimeRSA(t *testing.T, kek []byte, kekH pkcs11.ObjectHandle) {
	a := rsaAlg(2048)
	a.genpkey = append(a.genpkey, "-pkeyopt", "rsa_keygen_primes:3")
	k := e.opensslPair(t, a, "openssl three primes")
	k.pub = e.importPublic(t, a, k.spki)
	blob := openssl(t, pemBytes(t, readFile(t, k.privPEM), "PRIVATE KEY"), "enc", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(kek), "-iv", "A65959A6")
	_, use := usage(kRSA)
	var err error
	k.priv, err = e.p.UnwrapKey(e.s, mech(uint(ck.CKM_AES_KEY_WRAP_KWP), nil), kekH, blob, append([]*pkcs11.Attribute{
		attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA), attr(pkcs11.CKA_TOKEN, false),
		attr(pkcs11.CKA_EXTRACTABLE, true)}, use...))
	hsmtest.Must(t, err, "C_UnwrapKey of openssl's three-prime PKCS #8")
	e.checkWorks(t, "a three-prime PKCS #8", k.priv, k)
	wrapped, err := e.p.WrapKey(e.s, mech(uint(ck.CKM_AES_KEY_WRAP_KWP), nil), kekH, k.priv)
	hsmtest.Must(t, err, "C_WrapKey of the three-prime key")
	der := openssl(t, wrapped, "enc", "-d", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(kek), "-iv", "A65959A6")
	e.checkExported(t, "three-prime key", der, k)
}

// bigIntegerEncodings: CKA_VALUE of an EC private key and the RSA private
// attributes are PKCS #11 big integers, so a client may strip leading zero
// bytes (an EC scalar shorter than the field) or keep them (d as long as
// the modulus). Either way the imported key must be the one openssl has.
// An RSA key with a wrong CRT value is refused or still signs correctly.
func (e *env) bigIntegerEncodings(t *testing.T) {
	for _, a := range ecCurves {
		d := make([]byte, a.size)
		rand.Read(d[2:]) // two leading zero bytes: below every order here
		der := mustDER(t, pkcs8DER{0, algID(t, a), mustDER(t, ecPrivateKeyDER{Version: 1, Key: d})})
		k := &keyPair{alg: a, origin: "short CKA_VALUE", privPEM: e.file(t, "priv.pem", pemBlock("PRIVATE KEY", der))}
		k.spki = openssl(t, nil, "pkey", "-in", k.privPEM, "-pubout", "-outform", "DER")
		k.pubPEM = e.file(t, "pub.pem", pemBlock("PUBLIC KEY", k.spki))
		_, use := usage(kEC)
		priv, err := e.p.CreateObject(e.s, append([]*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
			attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC), attr(pkcs11.CKA_TOKEN, false),
			attr(pkcs11.CKA_EC_PARAMS, mustDER(t, a.oid)), attr(pkcs11.CKA_VALUE, d[2:])}, use...))
		hsmtest.Must(t, err, a.name+": C_CreateObject with a CKA_VALUE two bytes short")
		e.checkWorks(t, "a short CKA_VALUE", priv, k)
	}

	k := e.opensslKey(t, rsaAlg(2048))
	attrs := parsePKCS8(t, k.alg, readFile(t, k.privPEM))
	for i, size := range []int{256, 3, 256, 128, 128, 128, 128, 128} { // n e d p q dp dq qinv
		v := attrs[i].Value
		attrs[i].Value = append(make([]byte, size+1-len(v)), v...) // at least one leading zero
	}
	_, use := usage(kRSA)
	priv, err := e.p.CreateObject(e.s, append(append([]*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA), attr(pkcs11.CKA_TOKEN, false)}, use...), attrs...))
	hsmtest.Must(t, err, "C_CreateObject of an RSA key with zero-padded big integers")
	e.checkWorks(t, "zero-padded RSA attributes", priv, k)

	// A wrong CRT value must never give a wrong signature (that would hand
	// out a factor of n): the token refuses the key or signs correctly.
	for i, name := range []string{"CKA_EXPONENT_1", "CKA_EXPONENT_2", "CKA_COEFFICIENT"} {
		attrs := parsePKCS8(t, k.alg, readFile(t, k.privPEM))
		v := new(big.Int).SetBytes(attrs[5+i].Value)
		attrs[5+i].Value = v.Add(v, big.NewInt(2)).Bytes()
		priv, err := e.p.CreateObject(e.s, append(append([]*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
			attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA), attr(pkcs11.CKA_TOKEN, false)}, use...), attrs...))
		if err != nil {
			hsmtest.WantRV(t, err, "C_CreateObject with a wrong "+name, pkcs11.CKR_ATTRIBUTE_VALUE_INVALID, pkcs11.CKR_TEMPLATE_INCONSISTENT)
			continue
		}
		e.checkWorks(t, "a wrong "+name, priv, k)
		msg := make([]byte, k.modBytes())
		rand.Read(msg[1:])
		sig := e.sign(t, mech(pkcs11.CKM_RSA_X_509, nil), priv, msg)
		hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_RSA_X_509, nil), k.pub, msg, sig), "raw signature with a wrong "+name)
	}
}

// checkWorks checks that the token's private key priv is the private half
// of k: openssl verifies its signature with k's public key, or (X25519/X448)
// its secret with a fresh openssl peer is the one openssl derives.
func (e *env) checkWorks(t *testing.T, what string, priv pkcs11.ObjectHandle, k *keyPair) {
	t.Helper()
	msg := []byte("signed by a key that came in through " + what)
	msgFile := e.file(t, "msg", msg)
	switch k.alg.kind {
	case kRSA:
		sig := e.sign(t, mech(pkcs11.CKM_SHA256_RSA_PKCS, nil), priv, msg, what)
		if !osslVerify(t, "dgst", "-sha256", "-verify", k.pubPEM, "-signature", e.file(t, "sig", sig), msgFile) {
			t.Errorf("%s %s: openssl rejects the key's signature", k, what)
		}
	case kEC:
		sig := e.sign(t, mech(pkcs11.CKM_ECDSA_SHA256, nil), priv, msg, what)
		if !osslVerify(t, "dgst", "-sha256", "-verify", k.pubPEM, "-signature", e.file(t, "sig", rsToDER(t, sig)), msgFile) {
			t.Errorf("%s %s: openssl rejects the key's signature", k, what)
		}
	case kEd:
		sig := e.sign(t, mech(uint(ck.CKM_EDDSA), nil), priv, msg, what)
		if !osslVerify(t, "pkeyutl", "-verify", "-pubin", "-inkey", k.pubPEM, "-rawin", "-in", msgFile, "-sigfile", e.file(t, "sig", sig)) {
			t.Errorf("%s %s: openssl rejects the key's signature", k, what)
		}
	case kX:
		peer, peerPub := e.opensslGenpkey(t, k.alg, "peer.pem")
		want := openssl(t, nil, "pkeyutl", "-derive", "-inkey", peer, "-peerkey", k.pubPEM)
		if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, priv, rawPublic(t, peerPub), uint(ck.CKD_NULL), nil, k.alg.size); !bytes.Equal(got, want) {
			t.Errorf("%s %s: the key derives another secret than openssl", k, what)
		}
	}
}

// checkExported checks that der, the PKCS #8 the token wrapped k.priv into,
// is k's private key to openssl: the public key openssl computes is k's, and
// openssl's signature with it verifies in the token (X25519/X448: openssl
// derives with it the secret the token derives).
func (e *env) checkExported(t *testing.T, what string, der []byte, k *keyPair) {
	t.Helper()
	derFile := e.file(t, "pkcs8.der", der)
	if got := openssl(t, nil, "pkey", "-inform", "DER", "-in", derFile, "-pubout", "-outform", "DER"); !bytes.Equal(got, k.spki) {
		t.Fatalf("%s: openssl reads the wrapped PKCS #8 as another key", what)
	}
	// -check: p·q = n, d and the CRT values agree (openssl would otherwise
	// hide a wrong CRT value by recomputing with d), the point is the scalar's.
	if out, err := opensslErr(t, nil, "pkey", "-inform", "DER", "-in", derFile, "-check", "-noout"); err != nil || !bytes.Contains(out, []byte("Key is valid")) {
		t.Errorf("%s: openssl pkey -check rejects the wrapped key: %v", what, err)
	}
	privPEM := e.file(t, "priv.pem", openssl(t, nil, "pkey", "-inform", "DER", "-in", derFile))
	msg := []byte("signed by openssl with a key the token exported")
	msgFile := e.file(t, "msg", msg)
	switch k.alg.kind {
	case kRSA:
		sig := openssl(t, nil, "dgst", "-sha256", "-sign", privPEM, msgFile)
		hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_SHA256_RSA_PKCS, nil), k.pub, msg, sig), what+": C_Verify")
	case kEC:
		sig := derToRS(t, openssl(t, nil, "dgst", "-sha256", "-sign", privPEM, msgFile), k.alg.size)
		hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_ECDSA_SHA256, nil), k.pub, msg, sig), what+": C_Verify")
	case kEd:
		sig := openssl(t, nil, "pkeyutl", "-sign", "-inkey", privPEM, "-rawin", "-in", msgFile)
		hsmtest.Must(t, e.verify(t, mech(uint(ck.CKM_EDDSA), nil), k.pub, msg, sig), what+": C_Verify")
	case kX:
		_, peerPub := e.opensslGenpkey(t, k.alg, "peer.pem")
		want := openssl(t, nil, "pkeyutl", "-derive", "-inkey", privPEM, "-peerkey", e.file(t, "peer.der", peerPub), "-peerform", "DER")
		if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, k.priv, rawPublic(t, peerPub), uint(ck.CKD_NULL), nil, k.alg.size); !bytes.Equal(got, want) {
			t.Errorf("%s: openssl derives another secret with the exported key", what)
		}
	}
}
