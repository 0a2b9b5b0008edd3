package mechanisms

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// Wycheproof's symmetric ciphers: AES-GCM, AES-CCM, ChaCha20-Poly1305,
// AES-CBC with PKCS #5 padding, AES key wrap (KW, KWP) and AES-XTS.

type wpAEADGroup struct {
	IVSize, KeySize, TagSize int
	Tests                    []struct {
		wpTest
		Key, IV, AAD, Msg, CT, Tag wpHex
	}
}

// wpCipherGroup is a group of the plain cipher files (CBC-PAD, key wrap,
// XTS; the key wrap files have no IV).
type wpCipherGroup struct {
	KeySize int
	Tests   []struct {
		wpTest
		Key, IV, Msg, CT wpHex
	}
}

// encryptDecrypt checks a valid vector both ways, single-part and, where
// the mechanism is multipart, in 7-byte pieces: E(msg) must be ct and D(ct) msg.
func encryptDecrypt(t *testing.T, m Mechanism, key *Key, param func() any, msg, ct []byte) error {
	for _, chunk := range []int{0, 7} {
		e, err := m.(Encrypter).EncryptInit(key, param())
		if err != nil {
			return err
		}
		if _, multi := e.(MultipartCipher); chunk != 0 && !multi {
			continue
		}
		got, err := runCipher(t, e, msg, chunk)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, ct) {
			return errMismatch
		}
		d, err := m.(Decrypter).DecryptInit(key, param())
		if err != nil {
			return err
		}
		if got, err = runCipher(t, d, ct, chunk); err != nil {
			return err
		}
		if !bytes.Equal(got, msg) {
			return errMismatch
		}
	}
	return nil
}

// decryptOnly is the check of an invalid vector: D(ct) must be refused.
func decryptOnly(m Mechanism, key *Key, param any, ct []byte) error {
	d, err := m.(Decrypter).DecryptInit(key, param)
	if err != nil {
		return err
	}
	_, err = d.Do(ct)
	return err
}

// errReleased: a multipart AEAD decryption gave plaintext before its tag
// was checked.
var errReleased = errors.New("plaintext released before the tag was checked")

// decryptPiecesRefused is the multipart check of an invalid AEAD vector: in
// 7-byte pieces, no C_DecryptUpdate may return plaintext, and the operation
// must be refused by C_DecryptFinal at the latest.
func decryptPiecesRefused(m Mechanism, key *Key, param any, ct []byte) error {
	d, err := m.(Decrypter).DecryptInit(key, param)
	if err != nil {
		return err
	}
	mc := d.(MultipartCipher)
	for i := 0; i < len(ct); i += 7 {
		out, err := mc.Update(ct[i:min(i+7, len(ct))])
		if err != nil {
			return err
		}
		if len(out) > 0 {
			return errReleased
		}
	}
	_, err = mc.Final()
	return err
}

func TestWycheproofAEAD(t *testing.T) {
	for _, f := range []struct {
		file  string
		mech  ck.MechanismType
		key   func([]byte) *Key
		param func(g *wpAEADGroup, iv, aad []byte, n int) any
	}{
		{"aes_gcm", ck.CKM_AES_GCM, aesKey, func(g *wpAEADGroup, iv, aad []byte, n int) any {
			return &ck.GCMParams{IV: iv, AAD: aad, IVBits: ck.ULong(8 * len(iv)), TagBits: ck.ULong(g.TagSize)}
		}},
		{"aes_ccm", ck.CKM_AES_CCM, aesKey, func(g *wpAEADGroup, iv, aad []byte, n int) any {
			return &ck.CCMParams{DataLen: ck.ULong(n), Nonce: iv, AAD: aad, MACLen: ck.ULong(g.TagSize / 8)}
		}},
		{"chacha20_poly1305", ck.CKM_CHACHA20_POLY1305, func(v []byte) *Key { return secretKey(ck.CKK_CHACHA20, v) },
			func(g *wpAEADGroup, iv, aad []byte, n int) any {
				return &ck.ChaCha20Poly1305Params{Nonce: iv, AAD: aad}
			}},
	} {
		t.Run(f.file, func(t *testing.T) {
			groups, n := wpGroups[wpAEADGroup](t, f.file)
			r := newWPRun(t, f.file, n).allowing(ck.CKR_ENCRYPTED_DATA_INVALID, ck.CKR_ENCRYPTED_DATA_LEN_RANGE, ck.CKR_MECHANISM_PARAM_INVALID)
			m := mustLookup(t, f.mech)
			for gi := range groups {
				g := &groups[gi]
				for _, tc := range g.Tests {
					key := f.key(tc.Key)
					sealed := append(bytes.Clone(tc.CT), tc.Tag...)
					r.check(tc.wpTest, func() error {
						if tc.Result == "valid" {
							return encryptDecrypt(t, m, key, func() any { return f.param(g, tc.IV, tc.AAD, len(tc.Msg)) }, tc.Msg, sealed)
						}
						err := decryptOnly(m, key, f.param(g, tc.IV, tc.AAD, len(tc.CT)), sealed)
						if err2 := decryptPiecesRefused(m, key, f.param(g, tc.IV, tc.AAD, len(tc.CT)), sealed); err2 != err {
							t.Errorf("%s tcId %d: single-part %v, multipart %v", f.file, tc.TcID, err, err2)
						}
						return err
					})
				}
			}
			r.done()
		})
	}
}

