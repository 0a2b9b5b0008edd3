package bench

import (
	"fmt"

	"github.com/gohsm/gohsm/ck"

	"github.com/miekg/pkcs11"
)

// DER-encoded CKA_EC_PARAMS (named curves).
var (
	oidP256    = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
	oidP384    = []byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}
	oidEd25519 = []byte{0x06, 0x03, 0x2b, 0x65, 0x70}
	// Some tokens name Ed25519 by the printable string of the 3.0 specification.
	strEd25519 = append([]byte{0x13, 0x0c}, "edwards25519"...)
)

// 3.0 mechanisms that miekg/pkcs11 (2.40) does not name.
var (
	ckmEdwardsKeyPairGen = uint(ck.CKM_EC_EDWARDS_KEY_PAIR_GEN)
	ckmEdDSA             = uint(ck.CKM_EDDSA)
)

func attr(t uint, v any) *pkcs11.Attribute { return pkcs11.NewAttribute(t, v) }

// keyPair generates a token key pair labelled label; token says whether it
// persists. It returns [public, private].
func keyPair(t *Target, s pkcs11.SessionHandle, mech uint, label string, token bool, pub []*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	pubT := append([]*pkcs11.Attribute{
		attr(pkcs11.CKA_TOKEN, token), attr(pkcs11.CKA_LABEL, label), attr(pkcs11.CKA_VERIFY, true),
	}, pub...)
	privT := []*pkcs11.Attribute{
		attr(pkcs11.CKA_TOKEN, token), attr(pkcs11.CKA_LABEL, label), attr(pkcs11.CKA_PRIVATE, true),
		attr(pkcs11.CKA_SENSITIVE, true), attr(pkcs11.CKA_SIGN, true),
	}
	pk, sk, err := t.P.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, pubT, privT)
	if err != nil {
		return nil, fmt.Errorf("C_GenerateKeyPair: %w", err)
	}
	return []pkcs11.ObjectHandle{pk, sk}, nil
}

func rsaTemplate(bits int) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{attr(pkcs11.CKA_MODULUS_BITS, bits), attr(pkcs11.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1})}
}

func ecTemplate(params []byte) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{attr(pkcs11.CKA_EC_PARAMS, params)}
}

// The named keys every row shares, made once per target as token objects.
func rsaKey(t *Target, bits int) ([]pkcs11.ObjectHandle, error) {
	name := fmt.Sprintf("bench-rsa%d", bits)
	return t.key(name, func() ([]pkcs11.ObjectHandle, error) {
		return keyPair(t, t.Session(), pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, name, true, rsaTemplate(bits))
	})
}

func ecKey(t *Target, name string, params []byte) ([]pkcs11.ObjectHandle, error) {
	return t.key(name, func() ([]pkcs11.ObjectHandle, error) {
		return keyPair(t, t.Session(), pkcs11.CKM_EC_KEY_PAIR_GEN, name, true, ecTemplate(params))
	})
}

func edKey(t *Target) ([]pkcs11.ObjectHandle, error) {
	return t.key("bench-ed25519", func() ([]pkcs11.ObjectHandle, error) {
		h, err := keyPair(t, t.Session(), ckmEdwardsKeyPairGen, "bench-ed25519", true, ecTemplate(oidEd25519))
		if err != nil {
			h, err = keyPair(t, t.Session(), ckmEdwardsKeyPairGen, "bench-ed25519", true, ecTemplate(strEd25519))
		}
		return h, err
	})
}

// aesKey is a token AES-256 key for encryption and wrapping; extractable
// keys are the ones a wrap row wraps.
func aesKey(t *Target, name string, extractable bool) ([]pkcs11.ObjectHandle, error) {
	return t.key(name, func() ([]pkcs11.ObjectHandle, error) {
		h, err := t.P.GenerateKey(t.Session(), []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)}, []*pkcs11.Attribute{
			attr(pkcs11.CKA_TOKEN, true), attr(pkcs11.CKA_LABEL, name), attr(pkcs11.CKA_PRIVATE, true),
			attr(pkcs11.CKA_VALUE_LEN, 32), attr(pkcs11.CKA_SENSITIVE, !extractable), attr(pkcs11.CKA_EXTRACTABLE, extractable),
			attr(pkcs11.CKA_ENCRYPT, true), attr(pkcs11.CKA_DECRYPT, true), attr(pkcs11.CKA_WRAP, true), attr(pkcs11.CKA_UNWRAP, true),
		})
		if err != nil {
			return nil, fmt.Errorf("C_GenerateKey(AES): %w", err)
		}
		return []pkcs11.ObjectHandle{h}, nil
	})
}

// hmacKeyValue is the generic secret both the token and raw HMAC rows use.
var hmacKeyValue = []byte("0123456789abcdef0123456789abcdef")

func hmacKey(t *Target) ([]pkcs11.ObjectHandle, error) {
	return t.key("bench-hmac", func() ([]pkcs11.ObjectHandle, error) {
		h, err := t.P.CreateObject(t.Session(), []*pkcs11.Attribute{
			attr(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
			attr(pkcs11.CKA_TOKEN, true), attr(pkcs11.CKA_PRIVATE, true), attr(pkcs11.CKA_LABEL, "bench-hmac"),
			attr(pkcs11.CKA_SIGN, true), attr(pkcs11.CKA_VERIFY, true), attr(pkcs11.CKA_VALUE, hmacKeyValue),
		})
		if err != nil {
			return nil, fmt.Errorf("C_CreateObject(generic secret): %w", err)
		}
		return []pkcs11.ObjectHandle{h}, nil
	})
}

// findKey finds a private key by label (for child processes using the parent's token).
func findKey(t *Target, s pkcs11.SessionHandle, label string) (pkcs11.ObjectHandle, error) {
	if err := t.P.FindObjectsInit(s, []*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), attr(pkcs11.CKA_LABEL, label)}); err != nil {
		return 0, fmt.Errorf("C_FindObjectsInit: %w", err)
	}
	h, _, err := t.P.FindObjects(s, 2)
	t.P.FindObjectsFinal(s)
	if err != nil {
		return 0, fmt.Errorf("C_FindObjects: %w", err)
	}
	if len(h) != 1 {
		return 0, fmt.Errorf("found %d keys labelled %s", len(h), label)
	}
	return h[0], nil
}
