package interop

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// symHash is one hash as PKCS#11 and OpenSSL name it.
type symHash struct {
	ossl             string // openssl dgst / mac -digest name
	digest, hmac, gn ck.MechanismType
	size             int
}

var symHashes = []symHash{
	{"SHA1", ck.CKM_SHA_1, ck.CKM_SHA_1_HMAC, ck.CKM_SHA_1_HMAC_GENERAL, 20},
	{"SHA224", ck.CKM_SHA224, ck.CKM_SHA224_HMAC, ck.CKM_SHA224_HMAC_GENERAL, 28},
	{"SHA256", ck.CKM_SHA256, ck.CKM_SHA256_HMAC, ck.CKM_SHA256_HMAC_GENERAL, 32},
	{"SHA384", ck.CKM_SHA384, ck.CKM_SHA384_HMAC, ck.CKM_SHA384_HMAC_GENERAL, 48},
	{"SHA512", ck.CKM_SHA512, ck.CKM_SHA512_HMAC, ck.CKM_SHA512_HMAC_GENERAL, 64},
	{"SHA512-224", ck.CKM_SHA512_224, ck.CKM_SHA512_224_HMAC, ck.CKM_SHA512_224_HMAC_GENERAL, 28},
	{"SHA512-256", ck.CKM_SHA512_256, ck.CKM_SHA512_256_HMAC, ck.CKM_SHA512_256_HMAC_GENERAL, 32},
	{"SHA3-224", ck.CKM_SHA3_224, ck.CKM_SHA3_224_HMAC, ck.CKM_SHA3_224_HMAC_GENERAL, 28},
	{"SHA3-256", ck.CKM_SHA3_256, ck.CKM_SHA3_256_HMAC, ck.CKM_SHA3_256_HMAC_GENERAL, 32},
	{"SHA3-384", ck.CKM_SHA3_384, ck.CKM_SHA3_384_HMAC, ck.CKM_SHA3_384_HMAC_GENERAL, 48},
	{"SHA3-512", ck.CKM_SHA3_512, ck.CKM_SHA3_512_HMAC, ck.CKM_SHA3_512_HMAC_GENERAL, 64},
}

// symMD5 is the legacy hash the token also offers (digest and HMAC only).
var symMD5 = symHash{"MD5", ck.CKM_MD5, ck.CKM_MD5_HMAC, ck.CKM_MD5_HMAC_GENERAL, 16}

// symDgst is `openssl dgst -<name> -binary` of in.
func symDgst(t testing.TB, name string, in []byte) []byte {
	t.Helper()
	return openssl(t, in, "dgst", "-"+name, "-binary")
}

// symMAC is one MAC mechanism and OpenSSL's computation of it.
type symMAC struct {
	name    string
	mech    ck.MechanismType
	general bool // parameter CK_MAC_GENERAL_PARAMS (the length)
	full    int  // the MAC's length without the parameter
	max     int  // the longest _GENERAL length
	ref     func(key, data []byte) ([]byte, error)
}

// symOpensslMAC is `openssl mac` with a cipher (CMAC) or digest (HMAC).
func symOpensslMAC(t testing.TB, alg, opt, name string) func(key, data []byte) ([]byte, error) {
	return func(key, data []byte) ([]byte, error) {
		return opensslErr(t, data, "mac", opt, name, "-macopt", "hexkey:"+fmt.Sprintf("%x", key), "-binary", alg)
	}
}

// symCBCMAC is PKCS#11's CBC-MAC: the last block of `openssl enc` CBC with
// a zero IV over the data zero-padded to whole blocks (one block if empty).
func symCBCMAC(t testing.TB, cipher string, bs int) func(key, data []byte) ([]byte, error) {
	return func(key, data []byte) ([]byte, error) {
		padded := append([]byte(nil), data...)
		for len(padded) == 0 || len(padded)%bs != 0 {
			padded = append(padded, 0)
		}
		ct, err := symOpensslEnc(t, cipher, key, make([]byte, bs), padded, false, false)
		if err != nil {
			return nil, err
		}
		return ct[len(ct)-bs:], nil
	}
}

