package interop

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// symKW is one AES key-wrap mechanism and the OpenSSL cipher that computes
// it (after PKCS #7 padding to 8 bytes for the _PKCS7 and _PAD forms, which
// the specification defines as that padding followed by RFC 3394).
type symKW struct {
	name    string
	mech    ck.MechanismType
	ossl    string // %d: key bits
	defIV   []byte // OpenSSL's -iv for the default (RFC 3394: A6..., RFC 5649: A65959A6)
	ivLen   int    // length of an explicit IV parameter
	pkcs7   bool
	dataLen []int // C_Encrypt lengths
	keyLen  []int // wrapped secret key lengths (generic secrets; 16/24/32 also as AES keys)
}

var symKWs = []symKW{
	{name: "KEY_WRAP", mech: ck.CKM_AES_KEY_WRAP, ossl: "id-aes%d-wrap", defIV: bytes.Repeat([]byte{0xa6}, 8), ivLen: 8,
		dataLen: []int{16, 24, 40, 4096}, keyLen: []int{16, 24, 32, 40, 64}},
	{name: "KEY_WRAP_KWP", mech: ck.CKM_AES_KEY_WRAP_KWP, ossl: "id-aes%d-wrap-pad", defIV: []byte{0xa6, 0x59, 0x59, 0xa6}, ivLen: 4,
		dataLen: []int{1, 7, 8, 9, 17, 1000, 4096 + 3}, keyLen: []int{1, 16, 20, 24, 32, 33, 65}},
	{name: "KEY_WRAP_PKCS7", mech: ck.CKM_AES_KEY_WRAP_PKCS7, ossl: "id-aes%d-wrap", defIV: bytes.Repeat([]byte{0xa6}, 8), pkcs7: true,
		dataLen: []int{8, 15, 16, 17, 1000}, keyLen: []int{8, 16, 20, 24, 32}},
	{name: "KEY_WRAP_PAD", mech: ck.CKM_AES_KEY_WRAP_PAD, ossl: "id-aes%d-wrap", defIV: bytes.Repeat([]byte{0xa6}, 8), pkcs7: true,
		dataLen: []int{8, 23, 24}, keyLen: []int{16, 20, 32}},
}

// symPKCS7 pads v to a multiple of 8 bytes (a whole block when aligned).
func symPKCS7(v []byte) []byte {
	n := 8 - len(v)%8
	return append(append([]byte(nil), v...), bytes.Repeat([]byte{byte(n)}, n)...)
}

// TestSymKeyWrap: AES key wrap (RFC 3394), KWP (RFC 5649), KEY_WRAP_PKCS7
// and KEY_WRAP_PAD under 128/192/256-bit wrapping keys, imported and
// generated: C_Encrypt and C_WrapKey of secret keys give what `openssl enc
// -id-aesN-wrap(-pad)` gives (default and explicit IVs), `openssl enc -d`
// unwraps them, C_Decrypt and C_UnwrapKey take OpenSSL's output back to the
// same value, and a changed byte is refused. CKM_AES_CBC_PAD and
// CKM_DES3_CBC_PAD key wrapping agree with `openssl enc` too.
func TestSymKeyWrap(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	k := newSymTok(t)
	cases := 0
	for _, size := range []int{16, 24, 32} {
		wkeys := symAESKeys(k, ck.CKM_AES_ECB, size)
		for _, m := range symKWs {
			ossl := fmt.Sprintf(m.ossl, 8*size)
			t.Run(fmt.Sprintf("%s/%d", m.name, 8*size), func(t *testing.T) {
				cases += symRunKW(k.on(t), m, ossl, wkeys)
			})
		}
		for _, m := range []symBlockWrap{
			{"AES_CBC_PAD", ck.CKM_AES_CBC_PAD, "aes-%d-cbc", 16, true, true},
			{"AES_CBC", ck.CKM_AES_CBC, "aes-%d-cbc", 16, true, false},
			{"AES_ECB", ck.CKM_AES_ECB, "aes-%d-ecb", 16, false, false},
		} {
			t.Run(fmt.Sprintf("%s/%d", m.name, 8*size), func(t *testing.T) {
				cases += symRunBlockWrap(k.on(t), m, fmt.Sprintf(m.ossl, 8*size), wkeys)
			})
		}
	}
	dv := symRand(24)
	dkeys := []symKey{{k.importKey(uint(ck.CKK_DES3), dv), dv, "imported"}}
	for _, m := range []symBlockWrap{
		{"DES3_CBC_PAD", ck.CKM_DES3_CBC_PAD, "des-ede3-cbc", 8, true, true},
		{"DES3_CBC", ck.CKM_DES3_CBC, "des-ede3-cbc", 8, true, false},
		{"DES3_ECB", ck.CKM_DES3_ECB, "des-ede3", 8, false, false},
	} {
		t.Run(m.name, func(t *testing.T) { cases += symRunBlockWrap(k.on(t), m, m.ossl, dkeys) })
	}
	t.Run("typed keys", func(t *testing.T) { cases += symRunTypedWrap(k.on(t)) })
	t.Logf("%d key-wrap cases", cases)
}

