package interop

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestRSAInterop: RSA keys generated in the token (2048 and 3072 bits) and
// made by openssl and imported (2048 bits; 2049 bits with e = 3; 2048 bits
// given as n, e, d only) sign, verify, encrypt, decrypt, sign-recover,
// verify-recover, wrap and unwrap through libgohsm.so; openssl checks
// everything the token makes and the token accepts everything openssl
// makes, for PKCS #1 v1.5 (hashed, multi-part and raw DigestInfo), PSS (hash,
// MGF and salt combinations, 0 and the maximum included), OAEP (every
// SHA-1/SHA-2 hash/MGF pair, SHA-3, SHA-512/t, labels, longest messages), raw
// RSA, CKM_RSA_AES_KEY_WRAP, and outputs with a leading zero byte.
func TestRSAInterop(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := newEnv(t)
	odd := rsaAlg(2049) // emLen = k-1 for PSS; e = 3
	odd.name += "-e3"
	odd.genpkey = append(odd.genpkey, "-pkeyopt", "rsa_keygen_pubexp:3")
	keys := []*keyPair{e.tokenKey(t, rsaAlg(2048)), e.opensslKey(t, rsaAlg(2048)),
		e.tokenKey(t, rsaAlg(3072)), e.opensslKey(t, odd), e.opensslKeyNED(t, rsaAlg(2048))}
	for i, k := range keys {
		k.quick = i >= 2 // the full PSS and OAEP tables run on the 2048-bit keys

		t.Run(k.String(), func(t *testing.T) {
			t.Run("PKCS1-hashed", func(t *testing.T) { e.sub(t).rsaPKCS1Hashed(t, k) })
			t.Run("PKCS1-DigestInfo", func(t *testing.T) { e.sub(t).rsaPKCS1Raw(t, k) })
			t.Run("PSS", func(t *testing.T) { e.sub(t).rsaPSS(t, k) })
			t.Run("OAEP", func(t *testing.T) { e.sub(t).rsaOAEP(t, k) })
			t.Run("PKCS1-encrypt", func(t *testing.T) { e.sub(t).rsaPKCS1Encrypt(t, k) })
			t.Run("X509-raw", func(t *testing.T) { e.sub(t).rsaRaw(t, k) })
			t.Run("recover", func(t *testing.T) { e.sub(t).rsaRecover(t, k) })
			t.Run("wrap", func(t *testing.T) { e.sub(t).rsaWrap(t, k) })
			t.Run("RSA-AES-key-wrap", func(t *testing.T) { e.sub(t).rsaAESWrap(t, k) })
			if i == 0 {
				t.Run("leading-zeros", func(t *testing.T) { e.sub(t).rsaLeadingZeros(t, k) })
			}
		})
	}
}

func (k *keyPair) modBytes() int { return (k.alg.bits + 7) / 8 }

// opensslKeyNED is opensslKey with the private key imported as n, e and d
// only: the token recovers the primes (a client that has no CRT values).
func (e *env) opensslKeyNED(t testing.TB, a alg) *keyPair {
	t.Helper()
	k := e.opensslPair(t, a, "openssl-n-e-d")
	_, use := usage(kRSA)
	tmpl := append([]*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		attr(pkcs11.CKA_TOKEN, false)}, use...)
	tmpl = append(tmpl, parsePKCS8(t, a, readFile(t, k.privPEM))[:3]...) // modulus, public and private exponent
	var err error
	k.priv, err = e.p.CreateObject(e.s, tmpl)
	hsmtest.Must(t, err, "C_CreateObject(RSA private key of n, e, d)")
	k.pub = e.importPublic(t, a, k.spki)
	return k
}

