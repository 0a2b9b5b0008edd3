package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// fixture says how to exercise one registered mechanism: keys and parameter
// for its operations, templates for its generators. Every registered
// mechanism must have one, so a new mechanism cannot skip this test.
type fixture struct {
	signKey, verifyKey func(t *testing.T) *Key // also MAC keys
	encKey, decKey     func(t *testing.T) *Key
	param              func() any
	data               []byte // input for sign/encrypt; "sixteen byte msg" if nil
	genTmpl            ck.Template
	pubTmpl, privTmpl  ck.Template
	deriveKey          func(t *testing.T) *Key
	deriveParam        func(t *testing.T) any
	deriveTmpl         ck.Template
	wrapKey, unwrapKey func(t *testing.T) *Key // with param
	wrapTarget         func(t *testing.T) *Key // a key the mechanism can wrap
	encapKey, decapKey func(t *testing.T) *Key // a KEM's public and private key
}

var fixtures = map[ck.MechanismType]fixture{}

// addFixture registers f for each of types (from the *_test.go files of each family).
func addFixture(f fixture, types ...ck.MechanismType) {
	for _, t := range types {
		fixtures[t] = f
	}
}

func init() {
	addFixture(fixture{}, ck.CKM_MD5, ck.CKM_SHA_1, ck.CKM_SHA224, ck.CKM_SHA256, ck.CKM_SHA384, ck.CKM_SHA512, ck.CKM_SHA512_224, ck.CKM_SHA512_256,
		ck.CKM_SHA3_224, ck.CKM_SHA3_256, ck.CKM_SHA3_384, ck.CKM_SHA3_512)
	addFixture(fixture{genTmpl: ck.Template{{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(32)}}}, ck.CKM_AES_KEY_GEN, ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKM_HKDF_KEY_GEN)
	addFixture(fixture{genTmpl: ck.Template{{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(32)}}, param: func() any {
		return &ck.PBKDF2Params{SaltSource: ck.CKZ_SALT_SPECIFIED, Salt: []byte("salt"), Iterations: 1, PRF: ck.CKP_PKCS5_PBKD2_HMAC_SHA256}
	}}, ck.CKM_PKCS5_PBKD2)
	addFixture(fixture{
		deriveKey: func(t *testing.T) *Key {
			return &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_GENERIC_SECRET, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: []byte("kbkdf key")}}
		},
		deriveParam: func(t *testing.T) any { return &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: kbkdfData(false)} },
		deriveTmpl:  lenTmpl(32),
	}, ck.CKM_SP800_108_COUNTER_KDF)
	addFixture(fixture{
		deriveKey: func(t *testing.T) *Key {
			return &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_GENERIC_SECRET, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: []byte("kbkdf key")}}
		},
		deriveParam: func(t *testing.T) any { return &ck.SP800108Params{PRF: ck.CKM_SHA256_HMAC, Data: kbkdfData(true)} },
		deriveTmpl:  lenTmpl(32),
	}, ck.CKM_SP800_108_FEEDBACK_KDF, ck.CKM_SP800_108_DOUBLE_PIPELINE_KDF)
	addFixture(fixture{genTmpl: ck.Template{{Type: ck.CKA_VALUE_LEN, Value: ck.EncodeULong(64)}}}, ck.CKM_AES_XTS_KEY_GEN)
	xk := func(t *testing.T) *Key { return xtsKey([]byte("0123456789abcdefghijklmnopqrstuv")) }
	addFixture(fixture{encKey: xk, decKey: xk, param: func() any { return make([]byte, 16) }}, ck.CKM_AES_XTS)
	addFixture(fixture{pubTmpl: ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(nil, curves[1].OID)}}}, ck.CKM_EC_KEY_PAIR_GEN)
	var ecPub, ecPriv *Key
	ecKeys := func(t *testing.T) {
		if ecPub == nil {
			ecPub, ecPriv = genECKeys(t, curves[1])
		}
	}
	addFixture(fixture{
		signKey:   func(t *testing.T) *Key { ecKeys(t); return ecPriv },
		verifyKey: func(t *testing.T) *Key { ecKeys(t); return ecPub },
	}, ck.CKM_ECDSA, ck.CKM_ECDSA_SHA1, ck.CKM_ECDSA_SHA224, ck.CKM_ECDSA_SHA256, ck.CKM_ECDSA_SHA384, ck.CKM_ECDSA_SHA512,
		ck.CKM_ECDSA_SHA3_224, ck.CKM_ECDSA_SHA3_256, ck.CKM_ECDSA_SHA3_384, ck.CKM_ECDSA_SHA3_512)
}

