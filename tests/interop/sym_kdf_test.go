package interop

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// symKDF runs `openssl kdf -keylen n <opts as -kdfopt> -binary name`.
func symKDF(t testing.TB, name string, n int, opts ...string) []byte {
	t.Helper()
	args := []string{"kdf", "-keylen", symItoa(n), "-binary"}
	for _, o := range opts {
		args = append(args, "-kdfopt", o)
	}
	return openssl(t, nil, append(args, name)...)
}

// TestSymKDFs: CKM_HKDF_DERIVE (extract and expand, extract only, expand
// only; no salt, salt data, salt key) for every hash equals `openssl kdf
// HKDF`; CKM_PKCS5_PBKD2 with each PRF equals `openssl kdf PBKDF2`;
// CKM_SP800_108_COUNTER_KDF and _FEEDBACK_KDF with HMAC (SHA-1/2/3) and
// CMAC (AES, DES3) PRFs, with and without the separator and L, equal
// `openssl kdf KBKDF` (OpenSSL 3.0 has no double-pipeline mode: that one is
// checked in tests/mechparams_test.go against the specification written
// out); the concatenation, XOR, EXTRACT_KEY_FROM_KEY, encrypt-data,
// SHA*_KEY_DERIVATION and SHAKE_*_KEY_DERIVATION derivations equal byte and
// bit arithmetic, `openssl enc` and `openssl dgst` (-xoflen for SHAKE).
func TestSymKDFs(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	k := newSymTok(t)
	t.Run("HKDF", func(t *testing.T) { t.Logf("%d HKDF cases", symHKDF(k.on(t))) })
	t.Run("PBKDF2", func(t *testing.T) { t.Logf("%d PBKDF2 cases", symPBKDF2(k.on(t))) })
	t.Run("SP800-108", func(t *testing.T) { t.Logf("%d SP 800-108 cases", symKBKDF(k.on(t))) })
	t.Run("data", func(t *testing.T) { t.Logf("%d data derivation cases", symDataDerive(k.on(t))) })
	t.Run("hash", func(t *testing.T) { t.Logf("%d hash key derivation cases", symHashDerive(k.on(t))) })
	t.Run("protection", func(t *testing.T) { symDeriveProtection(k.on(t)) })
	t.Run("DES keys", func(t *testing.T) { symDerivedDES(k.on(t)) })
}

// symBaseKeys imports a random generic secret of n bytes and generates one.
func symBaseKeys(k *symTok, n int) []symKey {
	v := symRand(n)
	gh, gv := k.genKey(pkcs11.CKM_GENERIC_SECRET_KEY_GEN, n)
	return []symKey{{k.importKey(pkcs11.CKK_GENERIC_SECRET, v), v, "imported"}, {gh, gv, "generated"}}
}

// symHKDFMode is an HKDF mode: CK_HKDF_PARAMS's bExtract and bExpand and
// openssl kdf's name of it.
type symHKDFMode struct {
	name, ossl      string
	extract, expand bool
}

var symHKDFModes = []symHKDFMode{
	{"extract+expand", "EXTRACT_AND_EXPAND", true, true},
	{"extract", "EXTRACT_ONLY", true, false},
	{"expand", "EXPAND_ONLY", false, true},
}

// symHKDFSalt is an HKDF case's salt: its type, the data (for
// CKF_HKDF_SALT_DATA), the key and its value (for CKF_HKDF_SALT_KEY).
type symHKDFSalt struct {
	typ      ck.Flags
	data     []byte
	key      pkcs11.ObjectHandle
	keyValue []byte
}

// symHKDFCase gives the CK_HKDF_PARAMS of a case and `openssl kdf HKDF`'s
// options for the same derivation from ikm (info only when expanding).
func (k *symTok) symHKDFCase(digest string, prf ck.MechanismType, m symHKDFMode, salt symHKDFSalt, ikm, info []byte) ([]byte, []string) {
	opts := []string{"digest:" + digest, fmt.Sprintf("hexkey:%x", ikm), "mode:" + m.ossl}
	var data []byte
	var hSalt pkcs11.ObjectHandle
	switch salt.typ {
	case ck.CKF_HKDF_SALT_DATA:
		data = salt.data
		opts = append(opts, fmt.Sprintf("hexsalt:%x", data))
	case ck.CKF_HKDF_SALT_KEY:
		hSalt = salt.key
		opts = append(opts, fmt.Sprintf("hexsalt:%x", salt.keyValue))
	}
	if len(info) > 0 && m.expand {
		opts = append(opts, fmt.Sprintf("hexinfo:%x", info))
	}
	return k.gapHKDFParam(m.extract, m.expand, prf, salt.typ, data, hSalt, info), opts
}

