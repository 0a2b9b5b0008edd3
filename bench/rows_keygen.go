package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"sync"

	"github.com/miekg/pkcs11"
)

// genOp generates a persistent token key (or pair) and destroys it after
// each call, untimed, so that the store does not grow during the row.
type genOp struct {
	mu   sync.Mutex
	made map[pkcs11.SessionHandle][]pkcs11.ObjectHandle
}

func keygenPrep(gen func(t *Target, s pkcs11.SessionHandle) ([]pkcs11.ObjectHandle, error)) func(*Target) (Op, error) {
	return func(t *Target) (Op, error) {
		g := &genOp{made: map[pkcs11.SessionHandle][]pkcs11.ObjectHandle{}}
		return checked(t, Op{
			Run: func(s pkcs11.SessionHandle) error {
				h, err := gen(t, s)
				if err != nil {
					return err
				}
				g.mu.Lock()
				g.made[s] = h
				g.mu.Unlock()
				return nil
			},
			After: func(s pkcs11.SessionHandle) error {
				g.mu.Lock()
				h := g.made[s]
				g.mu.Unlock()
				for _, o := range h {
					if err := t.P.DestroyObject(s, o); err != nil {
						return err
					}
				}
				return nil
			},
		})
	}
}

func keygenRows() []Row {
	return []Row{
		{ID: "keygen-rsa2048", Name: "token keygen RSA-2048",
			Prep: keygenPrep(func(t *Target, s pkcs11.SessionHandle) ([]pkcs11.ObjectHandle, error) {
				return keyPair(t, s, pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, "bench-gen", true, rsaTemplate(2048))
			}),
			Raw: rawOp(func() error { _, err := rsa.GenerateKey(rand.Reader, 2048); return err })},
		{ID: "keygen-p256", Name: "token keygen EC P-256",
			Prep: keygenPrep(func(t *Target, s pkcs11.SessionHandle) ([]pkcs11.ObjectHandle, error) {
				return keyPair(t, s, pkcs11.CKM_EC_KEY_PAIR_GEN, "bench-gen", true, ecTemplate(oidP256))
			}),
			Raw: rawOp(func() error { _, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return err })},
		{ID: "keygen-aes256", Name: "token keygen AES-256",
			Prep: keygenPrep(func(t *Target, s pkcs11.SessionHandle) ([]pkcs11.ObjectHandle, error) {
				h, err := t.P.GenerateKey(s, mech(pkcs11.CKM_AES_KEY_GEN, nil), []*pkcs11.Attribute{
					attr(pkcs11.CKA_TOKEN, true), attr(pkcs11.CKA_LABEL, "bench-gen"), attr(pkcs11.CKA_PRIVATE, true),
					attr(pkcs11.CKA_VALUE_LEN, 32), attr(pkcs11.CKA_ENCRYPT, true), attr(pkcs11.CKA_DECRYPT, true),
				})
				return []pkcs11.ObjectHandle{h}, err
			}),
			Raw: rawOp(func() error { _, err := rand.Read(make([]byte, 32)); return err })},
	}
}
