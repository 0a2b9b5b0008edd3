package interop

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/miekg/pkcs11"
	"golang.org/x/crypto/xts"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestDeriveGaps: what the interop and conformance runs found missing in
// C_DeriveKey, through libgohsm.so against OpenSSL's command line:
//   - HKDF (CKM_HKDF_DERIVE and CKM_HKDF_DATA) with every digest the token
//     has as prfHashMechanism, SHA-512/224, SHA-512/256, SHA3 and MD5 among
//     them, equals `openssl kdf HKDF` in its three modes and salt kinds;
//   - every derivation makes DES2, DES3, ChaCha20, AES-XTS and AES keys with
//     the specification's length rules, whose values are OpenSSL's derived
//     bytes (DES: with parity) and which encrypt as `openssl enc` (XTS: as
//     x/crypto/xts) does with those bytes;
//   - HKDF takes a data object as its input key when extracting with a salt.
func TestDeriveGaps(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	k := newSymTok(t)
	t.Run("HKDF digests", func(t *testing.T) { t.Logf("%d HKDF cases", gapHKDFDigests(k.on(t))) })
	t.Run("key types", func(t *testing.T) { t.Logf("%d derived keys checked", gapKeyTypes(k.on(t))) })
	t.Run("HKDF from a data object", func(t *testing.T) { gapHKDFData(k.on(t)) })
}

// gapDigests are the digests HKDF is checked with here (symHashes, the
// other KDF tests' list, has the rest).
var gapDigests = []struct {
	ossl string
	mech ck.MechanismType
	size int
}{
	{"SHA512-224", ck.CKM_SHA512_224, 28}, {"SHA512-256", ck.CKM_SHA512_256, 32},
	{"SHA3-224", ck.CKM_SHA3_224, 28}, {"SHA3-256", ck.CKM_SHA3_256, 32},
	{"SHA3-384", ck.CKM_SHA3_384, 48}, {"SHA3-512", ck.CKM_SHA3_512, 64},
	{"SHA224", ck.CKM_SHA224, 28}, {"MD5", ck.CKM_MD5, 16},
}

// gapHKDFParam lays out CK_HKDF_PARAMS.
func (k *symTok) gapHKDFParam(extract, expand bool, prf ck.MechanismType, saltType ck.Flags, salt []byte, saltKey pkcs11.ObjectHandle, info []byte) []byte {
	flags := uint64(0)
	if extract {
		flags |= 1
	}
	if expand {
		flags |= 1 << 8
	}
	return symWords(flags, uint64(prf), uint64(saltType), k.ptr(salt), uint64(len(salt)), uint64(saltKey), k.ptr(info), uint64(len(info)))
}

// gapDeriveData runs CKM_HKDF_DATA and returns the data object's value.
func (k *symTok) gapDeriveData(param []byte, base pkcs11.ObjectHandle, n int) ([]byte, error) {
	h, err := k.p.DeriveKey(k.s, symMech(uint(ck.CKM_HKDF_DATA), param), base, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, n),
	})
	if err != nil {
		return nil, err
	}
	return k.attr(h, pkcs11.CKA_VALUE), nil
}

