package tests

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"github.com/miekg/pkcs11"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// gcmMsgParams lays out CK_GCM_MESSAGE_PARAMS; it returns the struct's
// address and those of its IV and tag buffers.
func gcmMsgParams(a *capi.Arena, iv []byte, fixedBits, gen uint64, tag []byte) (p, pIv, pTag uint64) {
	pIv, pTag = a.Bytes(iv), a.Bytes(tag)
	return a.Bytes(cWords(pIv, uint64(len(iv)), fixedBits, gen, pTag, uint64(8*len(tag)))), pIv, pTag
}

// TestMessageAEADThroughABI: the PKCS#11 3.0 message-based API through
// libgohsm.so. AES-GCM with CK_GCM_MESSAGE_PARAMS: the application's IV
// (CKG_NO_GENERATE) gives Go's crypto/cipher GCM ciphertext and tag; the
// token's counter IV (CKG_GENERATE_COUNTER, fixed bits kept) and random IV
// are returned in pIv and open with Go's GCM; length queries use no IV;
// Begin/Next/END_OF_MESSAGE equals the single call; decryption checks the
// tag. ChaCha20-Poly1305 matches x/crypto; AES-CCM matches single-part
// CKM_AES_CCM and a generated nonce decrypts. Final ends the operation.
func TestMessageAEADThroughABI(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	raw := hsmtest.Raw(t)
	var a capi.Arena
	defer a.Free()
	sess := uint64(s)
	rv := func(name string, want uint64, args ...uint64) {
		t.Helper()
		if got := raw.Call(name, args...); got != want {
			t.Fatalf("%s = %s, want %s", name, hsmtest.RVName(uint(got)), hsmtest.RVName(uint(want)))
		}
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	kh, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, key),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, true),
	})
	hsmtest.Must(t, err, "C_CreateObject(AES)")
	blk, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(blk)
	aad, msg := []byte("header"), []byte("a message sealed by the message-based API")
	pAAD, pMsg := a.Bytes(aad), a.Bytes(msg)
	out, outLen := a.Buf(len(msg)), a.ULong(uint64(len(msg)))
	gcmMech := a.Bytes(cWords(pkcs11.CKM_AES_GCM, 0, 0))

	rv("C_EncryptMessage", uint64(ck.CKR_OPERATION_NOT_INITIALIZED), sess, a.Buf(48), 48, pAAD, uint64(len(aad)), pMsg, uint64(len(msg)), out, outLen)
	rv("C_MessageEncryptInit", 0, sess, gcmMech, uint64(kh))
	rv("C_MessageEncryptInit", uint64(ck.CKR_OPERATION_ACTIVE), sess, gcmMech, uint64(kh))

	paramLen := uint64(48) // sizeof(CK_GCM_MESSAGE_PARAMS)
	encrypt := func(param uint64) []byte {
		t.Helper()
		capi.WriteULong(outLen, uint64(len(msg)))
		rv("C_EncryptMessage", 0, sess, param, paramLen, pAAD, uint64(len(aad)), pMsg, uint64(len(msg)), out, outLen)
		if n := capi.ReadULong(outLen); n != uint64(len(msg)) {
			t.Fatalf("ciphertext length %d", n)
		}
		return capi.Read(out, len(msg))
	}
	open := func(what string, iv, ct, tag []byte) {
		t.Helper()
		pt, err := gcm.Open(nil, iv, append(append([]byte(nil), ct...), tag...), aad)
		if err != nil || !bytes.Equal(pt, msg) {
			t.Errorf("%s: Go's GCM does not open the token's message (IV %x): %v", what, iv, err)
		}
	}

	// The application's IV.
	iv := []byte("twelve bytes")
	param, _, pTag := gcmMsgParams(&a, iv, 0, uint64(ck.CKG_NO_GENERATE), make([]byte, 16))
	ct := encrypt(param)
	if want := gcm.Seal(nil, iv, msg, aad); !bytes.Equal(append(ct, capi.Read(pTag, 16)...), want) {
		t.Errorf("CKG_NO_GENERATE: ciphertext||tag %x, want %x", append(ct, capi.Read(pTag, 16)...), want)
	}

	// The token's counter IV after 32 fixed bits, and a length query that uses none.
	param, pIv, pTag := gcmMsgParams(&a, append([]byte("FIXD"), make([]byte, 8)...), 32, uint64(ck.CKG_GENERATE_COUNTER), make([]byte, 16))
	capi.WriteULong(outLen, 0)
	rv("C_EncryptMessage", 0, sess, param, 48, pAAD, uint64(len(aad)), pMsg, uint64(len(msg)), 0, outLen)
	if capi.ReadULong(outLen) != uint64(len(msg)) {
		t.Errorf("length query: %d", capi.ReadULong(outLen))
	}
	var ivs [][]byte
	for i := 0; i < 2; i++ {
		ct := encrypt(param)
		got := capi.Read(pIv, 12)
		if !bytes.HasPrefix(got, []byte("FIXD")) {
			t.Errorf("generated IV %x lost the fixed bits", got)
		}
		open("CKG_GENERATE_COUNTER", got, ct, capi.Read(pTag, 16))
		ivs = append(ivs, got)
	}
	if bytes.Equal(ivs[0], ivs[1]) {
		t.Errorf("two messages got the same IV %x", ivs[0])
	}
	param, pIv, pTag = gcmMsgParams(&a, make([]byte, 12), 0, uint64(ck.CKG_GENERATE_RANDOM), make([]byte, 16))
	ct = encrypt(param)
	riv := capi.Read(pIv, 12)
	if bytes.Equal(riv, make([]byte, 12)) {
		t.Errorf("CKG_GENERATE_RANDOM left the IV zero")
	}
	open("CKG_GENERATE_RANDOM", riv, ct, capi.Read(pTag, 16))

	// One message in three parts; the output comes with the last.
	param, pIv, pTag = gcmMsgParams(&a, append([]byte("FIXD"), make([]byte, 8)...), 32, uint64(ck.CKG_GENERATE_COUNTER), make([]byte, 16))
	rv("C_EncryptMessageBegin", 0, sess, param, 48, pAAD, uint64(len(aad)))
	rv("C_EncryptMessage", uint64(ck.CKR_OPERATION_ACTIVE), sess, param, 48, pAAD, uint64(len(aad)), pMsg, uint64(len(msg)), out, outLen)
	var parts []byte
	for i, cut := range [][2]int{{0, 10}, {10, 25}, {25, len(msg)}} {
		flags := uint64(0)
		if i == 2 {
			flags = uint64(ck.CKF_END_OF_MESSAGE)
		}
		capi.WriteULong(outLen, uint64(len(msg)))
		rv("C_EncryptMessageNext", 0, sess, param, 48, pMsg+uint64(cut[0]), uint64(cut[1]-cut[0]), out, outLen, flags)
		parts = append(parts, capi.Read(out, int(capi.ReadULong(outLen)))...)
	}
	open("Begin/Next", capi.Read(pIv, 12), parts, capi.Read(pTag, 16))
	rv("C_MessageEncryptFinal", 0, sess)
	rv("C_EncryptMessage", uint64(ck.CKR_OPERATION_NOT_INITIALIZED), sess, param, 48, pAAD, uint64(len(aad)), pMsg, uint64(len(msg)), out, outLen)

	// Decryption checks the tag.
	tag := gcm.Seal(nil, iv, msg, aad)[len(msg):]
	ctIn := a.Bytes(gcm.Seal(nil, iv, msg, aad)[:len(msg)])
	rv("C_MessageDecryptInit", 0, sess, gcmMech, uint64(kh))
	param, _, pTag = gcmMsgParams(&a, iv, 0, 0, tag)
	capi.WriteULong(outLen, uint64(len(msg)))
	rv("C_DecryptMessage", 0, sess, param, 48, pAAD, uint64(len(aad)), ctIn, uint64(len(msg)), out, outLen)
	if got := capi.Read(out, int(capi.ReadULong(outLen))); !bytes.Equal(got, msg) {
		t.Errorf("C_DecryptMessage: %q", got)
	}
	rv("C_DecryptMessageBegin", 0, sess, param, 48, pAAD, uint64(len(aad)))
	capi.WriteULong(outLen, uint64(len(msg)))
	rv("C_DecryptMessageNext", 0, sess, param, 48, ctIn, 7, out, outLen, 0)
	capi.WriteULong(outLen, uint64(len(msg)))
	rv("C_DecryptMessageNext", 0, sess, param, 48, ctIn+7, uint64(len(msg)-7), out, outLen, uint64(ck.CKF_END_OF_MESSAGE))
	if got := capi.Read(out, int(capi.ReadULong(outLen))); !bytes.Equal(got, msg) {
		t.Errorf("C_DecryptMessageNext: %q", got)
	}
	badTag := append([]byte(nil), tag...)
	badTag[0] ^= 1
	param, _, _ = gcmMsgParams(&a, iv, 0, 0, badTag)
	capi.WriteULong(outLen, uint64(len(msg)))
	rv("C_DecryptMessage", uint64(ck.CKR_ENCRYPTED_DATA_INVALID), sess, param, 48, pAAD, uint64(len(aad)), ctIn, uint64(len(msg)), out, outLen)
	rv("C_DecryptMessage", uint64(ck.CKR_MECHANISM_PARAM_INVALID), sess, param, 40, pAAD, uint64(len(aad)), ctIn, uint64(len(msg)), out, outLen)
	rv("C_MessageDecryptFinal", 0, sess)

	// ChaCha20-Poly1305 with CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS.
	ckey := bytes.Repeat([]byte{0x42}, 32)
	ch := secretKey(t, p, s, uint(ck.CKK_CHACHA20), ckey)
	nonce := []byte("nonce-twelve")
	cTag := a.Buf(16)
	cParam := a.Bytes(cWords(a.Bytes(nonce), uint64(len(nonce)), cTag))
	rv("C_MessageEncryptInit", 0, sess, a.Bytes(cWords(uint64(ck.CKM_CHACHA20_POLY1305), 0, 0)), uint64(ch))
	paramLen = 24 // sizeof(CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS)
	ct = encrypt(cParam)
	aead, _ := chacha20poly1305.New(ckey)
	if want := aead.Seal(nil, nonce, msg, aad); !bytes.Equal(append(ct, capi.Read(cTag, 16)...), want) {
		t.Errorf("ChaCha20-Poly1305 message differs from x/crypto")
	}
	rv("C_MessageEncryptFinal", 0, sess)

	// AES-CCM with CK_CCM_MESSAGE_PARAMS: the application's nonce gives what
	// single-part C_Encrypt(CKM_AES_CCM) gives; a generated nonce decrypts.
	ccmMech := a.Bytes(cWords(pkcs11.CKM_AES_CCM, 0, 0))
	cn := []byte("ccm-nonce-13b")
	mac := a.Buf(12)
	pNonce := a.Bytes(cn)
	ccmParam := a.Bytes(cWords(uint64(len(msg)), pNonce, uint64(len(cn)), 0, uint64(ck.CKG_NO_GENERATE), mac, 12))
	rv("C_MessageEncryptInit", 0, sess, ccmMech, uint64(kh))
	paramLen = 56 // sizeof(CK_CCM_MESSAGE_PARAMS)
	ct = encrypt(ccmParam)
	single := cWords(uint64(len(msg)), a.Bytes(cn), uint64(len(cn)), pAAD, uint64(len(aad)), 12)
	hsmtest.Must(t, p.EncryptInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_CCM, single)}, kh), "C_EncryptInit(CKM_AES_CCM)")
	want, err := p.Encrypt(s, msg)
	hsmtest.Must(t, err, "C_Encrypt(CKM_AES_CCM)")
	if got := append(ct, capi.Read(mac, 12)...); !bytes.Equal(got, want) {
		t.Errorf("CCM message %x, single-part %x", got, want)
	}
	genParam := a.Bytes(cWords(uint64(len(msg)), pNonce, uint64(len(cn)), 64, uint64(ck.CKG_GENERATE_COUNTER), mac, 12))
	ct = encrypt(genParam)
	gotNonce, gotMAC := capi.Read(pNonce, len(cn)), capi.Read(mac, 12)
	if !bytes.HasPrefix(gotNonce, cn[:8]) {
		t.Errorf("generated nonce %x lost its 64 fixed bits", gotNonce)
	}
	rv("C_MessageEncryptFinal", 0, sess)
	rv("C_MessageDecryptInit", 0, sess, ccmMech, uint64(kh))
	decParam := a.Bytes(cWords(uint64(len(msg)), a.Bytes(gotNonce), uint64(len(cn)), 0, 0, a.Bytes(gotMAC), 12))
	capi.WriteULong(outLen, uint64(len(msg)))
	rv("C_DecryptMessage", 0, sess, decParam, 56, pAAD, uint64(len(aad)), a.Bytes(ct), uint64(len(ct)), out, outLen)
	if got := capi.Read(out, int(capi.ReadULong(outLen))); !bytes.Equal(got, msg) {
		t.Errorf("CCM C_DecryptMessage: %q", got)
	}
	rv("C_MessageDecryptFinal", 0, sess)
}

