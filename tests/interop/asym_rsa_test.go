package interop

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestRSAInterop: RSA keys generated in the token (2048 and 3072 bits) and
// made by openssl and imported (2048 bits) sign, verify, encrypt, decrypt,
// sign-recover, verify-recover, wrap and unwrap through libgohsm.so; openssl
// checks everything the token makes and the token accepts everything openssl
// makes, for PKCS #1 v1.5 (hashed and raw DigestInfo), PSS (hash, MGF and
// salt combinations), OAEP (every SHA-1/SHA-2 hash/MGF pair, SHA-3, labels),
// raw RSA, and CKM_RSA_AES_KEY_WRAP.
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
			if i < 2 {
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
	k := &keyPair{alg: a, origin: "openssl-n-e-d"}
	k.privPEM = e.file(t, "priv.pem", openssl(t, nil, append([]string{"genpkey"}, a.genpkey...)...))
	k.spki = openssl(t, nil, "pkey", "-in", k.privPEM, "-pubout", "-outform", "DER")
	k.pubPEM = e.file(t, "pub.pem", pemBlock("PUBLIC KEY", k.spki))
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

		sig = e.sign(t, mech(pkcs11.CKM_RSA_PKCS_PSS, param), k.priv, digest, name)
		if !osslVerify(t, pkeyutl("-verify", "-pubin", "-inkey", k.pubPEM, "-sigfile", e.file(t, "sig", sig))...) {
			t.Errorf("%s: openssl rejects the token's CKM_RSA_PKCS_PSS signature", name)
		}
		theirs = openssl(t, nil, pkeyutl("-sign", "-inkey", k.privPEM)...)
		hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_RSA_PKCS_PSS, param), k.pub, digest, theirs), name+": C_Verify(CKM_RSA_PKCS_PSS) of openssl's signature")
	}
}

// oaepPairs are the hash/MGF1 pairs of the OAEP cases: every SHA-1/SHA-2
// pair, and some with SHA-3.
func oaepPairs() [][2]string {
	sha2 := []string{"sha1", "sha224", "sha256", "sha384", "sha512"}
	var pairs [][2]string
	for _, h := range sha2 {
		for _, m := range sha2 {
			pairs = append(pairs, [2]string{h, m})
		}
	}
	return append(pairs, [2]string{"sha3-256", "sha3-256"}, [2]string{"sha3-512", "sha1"}, [2]string{"sha256", "sha3-384"})
}

// rsaOAEP: for each pair, with and without a label, openssl decrypts what the
// token encrypts and the token decrypts what openssl encrypts.
func (e *env) rsaOAEP(t *testing.T, k *keyPair) {
	pairs := oaepPairs()
	if k.quick {
		pairs = [][2]string{{"sha1", "sha1"}, {"sha256", "sha256"}, {"sha512", "sha384"}, {"sha3-256", "sha3-256"}}
	}
	for i, pair := range pairs {
		h, mgf := hashByName(pair[0]), hashByName(pair[1])
		var label []byte
		if i%3 == 1 {
			label = []byte(fmt.Sprintf("gohsm OAEP label %d", i))
		}
		name := fmt.Sprintf("%s/mgf1-%s/label-%d", pair[0], pair[1], len(label))
		source := uint(0) // no label: source 0 (as many clients pass) or CKZ_DATA_SPECIFIED with no data
		if label != nil || i%3 == 2 {
			source = pkcs11.CKZ_DATA_SPECIFIED
		}
		m := mech(pkcs11.CKM_RSA_PKCS_OAEP, pkcs11.NewOAEPParams(h.ckm, mgf.mgf, source, label))
		opts := []string{"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:" + h.md, "-pkeyopt", "rsa_mgf1_md:" + mgf.md}
		if label != nil {
			opts = append(opts, "-pkeyopt", "rsa_oaep_label:"+hex.EncodeToString(label))
		}
		msg := make([]byte, 1+i)
		if i%2 == 0 { // the longest message the key takes with this hash
			msg = make([]byte, k.modBytes()-2*h.h.Size()-2)
		}
		rand.Read(msg)

		ct := e.encrypt(t, m, k.pub, msg)
		got, err := opensslErr(t, nil, append([]string{"pkeyutl", "-decrypt", "-inkey", k.privPEM, "-in", e.file(t, "ct", ct)}, opts...)...)
		if err != nil || !bytes.Equal(got, msg) {
			t.Errorf("%s: openssl does not decrypt the token's OAEP ciphertext to the message: %v", name, err)
		}
		theirs := openssl(t, nil, append([]string{"pkeyutl", "-encrypt", "-pubin", "-inkey", k.pubPEM, "-in", e.file(t, "msg", msg)}, opts...)...)
		if got := e.decrypt(t, m, k.priv, theirs); !bytes.Equal(got, msg) {
			t.Errorf("%s: the token decrypts openssl's OAEP ciphertext to something else", name)
		}
		if label != nil { // the label is bound: another one must fail
			other := mech(pkcs11.CKM_RSA_PKCS_OAEP, pkcs11.NewOAEPParams(h.ckm, mgf.mgf, source, append(label, '!')))
			hsmtest.Must(t, e.p.DecryptInit(e.s, other, k.priv), "C_DecryptInit")
			_, err := e.p.Decrypt(e.s, theirs)
			hsmtest.WantRV(t, err, name+": C_Decrypt under another label", pkcs11.CKR_ENCRYPTED_DATA_INVALID)
		}
	}
}