func gapHKDFDigests(k *symTok) int {
	t := k.t
	n := 0
	ikm := symRand(40)
	base := k.importKey(pkcs11.CKK_GENERIC_SECRET, ikm)
	saltVal := symRand(24)
	saltKey := k.importKey(pkcs11.CKK_GENERIC_SECRET, saltVal)
	for i, d := range gapDigests {
		for _, m := range symHKDFModes {
			for _, s := range []ck.Flags{ck.CKF_HKDF_SALT_NULL, ck.CKF_HKDF_SALT_DATA, ck.CKF_HKDF_SALT_KEY} {
				if !m.extract && s != ck.CKF_HKDF_SALT_NULL {
					continue // the salt counts only when extracting
				}
				info := symRand(i % 3 * 7)
				l := []int{16, 42, 100}[i%3]
				if !m.expand {
					l = d.size // extract only: the PRK
				}
				salt := symHKDFSalt{typ: s, data: symRand(13), key: saltKey, keyValue: saltVal}
				param, opts := k.symHKDFCase(d.ossl, d.mech, m, salt, ikm, info)
				want := symKDF(t, "HKDF", l, opts...)
				what := fmt.Sprintf("HKDF-%s %s, salt type %d, %d bytes", d.ossl, m.name, s, l)
				got, err := k.derive(symMech(uint(ck.CKM_HKDF_DERIVE), param), base, pkcs11.CKK_GENERIC_SECRET, l)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s (key): %v, equal %v", what, err, bytes.Equal(got, want))
				}
				got, err = k.gapDeriveData(param, base, l)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s (data object): %v, equal %v", what, err, bytes.Equal(got, want))
				}
				n += 2
			}
		}
	}
	// A mechanism that is not a digest is not a PRF.
	for _, prf := range []ck.MechanismType{ck.CKM_SHA256_HMAC, ck.CKM_AES_ECB, 0x7fff0001} {
		_, err := k.derive(symMech(uint(ck.CKM_HKDF_DERIVE), k.gapHKDFParam(true, true, prf, ck.CKF_HKDF_SALT_NULL, nil, 0, nil)), base, pkcs11.CKK_GENERIC_SECRET, 16)
		hsmtest.WantRV(t, err, fmt.Sprintf("HKDF with PRF %#x", uint(prf)), pkcs11.CKR_MECHANISM_PARAM_INVALID)
	}
	// Expand only ignores the salt fields, even a salt key handle that names nothing.
	want := symKDF(t, "HKDF", 32, "digest:SHA3-256", fmt.Sprintf("hexkey:%x", ikm), "mode:EXPAND_ONLY")
	for _, s := range []struct {
		typ ck.Flags
		h   pkcs11.ObjectHandle
	}{{ck.CKF_HKDF_SALT_KEY, 0xdead}, {ck.CKF_HKDF_SALT_DATA, 0}} {
		got, err := k.derive(symMech(uint(ck.CKM_HKDF_DERIVE), k.gapHKDFParam(false, true, ck.CKM_SHA3_256, s.typ, nil, s.h, nil)), base, pkcs11.CKK_GENERIC_SECRET, 32)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("expand-only HKDF with salt type %d and no salt: %v, equal %v", s.typ, err, bytes.Equal(got, want))
		}
		n++
	}
	return n
}

// gapParity sets the DES parity bits (odd parity in each byte's low bit).
func gapParity(v []byte) []byte {
	out := make([]byte, len(v))
	for i, b := range v {
		b &^= 1
		x := b ^ b>>4
		x ^= x >> 2
		x ^= x >> 1
		out[i] = b | (^x & 1)
	}
	return out
}

// gapCipherCheck encrypts one input with the derived key h through the token
// and with the derived bytes through OpenSSL (XTS: x/crypto) and compares.
func (k *symTok) gapCipherCheck(what string, kt ck.KeyType, h pkcs11.ObjectHandle, material []byte) {
	t := k.t
	pt := symRand(64)
	var mech []*pkcs11.Mechanism
	var want []byte
	var err error
	switch kt {
	case ck.CKK_DES3, ck.CKK_DES2:
		mech = symMech(uint(ck.CKM_DES3_ECB), nil)
		cipher := map[ck.KeyType]string{ck.CKK_DES3: "des-ede3", ck.CKK_DES2: "des-ede"}[kt]
		want, err = symOpensslEnc(t, cipher, material, nil, pt, false, false)
	case ck.CKK_AES:
		mech = symMech(uint(ck.CKM_AES_ECB), nil)
		want, err = symOpensslEnc(t, fmt.Sprintf("aes-%d-ecb", 8*len(material)), material, nil, pt, false, false)
	case ck.CKK_CHACHA20:
		ctr, nonce := []byte{1, 0, 0, 0}, symRand(12)
		mech = symMech(uint(ck.CKM_CHACHA20), symWords(k.ptr(ctr), 32, k.ptr(nonce), 96))
		want, err = symOpensslEnc(t, "chacha20", material, append(append([]byte(nil), ctr...), nonce...), pt, true, false)
	case ck.CKK_AES_XTS:
		const sector = 0x1122334455
		tweak := binary.LittleEndian.AppendUint64(nil, sector)
		mech = symMech(uint(ck.CKM_AES_XTS), append(tweak, make([]byte, 8)...))
		c, cerr := xts.NewCipher(aes.NewCipher, material)
		if cerr != nil {
			t.Fatalf("%s: x/crypto/xts: %v", what, cerr)
		}
		want = make([]byte, len(pt))
		c.Encrypt(want, pt, sector)
	default:
		t.Fatalf("%s: no cipher check for key type %v", what, kt)
	}
	if err != nil {
		t.Fatalf("%s: openssl: %v", what, err)
	}
	got, err := k.encrypt(mech, h, pt, false)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s: the derived key encrypts %x (%v), the derived bytes %x", what, got, err, want)
	}
}

