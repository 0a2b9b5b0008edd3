package tests

import (
	"bytes"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// aesKey imports a 32-byte AES key with the given boolean attributes.
func aesKey(t *testing.T, p *pkcs11.Ctx, s pkcs11.SessionHandle, value []byte, bools map[uint]bool) pkcs11.ObjectHandle {
	t.Helper()
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, value),
	}
	for typ, v := range bools {
		tmpl = append(tmpl, pkcs11.NewAttribute(typ, v))
	}
	h, err := p.CreateObject(s, tmpl)
	hsmtest.Must(t, err, "C_CreateObject(AES)")
	return h
}

// TestKeyUsageAndWrapping: a key is used only for what its attributes allow;
// wrapping honours CKA_EXTRACTABLE, CKA_WRAP/UNWRAP and CKA_WRAP_WITH_TRUSTED;
// a wrapped key unwraps to the same bytes and is not marked local.
func TestKeyUsageAndWrapping(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	km := newKeyMaterial(t)
	ecb := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_ECB, nil)}
	kw := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_WRAP, nil)}

	noEncrypt := aesKey(t, p, s, km.aes, map[uint]bool{pkcs11.CKA_ENCRYPT: false, pkcs11.CKA_DECRYPT: false})
	hsmtest.WantRV(t, p.EncryptInit(s, ecb, noEncrypt), "C_EncryptInit with CKA_ENCRYPT=false", pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED)
	hsmtest.WantRV(t, p.DecryptInit(s, ecb, noEncrypt), "C_DecryptInit with CKA_DECRYPT=false", pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED)
	pub, _ := genEC(t, p, s, "no-verify", false)
	hsmtest.Must(t, p.SetAttributeValue(s, pub, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VERIFY, false)}), "CKA_VERIFY -> false")
	hsmtest.WantRV(t, p.VerifyInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, pub),
		"C_VerifyInit with CKA_VERIFY=false", pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED)

	wrapper := aesKey(t, p, s, bytes.Repeat([]byte{0x11}, 32), map[uint]bool{pkcs11.CKA_WRAP: true, pkcs11.CKA_UNWRAP: true})
	notWrapper := aesKey(t, p, s, bytes.Repeat([]byte{0x22}, 32), map[uint]bool{pkcs11.CKA_WRAP: false, pkcs11.CKA_UNWRAP: false})
	target := aesKey(t, p, s, km.aes, map[uint]bool{pkcs11.CKA_SENSITIVE: true, pkcs11.CKA_EXTRACTABLE: true})
	locked := aesKey(t, p, s, km.aes, map[uint]bool{pkcs11.CKA_EXTRACTABLE: false})
	trustedOnly := aesKey(t, p, s, km.aes, map[uint]bool{pkcs11.CKA_WRAP_WITH_TRUSTED: true})

	_, err := p.WrapKey(s, kw, wrapper, locked)
	hsmtest.WantRV(t, err, "wrapping a non-extractable key", pkcs11.CKR_KEY_UNEXTRACTABLE)
	_, err = p.WrapKey(s, kw, notWrapper, target)
	hsmtest.WantRV(t, err, "wrapping with CKA_WRAP=false", pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED, pkcs11.CKR_WRAPPING_KEY_TYPE_INCONSISTENT)
	_, err = p.WrapKey(s, kw, wrapper, trustedOnly)
	hsmtest.WantRV(t, err, "wrapping a CKA_WRAP_WITH_TRUSTED key with an untrusted key", pkcs11.CKR_KEY_NOT_WRAPPABLE)

	wrapped, err := p.WrapKey(s, kw, wrapper, target)
	hsmtest.Must(t, err, "C_WrapKey(AES key wrap) of a sensitive, extractable key")
	if len(wrapped) != 40 || bytes.Contains(wrapped, km.aes[:8]) {
		t.Errorf("wrapped key: %d bytes %x", len(wrapped), wrapped)
	}
	unwrapTmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	}
	_, err = p.UnwrapKey(s, kw, notWrapper, wrapped, unwrapTmpl)
	hsmtest.WantRV(t, err, "unwrapping with CKA_UNWRAP=false", pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED, pkcs11.CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT)
	bad := append([]byte(nil), wrapped...)
	bad[5] ^= 1
	_, err = p.UnwrapKey(s, kw, wrapper, bad, unwrapTmpl)
	hsmtest.WantRV(t, err, "unwrapping a changed blob", pkcs11.CKR_WRAPPED_KEY_INVALID, pkcs11.CKR_ENCRYPTED_DATA_INVALID)
	back, err := p.UnwrapKey(s, kw, wrapper, wrapped, unwrapTmpl)
	hsmtest.Must(t, err, "C_UnwrapKey")
	if v := attr(t, p, s, back, pkcs11.CKA_VALUE); !bytes.Equal(v, km.aes) {
		t.Errorf("unwrapped key value %x, want %x", v, km.aes)
	}
	for typ, want := range map[uint]bool{pkcs11.CKA_LOCAL: false, pkcs11.CKA_ALWAYS_SENSITIVE: false, pkcs11.CKA_NEVER_EXTRACTABLE: false} {
		if got := boolAttr(t, p, s, back, typ); got != want {
			t.Errorf("unwrapped key: attribute %#x = %v, want %v", typ, got, want)
		}
	}
}

// TestECDHDerive: both sides of an ECDH exchange derive the same secret; a
// key without CKA_DERIVE derives nothing.
func TestECDHDerive(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	derive := pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true)
	pubA, privA := genEC(t, p, s, "a", false, derive)
	pubB, privB := genEC(t, p, s, "b", false, derive)
	_, noDerive := genEC(t, p, s, "c", false, pkcs11.NewAttribute(pkcs11.CKA_DERIVE, false))
	point := func(pub pkcs11.ObjectHandle) []byte { return attr(t, p, s, pub, pkcs11.CKA_EC_POINT) }
	secretTmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 32),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	}
	ecdh := func(peer []byte) []*pkcs11.Mechanism {
		return []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDH1_DERIVE, pkcs11.NewECDH1DeriveParams(pkcs11.CKD_NULL, nil, peer))}
	}
	ka, err := p.DeriveKey(s, ecdh(point(pubB)), privA, secretTmpl)
	hsmtest.Must(t, err, "C_DeriveKey(A, B's point)")
	kb, err := p.DeriveKey(s, ecdh(point(pubA)), privB, secretTmpl)
	hsmtest.Must(t, err, "C_DeriveKey(B, A's point)")
	va, vb := attr(t, p, s, ka, pkcs11.CKA_VALUE), attr(t, p, s, kb, pkcs11.CKA_VALUE)
	if len(va) != 32 || !bytes.Equal(va, vb) {
		t.Errorf("ECDH secrets differ or have the wrong length: %x / %x", va, vb)
	}
	if boolAttr(t, p, s, ka, pkcs11.CKA_LOCAL) {
		t.Error("a derived key is marked CKA_LOCAL")
	}
	_, err = p.DeriveKey(s, ecdh(point(pubB)), noDerive, secretTmpl)
	hsmtest.WantRV(t, err, "C_DeriveKey with CKA_DERIVE=false", pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED)
	_, err = p.DeriveKey(s, ecdh([]byte{0x04, 1, 2, 3}), privA, secretTmpl)
	hsmtest.WantRV(t, err, "C_DeriveKey with a point not on the curve", pkcs11.CKR_MECHANISM_PARAM_INVALID, pkcs11.CKR_DOMAIN_PARAMS_INVALID)
}