func TestWycheproofAESCBCPad(t *testing.T) {
	groups, n := wpGroups[wpCipherGroup](t, "aes_cbc_pkcs5")
	r := newWPRun(t, "aes_cbc_pkcs5", n).allowing(ck.CKR_ENCRYPTED_DATA_INVALID, ck.CKR_ENCRYPTED_DATA_LEN_RANGE)
	m := mustLookup(t, ck.CKM_AES_CBC_PAD)
	for _, g := range groups {
		for _, tc := range g.Tests {
			r.check(tc.wpTest, func() error {
				if tc.Result == "valid" {
					return encryptDecrypt(t, m, aesKey(tc.Key), func() any { return bytes.Clone(tc.IV) }, tc.Msg, tc.CT)
				}
				return decryptOnly(m, aesKey(tc.Key), bytes.Clone(tc.IV), tc.CT)
			})
		}
	}
	r.done()
}

// TestWycheproofAESKeyWrap: RFC 3394 (CKM_AES_KEY_WRAP) and RFC 5649
// (CKM_AES_KEY_WRAP_KWP) through C_Encrypt/C_Decrypt and C_WrapKey/C_UnwrapKey
// (the wrapped key is a generic secret whose value is the message).
func TestWycheproofAESKeyWrap(t *testing.T) {
	for file, mech := range map[string]ck.MechanismType{"aes_wrap": ck.CKM_AES_KEY_WRAP, "aes_kwp": ck.CKM_AES_KEY_WRAP_KWP} {
		t.Run(file, func(t *testing.T) {
			groups, n := wpGroups[wpCipherGroup](t, file)
			r := newWPRun(t, file, n).allowing(ck.CKR_ENCRYPTED_DATA_INVALID, ck.CKR_ENCRYPTED_DATA_LEN_RANGE)
			m := mustLookup(t, mech)
			for _, g := range groups {
				for _, tc := range g.Tests {
					kek := aesKey(tc.Key)
					r.check(tc.wpTest, func() error {
						if tc.Result == "invalid" {
							// C_UnwrapKey must refuse it too, with its own codes.
							_, err := m.(KeyUnwrapper).UnwrapKey(kek, nil, tc.CT, ck.Template{keyTypeAttr(ck.CKK_GENERIC_SECRET)})
							if err != ck.CKR_WRAPPED_KEY_INVALID && err != ck.CKR_WRAPPED_KEY_LEN_RANGE {
								t.Errorf("%s tcId %d: C_UnwrapKey: %v", file, tc.TcID, err)
							}
							return decryptOnly(m, kek, nil, tc.CT)
						}
						if err := encryptDecrypt(t, m, kek, func() any { return nil }, tc.Msg, tc.CT); err != nil {
							return err
						}
						wrapped, err := m.(KeyWrapper).WrapKey(kek, secretKey(ck.CKK_GENERIC_SECRET, tc.Msg), nil)
						if err != nil {
							return err
						}
						attrs, err := m.(KeyUnwrapper).UnwrapKey(kek, nil, tc.CT, ck.Template{keyTypeAttr(ck.CKK_GENERIC_SECRET)})
						if err == nil && (!bytes.Equal(attrs[ck.CKA_VALUE], tc.Msg) || !bytes.Equal(wrapped, tc.CT)) {
							return errMismatch
						}
						return err
					})
				}
			}
			r.done()
		})
	}
}

// TestWycheproofAESXTS: Wycheproof's IV is the start of the 16-byte tweak
// (the data unit number, little-endian), so it is zero-padded on the right.
func TestWycheproofAESXTS(t *testing.T) {
	groups, n := wpGroups[wpCipherGroup](t, "aes_xts")
	r := newWPRun(t, "aes_xts", n)
	m := mustLookup(t, ck.CKM_AES_XTS)
	for _, g := range groups {
		for _, tc := range g.Tests {
			if g.KeySize == 384 {
				// AES-192-XTS: IEEE 1619 and SP 800-38E define XTS-AES-128
				// and -256 only, 32- and 64-byte keys, which is what
				// CKK_AES_XTS keys are here (a 48-byte key is refused).
				if _, err := m.(Encrypter).EncryptInit(xtsKey(tc.Key), make([]byte, 16)); err == nil {
					t.Errorf("tcId %d: a 48-byte XTS key was accepted", tc.TcID)
				}
				r.skip(tc.wpTest, "AES-192-XTS: not in IEEE 1619 (refusal checked)")
				continue
			}
			tweak := make([]byte, 16)
			copy(tweak, tc.IV)
			r.check(tc.wpTest, func() error {
				return encryptDecrypt(t, m, xtsKey(tc.Key), func() any { return bytes.Clone(tweak) }, tc.Msg, tc.CT)
			})
		}
	}
	r.done()
}
