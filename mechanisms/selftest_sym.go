package mechanisms

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/gohsm/gohsm/ck"
)

// Symmetric known-answer tests (selftest.go). Each vector is one record of
// the testdata/ file named beside it, copied here because libgohsm.so has no
// testdata/ at run time.

func init() {
	RegisterSelfTest("SHA-1", katSHA1)
	RegisterSelfTest("SHA-2", katSHA2)
	RegisterSelfTest("SHA-3", katSHA3)
	RegisterSelfTest("HMAC", katHMAC)
	RegisterSelfTest("AES", katAES)
	RegisterSelfTest("AES key wrap", katAESKW)
	RegisterSelfTest("DES3", katDES3)
	RegisterSelfTest("ChaCha20-Poly1305", katChaCha)
	RegisterSelfTest("HKDF", katHKDF)
}

// kh decodes a vector constant; a bad constant panics, which runOne reports.
func kh(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic("self-test vector: " + err.Error())
	}
	return b
}

func katCheck(what string, got []byte, want string) error {
	if !bytes.Equal(got, kh(want)) {
		return fmt.Errorf("%s: wrong output", what)
	}
	return nil
}

// testdata/sha.txt, the "abc" records.
const (
	katSHA1Abc      = "a9993e364706816aba3e25717850c26c9cd0d89d"
	katSHA224Abc    = "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"
	katSHA256Abc    = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	katSHA384Abc    = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
	katSHA512Abc    = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
	katSHA512_256   = "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
	katSHA3_256Abc  = "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"
	katSHA3_512Abc  = "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0"
	katDigestAbcMsg = "616263"
)

func katSHA1() error {
	d := sha1.Sum(kh(katDigestAbcMsg))
	return katCheck("SHA-1", d[:], katSHA1Abc)
}

func katSHA2() error {
	m := kh(katDigestAbcMsg)
	d224, d256, d384, d512, d512t := sha256.Sum224(m), sha256.Sum256(m), sha512.Sum384(m), sha512.Sum512(m), sha512.Sum512_256(m)
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"SHA-224", d224[:], katSHA224Abc}, {"SHA-256", d256[:], katSHA256Abc},
		{"SHA-384", d384[:], katSHA384Abc}, {"SHA-512", d512[:], katSHA512Abc},
		{"SHA-512/256", d512t[:], katSHA512_256},
	} {
		if err := katCheck(c.name, c.got, c.want); err != nil {
			return err
		}
	}
	return nil
}

func katSHA3() error {
	m := kh(katDigestAbcMsg)
	d256, d512 := sha3.Sum256(m), sha3.Sum512(m)
	if err := katCheck("SHA3-256", d256[:], katSHA3_256Abc); err != nil {
		return err
	}
	return katCheck("SHA3-512", d512[:], katSHA3_512Abc)
}

// testdata/hmac.txt, HMAC-SHA256 of RFC 4231 test case 1.
const (
	katHMACKey = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	katHMACMsg = "4869205468657265"
	katHMACTag = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
)

func katHMAC() error {
	h := hmac.New(sha256.New, kh(katHMACKey))
	h.Write(kh(katHMACMsg))
	return katCheck("HMAC-SHA256", h.Sum(nil), katHMACTag)
}

// testdata/aes.txt (one ECB and one CBC block) and testdata/aes_gcm.txt (one block).
const (
	katAESECBKey = "2061f2e62e43ee72d2cfec0cef5d5ca3"
	katAESECBPT  = "f9f6ae5bc7971c649663e903495155c9"
	katAESECBCT  = "9795cec4081fe12580b5c442b2e4d180"
	katAESCBCKey = "ceb78da2f4bd86a4efbdffa9b58d37a7"
	katAESCBCIV  = "85c8d0497a6cac8ef4ee7c8a4b397443"
	katAESCBCPT  = "e6542ee642ea3c7e3721091d2a906770"
	katAESCBCCT  = "2471b1211db6dbc879ec229b2a0480f1"
	katGCMKey    = "aa8e627118d1011a58893d13c9470aac"
	katGCMIV     = "90c43735e791caaed6473b11"
	katGCMPT     = "95434a82a51e12051d3a417edc5600df"
	katGCMCT     = "e3d328e63eb659d5ca3c7139fba53a95"
	katGCMTag    = "204eedf3c25969b0bdc418de5a1ba723"
)

