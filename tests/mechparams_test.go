package tests

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/miekg/pkcs11"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// Mechanism parameters that are C structures with pointers inside, built
// byte for byte as an application lays them out (LP64: pointers and
// CK_ULONGs are 8 bytes, CK_BBOOLs padded to the next CK_ULONG).

// cWords lays out CK_ULONG/pointer words.
func cWords(w ...uint64) []byte {
	b := make([]byte, 0, 8*len(w))
	for _, x := range w {
		b = binary.NativeEndian.AppendUint64(b, x)
	}
	return b
}

// cPtr copies b to C memory owned by a; empty is NULL.
func cPtr(a *capi.Arena, b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return a.Bytes(b)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// secretKey imports a generic secret (or keyType) usable for derivation.
func secretKey(t *testing.T, p *pkcs11.Ctx, s pkcs11.SessionHandle, keyType uint, value []byte) pkcs11.ObjectHandle {
	t.Helper()
	h, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, keyType),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, value),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
	})
	hsmtest.Must(t, err, "C_CreateObject(secret)")
	return h
}

// deriveValue derives an n-byte readable generic secret and returns its value.
func deriveValue(t *testing.T, p *pkcs11.Ctx, s pkcs11.SessionHandle, mech uint, param []byte, base pkcs11.ObjectHandle, n int) ([]byte, error) {
	t.Helper()
	h, err := p.DeriveKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, param)}, base, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, n),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	})
	if err != nil {
		return nil, err
	}
	return attr(t, p, s, h, pkcs11.CKA_VALUE), nil
}

