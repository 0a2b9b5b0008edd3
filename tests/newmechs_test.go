package tests

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"
	"golang.org/x/crypto/chacha20"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// The three mechanisms issue 4 lacked, through libgohsm.so and checked by
// OpenSSL's command line: CKM_HKDF_DATA (a CKO_DATA object, `openssl kdf
// HKDF`), CKM_CHACHA20 (`openssl enc -chacha20`, both directions, both
// counter layouts) and RSA key pairs with any public exponent (`openssl dgst
// -verify` of their signatures, `openssl pkeyutl` OAEP ciphertexts decrypted).

func needOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl command line not installed")
	}
}

// opensslToken runs the test in a child process (nil in the parent) with a
// new token, skipping it where the openssl command line is missing.
func opensslToken(t *testing.T) *hsmtest.Token {
	t.Helper()
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return nil
	}
	needOpenSSL(t)
	return hsmtest.NewToken(t)
}

// opensslOut runs openssl with args and stdin, failing the test on error.
func opensslOut(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// mechInfo reads C_GetMechanismInfo of mech on the token's slot.
func mechInfo(t *testing.T, tok *hsmtest.Token, mech ck.MechanismType) *pkcs11.MechanismInfo {
	t.Helper()
	mi, err := tok.P.GetMechanismInfo(tok.Slot, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(mech), nil)})
	hsmtest.Must(t, err, "C_GetMechanismInfo("+mech.String()+")")
	return &mi
}

// TestHKDFDataThroughLibrary: C_DeriveKey with CKM_HKDF_DATA makes a data
// object (found by class, value readable, CKA_VALUE_LEN bytes) holding what
// `openssl kdf HKDF` derives, with the salt as data and as a salt key; a
// secret-key class in the template is CKR_TEMPLATE_INCONSISTENT.
func TestHKDFDataThroughLibrary(t *testing.T) {
	tok := opensslToken(t)
	if tok == nil {
		return
	}
	p, s := tok.P, tok.Session
	var a capi.Arena
	defer a.Free()
	if mi := mechInfo(t, tok, ck.CKM_HKDF_DATA); mi.Flags != pkcs11.CKF_DERIVE {
		t.Errorf("CKM_HKDF_DATA flags %#x, want CKF_DERIVE only", mi.Flags)
	}

	ikm, salt, info := make([]byte, 32), make([]byte, 16), []byte("gohsm hkdf data")
	rand.Read(ikm)
	rand.Read(salt)
	base, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, ikm),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
	})
	hsmtest.Must(t, err, "C_CreateObject(base key)")
	saltKey := secretKey(t, p, s, pkcs11.CKK_GENERIC_SECRET, salt)
	const saltData, saltKeyType = 2, 4 // CKF_HKDF_SALT_DATA, CKF_HKDF_SALT_KEY
	hkdf := func(saltType uint64, saltPtr []byte, hSalt uint64) []*pkcs11.Mechanism {
		return []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_HKDF_DATA), cWords(1|1<<8, pkcs11.CKM_SHA256, saltType,
			cPtr(&a, saltPtr), uint64(len(saltPtr)), hSalt, cPtr(&a, info), uint64(len(info))))}
	}
	const n = 42
	want, err := hex.DecodeString(strings.TrimSpace(strings.ReplaceAll(string(opensslOut(t, nil, "kdf", "-keylen", fmt.Sprint(n),
		"-kdfopt", "digest:SHA256", "-kdfopt", "hexkey:"+hex.EncodeToString(ikm), "-kdfopt", "hexsalt:"+hex.EncodeToString(salt),
		"-kdfopt", "hexinfo:"+hex.EncodeToString(info), "HKDF")), ":", "")))
	if err != nil || len(want) != n {
		t.Fatalf("openssl kdf output: %v", err)
	}
	for _, c := range []struct {
		name string
		mech []*pkcs11.Mechanism
	}{
		{"salt data", hkdf(saltData, salt, 0)},
		{"salt key", hkdf(saltKeyType, nil, uint64(saltKey))},
	} {
		label := "hkdf data " + c.name
		o, err := p.DeriveKey(s, c.mech, base, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, n),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
			pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, "gohsm tests"),
		})
		hsmtest.Must(t, err, "C_DeriveKey(CKM_HKDF_DATA, "+c.name+")")
		if got := attr(t, p, s, o, pkcs11.CKA_VALUE); !bytes.Equal(got, want) {
			t.Errorf("%s: data object value %x, want openssl's %x", c.name, got, want)
		}
		if cls := attr(t, p, s, o, pkcs11.CKA_CLASS); binary.NativeEndian.Uint64(cls) != pkcs11.CKO_DATA {
			t.Errorf("%s: class %x", c.name, cls)
		}
		hsmtest.Must(t, p.FindObjectsInit(s, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)}), "C_FindObjectsInit")
		found, _, err := p.FindObjects(s, 10)
		hsmtest.Must(t, err, "C_FindObjects")
		hsmtest.Must(t, p.FindObjectsFinal(s), "C_FindObjectsFinal")
		if len(found) != 1 || found[0] != o {
			t.Errorf("%s: C_FindObjects by class and label found %v, want [%d]", c.name, found, o)
		}
	}
	_, err = p.DeriveKey(s, hkdf(saltData, salt, 0), base, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 16)})
	hsmtest.WantRV(t, err, "CKM_HKDF_DATA with CKA_CLASS CKO_SECRET_KEY", pkcs11.CKR_TEMPLATE_INCONSISTENT)
	_, err = p.DeriveKey(s, hkdf(saltData, salt, 0), base, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES), pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 16)})
	hsmtest.WantRV(t, err, "CKM_HKDF_DATA with a key type", pkcs11.CKR_TEMPLATE_INCONSISTENT)
}

