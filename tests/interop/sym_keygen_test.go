package interop

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestSymKeyGen: CKM_AES_KEY_GEN (16/24/32 bytes), CKM_DES3_KEY_GEN and
// CKM_DES2_KEY_GEN (24/16 bytes, odd parity), CKM_GENERIC_SECRET_KEY_GEN
// (any length from 1), CKM_AES_XTS_KEY_GEN (32/64) and CKM_HKDF_KEY_GEN
// (1..512, used by HKDF as openssl kdf uses the value) make keys of the
// lengths the specification gives, with CKA_LOCAL, CKA_KEY_GEN_MECHANISM
// and the key type set, every one different, that OpenSSL uses to the same
// effect as the token (one block of ECB, or an HMAC); other lengths and a
// conflicting CKA_KEY_TYPE are refused, a missing length is
// CKR_TEMPLATE_INCOMPLETE.
func TestSymKeyGen(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	k := newSymTok(t)
	gen := func(mech uint, attrs ...*pkcs11.Attribute) (pkcs11.ObjectHandle, error) {
		return k.p.GenerateKey(k.s, symMech(mech, nil), symKeyAttrs(attrs...))
	}
	vlen := func(n int) *pkcs11.Attribute { return pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, n) }
	cases := 0
	for _, c := range []struct {
		name   string
		mech   ck.MechanismType
		kt     ck.KeyType
		good   []int // CKA_VALUE_LEN values made; 0: none given (DES)
		bad    []int
		parity bool
	}{
		{name: "AES", mech: ck.CKM_AES_KEY_GEN, kt: ck.CKK_AES, good: []int{16, 24, 32}, bad: []int{1, 8, 15, 17, 31, 33, 64}},
		{name: "DES3", mech: ck.CKM_DES3_KEY_GEN, kt: ck.CKK_DES3, good: []int{0}, bad: []int{8, 24}, parity: true},
		{name: "DES2", mech: ck.CKM_DES2_KEY_GEN, kt: ck.CKK_DES2, good: []int{0}, bad: []int{8, 16}, parity: true},
		{name: "generic", mech: pkcs11.CKM_GENERIC_SECRET_KEY_GEN, kt: pkcs11.CKK_GENERIC_SECRET, good: []int{1, 16, 20, 64, 100, 512}, bad: []int{0}},
		{name: "AES-XTS", mech: ck.CKM_AES_XTS_KEY_GEN, kt: ck.CKK_AES_XTS, good: []int{32, 64}, bad: []int{16, 24, 48}},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := k.on(t)
			seen := map[string]bool{}
			for _, n := range c.good {
				for range 3 {
					var attrs []*pkcs11.Attribute
					if n > 0 {
						attrs = append(attrs, vlen(n))
					}
					h, err := gen(uint(c.mech), attrs...)
					if err != nil {
						t.Errorf("%s, %d bytes: %v", c.name, n, err)
						break
					}
					v := k.attr(h, pkcs11.CKA_VALUE)
					want := n
					if n == 0 {
						want = map[ck.KeyType]int{ck.CKK_DES3: 24, ck.CKK_DES2: 16}[c.kt]
					}
					if len(v) != want {
						t.Errorf("%s, CKA_VALUE_LEN %d: a %d-byte key", c.name, n, len(v))
					}
					if c.parity && !symOddParity(v) {
						t.Errorf("%s: a key without odd parity", c.name)
					}
					if seen[string(v)] {
						t.Errorf("%s, %d bytes: the same key twice", c.name, n)
					}
					seen[string(v)] = true
					symCheckGenAttrs(k, h, c.mech, c.kt, len(v))
					symCheckKeyUse(k, h, c.kt, v)
					cases++
				}
			}
			for _, n := range c.bad {
				_, err := gen(uint(c.mech), vlen(n))
				hsmtest.WantRV(t, err, fmt.Sprintf("%s with CKA_VALUE_LEN %d", c.name, n),
					// DES keys have no CKA_VALUE_LEN at all.
					pkcs11.CKR_TEMPLATE_INCONSISTENT, pkcs11.CKR_KEY_SIZE_RANGE, pkcs11.CKR_ATTRIBUTE_VALUE_INVALID, pkcs11.CKR_ATTRIBUTE_TYPE_INVALID)
				cases++
			}
			if c.good[0] != 0 {
				_, err := gen(uint(c.mech))
				hsmtest.WantRV(t, err, c.name+" without CKA_VALUE_LEN", pkcs11.CKR_TEMPLATE_INCOMPLETE)
			}
			other := uint(pkcs11.CKK_GENERIC_SECRET)
			if c.kt == pkcs11.CKK_GENERIC_SECRET {
				other = uint(ck.CKK_AES)
			}
			attrs := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, other)}
			if c.good[0] != 0 {
				attrs = append(attrs, vlen(c.good[len(c.good)-1]))
			}
			_, err := gen(uint(c.mech), attrs...)
			hsmtest.WantRV(t, err, c.name+" with another CKA_KEY_TYPE", pkcs11.CKR_TEMPLATE_INCONSISTENT)
			cases += 2
		})
	}
	// CKM_HKDF_KEY_GEN: CKK_HKDF keys of 1..512 bytes that HKDF derives
	// from as `openssl kdf HKDF` does with their value.
	for _, n := range []int{1, 32, 100} {
		h, err := gen(uint(ck.CKM_HKDF_KEY_GEN), vlen(n))
		if err != nil {
			t.Errorf("CKM_HKDF_KEY_GEN, %d bytes: %v", n, err)
			continue
		}
		v := k.attr(h, pkcs11.CKA_VALUE)
		symCheckGenAttrs(k, h, ck.CKM_HKDF_KEY_GEN, ck.CKK_HKDF, n)
		salt, info := symRand(16), symRand(10)
		param := symWords(1|1<<8, pkcs11.CKM_SHA256, uint64(ck.CKF_HKDF_SALT_DATA), k.ptr(salt), 16, 0, k.ptr(info), 10)
		got, err := k.derive(symMech(uint(ck.CKM_HKDF_DERIVE), param), h, pkcs11.CKK_GENERIC_SECRET, 42)
		want := symKDF(t, "HKDF", 42, "digest:SHA256", fmt.Sprintf("hexkey:%x", v), fmt.Sprintf("hexsalt:%x", salt), fmt.Sprintf("hexinfo:%x", info))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("HKDF from a generated %d-byte CKK_HKDF key: %v (equal %v)", n, err, bytes.Equal(got, want))
		}
		cases++
	}
	_, err := gen(uint(ck.CKM_HKDF_KEY_GEN))
	hsmtest.WantRV(t, err, "CKM_HKDF_KEY_GEN without CKA_VALUE_LEN", pkcs11.CKR_TEMPLATE_INCOMPLETE)
	t.Logf("%d key generation cases", cases)
}

