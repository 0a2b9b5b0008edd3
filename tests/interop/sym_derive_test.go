package interop

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// The derivations of TestSymKDFs (sym_kdf_test.go) that make a key from the
// base key's own bytes: concatenations, XOR, extraction, encrypt-data,
// SHA*/SHAKE key derivation, their protection rule, and derived DES keys.

// symDerivedDES: a derivation may make DES2/DES3 keys: the type fixes the
// length (the leading bytes, parity bits set) and the key encrypts one
// block as `openssl enc -des-ede3` / `-des-ede` does with the derived bytes
// (OpenSSL ignores parity bits, so the unadjusted bytes give the same).
func symDerivedDES(k *symTok) {
	t := k.t
	bv := symRand(32)
	base := k.importKey(pkcs11.CKK_GENERIC_SECRET, bv)
	digest := symDgst(t, "SHA512", bv)
	data := symRand(8)
	for _, c := range []struct {
		name     string
		mech     uint
		param    []byte
		kt       uint
		material []byte
		ossl     string
	}{
		{"SHA512_KEY_DERIVATION to DES3", pkcs11.CKM_SHA512_KEY_DERIVATION, nil, uint(ck.CKK_DES3), digest[:24], "des-ede3"},
		{"SHA512_KEY_DERIVATION to DES2", pkcs11.CKM_SHA512_KEY_DERIVATION, nil, uint(ck.CKK_DES2), digest[:16], "des-ede"},
		{"CONCATENATE_DATA_AND_BASE to DES3", pkcs11.CKM_CONCATENATE_DATA_AND_BASE, symWords(k.ptr(data), 8), uint(ck.CKK_DES3), append(append([]byte(nil), data...), bv[:16]...), "des-ede3"},
	} {
		h, err := k.p.DeriveKey(k.s, symMech(c.mech, c.param), base, symKeyAttrs(
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, c.kt)))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		v := k.attr(h, pkcs11.CKA_VALUE)
		if !symOddParity(v) || len(v) != len(c.material) {
			t.Errorf("%s: a %d-byte key, odd parity %v", c.name, len(v), symOddParity(v))
		}
		for i := range v {
			if v[i]&0xfe != c.material[i]&0xfe {
				t.Errorf("%s: the key is not the derived material with parity bits set", c.name)
				break
			}
		}
		block := symRand(8)
		want, err := symOpensslEnc(t, c.ossl, c.material, nil, block, false, false)
		hsmtest.Must(t, err, "openssl enc -"+c.ossl)
		if got, err := k.encrypt(symMech(uint(ck.CKM_DES3_ECB), nil), h, block, false); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: one block under the derived key: %v (equal %v)", c.name, err, bytes.Equal(got, want))
		}
	}
}