// chachaParams lays out CK_CHACHA20_PARAMS.
func chachaParams(a *capi.Arena, ctr []byte, nonce []byte) []byte {
	return cWords(cPtr(a, ctr), uint64(8*len(ctr)), cPtr(a, nonce), uint64(8*len(nonce)))
}

// chachaMech is CKM_CHACHA20 with counter ctr and nonce.
func chachaMech(a *capi.Arena, ctr, nonce []byte) []*pkcs11.Mechanism {
	return []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_CHACHA20), chachaParams(a, ctr, nonce))}
}

// opensslChaCha20 is `openssl enc -chacha20` of in under key, whose IV is
// the little-endian counter, then the nonce.
func opensslChaCha20(t *testing.T, key, ctr, nonce, in []byte) []byte {
	t.Helper()
	iv := hex.EncodeToString(append(append([]byte{}, ctr...), nonce...))
	return opensslOut(t, in, "enc", "-chacha20", "-K", hex.EncodeToString(key), "-iv", iv)
}

// TestChaCha20ThroughLibrary: CKM_CHACHA20 with a CKK_CHACHA20 key from
// CKM_CHACHA20_KEY_GEN encrypts what `openssl enc -chacha20` does (its IV
// is the little-endian counter, then the nonce), single- and multi-part, in
// the IETF layout and the original one across a carry into the counter's
// high word; it decrypts what openssl encrypts; bad parameters are refused.
func TestChaCha20ThroughLibrary(t *testing.T) {
	tok := opensslToken(t)
	if tok == nil {
		return
	}
	p, s := tok.P, tok.Session
	var a capi.Arena
	defer a.Free()
	mi := mechInfo(t, tok, ck.CKM_CHACHA20)
	wantFlags := uint(pkcs11.CKF_ENCRYPT | pkcs11.CKF_DECRYPT | pkcs11.CKF_WRAP | pkcs11.CKF_UNWRAP)
	if mi.Flags != wantFlags || mi.MinKeySize != 256 || mi.MaxKeySize != 256 {
		t.Errorf("CKM_CHACHA20 info %+v, want flags %#x and 256..256 bits", mi, wantFlags)
	}
	key, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_CHACHA20_KEY_GEN), nil)}, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	})
	hsmtest.Must(t, err, "C_GenerateKey(CKM_CHACHA20_KEY_GEN)")
	kv := attr(t, p, s, key, pkcs11.CKA_VALUE)
	if len(kv) != 32 {
		t.Fatalf("ChaCha20 key of %d bytes", len(kv))
	}
	pt := make([]byte, 1000)
	rand.Read(pt)
	for _, c := range []struct {
		name       string
		ctr, nonce []byte
	}{
		{"IETF", []byte{7, 0, 0, 0}, []byte("twelve-bytes")},
		{"original, carry", []byte{0xfd, 0xff, 0xff, 0xff, 5, 0, 0, 0}, []byte("8 bytes!")},
	} {
		mech := chachaMech(&a, c.ctr, c.nonce)
		want := opensslChaCha20(t, kv, c.ctr, c.nonce, pt)
		hsmtest.Must(t, p.EncryptInit(s, mech, key), "C_EncryptInit")
		got, err := p.Encrypt(s, pt)
		hsmtest.Must(t, err, "C_Encrypt")
		if !bytes.Equal(got, want) {
			t.Errorf("%s: C_Encrypt differs from openssl enc -chacha20", c.name)
		}
		// Multi-part in uneven pieces.
		hsmtest.Must(t, p.EncryptInit(s, mech, key), "C_EncryptInit")
		var multi []byte
		for rest := pt; len(rest) > 0; {
			k := min(77, len(rest))
			part, err := p.EncryptUpdate(s, rest[:k])
			hsmtest.Must(t, err, "C_EncryptUpdate")
			multi, rest = append(multi, part...), rest[k:]
		}
		last, err := p.EncryptFinal(s)
		hsmtest.Must(t, err, "C_EncryptFinal")
		if multi = append(multi, last...); !bytes.Equal(multi, want) {
			t.Errorf("%s: multi-part encryption differs from openssl", c.name)
		}
		// openssl's ciphertext of other data decrypts.
		other := []byte("what openssl encrypted, gohsm decrypts")
		hsmtest.Must(t, p.DecryptInit(s, mech, key), "C_DecryptInit")
		dec, err := p.Decrypt(s, opensslChaCha20(t, kv, c.ctr, c.nonce, other))
		hsmtest.Must(t, err, "C_Decrypt")
		if !bytes.Equal(dec, other) {
			t.Errorf("%s: C_Decrypt of openssl's ciphertext = %q", c.name, dec)
		}
	}
	// XChaCha20 (192-bit nonce, 32-bit counter) equals x/crypto's.
	xnonce := []byte("a twenty-four byte nonce")
	xc, err := chacha20.NewUnauthenticatedCipher(kv, xnonce)
	hsmtest.Must(t, err, "x/crypto XChaCha20")
	xc.SetCounter(9)
	xwant := make([]byte, len(pt))
	xc.XORKeyStream(xwant, pt)
	hsmtest.Must(t, p.EncryptInit(s, chachaMech(&a, []byte{9, 0, 0, 0}, xnonce), key), "C_EncryptInit(XChaCha20)")
	xgot, err := p.Encrypt(s, pt)
	hsmtest.Must(t, err, "C_Encrypt(XChaCha20)")
	if !bytes.Equal(xgot, xwant) {
		t.Error("XChaCha20 through the library differs from x/crypto's")
	}

	for _, c := range []struct {
		name  string
		param []byte
	}{
		{"64-bit nonce with a 32-bit counter", chachaParams(&a, []byte{0, 0, 0, 0}, []byte("8 bytes!"))},
		{"counter of 16 bits", cWords(cPtr(&a, []byte{0, 0}), 16, cPtr(&a, []byte("twelve-bytes")), 96)},
		{"NULL nonce", cWords(cPtr(&a, []byte{0, 0, 0, 0}), 32, 0, 96)},
		{"short struct", chachaParams(&a, []byte{0, 0, 0, 0}, []byte("twelve-bytes"))[:24]},
	} {
		err := p.EncryptInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_CHACHA20), c.param)}, key)
		hsmtest.WantRV(t, err, c.name, pkcs11.CKR_MECHANISM_PARAM_INVALID)
	}
	// C_WrapKey encrypts a key's value as openssl encrypts those bytes;
	// C_UnwrapKey gives the key back.
	aesVal := make([]byte, 16)
	rand.Read(aesVal)
	target, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, aesVal),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	})
	hsmtest.Must(t, err, "C_CreateObject(AES key)")
	ctr, nonce := []byte{3, 0, 0, 0}, []byte("wrap-nonce12")
	wrapMech := chachaMech(&a, ctr, nonce)
	wrapped, err := p.WrapKey(s, wrapMech, key, target)
	hsmtest.Must(t, err, "C_WrapKey(CKM_CHACHA20)")
	want := opensslChaCha20(t, kv, ctr, nonce, aesVal)
	if !bytes.Equal(wrapped, want) {
		t.Errorf("C_WrapKey(CKM_CHACHA20) = %x, openssl %x", wrapped, want)
	}
	back, err := p.UnwrapKey(s, wrapMech, key, wrapped, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
	})
	hsmtest.Must(t, err, "C_UnwrapKey(CKM_CHACHA20)")
	if got := attr(t, p, s, back, pkcs11.CKA_VALUE); !bytes.Equal(got, aesVal) {
		t.Errorf("unwrapped key value %x, want %x", got, aesVal)
	}

	// The IETF counter may not wrap: its last block is the end.
	mech := chachaMech(&a, []byte{0xff, 0xff, 0xff, 0xff}, []byte("twelve-bytes"))
	hsmtest.Must(t, p.EncryptInit(s, mech, key), "C_EncryptInit")
	_, err = p.Encrypt(s, make([]byte, 65))
	hsmtest.WantRV(t, err, "65 bytes from the last counter value", pkcs11.CKR_DATA_LEN_RANGE)
}