// TestMechanismInfoMatchesBehaviour: every flag the registry derives for a
// mechanism is backed by an operation that works with a suitable key.
func TestMechanismInfoMatchesBehaviour(t *testing.T) {
	if len(Types()) == 0 {
		t.Fatal("nothing registered")
	}
	for _, typ := range Types() {
		t.Run(typ.String(), func(t *testing.T) {
			m, _ := Lookup(typ)
			f, ok := fixtures[typ]
			if !ok {
				t.Fatalf("no fixture for %v", typ)
			}
			info := MechanismInfo(m)
			if info.MinKeySize > info.MaxKeySize {
				t.Errorf("key sizes %d..%d", info.MinKeySize, info.MaxKeySize)
			}
			ops := info.Flags & (ck.CKF_ENCRYPT | ck.CKF_DECRYPT | ck.CKF_DIGEST | ck.CKF_SIGN | ck.CKF_VERIFY |
				ck.CKF_GENERATE | ck.CKF_GENERATE_KEY_PAIR | ck.CKF_DERIVE | ck.CKF_WRAP | ck.CKF_UNWRAP |
				ck.CKF_SIGN_RECOVER | ck.CKF_VERIFY_RECOVER | ck.CKF_ENCAPSULATE | ck.CKF_DECAPSULATE)
			if ops == 0 {
				t.Fatal("mechanism offers no operation")
			}
			param := func() any {
				if f.param == nil {
					return nil
				}
				return f.param()
			}
			data := f.data
			if data == nil {
				data = []byte("sixteen byte msg")
			}
			var sig []byte
			if info.Flags&ck.CKF_SIGN != 0 {
				s, err := m.(Signer).SignInit(f.signKey(t), param())
				if err != nil {
					t.Fatalf("SignInit: %v", err)
				}
				if sig, err = s.Sign(data); err != nil {
					t.Fatalf("Sign: %v", err)
				}
				if len(sig) > s.SignatureLen() {
					t.Errorf("signature %d bytes > SignatureLen %d", len(sig), s.SignatureLen())
				}
			}
			if info.Flags&ck.CKF_VERIFY != 0 {
				v, err := m.(Verifier).VerifyInit(f.verifyKey(t), param())
				if err != nil {
					t.Fatalf("VerifyInit: %v", err)
				}
				if sig != nil {
					if err := v.Verify(data, sig); err != nil {
						t.Fatalf("Verify: %v", err)
					}
				}
			}
			var recSig []byte
			if info.Flags&ck.CKF_SIGN_RECOVER != 0 {
				s, err := m.(SignRecoverer).SignRecoverInit(f.signKey(t), param())
				if err != nil {
					t.Fatalf("SignRecoverInit: %v", err)
				}
				if recSig, err = s.Sign(data); err != nil {
					t.Fatalf("SignRecover: %v", err)
				}
			}
			if info.Flags&ck.CKF_VERIFY_RECOVER != 0 {
				r, err := m.(VerifyRecoverer).VerifyRecoverInit(f.verifyKey(t), param())
				if err != nil {
					t.Fatalf("VerifyRecoverInit: %v", err)
				}
				if recSig != nil {
					if got, err := r.VerifyRecover(recSig); err != nil || !bytes.Equal(got, data) {
						t.Fatalf("VerifyRecover: %v", err)
					}
				}
			}
			var ct []byte
			if info.Flags&ck.CKF_ENCRYPT != 0 {
				c, err := m.(Encrypter).EncryptInit(f.encKey(t), param())
				if err != nil {
					t.Fatalf("EncryptInit: %v", err)
				}
				if ct, err = c.Do(data); err != nil {
					t.Fatalf("Encrypt: %v", err)
				}
				if len(ct) > c.OutputLen(len(data)) {
					t.Errorf("ciphertext %d bytes > OutputLen %d", len(ct), c.OutputLen(len(data)))
				}
			}
			if info.Flags&ck.CKF_DECRYPT != 0 {
				c, err := m.(Decrypter).DecryptInit(f.decKey(t), param())
				if err != nil {
					t.Fatalf("DecryptInit: %v", err)
				}
				if ct != nil {
					pt, err := c.Do(ct)
					if err != nil || !bytes.Equal(pt, data) {
						t.Fatalf("Decrypt: %v, round trip equal %v", err, bytes.Equal(pt, data))
					}
				}
			}
			if info.Flags&ck.CKF_ENCAPSULATE != 0 {
				ct, secret, err := m.(Encapsulator).Encapsulate(f.encapKey(t), param(), nil)
				if err != nil || len(secret[ck.CKA_VALUE]) == 0 {
					t.Fatalf("Encapsulate: %v", err)
				}
				if n, err := m.(Encapsulator).CiphertextLen(f.encapKey(t), param()); err != nil || n != len(ct) {
					t.Errorf("CiphertextLen %d, %v; ciphertext %d bytes", n, err, len(ct))
				}
				if info.Flags&ck.CKF_DECAPSULATE != 0 {
					got, err := m.(Decapsulator).Decapsulate(f.decapKey(t), param(), ct, nil)
					if err != nil || !bytes.Equal(got[ck.CKA_VALUE], secret[ck.CKA_VALUE]) {
						t.Fatalf("Decapsulate: %v", err)
					}
				}
			}
			if info.Flags&ck.CKF_DIGEST != 0 {
				h, err := m.(Digester).DigestInit(nil)
				if err != nil || h.Size() == 0 {
					t.Fatalf("DigestInit: %v", err)
				}
			}
			if info.Flags&ck.CKF_GENERATE != 0 {
				var err error
				if pg, ok := m.(KeyGeneratorWithParam); ok {
					_, err = pg.GenerateKeyWithParam(param(), f.genTmpl)
				} else {
					_, err = m.(KeyGenerator).GenerateKey(f.genTmpl)
				}
				if err != nil {
					t.Fatalf("GenerateKey: %v", err)
				}
			}
			if info.Flags&ck.CKF_DERIVE != 0 {
				attrs, err := m.(KeyDeriver).DeriveKey(f.deriveKey(t), f.deriveParam(t), f.deriveTmpl)
				if err != nil || len(attrs[ck.CKA_VALUE]) == 0 {
					t.Fatalf("DeriveKey: %v", err)
				}
			}
			var wrapped []byte
			if info.Flags&ck.CKF_WRAP != 0 {
				var err error
				if wrapped, err = m.(KeyWrapper).WrapKey(f.wrapKey(t), f.wrapTarget(t), param()); err != nil {
					t.Fatalf("WrapKey: %v", err)
				}
			}
			if info.Flags&ck.CKF_UNWRAP != 0 && wrapped != nil {
				target := f.wrapTarget(t)
				tmpl := ck.Template{{Type: ck.CKA_KEY_TYPE, Value: ck.EncodeULong(ck.ULong(target.KeyType))}}
				attrs, err := m.(KeyUnwrapper).UnwrapKey(f.unwrapKey(t), param(), wrapped, tmpl)
				if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], target.Attrs[ck.CKA_VALUE]) {
					t.Fatalf("UnwrapKey: %v", err)
				}
			}
			if info.Flags&ck.CKF_GENERATE_KEY_PAIR != 0 {
				if _, _, err := m.(KeyPairGenerator).GenerateKeyPair(f.pubTmpl, f.privTmpl); err != nil {
					t.Fatalf("GenerateKeyPair: %v", err)
				}
			}
		})
	}
}