func gapKeyTypes(k *symTok) int {
	t := k.t
	n := 0
	bv := symRand(48)
	base := k.importKey(pkcs11.CKK_GENERIC_SECRET, bv)
	sha512 := symDgst(t, "SHA512", bv)
	salt, info := symRand(16), symRand(10)
	hkdfParam := k.gapHKDFParam(true, true, ck.CKM_SHA256, ck.CKF_HKDF_SALT_DATA, salt, 0, info)
	hkdfBytes := func(l int) []byte {
		return symKDF(t, "HKDF", l, "digest:SHA256", fmt.Sprintf("hexkey:%x", bv), fmt.Sprintf("hexsalt:%x", salt), fmt.Sprintf("hexinfo:%x", info))
	}
	label, context := symRand(6), symRand(9)
	kbParam := func() []byte { return k.symKBKDFParam(ck.CKM_SHA256_HMAC, false, nil, label, context, true, true) }
	kbBytes := func(l int) []byte {
		return symKDF(t, "KBKDF", l, "mode:counter", fmt.Sprintf("hexkey:%x", bv), "mac:HMAC", "digest:SHA256",
			fmt.Sprintf("hexsalt:%x", label), fmt.Sprintf("hexinfo:%x", context))
	}
	pw, pSalt := symRand(12), symRand(16)
	pbParam := symWords(uint64(ck.CKZ_SALT_SPECIFIED), k.ptr(pSalt), uint64(len(pSalt)), 1000, uint64(ck.CKP_PKCS5_PBKD2_HMAC_SHA256), 0, 0, k.ptr(pw), uint64(len(pw)))
	pbBytes := func(l int) []byte {
		return symKDF(t, "PBKDF2", l, fmt.Sprintf("hexpass:%x", pw), fmt.Sprintf("hexsalt:%x", pSalt), "iter:1000", "digest:SHA256")
	}
	// ECDH between two token key pairs on P-256, with the X9.63 SHA-256 KDF.
	ecGen := func() (pub, priv pkcs11.ObjectHandle) {
		pub, priv, err := k.p.GenerateKeyPair(k.s, symMech(pkcs11.CKM_EC_KEY_PAIR_GEN, nil),
			[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})},
			[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true)})
		hsmtest.Must(t, err, "C_GenerateKeyPair(P-256)")
		return pub, priv
	}
	_, privA := ecGen()
	pubB, _ := ecGen()
	point := k.attr(pubB, pkcs11.CKA_EC_POINT)
	shared := symRand(8)
	ecdhNull := symWords(uint64(ck.CKD_NULL), 0, 0, uint64(len(point)), k.ptr(point))
	z, err := k.derive(symMech(pkcs11.CKM_ECDH1_DERIVE, ecdhNull), privA, pkcs11.CKK_GENERIC_SECRET, 0)
	hsmtest.Must(t, err, "ECDH Z")
	ecdhKDF := symWords(uint64(ck.CKD_SHA256_KDF), uint64(len(shared)), k.ptr(shared), uint64(len(point)), k.ptr(point))
	x963 := func(l int) []byte {
		return symKDF(t, "X963KDF", l, "digest:SHA256", fmt.Sprintf("hexsecret:%x", z), fmt.Sprintf("hexinfo:%x", shared))
	}

	type src struct {
		name  string
		mech  uint
		param []byte
		base  pkcs11.ObjectHandle
		gen   bool               // C_GenerateKey (PBKDF2), not C_DeriveKey
		bytes func(l int) []byte // the first l bytes it makes, per OpenSSL
	}
	srcs := []src{
		{"HKDF-SHA256", uint(ck.CKM_HKDF_DERIVE), hkdfParam, base, false, hkdfBytes},
		{"SHA512_KEY_DERIVATION", pkcs11.CKM_SHA512_KEY_DERIVATION, nil, base, false, func(l int) []byte { return sha512[:l] }},
		{"SP800_108_COUNTER_KDF HMAC-SHA256", uint(ck.CKM_SP800_108_COUNTER_KDF), nil, base, false, kbBytes},
		{"ECDH1_DERIVE CKD_SHA256_KDF", pkcs11.CKM_ECDH1_DERIVE, ecdhKDF, privA, false, x963},
		{"PKCS5_PBKD2 HMAC-SHA256", pkcs11.CKM_PKCS5_PBKD2, pbParam, 0, true, pbBytes},
	}
	for _, s := range srcs {
		for _, c := range []struct {
			kt   ck.KeyType
			vlen int // CKA_VALUE_LEN in the template (0: none)
			n    int // the key's length
		}{
			{ck.CKK_DES3, 0, 24}, {ck.CKK_DES3, 24, 24}, {ck.CKK_DES2, 0, 16},
			{ck.CKK_CHACHA20, 0, 32}, {ck.CKK_AES_XTS, 64, 64}, {ck.CKK_AES_XTS, 32, 32}, {ck.CKK_AES, 24, 24},
		} {
			what := fmt.Sprintf("%s to %v, CKA_VALUE_LEN %d", s.name, c.kt, c.vlen)
			attrs := symKeyAttrs(pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, uint(c.kt)))
			if c.vlen != 0 {
				attrs = append(attrs, pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, c.vlen))
			}
			param := s.param
			if s.mech == uint(ck.CKM_SP800_108_COUNTER_KDF) {
				param = kbParam() // L is the key's length in bits: fresh C memory each time
			}
			var h pkcs11.ObjectHandle
			var err error
			if s.gen {
				h, err = k.p.GenerateKey(k.s, symMech(s.mech, param), attrs)
			} else {
				h, err = k.p.DeriveKey(k.s, symMech(s.mech, param), s.base, attrs)
			}
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			material := s.bytes(c.n)
			want := material
			des := c.kt == ck.CKK_DES2 || c.kt == ck.CKK_DES3
			if des {
				want = gapParity(material)
			}
			if got := k.attr(h, pkcs11.CKA_VALUE); !bytes.Equal(got, want) {
				t.Errorf("%s: value %x, want %x", what, got, want)
				continue
			}
			a, err := k.p.GetAttributeValue(k.s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, nil)})
			if des {
				hsmtest.WantRV(t, err, what+": CKA_VALUE_LEN of a DES key", pkcs11.CKR_ATTRIBUTE_TYPE_INVALID)
			} else if err != nil || !bytes.Equal(a[0].Value, symWords(uint64(c.n))) {
				t.Errorf("%s: CKA_VALUE_LEN (%v), want %d", what, err, c.n)
			}
			k.gapCipherCheck(what, c.kt, h, material)
			n++
		}
	}
	// The length rules' refusals.
	for _, c := range []struct {
		name  string
		mech  uint
		param []byte
		base  pkcs11.ObjectHandle
		kt    ck.KeyType
		vlen  int
		want  uint
	}{
		{"SHA512_KEY_DERIVATION to AES without a length", pkcs11.CKM_SHA512_KEY_DERIVATION, nil, base, ck.CKK_AES, 0, pkcs11.CKR_TEMPLATE_INCOMPLETE},
		{"SHA512_KEY_DERIVATION to AES-XTS without a length", pkcs11.CKM_SHA512_KEY_DERIVATION, nil, base, ck.CKK_AES_XTS, 0, pkcs11.CKR_TEMPLATE_INCOMPLETE},
		{"SHA512_KEY_DERIVATION to DES3 of 16 bytes", pkcs11.CKM_SHA512_KEY_DERIVATION, nil, base, ck.CKK_DES3, 16, pkcs11.CKR_TEMPLATE_INCONSISTENT},
		{"SHA1_KEY_DERIVATION to DES3 (20 bytes of material)", pkcs11.CKM_SHA1_KEY_DERIVATION, nil, base, ck.CKK_DES3, 0, pkcs11.CKR_TEMPLATE_INCONSISTENT},
		{"HKDF to ChaCha20 of 16 bytes", uint(ck.CKM_HKDF_DERIVE), hkdfParam, base, ck.CKK_CHACHA20, 16, pkcs11.CKR_TEMPLATE_INCONSISTENT},
		{"HKDF to AES-XTS of 48 bytes", uint(ck.CKM_HKDF_DERIVE), hkdfParam, base, ck.CKK_AES_XTS, 48, pkcs11.CKR_TEMPLATE_INCONSISTENT},
		{"HKDF to single DES", uint(ck.CKM_HKDF_DERIVE), hkdfParam, base, ck.CKK_DES, 8, pkcs11.CKR_TEMPLATE_INCONSISTENT},
		{"SP800_108 to AES without a length", uint(ck.CKM_SP800_108_COUNTER_KDF), kbParam(), base, ck.CKK_AES, 0, pkcs11.CKR_TEMPLATE_INCOMPLETE},
	} {
		attrs := symKeyAttrs(pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, uint(c.kt)))
		if c.vlen != 0 {
			attrs = append(attrs, pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, c.vlen))
		}
		_, err := k.p.DeriveKey(k.s, symMech(c.mech, c.param), c.base, attrs)
		hsmtest.WantRV(t, err, c.name, c.want)
	}
	// HKDF without a length makes the hash's length when the type allows it.
	h, err := k.p.DeriveKey(k.s, symMech(uint(ck.CKM_HKDF_DERIVE), hkdfParam), base,
		symKeyAttrs(pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, uint(ck.CKK_AES))))
	hsmtest.Must(t, err, "HKDF-SHA256 to AES without a length")
	if got := k.attr(h, pkcs11.CKA_VALUE); !bytes.Equal(got, hkdfBytes(32)) {
		t.Errorf("HKDF-SHA256 to AES without a length: %d bytes, not OpenSSL's 32", len(got))
	}
	return n
}