// symCheckGenAttrs checks what C_GenerateKey sets on a new key.
func symCheckGenAttrs(k *symTok, h pkcs11.ObjectHandle, mech ck.MechanismType, kt ck.KeyType, n int) {
	t := k.t
	tmpl := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_LOCAL, nil),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_GEN_MECHANISM, nil),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil),
	}
	want := [][]byte{{1}, symWords(uint64(mech)), symWords(uint64(kt)), symWords(uint64(n))}
	names := []string{"CKA_LOCAL", "CKA_KEY_GEN_MECHANISM", "CKA_KEY_TYPE", "CKA_VALUE_LEN"}
	if kt != ck.CKK_DES3 && kt != ck.CKK_DES2 { // DES keys have no CKA_VALUE_LEN
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, nil))
	}
	a, err := k.p.GetAttributeValue(k.s, h, tmpl)
	hsmtest.Must(t, err, "C_GetAttributeValue")
	for i, name := range names[:len(tmpl)] {
		if !bytes.Equal(a[i].Value, want[i]) {
			t.Errorf("generated key (mechanism %#x): %s = %x, want %x", mech, name, a[i].Value, want[i])
		}
	}
}

// symCheckKeyUse has OpenSSL use the generated value as the token does: one
// block of ECB for block-cipher keys, HMAC-SHA256 for generic secrets.
func symCheckKeyUse(k *symTok, h pkcs11.ObjectHandle, kt ck.KeyType, v []byte) {
	t := k.t
	data := symRand(16)
	var mech uint
	var want []byte
	var err error
	switch kt {
	case ck.CKK_AES:
		mech = uint(ck.CKM_AES_ECB)
		want, err = symOpensslEnc(t, fmt.Sprintf("aes-%d-ecb", 8*len(v)), v, nil, data, false, false)
	case ck.CKK_DES3, ck.CKK_DES2:
		mech = uint(ck.CKM_DES3_ECB)
		want, err = symOpensslEnc(t, map[int]string{24: "des-ede3", 16: "des-ede"}[len(v)], v, nil, data, false, false)
	case ck.CKK_AES_XTS:
		mech = uint(ck.CKM_AES_XTS)
		want, err = k.symEVP(true, fmt.Sprintf("AES-%d-XTS", 4*len(v)), v, make([]byte, 16), nil, 0, data)
	default:
		want, err = symOpensslMAC(t, "HMAC", "-digest", "SHA256")(v, data)
		got, serr := k.sign(symMech(pkcs11.CKM_SHA256_HMAC, nil), h, data, false)
		if err != nil || serr != nil || !bytes.Equal(got, want) {
			t.Errorf("HMAC-SHA256 with a generated %d-byte secret: token %v, openssl %v, equal %v", len(v), serr, err, bytes.Equal(got, want))
		}
		return
	}
	var param []byte
	if kt == ck.CKK_AES_XTS {
		param = make([]byte, 16)
	}
	got, cerr := k.encrypt(symMech(mech, param), h, data, false)
	if err != nil || cerr != nil || !bytes.Equal(got, want) {
		t.Errorf("one block under a generated %d-byte key of type %#x: token %v, openssl %v, equal %v", len(v), kt, cerr, err, bytes.Equal(got, want))
	}
}
