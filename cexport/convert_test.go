package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestTemplate(t *testing.T) {
	tests := []struct {
		name    string
		attrs   []testAttr
		wantErr error
	}{
		{"empty", nil, nil},
		{"values", []testAttr{{ck.CKA_LABEL, []byte("key"), 3}, {ck.CKA_TOKEN, []byte{1}, 1}}, nil},
		{"empty value", []testAttr{{ck.CKA_LABEL, []byte{}, 0}}, nil},
		{"NULL value without length", []testAttr{{ck.CKA_LABEL, nil, 0}}, nil},
		{"NULL value with length", []testAttr{{ck.CKA_LABEL, nil, 4}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"array attribute of a partial CK_ATTRIBUTE", []testAttr{{ck.CKA_WRAP_TEMPLATE, []byte{0}, 1}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"corrupt length", []testAttr{{ck.CKA_VALUE, []byte{1}, 1 << 40}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeCTemplate(tc.attrs)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			checkTemplate(t, tc.attrs, got)
		})
	}
}

func checkTemplate(t *testing.T, in []testAttr, got ck.Template) {
	t.Helper()
	if len(got) != len(in) {
		t.Fatalf("%d attributes, want %d", len(got), len(in))
	}
	for i, a := range in {
		want := a.Value
		if want == nil {
			want = []byte{}
		}
		if got[i].Type != a.Type || !bytes.Equal(got[i].Value, want[:a.Len]) || got[i].Value == nil {
			t.Fatalf("attribute %d = %v %x, want %v %x", i, got[i].Type, got[i].Value, a.Type, want[:a.Len])
		}
	}
}

func TestMechanismParams(t *testing.T) {
	iv, aad := []byte("0123456789ab"), []byte("header")
	tests := []struct {
		name    string
		typ     ck.MechanismType
		p       testParam
		want    any
		wantErr error
	}{
		{"no parameter", ck.CKM_SHA256, testParam{}, nil, nil},
		{"raw bytes", ck.CKM_AES_CBC, testParam{Raw: iv[:8]}, iv[:8], nil},
		{"NULL with length", ck.CKM_AES_CBC, testParam{NullWithLn: true}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"GCM", ck.CKM_AES_GCM, testParam{Struct: true, A: iv, B: aad, X: 96, Y: 128},
			&ck.GCMParams{IV: iv, AAD: aad, IVBits: 96, TagBits: 128}, nil},
		{"GCM short struct", ck.CKM_AES_GCM, testParam{Struct: true, A: iv, LenDelta: -1}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"GCM long struct", ck.CKM_AES_GCM, testParam{Struct: true, A: iv, LenDelta: 8}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"CCM", ck.CKM_AES_CCM, testParam{Struct: true, A: iv[:7], B: aad, X: 100, Y: 16},
			&ck.CCMParams{DataLen: 100, Nonce: iv[:7], AAD: aad, MACLen: 16}, nil},
		{"OAEP", ck.CKM_RSA_PKCS_OAEP, testParam{Struct: true, A: []byte("label"), X: uint64(ck.CKM_SHA256), Y: 2},
			&ck.OAEPParams{Hash: ck.CKM_SHA256, MGF: 2, Source: 1, SourceData: []byte("label")}, nil},
		{"PSS", ck.CKM_SHA256_RSA_PKCS_PSS, testParam{Struct: true, A: make([]byte, 32), X: uint64(ck.CKM_SHA256), Y: 2},
			&ck.PSSParams{Hash: ck.CKM_SHA256, MGF: 2, SaltLength: 32}, nil},
		{"ECDH1", ck.CKM_ECDH1_DERIVE, testParam{Struct: true, B: []byte{4, 1, 2}, X: 1},
			&ck.ECDH1DeriveParams{KDF: 1, PublicData: []byte{4, 1, 2}}, nil},
		{"EdDSA", ck.CKM_EDDSA, testParam{Struct: true, A: []byte("ctx"), X: 1},
			&ck.EdDSAParams{PHFlag: true, ContextData: []byte("ctx")}, nil},
		{"EdDSA bad flag", ck.CKM_EDDSA, testParam{Struct: true, X: 2}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"ChaCha20-Poly1305", ck.CKM_CHACHA20_POLY1305, testParam{Struct: true, A: iv, B: aad},
			&ck.ChaCha20Poly1305Params{Nonce: iv, AAD: aad}, nil},
		{"ChaCha20-Poly1305 short", ck.CKM_CHACHA20_POLY1305, testParam{Struct: true, A: iv, LenDelta: -8}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"HKDF", ck.CKM_HKDF_DERIVE, testParam{Struct: true, A: []byte("salt"), B: []byte("info"), X: 1, Y: 1},
			&ck.HKDFParams{Extract: true, Expand: true, PRF: 1, SaltType: 1, Salt: []byte("salt"), SaltKey: 1, Info: []byte("info")}, nil},
		{"HKDF bad bool", ck.CKM_HKDF_DERIVE, testParam{Struct: true, X: 2}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"string data", ck.CKM_CONCATENATE_BASE_AND_DATA, testParam{Struct: true, A: []byte("tail")},
			&ck.KeyDerivationStringData{Data: []byte("tail")}, nil},
		{"string data long", ck.CKM_XOR_BASE_AND_DATA, testParam{Struct: true, A: []byte("x"), LenDelta: 8}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"AES CBC data", ck.CKM_AES_CBC_ENCRYPT_DATA, testParam{Struct: true, A: make([]byte, 32)},
			&ck.CBCEncryptDataParams{IV: make([]byte, 16), Data: make([]byte, 32)}, nil},
		{"DES CBC data", ck.CKM_DES3_CBC_ENCRYPT_DATA, testParam{Struct: true, A: make([]byte, 16)},
			&ck.CBCEncryptDataParams{IV: make([]byte, 8), Data: make([]byte, 16)}, nil},
		{"DES CBC data as AES size", ck.CKM_DES3_CBC_ENCRYPT_DATA, testParam{Struct: true, A: make([]byte, 16), LenDelta: 8}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"RSA AES wrap", ck.CKM_RSA_AES_KEY_WRAP, testParam{Struct: true, B: []byte("label"), X: 257, Y: uint64(ck.CKM_SHA256)},
			&ck.RSAAESKeyWrapParams{AESKeyBits: 257, OAEP: ck.OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.MGF(ck.CKM_SHA256), Source: 1, SourceData: []byte("label")}}, nil},
		{"PBKDF2 PARAMS2", ck.CKM_PKCS5_PBKD2, testParam{Struct: true, A: []byte("password"), B: []byte("salt"), X: 4, Y: 4096},
			&ck.PBKDF2Params{SaltSource: 1, Salt: []byte("salt"), Iterations: 4096, PRF: 4, Password: []byte("password")}, nil},
		{"PBKDF2 PARAMS (length by pointer)", ck.CKM_PKCS5_PBKD2, testParam{Struct: true, A: []byte("password"), B: []byte("salt"), X: 1, Y: 2},
			&ck.PBKDF2Params{SaltSource: 1, Salt: []byte("salt"), Iterations: 2, PRF: 1, Password: []byte("password")}, nil},
		{"PBKDF2 short", ck.CKM_PKCS5_PBKD2, testParam{Struct: true, A: []byte("pw"), LenDelta: -8}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"SP800-108 counter", ck.CKM_SP800_108_COUNTER_KDF, testParam{Struct: true, A: []byte("label"), X: 3, Y: 1},
			&ck.SP800108Params{PRF: 1, Data: []ck.PRFDataParam{
				{Type: 1, LittleEndian: true, WidthBits: 3}, {Type: 4, Bytes: []byte("label")},
				{Type: 3, DKMMethod: 1, LittleEndian: true, WidthBits: 1}}}, nil},
		{"SP800-108 feedback", ck.CKM_SP800_108_FEEDBACK_KDF, testParam{Struct: true, A: []byte("label"), B: []byte("iv"), X: 0, Y: 0},
			&ck.SP800108Params{IV: []byte("iv")}, nil},
		{"SP800-108 bad bool", ck.CKM_SP800_108_DOUBLE_PIPELINE_KDF, testParam{Struct: true, X: 1, Y: 2}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"SP800-108 feedback struct for counter", ck.CKM_SP800_108_COUNTER_KDF, testParam{Struct: true, LenDelta: 16}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"RSA AES wrap NULL OAEP", ck.CKM_RSA_AES_KEY_WRAP, testParam{Struct: true, X: 256}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeCMechanism(tc.typ, tc.p)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if got.Type != tc.typ || !sameParam(got.Parameter, tc.want) {
				t.Fatalf("got %v %#v, want %#v", got.Type, got.Parameter, tc.want)
			}
		})
	}
}

