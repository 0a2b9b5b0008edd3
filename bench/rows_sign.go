package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"sync"

	"github.com/miekg/pkcs11"
)

var (
	message  = []byte("gohsm benchmark message: 64 bytes of data to be signed, hashed..")
	digest32 = sha256.Sum256(message)
	digest48 = sha512.Sum384(message)
)

// rawKeys are the Go keys of the raw column, made once.
var rawKeys = sync.OnceValue(func() (k struct {
	rsa2048, rsa3072 *rsa.PrivateKey
	p256, p384       *ecdsa.PrivateKey
	ed               ed25519.PrivateKey
}) {
	k.rsa2048, _ = rsa.GenerateKey(rand.Reader, 2048)
	k.rsa3072, _ = rsa.GenerateKey(rand.Reader, 3072)
	k.p256, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k.p384, _ = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, k.ed, _ = ed25519.GenerateKey(rand.Reader)
	return k
})

type keyFunc func(t *Target) ([]pkcs11.ObjectHandle, error)

func mech(m uint, param any) []*pkcs11.Mechanism {
	return []*pkcs11.Mechanism{pkcs11.NewMechanism(m, param)}
}

// checked runs op once on the main session, so that a missing mechanism
// shows as n/a before any timing.
func checked(t *Target, op Op) (Op, error) {
	if err := op.Run(t.Session()); err != nil {
		return Op{}, err
	}
	if op.After != nil {
		if err := op.After(t.Session()); err != nil {
			return Op{}, err
		}
	}
	return op, nil
}

// signPrep signs with the key's last handle (a pair's private key, or a secret key).
func signPrep(key keyFunc, m []*pkcs11.Mechanism, data []byte) func(*Target) (Op, error) {
	return func(t *Target) (Op, error) {
		h, err := key(t)
		if err != nil {
			return Op{}, err
		}
		if !useMiekg {
			return checked(t, directOp(t, cCall{op: cSign, mech: m[0].Mechanism, param: mechParam(m), key: h[len(h)-1], in: data, outLen: 1024}))
		}
		return checked(t, Op{Run: func(s pkcs11.SessionHandle) error {
			if err := t.P.SignInit(s, m, h[len(h)-1]); err != nil {
				return err
			}
			_, err := t.P.Sign(s, data)
			return err
		}})
	}
}

func verifyPrep(key keyFunc, m []*pkcs11.Mechanism, data []byte) func(*Target) (Op, error) {
	return func(t *Target) (Op, error) {
		h, err := key(t)
		if err != nil {
			return Op{}, err
		}
		s := t.Session()
		if err := t.P.SignInit(s, m, h[len(h)-1]); err != nil {
			return Op{}, err
		}
		sig, err := t.P.Sign(s, data)
		if err != nil {
			return Op{}, err
		}
		if !useMiekg {
			return checked(t, directOp(t, cCall{op: cVerify, mech: m[0].Mechanism, param: mechParam(m), key: h[0], in: data, outLen: len(sig), sig: sig}))
		}
		return checked(t, Op{Run: func(s pkcs11.SessionHandle) error {
			if err := t.P.VerifyInit(s, m, h[0]); err != nil {
				return err
			}
			return t.P.Verify(s, data, sig)
		}})
	}
}

func rawOp(f func() error) func() (Op, error) {
	return func() (Op, error) {
		if err := f(); err != nil {
			return Op{}, err
		}
		return Op{Run: func(pkcs11.SessionHandle) error { return f() }}, nil
	}
}

