package interop

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
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
//     one openssl reads and re-encodes unchanged;
//   - openssl's PKCS #8, wrapped with `openssl enc -id-aes256-wrap-pad`,
//     unwraps with C_UnwrapKey(CKM_AES_KEY_WRAP_KWP) into a working key;
//   - C_WrapKey of an extractable token key with CKM_AES_KEY_WRAP_KWP and
//     with CKM_RSA_AES_KEY_WRAP gives PKCS #8 that openssl parses to the same
//     key (same public key, and its signatures verify in the token).
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

			// The token's key out, as PKCS #8, under KWP and under RSA-AES.
			wrapped, err := e.p.WrapKey(e.s, mech(uint(ck.CKM_AES_KEY_WRAP_KWP), nil), kekH, mine.priv)
			hsmtest.Must(t, err, "C_WrapKey(CKM_AES_KEY_WRAP_KWP) of a private key")
			der := openssl(t, wrapped, "enc", "-d", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(kek), "-iv", "A65959A6")
			e.checkExported(t, "CKM_AES_KEY_WRAP_KWP", der, mine)

			m := mech(uint(ck.CKM_RSA_AES_KEY_WRAP), &pkcs11.RSAAESKeyWrapParams{AESKeyBits: 256,
				OAEPParams: pkcs11.OAEPParams{HashAlg: pkcs11.CKM_SHA256, MGF: pkcs11.CKG_MGF1_SHA256}})
			wrapped, err = e.p.WrapKey(e.s, m, rsaWrap.pub, mine.priv)
			hsmtest.Must(t, err, "C_WrapKey(CKM_RSA_AES_KEY_WRAP) of a private key")
			n := rsaWrap.modBytes()
			tmp := openssl(t, nil, "pkeyutl", "-decrypt", "-inkey", rsaWrap.privPEM, "-in", e.file(t, "c1", wrapped[:n]),
				"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256")
			der = openssl(t, wrapped[n:], "enc", "-d", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(tmp), "-iv", "A65959A6")
			e.checkExported(t, "CKM_RSA_AES_KEY_WRAP", der, mine)
		})
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
		peer := e.file(t, "peer.pem", openssl(t, nil, append([]string{"genpkey"}, k.alg.genpkey...)...))
		peerPub := openssl(t, nil, "pkey", "-in", peer, "-pubout", "-outform", "DER")
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
		peer := e.file(t, "peer.pem", openssl(t, nil, append([]string{"genpkey"}, k.alg.genpkey...)...))
		peerPub := openssl(t, nil, "pkey", "-in", peer, "-pubout", "-outform", "DER")
		want := openssl(t, nil, "pkeyutl", "-derive", "-inkey", privPEM, "-peerkey", e.file(t, "peer.der", peerPub), "-peerform", "DER")
		if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, k.priv, rawPublic(t, peerPub), uint(ck.CKD_NULL), nil, k.alg.size); !bytes.Equal(got, want) {
			t.Errorf("%s: openssl derives another secret with the exported key", what)
		}
	}
}
