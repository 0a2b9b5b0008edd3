package mechanisms

import (
	"bytes"
	"crypto/aes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// The rules every secret-key derivation follows for the new key's type and
// length, restated here independently of derived_key.go (PKCS#11 3.x
// mechanisms: the simple and hash derivations' four rules, ECDH's
// "truncates according to CKA_KEY_TYPE and ... CKA_VALUE_LEN", HKDF's
// "CKA_VALUE_LEN should be set", PBKDF2's "if the key type has a fixed length
// the CKA_VALUE_LEN attribute may be omitted").

// dkType is a key type a template may name, and the lengths the token's keys
// of that type have.
type dkType struct {
	kt    ck.KeyType
	named bool // false: the template has no CKA_KEY_TYPE (a generic secret)
	lens  []int
	free  bool // any length 1..512
	fixed int
}

var dkTypes = []dkType{
	{kt: ck.CKK_GENERIC_SECRET, named: false, free: true},
	{kt: ck.CKK_GENERIC_SECRET, named: true, free: true},
	{kt: ck.CKK_SHA256_HMAC, named: true, free: true},
	{kt: ck.CKK_HKDF, named: true, free: true},
	{kt: ck.CKK_AES, named: true, lens: []int{16, 24, 32}},
	{kt: ck.CKK_AES_XTS, named: true, lens: []int{32, 64}},
	{kt: ck.CKK_DES2, named: true, fixed: 16},
	{kt: ck.CKK_DES3, named: true, fixed: 24},
	{kt: ck.CKK_CHACHA20, named: true, fixed: 32},
}

func (d dkType) valid(n int) bool {
	switch {
	case d.free:
		return n >= 1 && n <= 512
	case d.fixed != 0:
		return n == d.fixed
	}
	for _, l := range d.lens {
		if l == n {
			return true
		}
	}
	return false
}

func (d dkType) String() string {
	if !d.named {
		return "no key type"
	}
	return d.kt.String()
}

// dkCase is one derivation: what it makes and how long it may be.
type dkCase struct {
	name    string
	mech    ck.MechanismType
	base    *Key
	param   any
	natural int  // its length without CKA_VALUE_LEN (0: none)
	avail   int  // the most bytes it makes (0: 512)
	strict  bool // the four rules: a key type with a choice of lengths needs CKA_VALUE_LEN
	ref     func(n int) []byte
}

// want is the outcome the rules give for type d and length l (0: absent).
func (c dkCase) want(d dkType, l int) (int, error) {
	avail := c.avail
	if avail == 0 {
		avail = 512
	}
	var n int
	switch {
	case l != 0:
		if !d.valid(l) {
			return 0, ck.CKR_TEMPLATE_INCONSISTENT
		}
		n = l
	case d.fixed != 0:
		n = d.fixed
	case (d.free || !c.strict) && c.natural != 0 && d.valid(c.natural):
		n = c.natural
	default:
		return 0, ck.CKR_TEMPLATE_INCOMPLETE
	}
	if n > avail {
		return 0, ck.CKR_TEMPLATE_INCONSISTENT
	}
	return n, nil
}

// x963 is the ANSI X9.63 KDF with SHA-256, written out: SHA-256(Z || counter
// || SharedInfo) for counter = 1, 2, ...
func x963(z, info []byte, n int) []byte {
	var out []byte
	for i := uint32(1); len(out) < n; i++ {
		h := sha256.New()
		h.Write(z)
		h.Write(binary.BigEndian.AppendUint32(nil, i))
		h.Write(info)
		out = h.Sum(out)
	}
	return out[:n]
}

// kbkdfCounterRef is SP 800-108 counter mode with HMAC-SHA256, a 32-bit
// counter before the fixed data and no L (so a shorter key is a prefix).
func kbkdfCounterRef(key, fixed []byte, n int) []byte {
	var out []byte
	for i := uint32(1); len(out) < n; i++ {
		m := hmac.New(sha256.New, key)
		m.Write(binary.BigEndian.AppendUint32(nil, i))
		m.Write(fixed)
		out = m.Sum(out)
	}
	return out[:n]
}

func dkCases(t *testing.T) []dkCase {
	bv := []byte("a forty-byte base key value, for tests!!")
	base := secretKey(ck.CKK_GENERIC_SECRET, bv)
	data := []byte("some derivation data, shorter than the base")
	cat := append(append([]byte(nil), bv...), data...)
	short := min(len(bv), len(data))
	s512 := sha512.Sum512(bv)
	s256 := sha256.Sum256(bv)
	pubA, privA := genECKeys(t, curves[1])
	pubB, privB := genECKeys(t, curves[1])
	peer := pubB.Attrs[ck.CKA_EC_POINT]
	z, err := derive(t, ck.CKM_ECDH1_DERIVE, privB, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: pubA.Attrs[ck.CKA_EC_POINT]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ikm, salt, info := []byte("input keying material"), []byte("salt"), []byte("info")
	hkdfRef := func(n int) []byte {
		v, err := hkdf.Key(sha256.New, ikm, salt, string(info), n)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	fixed := []byte("label\x00context")
	kb := &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: []ck.PRFDataParam{
		{Type: ck.CK_SP800_108_ITERATION_VARIABLE, WidthBits: 32},
		{Type: ck.CK_SP800_108_BYTE_ARRAY, Bytes: fixed},
	}}
	str := &ck.KeyDerivationStringData{Data: data}
	aesKeyValue, ecbData := []byte("sixteen byte key"), bytes.Repeat([]byte("0123456789abcdef"), 4)
	blk, err := aes.NewCipher(aesKeyValue)
	if err != nil {
		t.Fatal(err)
	}
	ecbOut := make([]byte, len(ecbData))
	for i := 0; i < len(ecbData); i += aes.BlockSize {
		blk.Encrypt(ecbOut[i:], ecbData[i:])
	}
	return []dkCase{
		{name: "SHA512_KEY_DERIVATION", mech: ck.CKM_SHA512_KEY_DERIVATION, base: base, natural: 64, avail: 64, strict: true,
			ref: func(n int) []byte { return s512[:n] }},
		{name: "SHA256_KEY_DERIVATION", mech: ck.CKM_SHA256_KEY_DERIVATION, base: base, natural: 32, avail: 32, strict: true,
			ref: func(n int) []byte { return s256[:n] }},
		{name: "CONCATENATE_BASE_AND_DATA", mech: ck.CKM_CONCATENATE_BASE_AND_DATA, base: base, param: str, natural: len(cat), avail: len(cat), strict: true,
			ref: func(n int) []byte { return cat[:n] }},
		{name: "CONCATENATE_BASE_AND_KEY", mech: ck.CKM_CONCATENATE_BASE_AND_KEY, base: base,
			param:   &ck.ConcatenateKeyParams{OtherClass: ck.CKO_SECRET_KEY, OtherAttrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: data}},
			natural: len(cat), avail: len(cat), strict: true, ref: func(n int) []byte { return cat[:n] }},
		{name: "XOR_BASE_AND_DATA", mech: ck.CKM_XOR_BASE_AND_DATA, base: base, param: str, natural: short, avail: short, strict: true,
			ref: func(n int) []byte {
				out := make([]byte, n)
				for i := range out {
					out[i] = bv[i] ^ data[i]
				}
				return out
			}},
		{name: "ECDH1_DERIVE CKD_NULL", mech: ck.CKM_ECDH1_DERIVE, base: privA, param: &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: peer},
			natural: 32, avail: 32, ref: func(n int) []byte { return z[len(z)-n:] }},
		{name: "ECDH1_DERIVE CKD_SHA256_KDF", mech: ck.CKM_ECDH1_DERIVE, base: privA,
			param:   &ck.ECDH1DeriveParams{KDF: ck.CKD_SHA256_KDF, PublicData: peer, SharedData: []byte("shared")},
			natural: 32, ref: func(n int) []byte { return x963(z, []byte("shared"), n) }},
		{name: "HKDF_DERIVE", mech: ck.CKM_HKDF_DERIVE, base: secretKey(ck.CKK_HKDF, ikm),
			param:   &ck.HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_DATA, Salt: salt, Info: info},
			natural: 32, ref: hkdfRef},
		{name: "SP800_108_COUNTER_KDF", mech: ck.CKM_SP800_108_COUNTER_KDF, base: base, param: kb,
			ref: func(n int) []byte { return kbkdfCounterRef(bv, fixed, n) }},
		{name: "EXTRACT_KEY_FROM_KEY from bit 0", mech: ck.CKM_EXTRACT_KEY_FROM_KEY, base: base, param: binary.NativeEndian.AppendUint64(nil, 0), strict: true,
			ref: func(n int) []byte { return bytes.Repeat(bv, 1+n/len(bv))[:n] }},
		{name: "AES_ECB_ENCRYPT_DATA", mech: ck.CKM_AES_ECB_ENCRYPT_DATA, base: aesKey(aesKeyValue), param: &ck.KeyDerivationStringData{Data: ecbData},
			natural: len(ecbData), avail: len(ecbData), ref: func(n int) []byte { return ecbOut[:n] }},
	}
}