// TestRSAExponentsThroughLibrary: C_GenerateKeyPair makes RSA keys with
// public exponents 3, 17, 65537 and 65539 (and odd sizes exactly); each
// signs with CKM_SHA256_RSA_PKCS what `openssl dgst -verify` accepts on a
// PEM key built from CKA_MODULUS/CKA_PUBLIC_EXPONENT, and decrypts with
// CKM_RSA_PKCS_OAEP what `openssl pkeyutl` encrypted. An even exponent is
// CKR_ATTRIBUTE_VALUE_INVALID.
func TestRSAExponentsThroughLibrary(t *testing.T) {
	tok := opensslToken(t)
	if tok == nil {
		return
	}
	p, s := tok.P, tok.Session
	mi := mechInfo(t, tok, ck.CKM_RSA_PKCS_KEY_PAIR_GEN)
	if mi.Flags != pkcs11.CKF_GENERATE_KEY_PAIR || mi.MinKeySize != 1024 || mi.MaxKeySize != 16384 {
		t.Errorf("CKM_RSA_PKCS_KEY_PAIR_GEN info %+v", mi)
	}
	dir := t.TempDir()
	gen := func(bits int, e []byte) (pkcs11.ObjectHandle, pkcs11.ObjectHandle, error) {
		return p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, nil)},
			[]*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_MODULUS_BITS, bits),
				pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, e),
				pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
				pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
			}, []*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
				pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, true),
			})
	}
	for _, c := range []struct {
		bits int
		e    int64
	}{{2048, 3}, {2048, 17}, {2048, 65537}, {2048, 65539}, {2049, 3}, {3000, 65537}} {
		name := fmt.Sprintf("%d bits e=%d", c.bits, c.e)
		pub, priv, err := gen(c.bits, big.NewInt(c.e).Bytes())
		hsmtest.Must(t, err, "C_GenerateKeyPair("+name+")")
		n := new(big.Int).SetBytes(attr(t, p, s, pub, pkcs11.CKA_MODULUS))
		e := new(big.Int).SetBytes(attr(t, p, s, pub, pkcs11.CKA_PUBLIC_EXPONENT))
		mb := binary.NativeEndian.Uint64(attr(t, p, s, pub, pkcs11.CKA_MODULUS_BITS))
		if n.BitLen() != c.bits || mb != uint64(c.bits) || e.Int64() != c.e {
			t.Fatalf("%s: modulus %d bits, CKA_MODULUS_BITS %d, e %v", name, n.BitLen(), mb, e)
		}
		spki, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: int(e.Int64())})
		hsmtest.Must(t, err, "MarshalPKIXPublicKey")
		pubPEM := filepath.Join(dir, fmt.Sprintf("pub-%d-%d.pem", c.bits, c.e))
		hsmtest.Must(t, os.WriteFile(pubPEM, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}), 0o600), "write PEM")

		msg := []byte("signed through libgohsm.so with e=" + fmt.Sprint(c.e))
		hsmtest.Must(t, p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256_RSA_PKCS, nil)}, priv), "C_SignInit")
		sig, err := p.Sign(s, msg)
		hsmtest.Must(t, err, "C_Sign")
		sigFile, msgFile := filepath.Join(dir, "sig"), filepath.Join(dir, "msg")
		os.WriteFile(sigFile, sig, 0o600)
		os.WriteFile(msgFile, msg, 0o600)
		if out := opensslOut(t, nil, "dgst", "-sha256", "-verify", pubPEM, "-signature", sigFile, msgFile); !strings.Contains(string(out), "Verified OK") {
			t.Errorf("%s: openssl does not verify the signature: %s", name, out)
		}

		secret := []byte("OAEP through openssl, e=" + fmt.Sprint(c.e))
		ct := opensslOut(t, secret, "pkeyutl", "-encrypt", "-pubin", "-inkey", pubPEM, "-pkeyopt", "rsa_padding_mode:oaep",
			"-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256")
		oaep := pkcs11.NewOAEPParams(pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, pkcs11.CKZ_DATA_SPECIFIED, nil)
		hsmtest.Must(t, p.DecryptInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_OAEP, oaep)}, priv), "C_DecryptInit(OAEP)")
		pt, err := p.Decrypt(s, ct)
		hsmtest.Must(t, err, "C_Decrypt(OAEP)")
		if !bytes.Equal(pt, secret) {
			t.Errorf("%s: OAEP decryption of openssl's ciphertext = %q", name, pt)
		}
	}
	for _, e := range [][]byte{{2}, {1, 0, 0}, {1}} {
		_, _, err := gen(2048, e)
		hsmtest.WantRV(t, err, fmt.Sprintf("exponent %x", e), pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)
	}
}