// symRunMAC signs and verifies every length of symLens with m, alternating
// keys; _GENERAL forms cycle through lengths 1, half, max-1 and max.
func symRunMAC(k *symTok, m symMAC, keys []symKey) int {
	t := k.t
	n := 0
	for i, l := range symLens {
		key := keys[i%len(keys)]
		data := symRand(l)
		want, err := m.ref(key.value, data)
		if err != nil {
			t.Fatalf("%s, %d bytes: openssl: %v", m.name, l, err)
		}
		var param []byte
		if m.general {
			ml := []int{1, m.max / 2, m.max - 1, m.max}[i%4]
			param = symWords(uint64(ml))
			want = want[:ml]
		} else {
			want = want[:m.full]
		}
		what := fmt.Sprintf("%s, %s key, %d bytes, MAC %d bytes", m.name, key.origin, l, len(want))
		mech := symMech(uint(m.mech), param)
		for _, multi := range []bool{false, true} {
			got, err := k.sign(mech, key.h, data, multi)
			if err != nil {
				t.Errorf("%s, multi-part %v: %v", what, multi, err)
			} else if !bytes.Equal(got, want) {
				t.Errorf("%s, multi-part %v: token MAC %x, openssl %x", what, multi, got, want)
			}
			hsmtest.WantRV(t, k.verify(mech, key.h, data, want, multi), fmt.Sprintf("%s, multi-part %v: verifying openssl's MAC", what, multi), pkcs11.CKR_OK)
		}
		bad := append([]byte(nil), want...)
		bad[0] ^= 1
		hsmtest.WantRV(t, k.verify(mech, key.h, data, bad, false), what+": verifying a changed MAC", pkcs11.CKR_SIGNATURE_INVALID)
		n++
	}
	long, param := m.full+1, []byte(nil)
	if m.general {
		long, param = m.max+1, symWords(uint64(m.max))
	}
	hsmtest.WantRV(t, k.verify(symMech(uint(m.mech), param), keys[0].h, []byte("x"), make([]byte, long), false),
		m.name+": verifying a MAC one byte too long", pkcs11.CKR_SIGNATURE_LEN_RANGE)
	return n
}