// TestDeriveParamsThroughABI: CK_HKDF_PARAMS (salt data, salt key),
// CK_KEY_DERIVATION_STRING_DATA (concatenations, XOR, ECB encrypt-data) and
// CK_AES/DES_CBC_ENCRYPT_DATA_PARAMS reach their mechanisms through
// libgohsm.so, and derive what RFC 5869 and Go's ciphers compute; broken
// structures are CKR_MECHANISM_PARAM_INVALID.
func TestDeriveParamsThroughABI(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	var a capi.Arena
	defer a.Free()

	// RFC 5869 appendix A.1.
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	salt := mustHex("000102030405060708090a0b0c")
	info := mustHex("f0f1f2f3f4f5f6f7f8f9")
	okm := mustHex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
	base := secretKey(t, p, s, pkcs11.CKK_GENERIC_SECRET, ikm)
	saltKey := secretKey(t, p, s, pkcs11.CKK_GENERIC_SECRET, salt)
	hkdf := func(saltType uint64, saltPtr []byte, hSalt uint64) []byte {
		return cWords(1|1<<8, pkcs11.CKM_SHA256, saltType, cPtr(&a, saltPtr), uint64(len(saltPtr)), hSalt,
			cPtr(&a, info), uint64(len(info)))
	}
	const saltData, saltKeyType = 2, 4 // CKF_HKDF_SALT_DATA, CKF_HKDF_SALT_KEY
	got, err := deriveValue(t, p, s, uint(ck.CKM_HKDF_DERIVE), hkdf(saltData, salt, 0), base, len(okm))
	hsmtest.Must(t, err, "C_DeriveKey(CKM_HKDF_DERIVE, salt data)")
	if !bytes.Equal(got, okm) {
		t.Errorf("HKDF (salt data) = %x, want RFC 5869 A.1 %x", got, okm)
	}
	got, err = deriveValue(t, p, s, uint(ck.CKM_HKDF_DERIVE), hkdf(saltKeyType, nil, uint64(saltKey)), base, len(okm))
	hsmtest.Must(t, err, "C_DeriveKey(CKM_HKDF_DERIVE, salt key)")
	if !bytes.Equal(got, okm) {
		t.Errorf("HKDF (salt key) = %x, want RFC 5869 A.1 %x", got, okm)
	}
	_, err = deriveValue(t, p, s, uint(ck.CKM_HKDF_DERIVE), hkdf(saltKeyType, nil, 0xdead), base, 16)
	hsmtest.WantRV(t, err, "HKDF with an unknown salt key", pkcs11.CKR_KEY_HANDLE_INVALID)
	_, err = deriveValue(t, p, s, uint(ck.CKM_HKDF_DERIVE), hkdf(saltData, salt, 0)[:56], base, 16)
	hsmtest.WantRV(t, err, "HKDF with a short CK_HKDF_PARAMS", pkcs11.CKR_MECHANISM_PARAM_INVALID)
	nullInfo := cWords(1|1<<8, pkcs11.CKM_SHA256, saltData, cPtr(&a, salt), uint64(len(salt)), 0, 0, 5)
	_, err = deriveValue(t, p, s, uint(ck.CKM_HKDF_DERIVE), nullInfo, base, 16)
	hsmtest.WantRV(t, err, "HKDF with NULL pInfo and a length", pkcs11.CKR_MECHANISM_PARAM_INVALID)

	// Concatenation and XOR with CK_KEY_DERIVATION_STRING_DATA.
	bv, data := []byte("base-key-value-16"), []byte("caller data 0123")
	b2 := secretKey(t, p, s, pkcs11.CKK_GENERIC_SECRET, bv)
	str := func(d []byte) []byte { return cWords(cPtr(&a, d), uint64(len(d))) }
	xor := make([]byte, min(len(bv), len(data)))
	for i := range xor {
		xor[i] = bv[i] ^ data[i]
	}
	for _, c := range []struct {
		name string
		mech uint
		want []byte
	}{
		{"CONCATENATE_BASE_AND_DATA", pkcs11.CKM_CONCATENATE_BASE_AND_DATA, append(append([]byte(nil), bv...), data...)},
		{"CONCATENATE_DATA_AND_BASE", pkcs11.CKM_CONCATENATE_DATA_AND_BASE, append(append([]byte(nil), data...), bv...)},
		{"XOR_BASE_AND_DATA", pkcs11.CKM_XOR_BASE_AND_DATA, xor},
	} {
		got, err := deriveValue(t, p, s, c.mech, str(data), b2, len(c.want))
		hsmtest.Must(t, err, "C_DeriveKey("+c.name+")")
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s = %x, want %x", c.name, got, c.want)
		}
	}
	_, err = deriveValue(t, p, s, pkcs11.CKM_XOR_BASE_AND_DATA, cWords(0, 4), b2, 4)
	hsmtest.WantRV(t, err, "XOR with NULL pData and a length", pkcs11.CKR_MECHANISM_PARAM_INVALID)

	// Encrypt-data derivations against crypto/aes and crypto/des.
	aesVal, desVal := mustHex("000102030405060708090a0b0c0d0e0f"), mustHex("0123456789abcdeffedcba987654321089abcdef01234567")
	aesKeyH := secretKey(t, p, s, pkcs11.CKK_AES, aesVal)
	desKeyH := secretKey(t, p, s, pkcs11.CKK_DES3, desVal)
	blk, _ := aes.NewCipher(aesVal)
	dblk, _ := des.NewTripleDESCipher(desVal)
	plain := []byte("thirty-two bytes of secret data!")
	ecb := make([]byte, 32)
	blk.Encrypt(ecb[:16], plain[:16])
	blk.Encrypt(ecb[16:], plain[16:])
	got, err = deriveValue(t, p, s, pkcs11.CKM_AES_ECB_ENCRYPT_DATA, str(plain), aesKeyH, 32)
	hsmtest.Must(t, err, "C_DeriveKey(CKM_AES_ECB_ENCRYPT_DATA)")
	if !bytes.Equal(got, ecb) {
		t.Errorf("AES_ECB_ENCRYPT_DATA = %x, want %x", got, ecb)
	}
	iv := []byte("iv-of-16-bytes!!")
	cbc := make([]byte, 32)
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(cbc, plain)
	got, err = deriveValue(t, p, s, pkcs11.CKM_AES_CBC_ENCRYPT_DATA, append(append([]byte(nil), iv...), cWords(cPtr(&a, plain), 32)...), aesKeyH, 32)
	hsmtest.Must(t, err, "C_DeriveKey(CKM_AES_CBC_ENCRYPT_DATA)")
	if !bytes.Equal(got, cbc) {
		t.Errorf("AES_CBC_ENCRYPT_DATA = %x, want %x", got, cbc)
	}
	dcbc := make([]byte, 24)
	cipher.NewCBCEncrypter(dblk, iv[:8]).CryptBlocks(dcbc, plain[:24])
	got, err = deriveValue(t, p, s, pkcs11.CKM_DES3_CBC_ENCRYPT_DATA, append(append([]byte(nil), iv[:8]...), cWords(cPtr(&a, plain[:24]), 24)...), desKeyH, 24)
	hsmtest.Must(t, err, "C_DeriveKey(CKM_DES3_CBC_ENCRYPT_DATA)")
	if !bytes.Equal(got, dcbc) {
		t.Errorf("DES3_CBC_ENCRYPT_DATA = %x, want %x", got, dcbc)
	}
	decb := make([]byte, 8)
	dblk.Encrypt(decb, plain[:8])
	got, err = deriveValue(t, p, s, pkcs11.CKM_DES3_ECB_ENCRYPT_DATA, str(plain[:8]), desKeyH, 8)
	hsmtest.Must(t, err, "C_DeriveKey(CKM_DES3_ECB_ENCRYPT_DATA)")
	if !bytes.Equal(got, decb) {
		t.Errorf("DES3_ECB_ENCRYPT_DATA = %x, want %x", got, decb)
	}
	_, err = deriveValue(t, p, s, pkcs11.CKM_DES3_CBC_ENCRYPT_DATA, append(append([]byte(nil), iv...), cWords(cPtr(&a, plain), 32)...), desKeyH, 24)
	hsmtest.WantRV(t, err, "DES3_CBC_ENCRYPT_DATA with the AES-sized struct", pkcs11.CKR_MECHANISM_PARAM_INVALID)
}

