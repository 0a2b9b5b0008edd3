package interop

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// RSA encryption, raw RSA and recovery of TestRSAInterop.

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
	return append(pairs, [2]string{"sha3-256", "sha3-256"}, [2]string{"sha3-512", "sha1"}, [2]string{"sha256", "sha3-384"},
		[2]string{"sha512-224", "sha1"}, [2]string{"sha512-256", "sha512"})
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