// rsaPKCS1Encrypt: CKM_RSA_PKCS encryption of 0 bytes up to the k-11 maximum.
func (e *env) rsaPKCS1Encrypt(t *testing.T, k *keyPair) {
	for _, n := range []int{0, 1, 16, 32, k.modBytes() - 11} {
		msg := make([]byte, n)
		rand.Read(msg)
		ct := e.encrypt(t, mech(pkcs11.CKM_RSA_PKCS, nil), k.pub, msg)
		if got := openssl(t, nil, "pkeyutl", "-decrypt", "-inkey", k.privPEM, "-in", e.file(t, "ct", ct)); !bytes.Equal(got, msg) {
			t.Errorf("%d bytes: openssl decrypts the token's PKCS#1 ciphertext to something else", n)
		}
		theirs := openssl(t, nil, "pkeyutl", "-encrypt", "-pubin", "-inkey", k.pubPEM, "-in", e.file(t, "msg", msg))
		if got := e.decrypt(t, mech(pkcs11.CKM_RSA_PKCS, nil), k.priv, theirs); !bytes.Equal(got, msg) {
			t.Errorf("%d bytes: the token decrypts openssl's PKCS#1 ciphertext to something else", n)
		}
	}
}

// rsaRaw: CKM_RSA_X_509 is openssl's padding mode none, for encryption and
// for signatures; a short input is left-padded with zeros.
func (e *env) rsaRaw(t *testing.T, k *keyPair) {
	none := []string{"-pkeyopt", "rsa_padding_mode:none"}
	size := k.modBytes()
	for _, n := range []int{size, size - 1, 20} {
		msg := make([]byte, n)
		rand.Read(msg)
		if n == size {
			msg[0] = 0 // below the modulus
		}
		full := append(make([]byte, size-n), msg...)
		ct := e.encrypt(t, mech(pkcs11.CKM_RSA_X_509, nil), k.pub, msg)
		if got := openssl(t, nil, append([]string{"pkeyutl", "-decrypt", "-inkey", k.privPEM, "-in", e.file(t, "ct", ct)}, none...)...); !bytes.Equal(got, full) {
			t.Errorf("%d bytes: openssl's raw decryption of the token's ciphertext differs", n)
		}
		theirs := openssl(t, nil, append([]string{"pkeyutl", "-encrypt", "-pubin", "-inkey", k.pubPEM, "-in", e.file(t, "msg", full)}, none...)...)
		if !bytes.Equal(theirs, ct) {
			t.Errorf("%d bytes: raw RSA encryption differs from openssl's", n)
		}
		if got := e.decrypt(t, mech(pkcs11.CKM_RSA_X_509, nil), k.priv, theirs); !bytes.Equal(got, full) {
			t.Errorf("%d bytes: the token's raw decryption of openssl's ciphertext differs", n)
		}
		sig := e.sign(t, mech(pkcs11.CKM_RSA_X_509, nil), k.priv, msg)
		osslSig := openssl(t, nil, "rsautl", "-sign", "-raw", "-inkey", k.privPEM, "-in", e.file(t, "msg", full))
		if !bytes.Equal(sig, osslSig) {
			t.Errorf("%d bytes: C_Sign(CKM_RSA_X_509) differs from openssl's raw signature", n)
		}
		hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_RSA_X_509, nil), k.pub, msg, osslSig), "C_Verify(CKM_RSA_X_509) of openssl's signature")
		hsmtest.WantRV(t, e.verify(t, mech(pkcs11.CKM_RSA_X_509, nil), k.pub, flip(msg, 3), osslSig), "C_Verify(CKM_RSA_X_509) of another message", pkcs11.CKR_SIGNATURE_INVALID)
	}
}