// TestChaChaPolyAndRSAAESParamsThroughABI: CK_SALSA20_CHACHA20_POLY1305_PARAMS
// gives the ciphertext x/crypto's ChaCha20-Poly1305 computes, and
// CK_RSA_AES_KEY_WRAP_PARAMS (with its nested OAEP parameters) wraps a key
// that Go's RSA-OAEP and OpenSSL's AES key wrap with padding unwrap.
func TestChaChaPolyAndRSAAESParamsThroughABI(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	var a capi.Arena
	defer a.Free()

	key := bytes.Repeat([]byte{0x42}, 32)
	nonce, aad, msg := []byte("twelve-bytes"), []byte("header"), []byte("chacha20-poly1305 through the C ABI")
	kh := secretKey(t, p, s, uint(ck.CKK_CHACHA20), key)
	param := cWords(cPtr(&a, nonce), uint64(len(nonce)), cPtr(&a, aad), uint64(len(aad)))
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_CHACHA20_POLY1305), param)}
	hsmtest.Must(t, p.EncryptInit(s, mech, kh), "C_EncryptInit(CKM_CHACHA20_POLY1305)")
	ct, err := p.Encrypt(s, msg)
	hsmtest.Must(t, err, "C_Encrypt(CKM_CHACHA20_POLY1305)")
	aead, _ := chacha20poly1305.New(key)
	if want := aead.Seal(nil, nonce, msg, aad); !bytes.Equal(ct, want) {
		t.Errorf("ChaCha20-Poly1305 = %x, want %x", ct, want)
	}
	hsmtest.Must(t, p.DecryptInit(s, mech, kh), "C_DecryptInit(CKM_CHACHA20_POLY1305)")
	pt, err := p.Decrypt(s, ct)
	hsmtest.Must(t, err, "C_Decrypt(CKM_CHACHA20_POLY1305)")
	if !bytes.Equal(pt, msg) {
		t.Errorf("decrypted %q", pt)
	}
	hsmtest.WantRV(t, p.EncryptInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_CHACHA20_POLY1305), param[:24])}, kh),
		"ChaCha20-Poly1305 with a short struct", pkcs11.CKR_MECHANISM_PARAM_INVALID)

	// RSA-AES key wrap: the token holds the public key; the test the private one.
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_MODULUS, rk.N.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(rk.E)).Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
	})
	hsmtest.Must(t, err, "C_CreateObject(RSA public key)")
	target := secretKey(t, p, s, pkcs11.CKK_AES, mustHex("00112233445566778899aabbccddeeff0001020304050607"))
	label := []byte("gohsm label")
	oaep := a.Bytes(cWords(pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, 1, cPtr(&a, label), uint64(len(label))))
	wrapMech := []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_RSA_AES_KEY_WRAP), cWords(256, oaep))}
	wrapped, err := p.WrapKey(s, wrapMech, pub, target)
	hsmtest.Must(t, err, "C_WrapKey(CKM_RSA_AES_KEY_WRAP)")
	if len(wrapped) != 256+32 {
		t.Fatalf("wrapped %d bytes, want 256 (OAEP) + 32 (RFC 5649 of 24 bytes)", len(wrapped))
	}
	tmp, err := rsa.DecryptOAEP(sha256.New(), nil, rk, wrapped[:256], label)
	if err != nil || len(tmp) != 32 {
		t.Fatalf("RSA-OAEP(SHA-256, label) of the temporary key: %d bytes, %v", len(tmp), err)
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Log("openssl not installed: the RFC 5649 part is not checked")
	} else {
		in := filepath.Join(t.TempDir(), "kwp")
		if err := os.WriteFile(in, wrapped[256:], 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("openssl", "enc", "-d", "-id-aes256-wrap-pad", "-K", hex.EncodeToString(tmp), "-iv", "A65959A6", "-in", in).Output()
		if err != nil || !bytes.Equal(out, mustHex("00112233445566778899aabbccddeeff0001020304050607")) {
			t.Errorf("openssl id-aes256-wrap-pad unwrap: %x, %v", out, err)
		}
	}
	_, err = p.WrapKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_RSA_AES_KEY_WRAP), cWords(256, 0))}, pub, target)
	hsmtest.WantRV(t, err, "RSA_AES_KEY_WRAP with NULL pOAEPParams", pkcs11.CKR_MECHANISM_PARAM_INVALID)
}

