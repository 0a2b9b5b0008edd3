package tests

import (
	"bytes"
	"crypto/aes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestTokenClock: a token that sets CKF_CLOCK_ON_TOKEN reports the current UTC time.
func TestTokenClock(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	ti, err := tok.P.GetTokenInfo(tok.Slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	if ti.Flags&pkcs11.CKF_CLOCK_ON_TOKEN == 0 {
		t.Skip("the token has no clock (CKF_CLOCK_ON_TOKEN clear)")
	}
	// utcTime is "YYYYMMDDhhmmss00".
	if len(ti.UTCTime) != 16 || !strings.HasSuffix(ti.UTCTime, "00") {
		t.Fatalf("utcTime %q is not YYYYMMDDhhmmss00", ti.UTCTime)
	}
	at, err := time.Parse("20060102150405", ti.UTCTime[:14])
	if err != nil {
		t.Fatalf("utcTime %q: %v", ti.UTCTime, err)
	}
	if d := time.Since(at); d < -time.Minute || d > time.Minute {
		t.Errorf("utcTime %q is %v away from now", ti.UTCTime, d)
	}
}

// TestDualFunctions: a token that sets CKF_DUAL_CRYPTO_OPERATIONS digests and
// encrypts (and decrypts and digests) in one pass, with the same results as
// the operations apart.
func TestDualFunctions(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	ti, err := p.GetTokenInfo(tok.Slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	if ti.Flags&pkcs11.CKF_DUAL_CRYPTO_OPERATIONS == 0 {
		t.Skip("the token does not offer dual operations (CKF_DUAL_CRYPTO_OPERATIONS clear)")
	}
	km := newKeyMaterial(t)
	key := aesKey(t, p, s, km.aes, map[uint]bool{pkcs11.CKA_ENCRYPT: true, pkcs11.CKA_DECRYPT: true})
	plain := bytes.Repeat([]byte("dual operations!"), 4)
	block, _ := aes.NewCipher(km.aes)
	wantCT := make([]byte, len(plain))
	for i := 0; i < len(plain); i += 16 {
		block.Encrypt(wantCT[i:], plain[i:])
	}
	wantDigest := sha256.Sum256(plain)
	ecb := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_ECB, nil)}
	sha := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256, nil)}

	hsmtest.Must(t, p.DigestInit(s, sha), "C_DigestInit")
	hsmtest.Must(t, p.EncryptInit(s, ecb, key), "C_EncryptInit")
	var ct []byte
	for i := 0; i < len(plain); i += 32 {
		part, err := p.DigestEncryptUpdate(s, plain[i:i+32])
		hsmtest.Must(t, err, "C_DigestEncryptUpdate")
		ct = append(ct, part...)
	}
	last, err := p.EncryptFinal(s)
	hsmtest.Must(t, err, "C_EncryptFinal")
	ct = append(ct, last...)
	d, err := p.DigestFinal(s)
	hsmtest.Must(t, err, "C_DigestFinal")
	if !bytes.Equal(ct, wantCT) || !bytes.Equal(d, wantDigest[:]) {
		t.Errorf("C_DigestEncryptUpdate: ciphertext %x digest %x, want %x %x", ct, d, wantCT, wantDigest)
	}

	hsmtest.Must(t, p.DecryptInit(s, ecb, key), "C_DecryptInit")
	hsmtest.Must(t, p.DigestInit(s, sha), "C_DigestInit")
	pt, err := p.DecryptDigestUpdate(s, ct)
	hsmtest.Must(t, err, "C_DecryptDigestUpdate")
	last, err = p.DecryptFinal(s)
	hsmtest.Must(t, err, "C_DecryptFinal")
	pt = append(pt, last...)
	d, err = p.DigestFinal(s)
	hsmtest.Must(t, err, "C_DigestFinal")
	if !bytes.Equal(pt, plain) || !bytes.Equal(d, wantDigest[:]) {
		t.Errorf("C_DecryptDigestUpdate: plaintext %q digest %x", pt, d)
	}
}
