package tests

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"testing"

	"github.com/miekg/pkcs11"
	"golang.org/x/crypto/xts"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestAESXTSThroughABI: CKM_AES_XTS_KEY_GEN makes a 64-byte CKK_AES_XTS key;
// CKM_AES_XTS with a 16-byte tweak encrypts what x/crypto/xts computes for a
// sector-number tweak (single-part and multipart), decrypts back, and
// matches IEEE 1619 vector 15 (ciphertext stealing, 17 bytes).
func TestAESXTSThroughABI(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	h, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_AES_XTS_KEY_GEN), nil)}, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 64),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	})
	hsmtest.Must(t, err, "C_GenerateKey(CKM_AES_XTS_KEY_GEN)")
	key := attr(t, p, s, h, pkcs11.CKA_VALUE)
	if len(key) != 64 {
		t.Fatalf("CKA_VALUE %d bytes", len(key))
	}
	const sector = 0x1122334455
	tweak := binary.LittleEndian.AppendUint64(nil, sector)
	tweak = append(tweak, make([]byte, 8)...)
	msg := bytes.Repeat([]byte("a data unit of 512 bytes, 32 blocks....."), 13)[:512]
	ref, err := xts.NewCipher(aes.NewCipher, key)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, len(msg))
	ref.Encrypt(want, msg, sector)
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_AES_XTS), tweak)}
	hsmtest.Must(t, p.EncryptInit(s, mech, h), "C_EncryptInit(CKM_AES_XTS)")
	ct, err := p.Encrypt(s, msg)
	hsmtest.Must(t, err, "C_Encrypt(CKM_AES_XTS)")
	if !bytes.Equal(ct, want) {
		t.Errorf("AES-256-XTS differs from x/crypto/xts")
	}
	hsmtest.Must(t, p.EncryptInit(s, mech, h), "C_EncryptInit(CKM_AES_XTS) multipart")
	a, err := p.EncryptUpdate(s, msg[:100])
	hsmtest.Must(t, err, "C_EncryptUpdate")
	b, err := p.EncryptUpdate(s, msg[100:])
	hsmtest.Must(t, err, "C_EncryptUpdate")
	c, err := p.EncryptFinal(s)
	hsmtest.Must(t, err, "C_EncryptFinal")
	if got := append(append(a, b...), c...); !bytes.Equal(got, want) {
		t.Errorf("multipart AES-XTS differs from x/crypto/xts")
	}
	hsmtest.Must(t, p.DecryptInit(s, mech, h), "C_DecryptInit(CKM_AES_XTS)")
	pt, err := p.Decrypt(s, ct)
	hsmtest.Must(t, err, "C_Decrypt(CKM_AES_XTS)")
	if !bytes.Equal(pt, msg) {
		t.Errorf("decrypted data differ")
	}

	v15, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, uint(ck.CKK_AES_XTS)),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, mustHex("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0")),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
	})
	hsmtest.Must(t, err, "C_CreateObject(CKK_AES_XTS)")
	hsmtest.Must(t, p.EncryptInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_AES_XTS), mustHex("9a785634120000000000000000000000"))}, v15), "C_EncryptInit")
	ct, err = p.Encrypt(s, mustHex("000102030405060708090a0b0c0d0e0f10"))
	hsmtest.Must(t, err, "C_Encrypt(17 bytes)")
	if want := mustHex("6c1625db4671522d3d7599601de7ca09ed"); !bytes.Equal(ct, want) {
		t.Errorf("IEEE 1619 vector 15: %x, want %x", ct, want)
	}
	hsmtest.WantRV(t, p.EncryptInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_AES_XTS), tweak[:8])}, h),
		"AES-XTS with an 8-byte tweak", pkcs11.CKR_MECHANISM_PARAM_INVALID)
}