// sameParam compares decoded parameters, treating nil and empty slices alike.
func sameParam(a, b any) bool {
	eq := func(x, y []byte) bool { return bytes.Equal(x, y) }
	switch w := b.(type) {
	case nil:
		return a == nil
	case []byte:
		g, ok := a.([]byte)
		return ok && eq(g, w)
	case *ck.GCMParams:
		g, ok := a.(*ck.GCMParams)
		return ok && eq(g.IV, w.IV) && eq(g.AAD, w.AAD) && g.IVBits == w.IVBits && g.TagBits == w.TagBits
	case *ck.CCMParams:
		g, ok := a.(*ck.CCMParams)
		return ok && eq(g.Nonce, w.Nonce) && eq(g.AAD, w.AAD) && g.DataLen == w.DataLen && g.MACLen == w.MACLen
	case *ck.OAEPParams:
		g, ok := a.(*ck.OAEPParams)
		return ok && g.Hash == w.Hash && g.MGF == w.MGF && g.Source == w.Source && eq(g.SourceData, w.SourceData)
	case *ck.PSSParams:
		g, ok := a.(*ck.PSSParams)
		return ok && *g == *w
	case *ck.ECDH1DeriveParams:
		g, ok := a.(*ck.ECDH1DeriveParams)
		return ok && g.KDF == w.KDF && eq(g.SharedData, w.SharedData) && eq(g.PublicData, w.PublicData)
	case *ck.EdDSAParams:
		g, ok := a.(*ck.EdDSAParams)
		return ok && g.PHFlag == w.PHFlag && eq(g.ContextData, w.ContextData)
	case *ck.ChaCha20Poly1305Params:
		g, ok := a.(*ck.ChaCha20Poly1305Params)
		return ok && eq(g.Nonce, w.Nonce) && eq(g.AAD, w.AAD)
	case *ck.HKDFParams:
		g, ok := a.(*ck.HKDFParams)
		return ok && g.Extract == w.Extract && g.Expand == w.Expand && g.PRF == w.PRF && g.SaltType == w.SaltType &&
			eq(g.Salt, w.Salt) && g.SaltKey == w.SaltKey && eq(g.Info, w.Info)
	case *ck.KeyDerivationStringData:
		g, ok := a.(*ck.KeyDerivationStringData)
		return ok && eq(g.Data, w.Data)
	case *ck.CBCEncryptDataParams:
		g, ok := a.(*ck.CBCEncryptDataParams)
		return ok && eq(g.IV, w.IV) && eq(g.Data, w.Data)
	case *ck.PBKDF2Params:
		g, ok := a.(*ck.PBKDF2Params)
		return ok && g.SaltSource == w.SaltSource && eq(g.Salt, w.Salt) && g.Iterations == w.Iterations &&
			g.PRF == w.PRF && eq(g.PRFData, w.PRFData) && eq(g.Password, w.Password)
	case *ck.SP800108Params:
		g, ok := a.(*ck.SP800108Params)
		if !ok || g.PRF != w.PRF || !eq(g.IV, w.IV) || g.AdditionalKeys != w.AdditionalKeys || len(g.Data) != len(w.Data) {
			return false
		}
		for i := range g.Data {
			x, y := g.Data[i], w.Data[i]
			if x.Type != y.Type || !eq(x.Bytes, y.Bytes) || x.LittleEndian != y.LittleEndian || x.WidthBits != y.WidthBits || x.DKMMethod != y.DKMMethod {
				return false
			}
		}
		return true
	case *ck.RSAAESKeyWrapParams:
		g, ok := a.(*ck.RSAAESKeyWrapParams)
		return ok && g.AESKeyBits == w.AESKeyBits && sameParam(&g.OAEP, &w.OAEP)
	}
	return false
}