// symRunTypedWrap: keys of the fixed-length types (DES3, DES2, AES-XTS,
// ChaCha20, and AES) wrapped by OpenSSL with KWP unwrap in the token to
// that type and encrypt as OpenSSL does with the value; the token's
// wrapping of such a key unwraps in OpenSSL to its value.
func symRunTypedWrap(k *symTok) int {
	t := k.t
	n := 0
	wv := symRand(32)
	wk := k.importKey(uint(ck.CKK_AES), wv)
	for _, c := range []struct {
		name string
		kt   ck.KeyType
		size int
		mech ck.MechanismType
		evp  string // libcrypto cipher that the key encrypts one block (or 16 bytes) with
		iv   int
	}{
		{"DES3", ck.CKK_DES3, 24, ck.CKM_DES3_ECB, "DES-EDE3-ECB", 0},
		{"DES2", ck.CKK_DES2, 16, ck.CKM_DES3_ECB, "DES-EDE-ECB", 0},
		{"AES-XTS", ck.CKK_AES_XTS, 64, ck.CKM_AES_XTS, "AES-256-XTS", 16},
		{"AES-192", ck.CKK_AES, 24, ck.CKM_AES_ECB, "AES-192-ECB", 0},
		{"ChaCha20", ck.CKK_CHACHA20, 32, ck.CKM_CHACHA20_POLY1305, "ChaCha20-Poly1305", 12},
	} {
		v := symRand(c.size)
		owrapped, err := k.symWrapRef("id-aes256-wrap-pad", wv, []byte{0xa6, 0x59, 0x59, 0xa6}, v, false)
		hsmtest.Must(t, err, "openssl enc -id-aes256-wrap-pad")
		h, err := k.p.UnwrapKey(k.s, symMech(uint(ck.CKM_AES_KEY_WRAP_KWP), nil), wk, owrapped, symKeyAttrs(
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, uint(c.kt))))
		if err != nil {
			t.Errorf("%s: C_UnwrapKey of openssl's KWP: %v", c.name, err)
			continue
		}
		if got := k.attr(h, pkcs11.CKA_VALUE); !bytes.Equal(got, v) {
			t.Errorf("%s: the unwrapped key is not openssl's value", c.name)
		}
		data := symRand(16)
		var param, iv []byte
		tagLen := 0
		switch c.mech {
		case ck.CKM_AES_XTS:
			iv = symRand(16)
			param = iv
		case ck.CKM_CHACHA20_POLY1305:
			iv, tagLen = symRand(12), 16
			param = symWords(k.ptr(iv), 12, 0, 0)
		}
		want, err := k.symEVP(true, c.evp, v, iv, nil, tagLen, data)
		hsmtest.Must(t, err, "libcrypto "+c.evp)
		if got, err := k.encrypt(symMech(uint(c.mech), param), h, data, false); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: the unwrapped key encrypts otherwise than libcrypto: %v", c.name, err)
		}
		wrapped, err := k.p.WrapKey(k.s, symMech(uint(ck.CKM_AES_KEY_WRAP_KWP), nil), wk, h)
		if err != nil {
			t.Errorf("%s: C_WrapKey: %v", c.name, err)
		} else if back, err := k.symWrapRef("id-aes256-wrap-pad", wv, []byte{0xa6, 0x59, 0x59, 0xa6}, wrapped, true); err != nil || !bytes.Equal(back, v) {
			t.Errorf("%s: openssl does not unwrap the token's KWP to the value: %v", c.name, err)
		}
		n++
	}
	return n
}