func gapHKDFData(k *symTok) {
	t := k.t
	ikm, salt, info := symRand(32), symRand(16), symRand(8)
	data, err := k.p.CreateObject(k.s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, ikm),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "HKDF input"),
	})
	hsmtest.Must(t, err, "C_CreateObject(CKO_DATA)")
	saltKey := k.importKey(pkcs11.CKK_GENERIC_SECRET, salt)
	want := symKDF(t, "HKDF", 42, "digest:SHA256", fmt.Sprintf("hexkey:%x", ikm), fmt.Sprintf("hexsalt:%x", salt), fmt.Sprintf("hexinfo:%x", info))
	for _, p := range []struct {
		name  string
		param []byte
	}{
		{"salt data", k.gapHKDFParam(true, true, ck.CKM_SHA256, ck.CKF_HKDF_SALT_DATA, salt, 0, info)},
		{"salt key", k.gapHKDFParam(true, true, ck.CKM_SHA256, ck.CKF_HKDF_SALT_KEY, nil, saltKey, info)},
	} {
		got, err := k.derive(symMech(uint(ck.CKM_HKDF_DERIVE), p.param), data, pkcs11.CKK_GENERIC_SECRET, 42)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("HKDF_DERIVE from a data object, %s: %v, equal %v", p.name, err, bytes.Equal(got, want))
		}
		got, err = k.gapDeriveData(p.param, data, 42)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("HKDF_DATA from a data object, %s: %v, equal %v", p.name, err, bytes.Equal(got, want))
		}
	}
	// The key made from data was never protected as a key.
	h, err := k.p.DeriveKey(k.s, symMech(uint(ck.CKM_HKDF_DERIVE), k.gapHKDFParam(true, true, ck.CKM_SHA256, ck.CKF_HKDF_SALT_DATA, salt, 0, info)), data,
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 32), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false)})
	hsmtest.Must(t, err, "sensitive HKDF key from a data object")
	for _, a := range []uint{pkcs11.CKA_ALWAYS_SENSITIVE, pkcs11.CKA_NEVER_EXTRACTABLE} {
		if v := k.attr(h, a); !bytes.Equal(v, []byte{0}) {
			t.Errorf("key from a data object: attribute %#x = %x, want false", a, v)
		}
	}
	for _, c := range []struct {
		name  string
		mech  uint
		param []byte
		base  pkcs11.ObjectHandle
		want  uint
	}{
		{"HKDF from a data object without salt", uint(ck.CKM_HKDF_DERIVE), k.gapHKDFParam(true, true, ck.CKM_SHA256, ck.CKF_HKDF_SALT_NULL, nil, 0, info), data, pkcs11.CKR_MECHANISM_PARAM_INVALID},
		{"HKDF expand-only from a data object", uint(ck.CKM_HKDF_DERIVE), k.gapHKDFParam(false, true, ck.CKM_SHA256, ck.CKF_HKDF_SALT_NULL, nil, 0, info), data, pkcs11.CKR_MECHANISM_PARAM_INVALID},
		{"SHA256_KEY_DERIVATION from a data object", pkcs11.CKM_SHA256_KEY_DERIVATION, nil, data, pkcs11.CKR_KEY_HANDLE_INVALID},
		{"HKDF from an AES key", uint(ck.CKM_HKDF_DERIVE), k.gapHKDFParam(true, true, ck.CKM_SHA256, ck.CKF_HKDF_SALT_DATA, salt, 0, info),
			k.importKey(uint(ck.CKK_AES), symRand(32)), pkcs11.CKR_KEY_TYPE_INCONSISTENT},
	} {
		_, err := k.derive(symMech(c.mech, c.param), c.base, pkcs11.CKK_GENERIC_SECRET, 16)
		hsmtest.WantRV(t, err, c.name, c.want)
	}
}