// rsaRecover: C_SignRecover output verify-recovers in openssl to the data,
// and C_VerifyRecover gives back the data of openssl's signature, for
// CKM_RSA_PKCS (openssl's default padding) and CKM_RSA_X_509 (none).
func (e *env) rsaRecover(t *testing.T, k *keyPair) {
	for _, c := range []struct {
		m          uint
		opts, sign []string // pkeyutl -verifyrecover options; rsautl -sign options
		n          int
	}{
		{pkcs11.CKM_RSA_PKCS, nil, nil, 1},
		{pkcs11.CKM_RSA_PKCS, nil, nil, k.modBytes() - 11},
		{pkcs11.CKM_RSA_X_509, []string{"-pkeyopt", "rsa_padding_mode:none"}, []string{"-raw"}, k.modBytes()},
	} {
		data := make([]byte, c.n)
		rand.Read(data)
		data[0] = 0 // below the modulus
		name := fmt.Sprintf("%s/%d bytes", ck.MechanismType(c.m), c.n)
		hsmtest.Must(t, e.p.SignRecoverInit(e.s, mech(c.m, nil), k.priv), "C_SignRecoverInit")
		sig, err := e.p.SignRecover(e.s, data)
		hsmtest.Must(t, err, "C_SignRecover")
		if got := openssl(t, nil, append([]string{"pkeyutl", "-verifyrecover", "-pubin", "-inkey", k.pubPEM, "-in", e.file(t, "sig", sig)}, c.opts...)...); !bytes.Equal(got, data) {
			t.Errorf("%s: openssl -verifyrecover of C_SignRecover's output gives other data", name)
		}
		theirs := openssl(t, nil, append([]string{"rsautl", "-sign", "-inkey", k.privPEM, "-in", e.file(t, "data", data)}, c.sign...)...)
		got, err := e.verifyRecover(t, c.m, k.pub, theirs)
		hsmtest.Must(t, err, name+": C_VerifyRecover of openssl's signature")
		if !bytes.Equal(got, data) {
			t.Errorf("%s: C_VerifyRecover of openssl's signature gives other data", name)
		}
	}
}

// rsaWrap: C_WrapKey of an AES key with CKM_RSA_PKCS_OAEP and CKM_RSA_PKCS
// decrypts with openssl to the key's value; openssl's encryption of a key
// value unwraps with C_UnwrapKey to a key with that value, which encrypts
// as openssl does with it.
func (e *env) rsaWrap(t *testing.T, k *keyPair) {
	for _, c := range []struct {
		name string
		m    []*pkcs11.Mechanism
		opts []string
	}{
		{"PKCS1", mech(pkcs11.CKM_RSA_PKCS, nil), nil},
		{"OAEP-sha1", mech(pkcs11.CKM_RSA_PKCS_OAEP, pkcs11.NewOAEPParams(pkcs11.CKM_SHA_1, pkcs11.CKG_MGF1_SHA1, 0, nil)),
			[]string{"-pkeyopt", "rsa_padding_mode:oaep"}},
		{"OAEP-sha256-label", mech(pkcs11.CKM_RSA_PKCS_OAEP, pkcs11.NewOAEPParams(pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, pkcs11.CKZ_DATA_SPECIFIED, []byte("wrap"))),
			[]string{"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-pkeyopt", "rsa_oaep_label:" + hex.EncodeToString([]byte("wrap"))}},
	} {
		value := make([]byte, 32)
		rand.Read(value)
		key := e.secretKey(t, pkcs11.CKK_AES, value)
		wrapped, err := e.p.WrapKey(e.s, c.m, k.pub, key)
		hsmtest.Must(t, err, c.name+": C_WrapKey")
		if got := openssl(t, nil, append([]string{"pkeyutl", "-decrypt", "-inkey", k.privPEM, "-in", e.file(t, "wrapped", wrapped)}, c.opts...)...); !bytes.Equal(got, value) {
			t.Errorf("%s: openssl decrypts the wrapped key to another value", c.name)
		}
		rand.Read(value)
		theirs := openssl(t, nil, append([]string{"pkeyutl", "-encrypt", "-pubin", "-inkey", k.pubPEM, "-in", e.file(t, "value", value)}, c.opts...)...)
		e.checkUnwrapped(t, c.name, c.m, k.priv, theirs, value)
	}
}