// TestSymDigestsAndMACs: every SHA-1/SHA-2/SHA-3 digest and MD5 (single-part,
// multi-part in odd chunks, and C_DigestKey between two parts) equals
// `openssl dgst`; HMAC and HMAC_GENERAL of each hash, AES CMAC and
// CMAC_GENERAL, AES MAC and MAC_GENERAL with imported and generated keys
// equal `openssl mac` (CBC-MAC: `openssl enc` CBC under a zero IV), sign
// and verify, single- and multi-part.
func TestSymDigestsAndMACs(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	k := newSymTok(t)
	digests, macs := 0, 0
	keyVal := symRand(37)
	inKey := k.importKey(pkcs11.CKK_GENERIC_SECRET, keyVal)
	for _, h := range append(symHashes, symMD5) {
		t.Run("digest/"+h.ossl, func(t *testing.T) {
			k := k.on(t)
			for _, l := range symLens {
				data := symRand(l)
				want := symDgst(t, h.ossl, data)
				for _, multi := range []bool{false, true} {
					got, err := k.digest(uint(h.digest), data, multi)
					if err != nil || !bytes.Equal(got, want) {
						t.Errorf("%s of %d bytes, multi-part %v: %x, %v; openssl %x", h.ossl, l, multi, got, err, want)
					}
				}
				digests++
			}
			// C_DigestKey digests the key's value between two parts.
			pre, post := symRand(10), symRand(33)
			want := symDgst(t, h.ossl, bytes.Join([][]byte{pre, keyVal, post}, nil))
			hsmtest.Must(t, k.p.DigestInit(k.s, symMech(uint(h.digest), nil)), "C_DigestInit")
			hsmtest.Must(t, k.p.DigestUpdate(k.s, pre), "C_DigestUpdate")
			hsmtest.Must(t, k.p.DigestKey(k.s, inKey), "C_DigestKey")
			hsmtest.Must(t, k.p.DigestUpdate(k.s, post), "C_DigestUpdate")
			got, err := k.p.DigestFinal(k.s)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s with C_DigestKey: %x, %v; openssl %x", h.ossl, got, err, want)
			}
			digests++
		})
	}

	// HMAC keys: imported of a length below, at and above the block size, and
	// generated.
	gh, gv := k.genKey(pkcs11.CKM_GENERIC_SECRET_KEY_GEN, 32)
	for i, h := range append(symHashes, symMD5) {
		v := symRand([]int{16, 64, 200, 1}[i%4])
		keys := []symKey{{k.importKey(pkcs11.CKK_GENERIC_SECRET, v), v, "imported"}, {gh, gv, "generated"}}
		ref := symOpensslMAC(t, "HMAC", "-digest", h.ossl)
		for _, m := range []symMAC{
			{name: "HMAC-" + h.ossl, mech: h.hmac, full: h.size, ref: ref},
			{name: "HMAC_GENERAL-" + h.ossl, mech: h.gn, general: true, full: h.size, max: h.size, ref: ref},
		} {
			t.Run(m.name, func(t *testing.T) { macs += symRunMAC(k.on(t), m, keys) })
		}
	}
	for _, size := range []int{16, 24, 32} {
		keys := symAESKeys(k, ck.CKM_AES_ECB, size)
		cmac := symOpensslMAC(t, "CMAC", "-cipher", fmt.Sprintf("AES-%d-CBC", 8*size))
		cbc := symCBCMAC(t, fmt.Sprintf("aes-%d-cbc", 8*size), 16)
		for _, m := range []symMAC{
			{name: "AES_CMAC", mech: ck.CKM_AES_CMAC, full: 16, ref: cmac},
			{name: "AES_CMAC_GENERAL", mech: ck.CKM_AES_CMAC_GENERAL, general: true, full: 16, max: 16, ref: cmac},
			{name: "AES_MAC", mech: ck.CKM_AES_MAC, full: 8, ref: cbc},
			{name: "AES_MAC_GENERAL", mech: ck.CKM_AES_MAC_GENERAL, general: true, full: 8, max: 16, ref: cbc},
		} {
			t.Run(fmt.Sprintf("%s/%d", m.name, 8*size), func(t *testing.T) { macs += symRunMAC(k.on(t), m, keys) })
		}
	}
	t.Logf("%d digest cases, %d MAC cases", digests, macs)

	// Random lengths in random parts (seed logged): digests and MACs.
	r := symRandomSource(t)
	hk, ak, dk := symRand(70), symRand(32), symRand(24)
	hh, ah, dh := k.importKey(pkcs11.CKK_GENERIC_SECRET, hk), k.importKey(uint(ck.CKK_AES), ak), k.importKey(uint(ck.CKK_DES3), dk)
	for _, c := range []struct {
		name string
		mech ck.MechanismType
		h    pkcs11.ObjectHandle // 0: a digest
		ref  func(t testing.TB, data []byte) ([]byte, error)
	}{
		{"SHA256", ck.CKM_SHA256, 0, func(t testing.TB, d []byte) ([]byte, error) { return symDgst(t, "SHA256", d), nil }},
		{"SHA3-384", ck.CKM_SHA3_384, 0, func(t testing.TB, d []byte) ([]byte, error) { return symDgst(t, "SHA3-384", d), nil }},
		{"HMAC-SHA512", ck.CKM_SHA512_HMAC, hh, func(t testing.TB, d []byte) ([]byte, error) {
			return symOpensslMAC(t, "HMAC", "-digest", "SHA512")(hk, d)
		}},
		{"HMAC-SHA3-256", ck.CKM_SHA3_256_HMAC, hh, func(t testing.TB, d []byte) ([]byte, error) {
			return symOpensslMAC(t, "HMAC", "-digest", "SHA3-256")(hk, d)
		}},
		{"AES_CMAC", ck.CKM_AES_CMAC, ah, func(t testing.TB, d []byte) ([]byte, error) {
			return symOpensslMAC(t, "CMAC", "-cipher", "AES-256-CBC")(ak, d)
		}},
		{"AES_MAC", ck.CKM_AES_MAC, ah, func(t testing.TB, d []byte) ([]byte, error) {
			m, err := symCBCMAC(t, "aes-256-cbc", 16)(ak, d)
			return m[:min(len(m), 8)], err
		}},
		{"DES3_CMAC", ck.CKM_DES3_CMAC, dh, func(t testing.TB, d []byte) ([]byte, error) {
			return symOpensslMAC(t, "CMAC", "-cipher", "DES-EDE3-CBC")(dk, d)
		}},
	} {
		t.Run("random parts/"+c.name, func(t *testing.T) {
			k := k.on(t)
			for range 10 {
				data := symRand(r.IntN(700))
				want, err := c.ref(t, data)
				hsmtest.Must(t, err, "openssl")
				var got []byte
				if c.h == 0 {
					hsmtest.Must(t, k.p.DigestInit(k.s, symMech(uint(c.mech), nil)), "C_DigestInit")
					for _, part := range symSplitRandom(r, data, 70) {
						hsmtest.Must(t, k.p.DigestUpdate(k.s, part), "C_DigestUpdate")
					}
					got, err = k.p.DigestFinal(k.s)
				} else {
					hsmtest.Must(t, k.p.SignInit(k.s, symMech(uint(c.mech), nil), c.h), "C_SignInit")
					for _, part := range symSplitRandom(r, data, 70) {
						hsmtest.Must(t, k.p.SignUpdate(k.s, part), "C_SignUpdate")
					}
					got, err = k.p.SignFinal(k.s)
				}
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%d bytes in random parts: %x %v, openssl %x", len(data), got, err, want)
				}
			}
		})
	}
}

// digest runs C_Digest or C_DigestUpdate over symSplit's parts and
// C_DigestFinal.
func (k *symTok) digest(mech uint, in []byte, multi bool) ([]byte, error) {
	if err := k.p.DigestInit(k.s, symMech(mech, nil)); err != nil {
		return nil, fmt.Errorf("C_DigestInit: %w", err)
	}
	if !multi {
		return k.p.Digest(k.s, in)
	}
	for _, part := range symSplit(in) {
		if err := k.p.DigestUpdate(k.s, part); err != nil {
			return nil, fmt.Errorf("C_DigestUpdate(%d bytes): %w", len(part), err)
		}
	}
	return k.p.DigestFinal(k.s)
}