// rsaPKCS1Hashed: CKM_SHA*_RSA_PKCS signatures are deterministic, so the
// token's must equal openssl's byte for byte; each side verifies the other's
// and rejects a tampered one.
func (e *env) rsaPKCS1Hashed(t *testing.T, k *keyPair) {
	for i, h := range hashes {
		msg := []byte(fmt.Sprintf("PKCS#1 v1.5 message %d %s", i, bytes.Repeat([]byte{'x'}, 50*i)))
		msgFile := e.file(t, "msg", msg)
		sig := e.sign(t, mech(h.rsa, nil), k.priv, msg)
		if !osslVerify(t, "dgst", "-"+h.md, "-verify", k.pubPEM, "-signature", e.file(t, "sig", sig), msgFile) {
			t.Errorf("%s: openssl rejects the token's signature", h.md)
		}
		if osslVerify(t, "dgst", "-"+h.md, "-verify", k.pubPEM, "-signature", e.file(t, "sig", flip(sig, i)), msgFile) {
			t.Errorf("%s: openssl accepts a tampered signature", h.md)
		}
		want := openssl(t, nil, "dgst", "-"+h.md, "-sign", k.privPEM, msgFile)
		if !bytes.Equal(sig, want) {
			t.Errorf("%s: the token's PKCS#1 v1.5 signature differs from openssl's", h.md)
		}
		if multi := e.signParts(t, mech(h.rsa, nil), k.priv, msg, 7+i); !bytes.Equal(multi, want) {
			t.Errorf("%s: the multi-part signature differs from openssl's", h.md)
		}
		hsmtest.Must(t, e.verifyParts(t, mech(h.rsa, nil), k.pub, msg, want, 3+i), h.md+": multi-part C_Verify of openssl's signature")
		hsmtest.Must(t, e.verify(t, mech(h.rsa, nil), k.pub, msg, want), h.md+": C_Verify of openssl's signature")
		hsmtest.WantRV(t, e.verify(t, mech(h.rsa, nil), k.pub, msg, flip(want, i)), h.md+": C_Verify of a tampered signature", pkcs11.CKR_SIGNATURE_INVALID)
	}
}

// rsaPKCS1Raw: CKM_RSA_PKCS over a DigestInfo the caller builds gives the
// signature openssl dgst makes and verifies; openssl pkeyutl's PKCS #1
// signature of the DigestInfo verifies in the token.
func (e *env) rsaPKCS1Raw(t *testing.T, k *keyPair) {
	for _, name := range []string{"sha1", "sha256", "sha384", "sha512", "sha3-256"} {
		h := hashByName(name)
		msg := []byte("DigestInfo signed with CKM_RSA_PKCS " + name)
		msgFile, di := e.file(t, "msg", msg), h.digestInfo(t, msg)
		sig := e.sign(t, mech(pkcs11.CKM_RSA_PKCS, nil), k.priv, di)
		if !osslVerify(t, "dgst", "-"+h.md, "-verify", k.pubPEM, "-signature", e.file(t, "sig", sig), msgFile) {
			t.Errorf("%s: openssl rejects the token's CKM_RSA_PKCS signature of a DigestInfo", name)
		}
		// rsautl, since pkeyutl refuses input longer than a hash.
		theirs := openssl(t, nil, "rsautl", "-sign", "-inkey", k.privPEM, "-in", e.file(t, "di", di))
		if !bytes.Equal(sig, theirs) {
			t.Errorf("%s: CKM_RSA_PKCS signature differs from openssl rsautl's", name)
		}
		hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_RSA_PKCS, nil), k.pub, di, theirs), name+": C_Verify(CKM_RSA_PKCS) of openssl's signature")
		hsmtest.WantRV(t, e.verify(t, mech(pkcs11.CKM_RSA_PKCS, nil), k.pub, di, flip(theirs, 7)), name+": tampered", pkcs11.CKR_SIGNATURE_INVALID)
	}
}

// pssCase is one CK_RSA_PKCS_PSS_PARAMS combination.
type pssCase struct {
	hash, mgf string
	salt      int // -1: the largest salt the key allows
}

var pssCases = []pssCase{
	{"sha1", "sha1", 20}, {"sha224", "sha224", 28}, {"sha256", "sha256", 32}, {"sha384", "sha384", 48}, {"sha512", "sha512", 64},
	{"sha256", "sha1", 20}, {"sha1", "sha256", 0}, {"sha384", "sha512", 48}, {"sha512", "sha256", 10},
	{"sha256", "sha256", 0}, {"sha256", "sha256", 1}, {"sha256", "sha256", -1}, {"sha512", "sha512", -1},
	{"sha3-224", "sha3-224", 28}, {"sha3-256", "sha3-256", 32}, {"sha3-384", "sha256", 20}, {"sha3-512", "sha3-512", 64},
	{"sha512-224", "sha224", 28}, {"sha512-256", "sha256", 32}, // CKM_RSA_PKCS_PSS only
}