// TestDerivedKeyTypes: every secret-key derivation makes every secret key
// type of the token (generic, HMAC, HKDF, AES, AES-XTS, DES2, DES3,
// ChaCha20) with the length rules above, the value being the mechanism's
// bytes (DES: with odd parity), CKA_VALUE_LEN set except on DES keys; a key
// type the token has no secret keys of is CKR_TEMPLATE_INCONSISTENT.
func TestDerivedKeyTypes(t *testing.T) {
	parity := func(v []byte) []byte {
		out := make([]byte, len(v))
		for i, b := range v {
			out[i] = oddParity(b)
		}
		return out
	}
	checked := 0
	for _, c := range dkCases(t) {
		d := mustLookup(t, c.mech).(KeyDeriver)
		for _, typ := range dkTypes {
			for _, l := range []int{0, 16, 20, 24, 32, 64} {
				what := fmt.Sprintf("%s, %v, CKA_VALUE_LEN %d", c.name, typ, l)
				var tmpl ck.Template
				if typ.named {
					tmpl = append(tmpl, keyTypeAttr(typ.kt))
				}
				if l != 0 {
					tmpl = append(tmpl, valueLen(l))
				}
				wantN, wantErr := c.want(typ, l)
				attrs, err := d.DeriveKey(c.base, c.param, tmpl)
				if err != wantErr {
					t.Errorf("%s: %v, want %v", what, err, wantErr)
					continue
				}
				checked++
				if err != nil {
					continue
				}
				want := c.ref(wantN)
				_, des := map[ck.KeyType]bool{ck.CKK_DES2: true, ck.CKK_DES3: true}[typ.kt]
				if des {
					want = parity(want)
				}
				if !bytes.Equal(attrs[ck.CKA_VALUE], want) {
					t.Errorf("%s: value %x, want %x", what, attrs[ck.CKA_VALUE], want)
				}
				if !bytes.Equal(attrs[ck.CKA_KEY_TYPE], ck.EncodeULong(ck.ULong(typ.kt))) {
					t.Errorf("%s: key type %x", what, attrs[ck.CKA_KEY_TYPE])
				}
				vl, has := attrs[ck.CKA_VALUE_LEN]
				if des == has || (has && !bytes.Equal(vl, ck.EncodeULong(ck.ULong(wantN)))) {
					t.Errorf("%s: CKA_VALUE_LEN %x (present %v)", what, vl, has)
				}
			}
		}
		for _, kt := range []ck.KeyType{ck.CKK_DES, ck.CKK_RSA, ck.CKK_EC, ck.CKK_POLY1305} {
			if _, err := d.DeriveKey(c.base, c.param, ck.Template{keyTypeAttr(kt), valueLen(16)}); err != ck.CKR_TEMPLATE_INCONSISTENT {
				t.Errorf("%s, %v: %v, want CKR_TEMPLATE_INCONSISTENT", c.name, kt, err)
			}
		}
	}
	t.Logf("%d derivations checked", checked)
}