// FuzzTemplate decodes CK_ATTRIBUTE arrays built from arbitrary bytes: each
// attribute is a type (8 bytes), a flags byte (bit 0: NULL pValue) and a
// length byte, then that many value bytes. It must never panic, and what it
// accepts must be exactly what was laid out.
func FuzzTemplate(f *testing.F) {
	f.Add([]byte{})
	f.Add(append(binary.LittleEndian.AppendUint64(nil, uint64(ck.CKA_LABEL)), 0, 3, 'a', 'b', 'c'))
	f.Add(append(binary.LittleEndian.AppendUint64(nil, uint64(ck.CKA_VALUE)), 1, 5))
	f.Add(append(binary.LittleEndian.AppendUint64(nil, uint64(ck.CKA_WRAP_TEMPLATE)), 0, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		var attrs []testAttr
		for len(data) >= 10 && len(attrs) < 64 {
			a := testAttr{Type: ck.AttributeType(binary.LittleEndian.Uint64(data)), Len: uint64(data[9])}
			null := data[8]&1 != 0
			if ck.IsAttributeArray(a.Type) {
				// A template array's value is C pointers: arbitrary bytes
				// there are the application's garbage pointers
				// (TestArrayAttributeInput covers these types).
				a.Type &^= ck.AttributeType(ck.CKF_ARRAY_ATTRIBUTE)
			}
			data = data[10:]
			if !null {
				n := min(int(a.Len), len(data))
				a.Value, a.Len, data = data[:n:n], uint64(n), data[n:]
			}
			attrs = append(attrs, a)
		}
		got, err := decodeCTemplate(attrs)
		if err != nil {
			var rv ck.RV
			if !errors.As(err, &rv) {
				t.Fatalf("error %v is not a ck.RV", err)
			}
			return
		}
		checkTemplate(t, attrs, got)
	})
}