func signRows() []Row {
	rsa2048 := func(t *Target) ([]pkcs11.ObjectHandle, error) { return rsaKey(t, 2048) }
	rsa3072 := func(t *Target) ([]pkcs11.ObjectHandle, error) { return rsaKey(t, 3072) }
	p256 := func(t *Target) ([]pkcs11.ObjectHandle, error) { return ecKey(t, "bench-p256", oidP256) }
	p384 := func(t *Target) ([]pkcs11.ObjectHandle, error) { return ecKey(t, "bench-p384", oidP384) }
	pss := pkcs11.NewPSSParams(pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, 32)
	pssOpts := &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256}
	k := rawKeys
	return []Row{
		{ID: "rsa2048-sign-pkcs", Name: "RSA-2048 sign SHA256-RSA-PKCS", Parallel: true,
			Prep: signPrep(rsa2048, mech(pkcs11.CKM_SHA256_RSA_PKCS, nil), message),
			Raw: rawOp(func() error {
				d := sha256.Sum256(message)
				_, err := rsa.SignPKCS1v15(nil, k().rsa2048, crypto.SHA256, d[:])
				return err
			})},
		{ID: "rsa2048-sign-pss", Name: "RSA-2048 sign SHA256-RSA-PKCS-PSS",
			Prep: signPrep(rsa2048, mech(pkcs11.CKM_SHA256_RSA_PKCS_PSS, pss), message),
			Raw: rawOp(func() error {
				d := sha256.Sum256(message)
				_, err := rsa.SignPSS(rand.Reader, k().rsa2048, crypto.SHA256, d[:], pssOpts)
				return err
			})},
		{ID: "rsa2048-verify-pkcs", Name: "RSA-2048 verify SHA256-RSA-PKCS",
			Prep: verifyPrep(rsa2048, mech(pkcs11.CKM_SHA256_RSA_PKCS, nil), message),
			Raw: func() (Op, error) {
				d := sha256.Sum256(message)
				sig, err := rsa.SignPKCS1v15(nil, k().rsa2048, crypto.SHA256, d[:])
				if err != nil {
					return Op{}, err
				}
				return rawOp(func() error {
					d := sha256.Sum256(message)
					return rsa.VerifyPKCS1v15(&k().rsa2048.PublicKey, crypto.SHA256, d[:], sig)
				})()
			}},
		{ID: "rsa3072-sign-pkcs", Name: "RSA-3072 sign SHA256-RSA-PKCS",
			Prep: signPrep(rsa3072, mech(pkcs11.CKM_SHA256_RSA_PKCS, nil), message),
			Raw: rawOp(func() error {
				d := sha256.Sum256(message)
				_, err := rsa.SignPKCS1v15(nil, k().rsa3072, crypto.SHA256, d[:])
				return err
			})},
		{ID: "p256-sign-ecdsa", Name: "ECDSA P-256 sign (CKM_ECDSA, digest)", Parallel: true,
			Prep: signPrep(p256, mech(pkcs11.CKM_ECDSA, nil), digest32[:]),
			Raw: rawOp(func() error {
				_, err := ecdsa.SignASN1(rand.Reader, k().p256, digest32[:])
				return err
			})},
		{ID: "p256-sign-ecdsa-sha256", Name: "ECDSA P-256 sign (CKM_ECDSA_SHA256)",
			Prep: signPrep(p256, mech(pkcs11.CKM_ECDSA_SHA256, nil), message),
			Raw: rawOp(func() error {
				d := sha256.Sum256(message)
				_, err := ecdsa.SignASN1(rand.Reader, k().p256, d[:])
				return err
			})},
		{ID: "p256-verify-ecdsa", Name: "ECDSA P-256 verify (CKM_ECDSA, digest)",
			Prep: verifyPrep(p256, mech(pkcs11.CKM_ECDSA, nil), digest32[:]),
			Raw:  ecdsaVerifyRaw(func() *ecdsa.PrivateKey { return k().p256 }, false)},
		{ID: "p256-verify-ecdsa-sha256", Name: "ECDSA P-256 verify (CKM_ECDSA_SHA256)",
			Prep: verifyPrep(p256, mech(pkcs11.CKM_ECDSA_SHA256, nil), message),
			Raw:  ecdsaVerifyRaw(func() *ecdsa.PrivateKey { return k().p256 }, true)},
		{ID: "p384-sign-ecdsa", Name: "ECDSA P-384 sign (CKM_ECDSA, digest)",
			Prep: signPrep(p384, mech(pkcs11.CKM_ECDSA, nil), digest48[:]),
			Raw: rawOp(func() error {
				_, err := ecdsa.SignASN1(rand.Reader, k().p384, digest48[:])
				return err
			})},
		{ID: "ed25519-sign", Name: "Ed25519 sign (CKM_EDDSA)", Parallel: true,
			Prep: signPrep(edKey, mech(ckmEdDSA, nil), message),
			Raw: rawOp(func() error {
				ed25519.Sign(k().ed, message)
				return nil
			})},
	}
}

// ecdsaVerifyRaw verifies a P-256 signature, hashing the message first when hash is set.
func ecdsaVerifyRaw(key func() *ecdsa.PrivateKey, hash bool) func() (Op, error) {
	return func() (Op, error) {
		sig, err := ecdsa.SignASN1(rand.Reader, key(), digest32[:])
		if err != nil {
			return Op{}, err
		}
		return rawOp(func() error {
			d := digest32
			if hash {
				d = sha256.Sum256(message)
			}
			if !ecdsa.VerifyASN1(&key().PublicKey, d[:], sig) {
				return errNA
			}
			return nil
		})()
	}
}