// TestPBKDF2ThroughABI: C_GenerateKey(CKM_PKCS5_PBKD2) with
// CK_PKCS5_PBKD2_PARAMS2 and with the older CK_PKCS5_PBKD2_PARAMS (password
// length by pointer) makes RFC 6070's key, and the key `openssl kdf ...
// PBKDF2` computes for HMAC-SHA256.
func TestPBKDF2ThroughABI(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	var a capi.Arena
	defer a.Free()
	pw, salt := []byte("password"), []byte("salt")
	gen := func(prf, iter uint64, pwLenWord uint64, n int) ([]byte, error) {
		param := cWords(1 /* CKZ_SALT_SPECIFIED */, cPtr(&a, salt), uint64(len(salt)), iter, prf, 0, 0, cPtr(&a, pw), pwLenWord)
		h, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_PKCS5_PBKD2, param)}, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, n),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
		})
		if err != nil {
			return nil, err
		}
		return attr(t, p, s, h, pkcs11.CKA_VALUE), nil
	}
	rfc6070 := mustHex("4b007901b765489abead49d926f721d065a429c1") // c = 4096
	got, err := gen(pkcs11.CKP_PKCS5_PBKD2_HMAC_SHA1, 4096, uint64(len(pw)), 20)
	hsmtest.Must(t, err, "C_GenerateKey(CKM_PKCS5_PBKD2, PARAMS2)")
	if !bytes.Equal(got, rfc6070) {
		t.Errorf("PBKDF2-SHA1 = %x, want RFC 6070 %x", got, rfc6070)
	}
	got, err = gen(pkcs11.CKP_PKCS5_PBKD2_HMAC_SHA1, 4096, a.ULong(uint64(len(pw))), 20)
	hsmtest.Must(t, err, "C_GenerateKey(CKM_PKCS5_PBKD2, PARAMS with a length pointer)")
	if !bytes.Equal(got, rfc6070) {
		t.Errorf("PBKDF2-SHA1 (old PARAMS) = %x, want RFC 6070 %x", got, rfc6070)
	}
	got, err = gen(pkcs11.CKP_PKCS5_PBKD2_HMAC_SHA256, 1000, uint64(len(pw)), 48)
	hsmtest.Must(t, err, "C_GenerateKey(CKM_PKCS5_PBKD2, HMAC-SHA256)")
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Log("openssl not installed: the SHA-256 key is not compared")
	} else {
		out, err := exec.Command("openssl", "kdf", "-keylen", "48", "-kdfopt", "pass:password", "-kdfopt", "salt:salt",
			"-kdfopt", "iter:1000", "-kdfopt", "digest:SHA256", "PBKDF2").Output()
		want, herr := hex.DecodeString(string(bytes.ReplaceAll(bytes.TrimSpace(out), []byte(":"), nil)))
		if err != nil || herr != nil || !bytes.Equal(got, want) {
			t.Errorf("PBKDF2-SHA256 = %x, openssl %x (%v %v)", got, want, err, herr)
		}
	}
	_, err = gen(pkcs11.CKP_PKCS5_PBKD2_HMAC_SHA1, 0, uint64(len(pw)), 20)
	hsmtest.WantRV(t, err, "PBKDF2 with 0 iterations", pkcs11.CKR_MECHANISM_PARAM_INVALID)
	_, err = p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_PKCS5_PBKD2, cWords(1, 2, 3))},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 16)})
	hsmtest.WantRV(t, err, "PBKDF2 with a short structure", pkcs11.CKR_MECHANISM_PARAM_INVALID)
}