// TestMechanismsRejectParameters: a mechanism given a parameter it does not
// take fails its Init with CKR_MECHANISM_PARAM_INVALID.
func TestMechanismsRejectParameters(t *testing.T) {
	bogus := struct{ X int }{1}
	for _, typ := range Types() {
		m, _ := Lookup(typ)
		f := fixtures[typ]
		if s, ok := m.(Signer); ok && f.signKey != nil {
			if _, err := s.SignInit(f.signKey(t), bogus); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v SignInit: %v", typ, err)
			}
		}
		if v, ok := m.(Verifier); ok && f.verifyKey != nil {
			if _, err := v.VerifyInit(f.verifyKey(t), bogus); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v VerifyInit: %v", typ, err)
			}
		}
		if e, ok := m.(Encrypter); ok && f.encKey != nil {
			if _, err := e.EncryptInit(f.encKey(t), bogus); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v EncryptInit: %v", typ, err)
			}
		}
		if d, ok := m.(Decrypter); ok && f.decKey != nil {
			if _, err := d.DecryptInit(f.decKey(t), bogus); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v DecryptInit: %v", typ, err)
			}
		}
		if d, ok := m.(Digester); ok {
			if _, err := d.DigestInit(bogus); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v DigestInit: %v", typ, err)
			}
		}
		if d, ok := m.(KeyDeriver); ok && f.deriveKey != nil {
			if _, err := d.DeriveKey(f.deriveKey(t), bogus, nil); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v DeriveKey: %v", typ, err)
			}
		}
		if w, ok := m.(KeyWrapper); ok && f.wrapKey != nil {
			if _, err := w.WrapKey(f.wrapKey(t), f.wrapTarget(t), bogus); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v WrapKey: %v", typ, err)
			}
		}
		if u, ok := m.(KeyUnwrapper); ok && f.unwrapKey != nil {
			if _, err := u.UnwrapKey(f.unwrapKey(t), bogus, make([]byte, 32), nil); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v UnwrapKey: %v", typ, err)
			}
		}
		if s, ok := m.(SignRecoverer); ok && f.signKey != nil {
			if _, err := s.SignRecoverInit(f.signKey(t), bogus); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v SignRecoverInit: %v", typ, err)
			}
		}
		if v, ok := m.(VerifyRecoverer); ok && f.verifyKey != nil {
			if _, err := v.VerifyRecoverInit(f.verifyKey(t), bogus); err != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%v VerifyRecoverInit: %v", typ, err)
			}
		}
	}
}