// symDeriveProtection: the derivations that copy a base key's bytes
// (concatenations, XOR, extraction, SHA*_KEY_DERIVATION; and encrypt-data,
// whose template rules are SHA-1 key derivation's) keep a sensitive,
// non-extractable base's key bytes out of reach: the new key is sensitive
// and non-extractable even when the template asks otherwise, so its
// CKA_VALUE cannot be read (before the fix, deriving 16 bytes of
// base||data copied a sensitive key into a readable one).
func symDeriveProtection(k *symTok) {
	t := k.t
	base, err := k.p.CreateObject(k.s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, symRand(16)),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
	})
	hsmtest.Must(t, err, "C_CreateObject(sensitive base)")
	plain := k.importKey(pkcs11.CKK_GENERIC_SECRET, symRand(16))
	data := []byte("data")
	str := symWords(k.ptr(data), uint64(len(data)))
	for _, m := range []struct {
		name  string
		mech  uint
		param []byte
	}{
		{"CONCATENATE_BASE_AND_DATA", pkcs11.CKM_CONCATENATE_BASE_AND_DATA, str},
		{"CONCATENATE_DATA_AND_BASE", pkcs11.CKM_CONCATENATE_DATA_AND_BASE, str},
		{"XOR_BASE_AND_DATA", pkcs11.CKM_XOR_BASE_AND_DATA, str},
		{"EXTRACT_KEY_FROM_KEY", uint(ck.CKM_EXTRACT_KEY_FROM_KEY), symWords(0)},
		{"SHA256_KEY_DERIVATION", pkcs11.CKM_SHA256_KEY_DERIVATION, nil},
		{"CONCATENATE_BASE_AND_KEY (sensitive base)", pkcs11.CKM_CONCATENATE_BASE_AND_KEY, symWords(uint64(plain))},
		{"CONCATENATE_BASE_AND_KEY (sensitive second key)", pkcs11.CKM_CONCATENATE_BASE_AND_KEY, symWords(uint64(base))},
	} {
		b := base
		if m.name == "CONCATENATE_BASE_AND_KEY (sensitive second key)" {
			b = plain
		}
		h, err := k.p.DeriveKey(k.s, symMech(m.mech, m.param), b, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 4),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
		})
		if err != nil {
			t.Errorf("%s from a sensitive base: %v", m.name, err)
			continue
		}
		a, err := k.p.GetAttributeValue(k.s, h, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, nil), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, nil)})
		hsmtest.Must(t, err, "C_GetAttributeValue")
		if !bytes.Equal(a[0].Value, []byte{1}) || !bytes.Equal(a[1].Value, []byte{0}) {
			t.Errorf("%s from a sensitive, non-extractable base: CKA_SENSITIVE %x, CKA_EXTRACTABLE %x", m.name, a[0].Value, a[1].Value)
		}
		_, err = k.p.GetAttributeValue(k.s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		hsmtest.WantRV(t, err, m.name+": reading the derived key's CKA_VALUE", pkcs11.CKR_ATTRIBUTE_SENSITIVE)
	}

	// The encrypt-data derivations follow SHA-1 key derivation's template
	// rules, protection included.
	aesBase, err := k.p.CreateObject(k.s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, uint(ck.CKK_AES)),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, symRand(16)),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
	})
	hsmtest.Must(t, err, "C_CreateObject(sensitive AES base)")
	block := symRand(16)
	h, err := k.p.DeriveKey(k.s, symMech(pkcs11.CKM_AES_ECB_ENCRYPT_DATA, symWords(k.ptr(block), 16)), aesBase, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
	})
	hsmtest.Must(t, err, "C_DeriveKey(AES_ECB_ENCRYPT_DATA, sensitive base)")
	_, err = k.p.GetAttributeValue(k.s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
	hsmtest.WantRV(t, err, "AES_ECB_ENCRYPT_DATA from a sensitive base: reading CKA_VALUE", pkcs11.CKR_ATTRIBUTE_SENSITIVE)

	// CKA_ALWAYS_SENSITIVE of base||key: true only if both keys' are (keys
	// generated sensitive are always sensitive; an imported one is not).
	sensGen := func() pkcs11.ObjectHandle {
		h, err := k.p.GenerateKey(k.s, symMech(pkcs11.CKM_GENERIC_SECRET_KEY_GEN, nil), []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 16), pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false)})
		hsmtest.Must(t, err, "C_GenerateKey(sensitive)")
		return h
	}
	g1, g2 := sensGen(), sensGen()
	for _, c := range []struct {
		other pkcs11.ObjectHandle
		want  byte
	}{{g2, 1}, {base, 0}} {
		h, err := k.p.DeriveKey(k.s, symMech(pkcs11.CKM_CONCATENATE_BASE_AND_KEY, symWords(uint64(c.other))), g1, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET)})
		hsmtest.Must(t, err, "C_DeriveKey(CONCATENATE_BASE_AND_KEY, sensitive keys)")
		a, err := k.p.GetAttributeValue(k.s, h, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_SENSITIVE, nil), pkcs11.NewAttribute(pkcs11.CKA_NEVER_EXTRACTABLE, nil)})
		hsmtest.Must(t, err, "C_GetAttributeValue")
		if !bytes.Equal(a[0].Value, []byte{c.want}) || !bytes.Equal(a[1].Value, []byte{c.want}) {
			t.Errorf("generated sensitive base || key %d: CKA_ALWAYS_SENSITIVE %x, CKA_NEVER_EXTRACTABLE %x, want %d",
				c.other, a[0].Value, a[1].Value, c.want)
		}
	}
}