// TestPBKDF2KeyTypes: CKM_PKCS5_PBKD2 (C_GenerateKey) makes every secret key
// type: a fixed-length type needs no CKA_VALUE_LEN, any other does.
func TestPBKDF2KeyTypes(t *testing.T) {
	g := mustLookup(t, ck.CKM_PKCS5_PBKD2).(KeyGeneratorWithParam)
	p := &ck.PBKDF2Params{SaltSource: ck.CKZ_SALT_SPECIFIED, Salt: []byte("salt"), Iterations: 2, PRF: ck.CKP_PKCS5_PBKD2_HMAC_SHA256, Password: []byte("pw")}
	c := dkCase{ref: func(n int) []byte {
		v, err := pbkdf2Ref(p, n)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}}
	for _, typ := range dkTypes {
		for _, l := range []int{0, 16, 24, 32, 64} {
			tmpl := ck.Template{}
			if typ.named {
				tmpl = append(tmpl, keyTypeAttr(typ.kt))
			}
			if l != 0 {
				tmpl = append(tmpl, valueLen(l))
			}
			wantN, wantErr := c.want(typ, l)
			attrs, err := g.GenerateKeyWithParam(p, tmpl)
			if err != wantErr {
				t.Errorf("%v, CKA_VALUE_LEN %d: %v, want %v", typ, l, err, wantErr)
				continue
			}
			if err == nil && len(attrs[ck.CKA_VALUE]) != wantN {
				t.Errorf("%v, CKA_VALUE_LEN %d: %d bytes, want %d", typ, l, len(attrs[ck.CKA_VALUE]), wantN)
			}
			if err == nil && typ.fixed == 0 && !bytes.Equal(attrs[ck.CKA_VALUE], c.ref(wantN)) {
				t.Errorf("%v, CKA_VALUE_LEN %d: value differs from PBKDF2", typ, l)
			}
		}
	}
}

// pbkdf2Ref is PBKDF2-HMAC-SHA256 written out (RFC 8018 §5.2).
func pbkdf2Ref(p *ck.PBKDF2Params, n int) ([]byte, error) {
	var out []byte
	for i := uint32(1); len(out) < n; i++ {
		m := hmac.New(sha256.New, p.Password)
		m.Write(p.Salt)
		m.Write(binary.BigEndian.AppendUint32(nil, i))
		u := m.Sum(nil)
		t := append([]byte(nil), u...)
		for j := 1; j < int(p.Iterations); j++ {
			m = hmac.New(sha256.New, p.Password)
			m.Write(u)
			u = m.Sum(nil)
			for k := range t {
				t[k] ^= u[k]
			}
		}
		out = append(out, t...)
	}
	return out[:n], nil
}