func symHKDF(k *symTok) int {
	t := k.t
	n := 0
	keys := symBaseKeys(k, 32)
	saltVal := symRand(20)
	saltKey := k.importKey(pkcs11.CKK_GENERIC_SECRET, saltVal)
	salts := []struct {
		name string
		typ  ck.Flags
	}{{"no salt", ck.CKF_HKDF_SALT_NULL}, {"salt data", ck.CKF_HKDF_SALT_DATA}, {"salt key", ck.CKF_HKDF_SALT_KEY}}
	for hi, h := range symHashes {
		for mi, m := range symHKDFModes {
			for si, s := range salts {
				if !m.extract && si > 0 {
					continue // expand only takes no salt
				}
				c := hi + mi + si
				key := keys[c%2]
				info := symRand([]int{0, 10, 100}[c%3])
				l := []int{16, 42, 100, 1}[c%4]
				if !m.extract || !m.expand {
					l = h.size // extract only: the PRK; expand only: L is free, keep one length
					if !m.extract {
						l = []int{16, 42, 100}[c%3]
					}
				}
				salt := symHKDFSalt{typ: s.typ, data: symRand(1 + c%40), key: saltKey, keyValue: saltVal}
				param, opts := k.symHKDFCase(h.ossl, h.digest, m, salt, key.value, info)
				what := fmt.Sprintf("HKDF-%s %s, %s, %s key, info %d, %d bytes", h.ossl, m.name, s.name, key.origin, len(info), l)
				got, err := k.derive(symMech(uint(ck.CKM_HKDF_DERIVE), param), key.h, pkcs11.CKK_GENERIC_SECRET, l)
				if err != nil {
					t.Errorf("%s: %v", what, err)
					continue
				}
				if want := symKDF(t, "HKDF", l, opts...); !bytes.Equal(got, want) {
					t.Errorf("%s: token and openssl differ", what)
				}
				n++
			}
		}
	}
	return n
}

func symPBKDF2(k *symTok) int {
	t := k.t
	n := 0
	prfs := []struct {
		ossl string
		prf  ck.PBKDF2PRF
	}{
		{"SHA1", ck.CKP_PKCS5_PBKD2_HMAC_SHA1}, {"SHA224", ck.CKP_PKCS5_PBKD2_HMAC_SHA224},
		{"SHA256", ck.CKP_PKCS5_PBKD2_HMAC_SHA256}, {"SHA384", ck.CKP_PKCS5_PBKD2_HMAC_SHA384},
		{"SHA512", ck.CKP_PKCS5_PBKD2_HMAC_SHA512}, {"SHA512-224", ck.CKP_PKCS5_PBKD2_HMAC_SHA512_224},
		{"SHA512-256", ck.CKP_PKCS5_PBKD2_HMAC_SHA512_256},
	}
	for i, p := range prfs {
		for j, kt := range []uint{pkcs11.CKK_GENERIC_SECRET, uint(ck.CKK_AES)} {
			pw, salt := symRand(8+i), symRand(16+j)
			iter := 1000 + 7*i
			l := []int{16, 24, 32, 64, 100}[(i+j)%5]
			if kt == uint(ck.CKK_AES) {
				l = []int{16, 24, 32}[i%3]
			}
			param := symWords(uint64(ck.CKZ_SALT_SPECIFIED), k.ptr(salt), uint64(len(salt)), uint64(iter), uint64(p.prf), 0, 0, k.ptr(pw), uint64(len(pw)))
			what := fmt.Sprintf("PBKDF2-HMAC-%s, key type %#x, %d iterations, %d bytes", p.ossl, kt, iter, l)
			h, err := k.p.GenerateKey(k.s, symMech(pkcs11.CKM_PKCS5_PBKD2, param), symKeyAttrs(
				pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
				pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, kt),
				pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, l)))
			if err != nil {
				t.Errorf("%s: C_GenerateKey: %v", what, err)
				continue
			}
			want := symKDF(t, "PBKDF2", l, fmt.Sprintf("hexpass:%x", pw), fmt.Sprintf("hexsalt:%x", salt),
				"iter:"+symItoa(iter), "digest:"+p.ossl)
			if got := k.attr(h, pkcs11.CKA_VALUE); !bytes.Equal(got, want) {
				t.Errorf("%s: token and openssl differ", what)
			}
			n++
		}
	}
	return n
}