// checkUnwrapped unwraps blob into an extractable AES key and checks that
// its value is value and that it encrypts a block as openssl does with value.
func (e *env) checkUnwrapped(t *testing.T, name string, m []*pkcs11.Mechanism, unwrapKey pkcs11.ObjectHandle, blob, value []byte) {
	t.Helper()
	h, err := e.p.UnwrapKey(e.s, m, unwrapKey, blob, []*pkcs11.Attribute{
		attr(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES), attr(pkcs11.CKA_TOKEN, false),
		attr(pkcs11.CKA_ENCRYPT, true), attr(pkcs11.CKA_SENSITIVE, false), attr(pkcs11.CKA_EXTRACTABLE, true)})
	hsmtest.Must(t, err, name+": C_UnwrapKey of openssl's blob")
	if got := e.attrs(t, h, pkcs11.CKA_VALUE)[0]; !bytes.Equal(got, value) {
		t.Fatalf("%s: the unwrapped key's value is not the one openssl wrapped", name)
	}
	block := []byte("sixteen byte blk")
	want := openssl(t, block, "enc", fmt.Sprintf("-aes-%d-ecb", 8*len(value)), "-nopad", "-K", hex.EncodeToString(value))
	if got := e.encrypt(t, mech(pkcs11.CKM_AES_ECB, nil), h, block); !bytes.Equal(got, want) {
		t.Errorf("%s: the unwrapped key encrypts differently from openssl with its value", name)
	}
}

// rsaAESWrap: CKM_RSA_AES_KEY_WRAP is RSA-OAEP of a fresh AES key followed by
// RFC 5649 under it: openssl pkeyutl and enc -id-aes*-wrap-pad undo what the
// token makes, and build a blob the token unwraps.
func (e *env) rsaAESWrap(t *testing.T, k *keyPair) {
	for _, c := range []struct {
		aesBits   int
		hash, mgf string
		label     []byte
	}{{256, "sha1", "sha1", nil}, {128, "sha256", "sha256", nil}, {192, "sha384", "sha1", []byte("rsa-aes label")}, {256, "sha512", "sha256", nil}} {
		h, mgf := hashByName(c.hash), hashByName(c.mgf)
		name := fmt.Sprintf("AES-%d/%s/mgf1-%s", c.aesBits, c.hash, c.mgf)
		source := uint(0)
		opts := []string{"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:" + h.md, "-pkeyopt", "rsa_mgf1_md:" + mgf.md}
		if c.label != nil {
			source = pkcs11.CKZ_DATA_SPECIFIED
			opts = append(opts, "-pkeyopt", "rsa_oaep_label:"+hex.EncodeToString(c.label))
		}
		m := mech(uint(ck.CKM_RSA_AES_KEY_WRAP), &pkcs11.RSAAESKeyWrapParams{AESKeyBits: uint(c.aesBits),
			OAEPParams: pkcs11.OAEPParams{HashAlg: h.ckm, MGF: mgf.mgf, SourceType: source, SourceData: c.label}})
		kwp := fmt.Sprintf("-id-aes%d-wrap-pad", c.aesBits)
		for _, size := range []int{16, 24, 32} {
			value := make([]byte, size)
			rand.Read(value)
			target := e.secretKey(t, pkcs11.CKK_AES, value)
			wrapped, err := e.p.WrapKey(e.s, m, k.pub, target)
			hsmtest.Must(t, err, name+": C_WrapKey(CKM_RSA_AES_KEY_WRAP)")
			if len(wrapped) <= k.modBytes() {
				t.Fatalf("%s: wrapped key of %d bytes", name, len(wrapped))
			}
			tmp := openssl(t, nil, append([]string{"pkeyutl", "-decrypt", "-inkey", k.privPEM, "-in", e.file(t, "c1", wrapped[:k.modBytes()])}, opts...)...)
			if len(tmp) != c.aesBits/8 {
				t.Fatalf("%s: the ephemeral AES key has %d bytes", name, len(tmp))
			}
			got := openssl(t, nil, "enc", "-d", kwp, "-K", hex.EncodeToString(tmp), "-iv", "A65959A6", "-in", e.file(t, "c2", wrapped[k.modBytes():]))
			if !bytes.Equal(got, value) {
				t.Errorf("%s: openssl unwraps the token's blob to another key", name)
			}

			rand.Read(value)
			rand.Read(tmp)
			c1 := openssl(t, nil, append([]string{"pkeyutl", "-encrypt", "-pubin", "-inkey", k.pubPEM, "-in", e.file(t, "tmp", tmp)}, opts...)...)
			c2 := openssl(t, value, "enc", kwp, "-K", hex.EncodeToString(tmp), "-iv", "A65959A6")
			e.checkUnwrapped(t, name, m, k.priv, append(c1, c2...), value)
		}
	}
}

