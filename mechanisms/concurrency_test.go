package mechanisms

import (
	"bytes"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestSharedKeysConcurrently: provider's key cache hands one *Key to many
// sessions at once; parsing (Key.Parsed) and the cached ciphers must be safe
// for that. Run with -race.
func TestSharedKeysConcurrently(t *testing.T) {
	ecPub, ecPriv := genECKeys(t, curves[1])
	rsaPub, rsaPriv := rsaTestKeys(t)
	// Fresh Key values, so that the goroutines race to parse them first.
	fresh := func(k *Key) *Key { return &Key{Class: k.Class, KeyType: k.KeyType, Attrs: k.Attrs} }
	ecPub, ecPriv, rsaPub, rsaPriv = fresh(ecPub), fresh(ecPriv), fresh(rsaPub), fresh(rsaPriv)
	aes := aesKey(bytes.Repeat([]byte{1}, 32))
	hmacKey := secretKey(ck.CKK_GENERIC_SECRET, []byte("shared"))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := []byte{byte(i), 1, 2, 3}
			for _, c := range []struct {
				typ    ck.MechanismType
				sk, vk *Key
				param  any
			}{
				{ck.CKM_ECDSA_SHA256, ecPriv, ecPub, nil},
				{ck.CKM_SHA256_RSA_PKCS, rsaPriv, rsaPub, nil},
				{ck.CKM_SHA256_HMAC, hmacKey, hmacKey, nil},
				{ck.CKM_AES_CMAC, aes, aes, nil},
			} {
				s, err := mustLookup(t, c.typ).(Signer).SignInit(c.sk, c.param)
				if err != nil {
					t.Error(err)
					return
				}
				sig, _ := s.Sign(msg)
				v, _ := mustLookup(t, c.typ).(Verifier).VerifyInit(c.vk, c.param)
				if err := v.Verify(msg, sig); err != nil {
					t.Errorf("%v: %v", c.typ, err)
				}
			}
			p := &ck.GCMParams{IV: make([]byte, 12), TagBits: 128}
			e, _ := mustLookup(t, ck.CKM_AES_GCM).(Encrypter).EncryptInit(aes, p)
			ct, _ := e.Do(msg)
			d, _ := mustLookup(t, ck.CKM_AES_GCM).(Decrypter).DecryptInit(aes, p)
			if pt, err := d.Do(ct); err != nil || !bytes.Equal(pt, msg) {
				t.Errorf("GCM: %v", err)
			}
		}()
	}
	wg.Wait()
}