// TestECMechanismInfo pins the sizes and EC flags the brief and the
// specification ask for.
func TestECMechanismInfo(t *testing.T) {
	for _, typ := range []ck.MechanismType{ck.CKM_EC_KEY_PAIR_GEN, ck.CKM_ECDSA, ck.CKM_ECDSA_SHA256} {
		i := MechanismInfo(mustLookup(t, typ))
		if i.MinKeySize != 224 || i.MaxKeySize != 521 {
			t.Errorf("%v: sizes %d..%d", typ, i.MinKeySize, i.MaxKeySize)
		}
		want := ck.CKF_EC_F_P | ck.CKF_EC_OID | ck.CKF_EC_UNCOMPRESS | ck.CKF_EC_CURVENAME
		if i.Flags&want != want || i.Flags&ck.CKF_EC_COMPRESS != 0 {
			t.Errorf("%v: flags %#x", typ, i.Flags)
		}
	}
	if i := MechanismInfo(mustLookup(t, ck.CKM_AES_KEY_GEN)); i.MinKeySize != 16 || i.MaxKeySize != 32 || i.Flags != ck.CKF_GENERATE {
		t.Errorf("CKM_AES_KEY_GEN: %+v", i)
	}
	if i := MechanismInfo(mustLookup(t, ck.CKM_ECDSA_SHA256)); i.Flags&(ck.CKF_SIGN|ck.CKF_VERIFY) != ck.CKF_SIGN|ck.CKF_VERIFY {
		t.Errorf("CKM_ECDSA_SHA256: %#x", i.Flags)
	}
}