// symTarget imports a secret key to wrap: an AES key when the length is
// one, otherwise a generic secret.
func (k *symTok) symTarget(n int) (pkcs11.ObjectHandle, []byte) {
	v := symRand(n)
	kt := uint(pkcs11.CKK_GENERIC_SECRET)
	if n == 16 || n == 24 || n == 32 {
		kt = uint(ck.CKK_AES)
	}
	return k.importKey(kt, v), v
}

// unwrap calls C_UnwrapKey for a readable generic secret and returns its value.
func (k *symTok) unwrap(m []*pkcs11.Mechanism, h pkcs11.ObjectHandle, wrapped []byte) ([]byte, error) {
	nh, err := k.p.UnwrapKey(k.s, m, h, wrapped, symKeyAttrs(
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET)))
	if err != nil {
		return nil, err
	}
	return k.attr(nh, pkcs11.CKA_VALUE), nil
}

// symWrapRef is `openssl enc -<ossl>` (-d when decrypt), or the symevp
// program for inputs over 4 KiB: enc's cipher BIO feeds a cipher 4 KiB at a
// time, and key wrap is one-shot.
func (k *symTok) symWrapRef(ossl string, key, iv, in []byte, decrypt bool) ([]byte, error) {
	if len(in) > 4096 {
		evp := strings.ToUpper(strings.Replace(strings.TrimPrefix(ossl, "id-"), "aes", "AES-", 1))
		return k.symEVP(!decrypt, evp, key, iv, nil, 0, in)
	}
	args := []string{"enc", "-" + ossl, "-K", fmt.Sprintf("%x", key), "-iv", fmt.Sprintf("%x", iv)}
	if decrypt {
		args = append(args, "-d")
	}
	return opensslErr(k.t, in, args...)
}

func symRunKW(k *symTok, m symKW, ossl string, wkeys []symKey) int {
	t := k.t
	n := 0
	pad := func(v []byte) []byte {
		if m.pkcs7 {
			return symPKCS7(v)
		}
		return v
	}
	// Data through C_Encrypt/C_Decrypt, with the default IV and, where the
	// mechanism takes one, an explicit IV.
	for i, l := range m.dataLen {
		wk := wkeys[i%len(wkeys)]
		data := symRand(l)
		iv, param := m.defIV, []byte(nil)
		if m.ivLen > 0 && i%2 == 1 {
			iv = symRand(m.ivLen)
			param = iv
		}
		what := fmt.Sprintf("%s key, %d bytes, IV %x", wk.origin, l, iv)
		mech := symMech(uint(m.mech), param)
		want, err := k.symWrapRef(ossl, wk.value, iv, pad(data), false)
		if err != nil {
			t.Fatalf("%s: openssl: %v", what, err)
		}
		ct, err := k.encrypt(mech, wk.h, data, false)
		if err != nil || !bytes.Equal(ct, want) {
			t.Errorf("%s: C_Encrypt gives %d bytes (%v), openssl %d bytes: equal %v", what, len(ct), err, len(want), bytes.Equal(ct, want))
		}
		got, err := k.decrypt(mech, wk.h, want, false)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: C_Decrypt of openssl's: %v (equal %v)", what, err, bytes.Equal(got, data))
		}
		back, err := k.symWrapRef(ossl, wk.value, iv, ct, true)
		if err != nil || !bytes.Equal(back, pad(data)) {
			t.Errorf("%s: openssl enc -d of the token's: %v (equal %v)", what, err, bytes.Equal(back, pad(data)))
		}
		n++
	}
	// Secret keys through C_WrapKey/C_UnwrapKey.
	for i, l := range m.keyLen {
		wk := wkeys[i%len(wkeys)]
		th, tv := k.symTarget(l)
		what := fmt.Sprintf("%s wrapping key, %d-byte key", wk.origin, l)
		mech := symMech(uint(m.mech), nil)
		hexKey, hexIV := fmt.Sprintf("%x", wk.value), fmt.Sprintf("%x", m.defIV)
		wrapped, err := k.p.WrapKey(k.s, mech, wk.h, th)
		if err != nil {
			t.Errorf("%s: C_WrapKey: %v", what, err)
		} else {
			back, err := opensslErr(t, wrapped, "enc", "-d", "-"+ossl, "-K", hexKey, "-iv", hexIV)
			if err != nil || !bytes.Equal(back, pad(tv)) {
				t.Errorf("%s: openssl enc -d of the wrapped key: %v (equal %v)", what, err, bytes.Equal(back, pad(tv)))
			}
		}
		v := symRand(l)
		owrapped := openssl(t, pad(v), "enc", "-"+ossl, "-K", hexKey, "-iv", hexIV)
		got, err := k.unwrap(mech, wk.h, owrapped)
		if err != nil || !bytes.Equal(got, v) {
			t.Errorf("%s: C_UnwrapKey of openssl's: %v (equal %v)", what, err, bytes.Equal(got, v))
		}
		bad := append([]byte(nil), owrapped...)
		bad[len(bad)/2] ^= 4
		_, err = k.unwrap(mech, wk.h, bad)
		hsmtest.WantRV(t, err, what+": C_UnwrapKey of a changed wrapping", pkcs11.CKR_WRAPPED_KEY_INVALID)
		n++
	}
	return n
}

