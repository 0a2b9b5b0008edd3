package mechanisms

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestSHA512tParameterHashes: CKM_SHA512_224 and CKM_SHA512_256 are
// accepted where a parameter names a hash: HKDF's prfHashMechanism gives
// what `openssl kdf -kdfopt digest:SHA512-256 HKDF` gives for RFC 5869 A.1's
// inputs (L = 40), OAEP's hashAlg encrypts what Go's RSA-OAEP decrypts, and
// their HMACs as SP 800-108 PRFs give `openssl kdf ... KBKDF`'s output
// (counter mode, key 00..0f, salt "label", info "context", 40 bytes).
func TestSHA512tParameterHashes(t *testing.T) {
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	base := secretKey(ck.CKK_GENERIC_SECRET, ikm)
	for _, tc := range []struct {
		prf  ck.MechanismType
		want string
	}{
		{ck.CKM_SHA512_256, "789a93e567a1861de449342b2d674c0df737fd8adce2a8e1843237c1938ac413044b496ce267a198"},
		{ck.CKM_SHA512_224, "f8d956e152b0fba831bac400f1a5af54982b91db3d96ae21a75655eff1725f928e491c63f3aedb40"},
	} {
		p := &ck.HKDFParams{Extract: true, Expand: true, PRF: tc.prf, SaltType: ck.CKF_HKDF_SALT_DATA,
			Salt: unhex(t, "000102030405060708090a0b0c"), Info: unhex(t, "f0f1f2f3f4f5f6f7f8f9")}
		got, err := derive(t, ck.CKM_HKDF_DERIVE, base, p, ck.Template{valueLen(40)})
		if err != nil || !bytes.Equal(got, unhex(t, tc.want)) {
			t.Errorf("HKDF with %v: %x %v, want %s", tc.prf, got, err, tc.want)
		}
	}

	kbBase := secretKey(ck.CKK_GENERIC_SECRET, unhex(t, "000102030405060708090a0b0c0d0e0f"))
	for _, tc := range []struct {
		prf  ck.MechanismType
		want string
	}{
		{ck.CKM_SHA512_256_HMAC, "b8f5654d9c8365a7b495dc615ce9a94799ff86335a86baa330dff02c090e405fede8b9aa8a34c5d6"},
		{ck.CKM_SHA512_224_HMAC, "4ed892d34eeaf894e9226f5989f63830b58d7ed472708a7cec62ada2d17a6aec1f9319256a0554e4"},
	} {
		p := &ck.SP800108Params{PRF: tc.prf, Data: kbkdfData(false)}
		got, err := derive(t, ck.CKM_SP800_108_COUNTER_KDF, kbBase, p, lenTmpl(40))
		if err != nil || !bytes.Equal(got, unhex(t, tc.want)) {
			t.Errorf("KBKDF with %v: %x %v, want %s", tc.prf, got, err, tc.want)
		}
	}

	pub, _ := rsaTestKeys(t)
	label := []byte("label")
	for _, h := range []struct {
		mech ck.MechanismType
		hash crypto.Hash
	}{{ck.CKM_SHA512_224, crypto.SHA512_224}, {ck.CKM_SHA512_256, crypto.SHA512_256}} {
		p := &ck.OAEPParams{Hash: h.mech, MGF: ck.CKG_MGF1_SHA256, Source: ck.CKZ_DATA_SPECIFIED, SourceData: label}
		e, err := mustLookup(t, ck.CKM_RSA_PKCS_OAEP).(Encrypter).EncryptInit(pub, p)
		if err != nil {
			t.Fatalf("OAEP with %v: %v", h.mech, err)
		}
		ct, err := e.Do([]byte("message"))
		if err != nil {
			t.Fatal(err)
		}
		pt, err := rsaTestPriv.Decrypt(nil, ct, &rsa.OAEPOptions{Hash: h.hash, MGFHash: crypto.SHA256, Label: label})
		if err != nil || string(pt) != "message" {
			t.Errorf("OAEP with %v: Go decrypts %q, %v", h.mech, pt, err)
		}
	}
}