// kbkdfParams lays out CK_SP800_108_KDF_PARAMS (or the FEEDBACK variant with
// iv) with OpenSSL's default input: iteration variable, [optional counter],
// "label", 0x00, "context", L (32-bit big-endian counts).
func kbkdfParams(a *capi.Arena, prf uint64, feedback bool, iv []byte) []byte {
	ctr := a.Bytes(cWords(0, 32)) // CK_SP800_108_COUNTER_FORMAT: big endian, 32 bits
	var d []byte
	if feedback {
		d = append(d, cWords(1, 0, 0)...)    // iteration variable: K(i-1) or A(i)
		d = append(d, cWords(2, ctr, 16)...) // optional counter
	} else {
		d = append(d, cWords(1, ctr, 16)...)
	}
	for _, b := range [][]byte{[]byte("label"), {0}, []byte("context")} {
		d = append(d, cWords(4, a.Bytes(b), uint64(len(b)))...)
	}
	d = append(d, cWords(3, a.Bytes(cWords(1, 0, 32)), 24)...) // DKM length: sum of keys, big endian, 32 bits
	arr, count := a.Bytes(d), uint64(len(d)/24)
	if feedback {
		return cWords(prf, count, arr, uint64(len(iv)), cPtr(a, iv), 0, 0)
	}
	return cWords(prf, count, arr, 0, 0)
}