// symBlockWrap is key wrapping with a block-cipher mode: CBC-PAD pads
// with PKCS #7; ECB and CBC pad a secret key's value with zero bytes to
// whole blocks, and unwrapping cuts the value to CKA_VALUE_LEN.
type symBlockWrap struct {
	name    string
	mech    ck.MechanismType
	ossl    string // %d: key bits
	bs      int
	iv, pad bool
}

// symRunBlockWrap wraps secret keys with a block mode: `openssl enc -d`
// recovers the value (and the zero padding), and the token unwraps what
// `openssl enc` makes.
func symRunBlockWrap(k *symTok, bm symBlockWrap, ossl string, wkeys []symKey) int {
	t := k.t
	n := 0
	for i, l := range []int{16, 20, 24, 32, 33, 64} {
		wk := wkeys[i%len(wkeys)]
		var iv []byte
		if bm.iv {
			iv = symRand(bm.bs)
		}
		m := symMech(uint(bm.mech), iv)
		th, tv := k.symTarget(l)
		padded := tv
		if !bm.pad {
			padded = append(append([]byte(nil), tv...), make([]byte, (bm.bs-l%bm.bs)%bm.bs)...)
		}
		what := fmt.Sprintf("%s, %s wrapping key, %d-byte key", bm.name, wk.origin, l)
		wrapped, err := k.p.WrapKey(k.s, m, wk.h, th)
		if err != nil {
			t.Errorf("%s: C_WrapKey: %v", what, err)
		} else if back, err := symOpensslEnc(t, ossl, wk.value, iv, wrapped, bm.pad, true); err != nil || !bytes.Equal(back, padded) {
			t.Errorf("%s: openssl enc -d of the wrapped key: %v (equal %v)", what, err, bytes.Equal(back, padded))
		}
		v := symRand(l)
		in := v
		if !bm.pad {
			in = append(append([]byte(nil), v...), make([]byte, (bm.bs-l%bm.bs)%bm.bs)...)
		}
		owrapped, err := symOpensslEnc(t, ossl, wk.value, iv, in, bm.pad, false)
		if err != nil {
			t.Fatal(err)
		}
		attrs := symKeyAttrs(
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET))
		if !bm.pad {
			attrs = append(attrs, pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, l))
		}
		nh, err := k.p.UnwrapKey(k.s, m, wk.h, owrapped, attrs)
		if err != nil {
			t.Errorf("%s: C_UnwrapKey of openssl's: %v", what, err)
		} else if got := k.attr(nh, pkcs11.CKA_VALUE); !bytes.Equal(got, v) {
			t.Errorf("%s: C_UnwrapKey of openssl's gives a %d-byte key, not the value", what, len(got))
		}
		n++
	}
	return n
}