// TestMessageMACThroughABI: message-based signing with HMAC-SHA256 through
// libgohsm.so: whole messages and messages in parts give Go's crypto/hmac
// MAC, verification accepts it and refuses a changed one, the parameter of
// C_MessageSignInit (CKM_SHA256_HMAC_GENERAL's length) applies to every
// message, and a per-message parameter is refused.
func TestMessageMACThroughABI(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	raw := hsmtest.Raw(t)
	var a capi.Arena
	defer a.Free()
	sess := uint64(s)
	rv := func(name string, want uint64, args ...uint64) {
		t.Helper()
		if got := raw.Call(name, args...); got != want {
			t.Fatalf("%s = %s, want %s", name, hsmtest.RVName(uint(got)), hsmtest.RVName(uint(want)))
		}
	}
	key := []byte("message MAC key")
	kh, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, key),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
	})
	hsmtest.Must(t, err, "C_CreateObject(generic secret)")
	msg := []byte("first message to MAC")
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	want := h.Sum(nil)
	pMsg := a.Bytes(msg)
	sig, sigLen := a.Buf(32), a.ULong(32)

	rv("C_MessageSignInit", 0, sess, a.Bytes(cWords(pkcs11.CKM_SHA256_HMAC, 0, 0)), uint64(kh))
	capi.WriteULong(sigLen, 0)
	rv("C_SignMessage", 0, sess, 0, 0, pMsg, uint64(len(msg)), 0, sigLen)
	if capi.ReadULong(sigLen) != 32 {
		t.Errorf("length query: %d", capi.ReadULong(sigLen))
	}
	for i := 0; i < 2; i++ { // the operation serves any number of messages
		capi.WriteULong(sigLen, 32)
		rv("C_SignMessage", 0, sess, 0, 0, pMsg, uint64(len(msg)), sig, sigLen)
		if got := capi.Read(sig, 32); !bytes.Equal(got, want) {
			t.Errorf("C_SignMessage %d: %x, want %x", i, got, want)
		}
	}
	rv("C_SignMessage", uint64(ck.CKR_MECHANISM_PARAM_INVALID), sess, a.Bytes([]byte{1}), 1, pMsg, uint64(len(msg)), sig, sigLen)
	rv("C_SignMessageBegin", 0, sess, 0, 0)
	rv("C_SignMessage", uint64(ck.CKR_OPERATION_ACTIVE), sess, 0, 0, pMsg, uint64(len(msg)), sig, sigLen)
	rv("C_SignMessageNext", 0, sess, 0, 0, pMsg, 5, 0, 0)
	for i := uint64(0); i < 32; i += 8 { // so that the MAC below is this call's
		capi.WriteULong(sig+i, 0)
	}
	capi.WriteULong(sigLen, 32)
	rv("C_SignMessageNext", 0, sess, 0, 0, pMsg+5, uint64(len(msg)-5), sig, sigLen)
	if got := capi.Read(sig, 32); !bytes.Equal(got, want) {
		t.Errorf("C_SignMessageBegin/Next: %x, want %x", got, want)
	}
	rv("C_MessageSignFinal", 0, sess)
	rv("C_SignMessage", uint64(ck.CKR_OPERATION_NOT_INITIALIZED), sess, 0, 0, pMsg, uint64(len(msg)), sig, sigLen)

	rv("C_MessageVerifyInit", 0, sess, a.Bytes(cWords(pkcs11.CKM_SHA256_HMAC, 0, 0)), uint64(kh))
	good := a.Bytes(want)
	bad := a.Bytes(append([]byte{want[0] ^ 1}, want[1:]...))
	rv("C_VerifyMessage", 0, sess, 0, 0, pMsg, uint64(len(msg)), good, 32)
	rv("C_VerifyMessage", uint64(ck.CKR_SIGNATURE_INVALID), sess, 0, 0, pMsg, uint64(len(msg)), bad, 32)
	rv("C_VerifyMessageBegin", 0, sess, 0, 0)
	rv("C_VerifyMessageNext", 0, sess, 0, 0, pMsg, 7, 0, 0)
	rv("C_VerifyMessageNext", 0, sess, 0, 0, pMsg+7, uint64(len(msg)-7), good, 32)
	rv("C_MessageVerifyFinal", 0, sess)

	// CKM_SHA256_HMAC_GENERAL with CK_MAC_GENERAL_PARAMS = 12 bytes, for every message.
	rv("C_MessageSignInit", 0, sess, a.Bytes(cWords(pkcs11.CKM_SHA256_HMAC_GENERAL, a.ULong(12), 8)), uint64(kh))
	capi.WriteULong(sigLen, 32)
	rv("C_SignMessage", 0, sess, 0, 0, pMsg, uint64(len(msg)), sig, sigLen)
	if got := capi.Read(sig, int(capi.ReadULong(sigLen))); !bytes.Equal(got, want[:12]) {
		t.Errorf("HMAC_GENERAL(12) message MAC %x, want %x", got, want[:12])
	}
	rv("C_MessageSignFinal", 0, sess)
}