func opensslKBKDF(t *testing.T, n int, args ...string) []byte {
	t.Helper()
	args = append([]string{"kdf", "-keylen", strconv.Itoa(n), "-kdfopt", "hexkey:000102030405060708090a0b0c0d0e0f",
		"-kdfopt", "salt:label", "-kdfopt", "info:context"}, append(args, "KBKDF")...)
	out, err := exec.Command("openssl", args...).Output()
	if err != nil {
		t.Fatalf("openssl %v: %v", args, err)
	}
	want, err := hex.DecodeString(string(bytes.ReplaceAll(bytes.TrimSpace(out), []byte(":"), nil)))
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// TestSP800108ThroughABI: the three SP 800-108 KDFs with CK_PRF_DATA_PARAM
// arrays through libgohsm.so: counter (HMAC-SHA256 and AES-CMAC) and
// feedback agree with `openssl kdf ... KBKDF`; the double pipeline with
// SP 800-108r1 §4.3 written out here.
func TestSP800108ThroughABI(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	var a capi.Arena
	defer a.Free()
	ki := mustHex("000102030405060708090a0b0c0d0e0f")
	gen := secretKey(t, p, s, pkcs11.CKK_GENERIC_SECRET, ki)
	aesK := secretKey(t, p, s, pkcs11.CKK_AES, ki)
	iv := bytes.Repeat([]byte{0x5c}, 32)
	for _, c := range []struct {
		name string
		mech uint
		base pkcs11.ObjectHandle
		prm  []byte
		n    int
		ossl []string
	}{
		{"counter HMAC-SHA256", uint(ck.CKM_SP800_108_COUNTER_KDF), gen, kbkdfParams(&a, pkcs11.CKM_SHA256_HMAC, false, nil), 40,
			[]string{"-kdfopt", "mode:counter", "-kdfopt", "mac:HMAC", "-kdfopt", "digest:SHA256"}},
		{"counter HMAC-SHA512", uint(ck.CKM_SP800_108_COUNTER_KDF), gen, kbkdfParams(&a, pkcs11.CKM_SHA512_HMAC, false, nil), 100,
			[]string{"-kdfopt", "mode:counter", "-kdfopt", "mac:HMAC", "-kdfopt", "digest:SHA512"}},
		{"counter AES-CMAC", uint(ck.CKM_SP800_108_COUNTER_KDF), aesK, kbkdfParams(&a, pkcs11.CKM_AES_CMAC, false, nil), 32,
			[]string{"-kdfopt", "mode:counter", "-kdfopt", "mac:CMAC", "-kdfopt", "cipher:AES-128-CBC"}},
		{"feedback HMAC-SHA256", uint(ck.CKM_SP800_108_FEEDBACK_KDF), gen, kbkdfParams(&a, pkcs11.CKM_SHA256_HMAC, true, iv), 80,
			[]string{"-kdfopt", "mode:feedback", "-kdfopt", "mac:HMAC", "-kdfopt", "digest:SHA256", "-kdfopt", "hexseed:" + hex.EncodeToString(iv)}},
	} {
		got, err := deriveValue(t, p, s, c.mech, c.prm, c.base, c.n)
		hsmtest.Must(t, err, "C_DeriveKey("+c.name+")")
		if want := opensslKBKDF(t, c.n, c.ossl...); !bytes.Equal(got, want) {
			t.Errorf("%s = %x, openssl %x", c.name, got, want)
		}
	}

	const n = 72
	fixed := append([]byte("label\x00context"), binary.BigEndian.AppendUint32(nil, 8*n)...)
	prf := func(in []byte) []byte { m := hmac.New(sha256.New, ki); m.Write(in); return m.Sum(nil) }
	var want []byte
	for i, ai := uint32(1), fixed; len(want) < n; i++ {
		ai = prf(ai)
		want = append(want, prf(append(append(append([]byte(nil), ai...), binary.BigEndian.AppendUint32(nil, i)...), fixed...))...)
	}
	pipe := kbkdfParams(&a, pkcs11.CKM_SHA256_HMAC, true, nil)
	pipe = append(pipe[:24], cWords(0, 0)...) // the CK_SP800_108_KDF_PARAMS layout: no IV
	got, err := deriveValue(t, p, s, uint(ck.CKM_SP800_108_DOUBLE_PIPELINE_KDF), pipe, gen, n)
	hsmtest.Must(t, err, "C_DeriveKey(double pipeline)")
	if !bytes.Equal(got, want[:n]) {
		t.Errorf("double pipeline = %x, want %x", got, want[:n])
	}

	_, err = deriveValue(t, p, s, uint(ck.CKM_SP800_108_COUNTER_KDF), kbkdfParams(&a, pkcs11.CKM_SHA256_HMAC, true, nil), gen, 32)
	hsmtest.WantRV(t, err, "counter KDF with the feedback structure", pkcs11.CKR_MECHANISM_PARAM_INVALID)
	_, err = deriveValue(t, p, s, uint(ck.CKM_SP800_108_COUNTER_KDF), cWords(pkcs11.CKM_SHA256_HMAC, 3, 0, 0, 0), gen, 32)
	hsmtest.WantRV(t, err, "counter KDF with NULL pDataParams and a count", pkcs11.CKR_MECHANISM_PARAM_INVALID)
}