func katAES() error {
	b, err := aes.NewCipher(kh(katAESECBKey))
	if err != nil {
		return err
	}
	out := make([]byte, aes.BlockSize)
	b.Encrypt(out, kh(katAESECBPT))
	if err := katCheck("AES-ECB encrypt", out, katAESECBCT); err != nil {
		return err
	}
	b.Decrypt(out, kh(katAESECBCT))
	if err := katCheck("AES-ECB decrypt", out, katAESECBPT); err != nil {
		return err
	}
	if b, err = aes.NewCipher(kh(katAESCBCKey)); err != nil {
		return err
	}
	cipher.NewCBCEncrypter(b, kh(katAESCBCIV)).CryptBlocks(out, kh(katAESCBCPT))
	if err := katCheck("AES-CBC encrypt", out, katAESCBCCT); err != nil {
		return err
	}
	cipher.NewCBCDecrypter(b, kh(katAESCBCIV)).CryptBlocks(out, kh(katAESCBCCT))
	if err := katCheck("AES-CBC decrypt", out, katAESCBCPT); err != nil {
		return err
	}
	if b, err = aes.NewCipher(kh(katGCMKey)); err != nil {
		return err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return err
	}
	ct := g.Seal(nil, kh(katGCMIV), kh(katGCMPT), nil)
	if err := katCheck("AES-GCM seal", ct, katGCMCT+katGCMTag); err != nil {
		return err
	}
	pt, err := g.Open(nil, kh(katGCMIV), ct, nil)
	if err != nil {
		return fmt.Errorf("AES-GCM open: %w", err)
	}
	return katCheck("AES-GCM open", pt, katGCMPT)
}

// testdata/aes_kw.txt, RFC 3394 4.1 (128-bit KEK, 128-bit key data).
const (
	katKWKEK = "000102030405060708090a0b0c0d0e0f"
	katKWP   = "00112233445566778899aabbccddeeff"
	katKWC   = "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"
)

func katAESKW() error {
	b, err := aes.NewCipher(kh(katKWKEK))
	if err != nil {
		return err
	}
	if err := katCheck("AES key wrap", kwWrap(b, kwDefaultIV, kh(katKWP)), katKWC); err != nil {
		return err
	}
	iv, p := kwUnwrap(b, kh(katKWC))
	if !bytes.Equal(iv, kwDefaultIV) {
		return fmt.Errorf("AES key unwrap: wrong integrity value")
	}
	return katCheck("AES key unwrap", p, katKWP)
}

// testdata/des3.txt, one ECB block under a two-key DES3 key.
const (
	katDES3Key = "2014135f14c242c2fef194e987e02d12"
	katDES3PT  = "6758ad657632a812"
	katDES3CT  = "73beeb2c4ddb7b9e"
)

func katDES3() error {
	b, err := des3Block(&Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_DES2,
		Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: kh(katDES3Key)}})
	if err != nil {
		return err
	}
	out := make([]byte, 8)
	b.Encrypt(out, kh(katDES3PT))
	if err := katCheck("DES3 encrypt", out, katDES3CT); err != nil {
		return err
	}
	b.Decrypt(out, kh(katDES3CT))
	return katCheck("DES3 decrypt", out, katDES3PT)
}

// testdata/chacha20poly1305.txt, RFC 8439 2.8.2 (CT is ciphertext||tag).
const (
	katChaChaKey   = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	katChaChaNonce = "070000004041424344454647"
	katChaChaAAD   = "50515253c0c1c2c3c4c5c6c7"
	katChaChaPT    = "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c642062652069742e"
	katChaChaCT    = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b61161ae10b594f09e26a7e902ecbd0600691"
)

func katChaCha() error {
	a, err := chacha20poly1305.New(kh(katChaChaKey))
	if err != nil {
		return err
	}
	ct := a.Seal(nil, kh(katChaChaNonce), kh(katChaChaPT), kh(katChaChaAAD))
	if err := katCheck("ChaCha20-Poly1305 seal", ct, katChaChaCT); err != nil {
		return err
	}
	pt, err := a.Open(nil, kh(katChaChaNonce), ct, kh(katChaChaAAD))
	if err != nil {
		return fmt.Errorf("ChaCha20-Poly1305 open: %w", err)
	}
	return katCheck("ChaCha20-Poly1305 open", pt, katChaChaPT)
}

// testdata/hkdf.txt, RFC 5869 A.1.
const (
	katHKDFIKM  = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	katHKDFSalt = "000102030405060708090a0b0c"
	katHKDFInfo = "f0f1f2f3f4f5f6f7f8f9"
	katHKDFOKM  = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
)

func katHKDF() error {
	okm, err := hkdf.Key(sha256.New, kh(katHKDFIKM), kh(katHKDFSalt), string(kh(katHKDFInfo)), 42)
	if err != nil {
		return err
	}
	return katCheck("HKDF-SHA256", okm, katHKDFOKM)
}