// symKBKDFParam lays out CK_SP800_108_KDF_PARAMS (or the FEEDBACK form with
// iv) for OpenSSL's fixed input: [K(i-1)], counter i (32-bit big-endian),
// label, [0x00], context, [L (32-bit big-endian, in bits)].
func (k *symTok) symKBKDFParam(prf ck.MechanismType, feedback bool, iv, label, context []byte, sep, useL bool) []byte {
	ctr := k.a.Bytes(symWords(0, 32)) // CK_SP800_108_COUNTER_FORMAT: big endian, 32 bits
	var d []byte
	if feedback {
		d = append(d, symWords(uint64(ck.CK_SP800_108_ITERATION_VARIABLE), 0, 0)...)
		d = append(d, symWords(uint64(ck.CK_SP800_108_OPTIONAL_COUNTER), ctr, 16)...)
	} else {
		d = append(d, symWords(uint64(ck.CK_SP800_108_ITERATION_VARIABLE), ctr, 16)...)
	}
	var parts [][]byte
	if len(label) > 0 {
		parts = append(parts, label)
	}
	if sep {
		parts = append(parts, []byte{0})
	}
	if len(context) > 0 {
		parts = append(parts, context)
	}
	for _, b := range parts {
		d = append(d, symWords(uint64(ck.CK_SP800_108_BYTE_ARRAY), k.a.Bytes(b), uint64(len(b)))...)
	}
	if useL {
		f := k.a.Bytes(symWords(uint64(ck.CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS), 0, 32))
		d = append(d, symWords(uint64(ck.CK_SP800_108_DKM_LENGTH), f, 24)...)
	}
	arr, count := k.a.Bytes(d), uint64(len(d)/24)
	if feedback {
		return symWords(uint64(prf), count, arr, uint64(len(iv)), k.ptr(iv), 0, 0)
	}
	return symWords(uint64(prf), count, arr, 0, 0)
}

func symKBKDF(k *symTok) int {
	t := k.t
	n := 0
	type prf struct {
		name string
		mech ck.MechanismType
		kt   ck.KeyType
		size int // key bytes
		out  int // PRF output bytes: OpenSSL wants a feedback IV of that length
		ossl []string
	}
	var prfs []prf
	for _, h := range symHashes {
		prfs = append(prfs, prf{"HMAC-" + h.ossl, h.hmac, ck.CKK_GENERIC_SECRET, 32, h.size, []string{"mac:HMAC", "digest:" + h.ossl}})
	}
	for _, size := range []int{16, 24, 32} {
		prfs = append(prfs, prf{fmt.Sprintf("CMAC-AES-%d", 8*size), ck.CKM_AES_CMAC, ck.CKK_AES, size, 16,
			[]string{"mac:CMAC", fmt.Sprintf("cipher:AES-%d-CBC", 8*size)}})
	}
	prfs = append(prfs, prf{"CMAC-DES3", ck.CKM_DES3_CMAC, ck.CKK_DES3, 24, 8, []string{"mac:CMAC", "cipher:DES-EDE3-CBC"}})
	for i, p := range prfs {
		v := symRand(p.size)
		base := k.importKey(uint(p.kt), v)
		for j, feedback := range []bool{false, true} {
			c := 2*i + j
			label, context := symRand([]int{5, 0, 12}[c%3]), symRand([]int{7, 20, 0}[c%3])
			sep, useL := c%4 != 1, c%5 != 2
			var iv []byte
			if feedback && c%3 != 1 {
				iv = symRand(p.out)
			}
			l := []int{16, 40, 100, 7}[c%4]
			mode := "counter"
			if feedback {
				mode = "feedback"
			}
			what := fmt.Sprintf("KBKDF %s %s, label %d, context %d, separator %v, L %v, IV %d, %d bytes",
				mode, p.name, len(label), len(context), sep, useL, len(iv), l)
			mech := ck.CKM_SP800_108_COUNTER_KDF
			if feedback {
				mech = ck.CKM_SP800_108_FEEDBACK_KDF
			}
			got, err := k.derive(symMech(uint(mech), k.symKBKDFParam(p.mech, feedback, iv, label, context, sep, useL)), base, pkcs11.CKK_GENERIC_SECRET, l)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			opts := append([]string{"mode:" + mode, fmt.Sprintf("hexkey:%x", v)}, p.ossl...)
			if len(label) > 0 {
				opts = append(opts, fmt.Sprintf("hexsalt:%x", label))
			}
			if len(context) > 0 {
				opts = append(opts, fmt.Sprintf("hexinfo:%x", context))
			}
			if len(iv) > 0 {
				opts = append(opts, fmt.Sprintf("hexseed:%x", iv))
			}
			if !sep {
				opts = append(opts, "use-separator:0")
			}
			if !useL {
				opts = append(opts, "use-l:0")
			}
			if want := symKDF(t, "KBKDF", l, opts...); !bytes.Equal(got, want) {
				t.Errorf("%s: token and openssl differ", what)
			}
			n++
		}
	}
	return n
}