func symDataDerive(k *symTok) int {
	t := k.t
	n := 0
	keys := symBaseKeys(k, 24)
	str := func(d []byte) []byte { return symWords(k.ptr(d), uint64(len(d))) }
	for i, l := range []int{1, 8, 24, 40} {
		key := keys[i%2]
		data := symRand(l)
		xor := make([]byte, min(l, len(key.value)))
		for j := range xor {
			xor[j] = key.value[j] ^ data[j]
		}
		for _, c := range []struct {
			name string
			mech uint
			want []byte
		}{
			{"CONCATENATE_BASE_AND_DATA", pkcs11.CKM_CONCATENATE_BASE_AND_DATA, bytes.Join([][]byte{key.value, data}, nil)},
			{"CONCATENATE_DATA_AND_BASE", pkcs11.CKM_CONCATENATE_DATA_AND_BASE, bytes.Join([][]byte{data, key.value}, nil)},
			{"XOR_BASE_AND_DATA", pkcs11.CKM_XOR_BASE_AND_DATA, xor},
		} {
			// The full result, then a shorter key keeping the leading bytes.
			for _, want := range [][]byte{c.want, c.want[:(len(c.want)+1)/2]} {
				what := fmt.Sprintf("%s, %s key, %d bytes of data, %d-byte key", c.name, key.origin, l, len(want))
				got, err := k.derive(symMech(c.mech, str(data)), key.h, pkcs11.CKK_GENERIC_SECRET, len(want))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s: %v (equal %v)", what, err, bytes.Equal(got, want))
				}
				n++
			}
		}
	}
	// CKM_CONCATENATE_BASE_AND_KEY: the parameter is the second key's handle.
	for i, l := range []int{1, 16, 40} {
		key := keys[i%2]
		ov := symRand(l)
		other := k.importKey(pkcs11.CKK_GENERIC_SECRET, ov)
		want := bytes.Join([][]byte{key.value, ov}, nil)
		for _, kl := range []int{len(want), len(want) - 1} {
			got, err := k.derive(symMech(pkcs11.CKM_CONCATENATE_BASE_AND_KEY, symWords(uint64(other))), key.h, pkcs11.CKK_GENERIC_SECRET, kl)
			if err != nil || !bytes.Equal(got, want[:kl]) {
				t.Errorf("CONCATENATE_BASE_AND_KEY, %s key, %d-byte second key, %d bytes: %v (equal %v)", key.origin, l, kl, err, bytes.Equal(got, want[:kl]))
			}
			n++
		}
	}
	_, err := k.derive(symMech(pkcs11.CKM_CONCATENATE_BASE_AND_KEY, symWords(0xdead)), keys[0].h, pkcs11.CKK_GENERIC_SECRET, 0)
	hsmtest.WantRV(t, err, "CONCATENATE_BASE_AND_KEY with an unknown handle", pkcs11.CKR_KEY_HANDLE_INVALID, pkcs11.CKR_OBJECT_HANDLE_INVALID)
	_, err = k.derive(symMech(pkcs11.CKM_CONCATENATE_BASE_AND_KEY, symWords(uint64(keys[1].h))[:4]), keys[0].h, pkcs11.CKK_GENERIC_SECRET, 0)
	hsmtest.WantRV(t, err, "CONCATENATE_BASE_AND_KEY with a 4-byte parameter", pkcs11.CKR_MECHANISM_PARAM_INVALID)
	noDerive, err := k.p.CreateObject(k.s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, symRand(8)),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, false),
	})
	hsmtest.Must(t, err, "C_CreateObject(CKA_DERIVE false)")
	_, err = k.derive(symMech(pkcs11.CKM_CONCATENATE_BASE_AND_KEY, symWords(uint64(noDerive))), keys[0].h, pkcs11.CKK_GENERIC_SECRET, 0)
	hsmtest.WantRV(t, err, "CONCATENATE_BASE_AND_KEY with a second key without CKA_DERIVE", pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED)
	// CKM_EXTRACT_KEY_FROM_KEY: the base value as a string of bits, read
	// from the parameter's bit on, round and round.
	for i, c := range []struct{ first, n int }{{0, 24}, {21, 2}, {7, 16}, {191, 5}, {100, 60}} {
		key := keys[i%2]
		var bitStr strings.Builder
		for _, b := range key.value {
			fmt.Fprintf(&bitStr, "%08b", b)
		}
		all := bitStr.String()
		want := make([]byte, c.n)
		for j := range 8 * c.n {
			if all[(c.first+j)%len(all)] == '1' {
				want[j/8] |= 0x80 >> (j % 8)
			}
		}
		got, err := k.derive(symMech(uint(ck.CKM_EXTRACT_KEY_FROM_KEY), symWords(uint64(c.first))), key.h, pkcs11.CKK_GENERIC_SECRET, c.n)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("EXTRACT_KEY_FROM_KEY, %s key, %d bytes from bit %d: %v (equal %v)", key.origin, c.n, c.first, err, bytes.Equal(got, want))
		}
		n++
	}
	// Encrypt-data derivations against openssl enc: AES-128/192/256 and DES3
	// (CK_DES_CBC_ENCRYPT_DATA_PARAMS has an 8-byte IV).
	dv := symRand(24)
	dgh, dgv := k.genKey(uint(ck.CKM_DES3_KEY_GEN), 0)
	type encData struct {
		name, ecb, cbc string  // openssl enc ciphers
		mechs          [2]uint // the ECB and CBC encrypt-data mechanisms
		bs             int
		keys           []symKey
	}
	aesMechs := [2]uint{pkcs11.CKM_AES_ECB_ENCRYPT_DATA, pkcs11.CKM_AES_CBC_ENCRYPT_DATA}
	ciphers := []encData{{"DES3", "des-ede3", "des-ede3-cbc", [2]uint{pkcs11.CKM_DES3_ECB_ENCRYPT_DATA, pkcs11.CKM_DES3_CBC_ENCRYPT_DATA}, 8,
		[]symKey{{k.importKey(uint(ck.CKK_DES3), dv), dv, "imported"}, {dgh, dgv, "generated"}}}}
	for _, size := range []int{16, 24, 32} {
		ciphers = append(ciphers, encData{fmt.Sprintf("AES-%d", 8*size), fmt.Sprintf("aes-%d-ecb", 8*size), fmt.Sprintf("aes-%d-cbc", 8*size),
			aesMechs, 16, symAESKeys(k, ck.CKM_AES_ECB, size)})
	}
	for _, c := range ciphers {
		for _, key := range c.keys {
			data, iv := symRand(32), symRand(c.bs)
			ecb, err := symOpensslEnc(t, c.ecb, key.value, nil, data, false, false)
			hsmtest.Must(t, err, "openssl enc -"+c.ecb)
			cbc, err := symOpensslEnc(t, c.cbc, key.value, iv, data, false, false)
			hsmtest.Must(t, err, "openssl enc -"+c.cbc)
			for i, d := range []struct {
				param []byte
				want  []byte
			}{
				{str(data), ecb},
				{append(append([]byte(nil), iv...), symWords(k.ptr(data), uint64(len(data)))...), cbc},
			} {
				got, err := k.derive(symMech(c.mechs[i], d.param), key.h, pkcs11.CKK_GENERIC_SECRET, len(d.want))
				if err != nil || !bytes.Equal(got, d.want) {
					t.Errorf("%s %s_ENCRYPT_DATA, %s key: %v (equal %v)", c.name, []string{"ECB", "CBC"}[i], key.origin, err, bytes.Equal(got, d.want))
				}
				n++
			}
		}
	}
	return n
}