// FuzzMechanism decodes CK_MECHANISMs with arbitrary parameters, raw or as
// the mechanism's C struct with arbitrary members and ulParameterLen.
func FuzzMechanism(f *testing.F) {
	f.Add(uint64(ck.CKM_AES_GCM), true, []byte("iv"), []byte("aad"), uint64(96), uint64(128), 0)
	f.Add(uint64(ck.CKM_EDDSA), true, []byte{}, []byte(nil), uint64(3), uint64(0), -2)
	f.Add(uint64(ck.CKM_AES_CBC), false, []byte("0123456789abcdef"), []byte(nil), uint64(0), uint64(0), 0)
	f.Add(uint64(ck.CKM_RSA_PKCS_PSS), true, []byte{1}, []byte{2}, uint64(1), uint64(1), 1)
	f.Add(uint64(ck.CKM_HKDF_DERIVE), true, []byte("salt"), []byte("info"), uint64(1), uint64(2), 0)
	f.Add(uint64(ck.CKM_CHACHA20_POLY1305), true, []byte("nonce"), []byte("aad"), uint64(0), uint64(0), 0)
	f.Add(uint64(ck.CKM_CHACHA20), true, []byte{1, 0, 0, 0}, []byte("twelve bytes"), uint64(32), uint64(96), 0)
	f.Add(uint64(ck.CKM_XOR_BASE_AND_DATA), true, []byte("data"), []byte(nil), uint64(0), uint64(0), -8)
	f.Add(uint64(ck.CKM_AES_CBC_ENCRYPT_DATA), true, []byte("data"), []byte(nil), uint64(0), uint64(0), 0)
	f.Add(uint64(ck.CKM_DES3_CBC_ENCRYPT_DATA), true, []byte("data"), []byte(nil), uint64(0), uint64(0), 8)
	f.Add(uint64(ck.CKM_RSA_AES_KEY_WRAP), true, []byte(nil), []byte("label"), uint64(257), uint64(ck.CKM_SHA256), 0)
	f.Add(uint64(ck.CKM_RSA_AES_KEY_WRAP), true, []byte(nil), []byte(nil), uint64(256), uint64(0), 0)
	f.Add(uint64(ck.CKM_PKCS5_PBKD2), true, []byte("pw"), []byte("salt"), uint64(1), uint64(2), 0)
	f.Add(uint64(ck.CKM_PKCS5_PBKD2), true, []byte("pw"), []byte(nil), uint64(4), uint64(2), 0)
	f.Add(uint64(ck.CKM_SP800_108_COUNTER_KDF), true, []byte("label"), []byte(nil), uint64(3), uint64(1), 0)
	f.Add(uint64(ck.CKM_SP800_108_FEEDBACK_KDF), true, []byte("label"), []byte("iv"), uint64(2), uint64(0), 0)
	f.Add(uint64(ck.CKM_SP800_108_DOUBLE_PIPELINE_KDF), true, []byte(nil), []byte(nil), uint64(1), uint64(0), -8)
	f.Fuzz(func(t *testing.T, typ uint64, asStruct bool, a, b []byte, x, y uint64, delta int) {
		mt := ck.MechanismType(typ)
		// A decoded struct's pointers must point somewhere: raw bytes of
		// the struct's size would be garbage pointers (the application's
		// bug, which the shims' SetPanicOnFault turns into an error).
		_, hasDecoder := paramDecoders[mt]
		asStruct = hasDecoder
		p := testParam{Struct: asStruct, A: a, B: b, X: x, Y: y, LenDelta: delta % 64, Raw: a}
		got, err := decodeCMechanism(mt, p)
		if err != nil {
			var rv ck.RV
			if !errors.As(err, &rv) {
				t.Fatalf("error %v is not a ck.RV", err)
			}
			return
		}
		if got.Type != mt {
			t.Fatalf("type %v, want %v", got.Type, mt)
		}
		if !asStruct && !sameParam(got.Parameter, nilIfEmpty(a)) {
			t.Fatalf("raw parameter %x, want %x", got.Parameter, a)
		}
	})
}

func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
