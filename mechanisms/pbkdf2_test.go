package mechanisms

import (
	"bytes"
	"errors"
	"strconv"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var pbkdf2PRFNames = map[string]ck.PBKDF2PRF{
	"SHA1": ck.CKP_PKCS5_PBKD2_HMAC_SHA1, "SHA256": ck.CKP_PKCS5_PBKD2_HMAC_SHA256, "SHA512": ck.CKP_PKCS5_PBKD2_HMAC_SHA512,
}

// TestPBKDF2Vectors: RFC 6070 and OpenSSL known answers, as generic secrets
// of CKA_VALUE_LEN bytes.
func TestPBKDF2Vectors(t *testing.T) {
	g := mustLookup(t, ck.CKM_PKCS5_PBKD2).(KeyGeneratorWithParam)
	for i, v := range readVectors(t, "testdata/pbkdf2.txt") {
		iter, _ := strconv.Atoi(v["Iterations"])
		want := unhex(t, v["DK"])
		p := &ck.PBKDF2Params{SaltSource: ck.CKZ_SALT_SPECIFIED, Salt: unhex(t, v["Salt"]), Iterations: ck.ULong(iter),
			PRF: pbkdf2PRFNames[v["PRF"]], Password: unhex(t, v["Password"])}
		attrs, err := g.GenerateKeyWithParam(p, ck.Template{{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(ck.ULong(len(want)))}})
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if !bytes.Equal(attrs[ck.CKA_VALUE], want) {
			t.Errorf("vector %d: %x, want %x", i, attrs[ck.CKA_VALUE], want)
		}
	}
}

func TestPBKDF2Refusals(t *testing.T) {
	g := mustLookup(t, ck.CKM_PKCS5_PBKD2).(KeyGeneratorWithParam)
	ok := ck.PBKDF2Params{SaltSource: ck.CKZ_SALT_SPECIFIED, Salt: []byte("s"), Iterations: 1, PRF: ck.CKP_PKCS5_PBKD2_HMAC_SHA256}
	len16 := ck.Template{{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(16)}}
	mod := func(f func(p *ck.PBKDF2Params)) *ck.PBKDF2Params { p := ok; f(&p); return &p }
	tests := []struct {
		name  string
		param any
		tmpl  ck.Template
		want  error
	}{
		{"no parameter", nil, len16, ck.CKR_MECHANISM_PARAM_INVALID},
		{"raw bytes", []byte{1, 2}, len16, ck.CKR_MECHANISM_PARAM_INVALID},
		{"salt source", mod(func(p *ck.PBKDF2Params) { p.SaltSource = 2 }), len16, ck.CKR_MECHANISM_PARAM_INVALID},
		{"zero iterations", mod(func(p *ck.PBKDF2Params) { p.Iterations = 0 }), len16, ck.CKR_MECHANISM_PARAM_INVALID},
		{"too many iterations", mod(func(p *ck.PBKDF2Params) { p.Iterations = pbkdf2MaxIterations + 1 }), len16, ck.CKR_MECHANISM_PARAM_INVALID},
		{"GOST PRF", mod(func(p *ck.PBKDF2Params) { p.PRF = ck.CKP_PKCS5_PBKD2_HMAC_GOSTR3411 }), len16, ck.CKR_MECHANISM_PARAM_INVALID},
		{"no length", &ok, nil, ck.CKR_TEMPLATE_INCOMPLETE},
		{"AES of 20 bytes", &ok, ck.Template{{Type: ck.CKA_KEY_TYPE, Value: ck.EncodeULong(ck.ULong(ck.CKK_AES))},
			{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(20)}}, ck.CKR_TEMPLATE_INCONSISTENT},
	}
	for _, tc := range tests {
		if _, err := g.GenerateKeyWithParam(tc.param, tc.tmpl); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := g.GenerateKey(len16); !errors.Is(err, ck.CKR_MECHANISM_PARAM_INVALID) {
		t.Errorf("GenerateKey without parameter: %v", err)
	}
	attrs, err := g.GenerateKeyWithParam(&ok, ck.Template{{Type: ck.CKA_KEY_TYPE, Value: ck.EncodeULong(ck.ULong(ck.CKK_AES))},
		{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(32)}})
	if err != nil || !bytes.Equal(attrs[ck.CKA_KEY_TYPE], ck.EncodeULong(ck.ULong(ck.CKK_AES))) || len(attrs[ck.CKA_VALUE]) != 32 {
		t.Errorf("AES-256 key: %v %x", err, attrs[ck.CKA_KEY_TYPE])
	}
}