// rsaLeadingZeros: outputs whose big-endian value has a zero first byte
// (one in 256) keep the modulus length, and such inputs are read as such:
// a PKCS #1 v1.5 signature equal to openssl's, a raw signature, and an OAEP
// ciphertext openssl decrypts and the token decrypts back.
func (e *env) rsaLeadingZeros(t *testing.T, k *keyPair) {
	size := k.modBytes()
	found := 0
	for i := 0; i < 5000 && found&3 != 3; i++ {
		msg := []byte(fmt.Sprintf("leading zero hunt %d", i))
		if found&1 == 0 {
			sig := e.sign(t, mech(pkcs11.CKM_SHA256_RSA_PKCS, nil), k.priv, msg)
			if len(sig) != size {
				t.Fatalf("PKCS#1 signature of %d bytes, want %d", len(sig), size)
			}
			if sig[0] == 0 {
				found |= 1
				want := openssl(t, nil, "dgst", "-sha256", "-sign", k.privPEM, e.file(t, "msg", msg))
				if !bytes.Equal(sig, want) {
					t.Error("a PKCS#1 signature with a leading zero byte differs from openssl's")
				}
				hsmtest.Must(t, e.verify(t, mech(pkcs11.CKM_SHA256_RSA_PKCS, nil), k.pub, msg, want), "C_Verify of a signature with a leading zero byte")
				raw := e.sign(t, mech(pkcs11.CKM_RSA_X_509, nil), k.priv, e.verifyRecoverRaw(t, k, sig))
				if !bytes.Equal(raw, sig) {
					t.Errorf("CKM_RSA_X_509 of the padded block gives %d bytes, not the PKCS#1 signature", len(raw))
				}
			}
		}
		if found&2 == 0 {
			m := mech(pkcs11.CKM_RSA_PKCS_OAEP, pkcs11.NewOAEPParams(pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, 0, nil))
			ct := e.encrypt(t, m, k.pub, msg)
			if len(ct) != size {
				t.Fatalf("OAEP ciphertext of %d bytes, want %d", len(ct), size)
			}
			if ct[0] == 0 {
				found |= 2
				got := openssl(t, nil, "pkeyutl", "-decrypt", "-inkey", k.privPEM, "-in", e.file(t, "ct", ct),
					"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256")
				if !bytes.Equal(got, msg) {
					t.Error("openssl does not decrypt an OAEP ciphertext with a leading zero byte")
				}
				if got := e.decrypt(t, m, k.priv, ct); !bytes.Equal(got, msg) {
					t.Error("the token does not decrypt an OAEP ciphertext with a leading zero byte")
				}
			}
		}
	}
	if found != 3 {
		t.Fatalf("no signature or ciphertext with a leading zero byte in 5,000 tries (found %b)", found)
	}
}

// verifyRecoverRaw is the k-byte block under a signature (C_VerifyRecover
// with CKM_RSA_X_509).
func (e *env) verifyRecoverRaw(t *testing.T, k *keyPair, sig []byte) []byte {
	t.Helper()
	block, err := e.verifyRecover(t, pkcs11.CKM_RSA_X_509, k.pub, sig)
	hsmtest.Must(t, err, "C_VerifyRecover(CKM_RSA_X_509)")
	if len(block) != k.modBytes() || block[0] != 0 || block[1] != 1 {
		t.Fatalf("C_VerifyRecover(CKM_RSA_X_509) gives %d bytes, not the PKCS#1 block", len(block))
	}
	return block
}