func symHashDerive(k *symTok) int {
	t := k.t
	n := 0
	keys := symBaseKeys(k, 48)
	for i, h := range []struct {
		ossl string
		mech ck.MechanismType
	}{
		{"SHA1", ck.CKM_SHA1_KEY_DERIVATION}, {"SHA224", ck.CKM_SHA224_KEY_DERIVATION},
		{"SHA256", ck.CKM_SHA256_KEY_DERIVATION}, {"SHA384", ck.CKM_SHA384_KEY_DERIVATION},
		{"SHA512", ck.CKM_SHA512_KEY_DERIVATION}, {"SHA3-224", ck.CKM_SHA3_224_KEY_DERIVATION},
		{"SHA512-224", ck.CKM_SHA512_224_KEY_DERIVATION}, {"SHA512-256", ck.CKM_SHA512_256_KEY_DERIVATION},
		{"SHA3-256", ck.CKM_SHA3_256_KEY_DERIVATION}, {"SHA3-384", ck.CKM_SHA3_384_KEY_DERIVATION},
		{"SHA3-512", ck.CKM_SHA3_512_KEY_DERIVATION},
	} {
		key := keys[i%2]
		want := symDgst(t, h.ossl, key.value)
		// No length: the whole digest; a shorter generic secret; an AES key.
		for _, c := range []struct {
			kt uint
			l  int
		}{{pkcs11.CKK_GENERIC_SECRET, 0}, {pkcs11.CKK_GENERIC_SECRET, 10}, {uint(ck.CKK_AES), 16}} {
			exp := want
			if c.l > 0 {
				exp = want[:c.l]
			}
			got, err := k.derive(symMech(uint(h.mech), nil), key.h, c.kt, c.l)
			if err != nil || !bytes.Equal(got, exp) {
				t.Errorf("%s_KEY_DERIVATION, %s key, key type %#x, length %d: %v (equal %v)", h.ossl, key.origin, c.kt, c.l, err, bytes.Equal(got, exp))
			}
			n++
		}
	}
	// SHAKE key derivation: as long as the template asks.
	for i, h := range []struct {
		ossl string
		mech ck.MechanismType
	}{{"shake128", ck.CKM_SHAKE_128_KEY_DERIVATION}, {"shake256", ck.CKM_SHAKE_256_KEY_DERIVATION}} {
		for j, l := range []int{1, 16, 32, 100} {
			key := keys[(i+j)%2]
			want := openssl(t, key.value, "dgst", "-"+h.ossl, "-xoflen", symItoa(l), "-binary")
			got, err := k.derive(symMech(uint(h.mech), nil), key.h, pkcs11.CKK_GENERIC_SECRET, l)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s key derivation, %s key, %d bytes: %v (equal %v)", h.ossl, key.origin, l, err, bytes.Equal(got, want))
			}
			n++
		}
	}
	return n
}