// rsaPSS: CKM_SHA*_RSA_PKCS_PSS over the message and CKM_RSA_PKCS_PSS over
// its hash, both directions, for each case; openssl is told the exact salt
// length and MGF1 hash, so a token that used others would fail.
func (e *env) rsaPSS(t *testing.T, k *keyPair) {
	cases := pssCases
	if k.quick {
		cases = []pssCase{{"sha256", "sha256", 32}, {"sha384", "sha1", 0}, {"sha512", "sha512", -1}, {"sha1", "sha1", 20}}
	}
	for i, c := range cases {
		h, mgf := hashByName(c.hash), hashByName(c.mgf)
		salt := c.salt
		if salt < 0 {
			salt = (k.alg.bits-1+7)/8 - h.h.Size() - 2
		}
		name := fmt.Sprintf("%s/mgf1-%s/salt-%d", c.hash, c.mgf, salt)
		param := pkcs11.NewPSSParams(h.ckm, mgf.mgf, uint(salt))
		opts := []string{"rsa_padding_mode:pss", "rsa_pss_saltlen:" + strconv.Itoa(salt), "rsa_mgf1_md:" + mgf.md}
		msg := []byte(fmt.Sprintf("PSS message %d", i))
		msgFile, digest := e.file(t, "msg", msg), h.sum(msg)
		digestFile := e.file(t, "digest", digest)
		dgst := func(op, key string, extra ...string) []string {
			args := []string{"dgst", "-" + h.md, op, key}
			for _, o := range opts {
				args = append(args, "-sigopt", o)
			}
			return append(append(args, extra...), msgFile)
		}
		pkeyutl := func(op string, extra ...string) []string {
			args := []string{"pkeyutl", op, "-in", digestFile, "-pkeyopt", "digest:" + h.md}
			for _, o := range opts {
				args = append(args, "-pkeyopt", o)
			}
			return append(args, extra...)
		}

		if h.pss != 0 { // a hashing PSS mechanism exists for this hash
			sig := e.sign(t, mech(h.pss, param), k.priv, msg, name)
			if !osslVerify(t, dgst("-verify", k.pubPEM, "-signature", e.file(t, "sig", sig))...) {
				t.Errorf("%s: openssl rejects the token's CKM_*_RSA_PKCS_PSS signature", name)
			}
			if osslVerify(t, dgst("-verify", k.pubPEM, "-signature", e.file(t, "sig", flip(sig, i)))...) {
				t.Errorf("%s: openssl accepts a tampered signature", name)
			}
			theirs := openssl(t, nil, dgst("-sign", k.privPEM)...)
			hsmtest.Must(t, e.verify(t, mech(h.pss, param), k.pub, msg, theirs), name+": C_Verify of openssl's PSS signature")
			hsmtest.WantRV(t, e.verify(t, mech(h.pss, param), k.pub, msg, flip(theirs, i)), name+": tampered", pkcs11.CKR_SIGNATURE_INVALID)
			hsmtest.Must(t, e.verifyParts(t, mech(h.pss, param), k.pub, msg, theirs, 2+i), name+": multi-part C_Verify of openssl's PSS signature")
			if !osslVerify(t, dgst("-verify", k.pubPEM, "-signature", e.file(t, "sig", e.signParts(t, mech(h.pss, param), k.priv, msg, 3)))...) {
				t.Errorf("%s: openssl rejects the token's multi-part PSS signature", name)
			}
		}

		sig := e.sign(t, mech(pkcs11.CKM_RSA_PKCS_PSS, param), k.priv, digest, name)
		if !osslVerify(t, pkeyutl("-verify", "-pubin", "-inkey", k.pubPEM, "-sigfile", e.file(t, "sig", sig))...) {
			t.Errorf("%s: openssl rejects the token's CKM_RSA_PKCS_PSS signature", name)
		}
		theirs := openssl(t, nil, pkeyutl("-sign", "-inkey", k.privPEM)...)
		hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_RSA_PKCS_PSS, param), k.pub, digest, theirs), name+": C_Verify(CKM_RSA_PKCS_PSS) of openssl's signature")
	}
}
