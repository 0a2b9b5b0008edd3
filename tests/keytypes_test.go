package tests

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha512"
	"hash"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestSecretKeyTypesThroughABI: CKK_MD5_HMAC, CKK_SHA512_224_HMAC and
// CKK_SHA512_256_HMAC keys can be stored and MAC what Go's crypto/hmac
// computes; CKM_HKDF_KEY_GEN makes a CKK_HKDF key that CKM_HKDF_DERIVE takes.
func TestSecretKeyTypesThroughABI(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	key, msg := []byte("an HMAC key of some length"), []byte("message to MAC")
	for _, c := range []struct {
		kt, mech uint
		h        func() hash.Hash
	}{
		{uint(ck.CKK_MD5_HMAC), pkcs11.CKM_MD5_HMAC, md5.New},
		{uint(ck.CKK_SHA512_224_HMAC), uint(ck.CKM_SHA512_224_HMAC), sha512.New512_224},
		{uint(ck.CKK_SHA512_256_HMAC), uint(ck.CKM_SHA512_256_HMAC), sha512.New512_256},
	} {
		h, err := p.CreateObject(s, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, c.kt),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, key),
			pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		})
		hsmtest.Must(t, err, "C_CreateObject("+ck.KeyType(c.kt).String()+")")
		hsmtest.Must(t, p.SignInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(c.mech, nil)}, h), "C_SignInit")
		mac, err := p.Sign(s, msg)
		hsmtest.Must(t, err, "C_Sign")
		want := hmac.New(c.h, key)
		want.Write(msg)
		if !bytes.Equal(mac, want.Sum(nil)) {
			t.Errorf("%v: MAC %x, want %x", ck.KeyType(c.kt), mac, want.Sum(nil))
		}
	}

	hk, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(ck.CKM_HKDF_KEY_GEN), nil)}, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 32),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	})
	hsmtest.Must(t, err, "C_GenerateKey(CKM_HKDF_KEY_GEN)")
	if kt := attr(t, p, s, hk, pkcs11.CKA_KEY_TYPE); !bytes.Equal(kt, ck.EncodeULong(ck.ULong(ck.CKK_HKDF))) {
		t.Errorf("CKA_KEY_TYPE %x, want CKK_HKDF", kt)
	}
	ikm := attr(t, p, s, hk, pkcs11.CKA_VALUE)
	if len(ikm) != 32 {
		t.Fatalf("CKA_VALUE %d bytes", len(ikm))
	}
	var a capi.Arena
	defer a.Free()
	info := []byte("ctx")
	param := cWords(1|1<<8, pkcs11.CKM_SHA512, 1 /* CKF_HKDF_SALT_NULL */, 0, 0, 0, cPtr(&a, info), uint64(len(info)))
	got, err := deriveValue(t, p, s, uint(ck.CKM_HKDF_DERIVE), param, hk, 48)
	hsmtest.Must(t, err, "C_DeriveKey(CKM_HKDF_DERIVE) from a CKK_HKDF key")
	// RFC 5869 by hand: PRK = HMAC(zeros, IKM); T(1) = HMAC(PRK, info|1) ...
	prk := hmac.New(sha512.New, make([]byte, 64))
	prk.Write(ikm)
	e := hmac.New(sha512.New, prk.Sum(nil))
	e.Write(append(info, 1))
	if want := e.Sum(nil)[:48]; !bytes.Equal(got, want) {
		t.Errorf("HKDF-SHA512 = %x, want %x", got, want)
	}
}
