package mechanisms

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// FuzzRawParams gives every registered mechanism arbitrary parameter bytes
// (what cexport passes for a mechanism whose parameter has no pointers) and
// arbitrary input: Init either fails with a ck.RV or the operation runs; no
// panic, and every error is a PKCS#11 code.
func FuzzRawParams(f *testing.F) {
	f.Add([]byte{}, []byte("data"))
	f.Add(make([]byte, 8), make([]byte, 16))
	f.Add(make([]byte, 16), make([]byte, 32))
	f.Add(ctrParam(8, make([]byte, 16)), make([]byte, 40))
	f.Add(macLenParam(7), []byte{1})
	f.Add(pssParamBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32), make([]byte, 32))
	f.Fuzz(func(t *testing.T, param, data []byte) {
		for _, typ := range Types() {
			m, _ := Lookup(typ)
			fx := fixtures[typ]
			check := func(what string, err error) {
				if _, ok := err.(ck.RV); err != nil && !ok {
					t.Fatalf("%v %s: error %v is not a ck.RV", typ, what, err)
				}
			}
			if s, ok := m.(Signer); ok && fx.signKey != nil {
				c, err := s.SignInit(fx.signKey(t), param)
				check("SignInit", err)
				if err == nil {
					_, err = c.Sign(data)
					check("Sign", err)
				}
			}
			if v, ok := m.(Verifier); ok && fx.verifyKey != nil {
				c, err := v.VerifyInit(fx.verifyKey(t), param)
				check("VerifyInit", err)
				if err == nil {
					check("Verify", c.Verify(data, data))
				}
			}
			if e, ok := m.(Encrypter); ok && fx.encKey != nil {
				c, err := e.EncryptInit(fx.encKey(t), param)
				check("EncryptInit", err)
				if err == nil {
					_, err = c.Do(data)
					check("Encrypt", err)
				}
			}
			if d, ok := m.(Decrypter); ok && fx.decKey != nil {
				c, err := d.DecryptInit(fx.decKey(t), param)
				check("DecryptInit", err)
				if err == nil {
					_, err = c.Do(data)
					check("Decrypt", err)
				}
			}
			if u, ok := m.(KeyUnwrapper); ok && fx.unwrapKey != nil {
				_, err := u.UnwrapKey(fx.unwrapKey(t), param, data, nil)
				check("UnwrapKey", err)
			}
			if d, ok := m.(KeyDeriver); ok && fx.deriveKey != nil {
				_, err := d.DeriveKey(fx.deriveKey(t), param, nil)
				check("DeriveKey", err)
			}
		}
	})
}

// FuzzCiphertexts decrypts, unwraps and verifies arbitrary bytes with each
// mechanism's own parameter: authentication and padding checks must refuse
// them with a PKCS#11 code, never panic.
func FuzzCiphertexts(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 16))
	f.Add(make([]byte, 24))
	f.Add(make([]byte, 256))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, typ := range Types() {
			m, _ := Lookup(typ)
			fx := fixtures[typ]
			param := func() any {
				if fx.param == nil {
					return nil
				}
				return fx.param()
			}
			if d, ok := m.(Decrypter); ok && fx.decKey != nil {
				c, err := d.DecryptInit(fx.decKey(t), param())
				if err != nil {
					t.Fatalf("%v DecryptInit: %v", typ, err)
				}
				if _, err := c.Do(in); err != nil {
					if _, ok := err.(ck.RV); !ok {
						t.Fatalf("%v: %v", typ, err)
					}
				}
			}
			if u, ok := m.(KeyUnwrapper); ok && fx.unwrapKey != nil {
				if _, err := u.UnwrapKey(fx.unwrapKey(t), param(), in, nil); err != nil {
					if _, ok := err.(ck.RV); !ok {
						t.Fatalf("%v: %v", typ, err)
					}
				}
			}
			if v, ok := m.(VerifyRecoverer); ok && fx.verifyKey != nil {
				r, err := v.VerifyRecoverInit(fx.verifyKey(t), param())
				if err != nil {
					t.Fatalf("%v VerifyRecoverInit: %v", typ, err)
				}
				if _, err := r.VerifyRecover(in); err == nil && len(in) != 256 {
					t.Fatalf("%v recovered from %d bytes", typ, len(in))
				}
			}
		}
	})
}
