package mechanisms

import (
	"github.com/cloudflare/circl/sign/ed448"

	"github.com/gohsm/gohsm/ck"
)

// ed448PrivateKey parses a CKK_EC_EDWARDS private key on Ed448: CKA_VALUE is
// the 57-byte secret of RFC 8032 (circl's seed).
func ed448PrivateKey(k *Key) (ed448.PrivateKey, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_EC_EDWARDS); err != nil {
		return nil, err
	}
	v, err := k.Parsed("ed448.private", func() (any, error) {
		seed := k.Attrs[ck.CKA_VALUE]
		if len(seed) != ed448.SeedSize {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return ed448.NewKeyFromSeed(seed), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(ed448.PrivateKey), nil
}

func ed448PublicKey(k *Key) (ed448.PublicKey, error) {
	if err := checkKey(k, ck.CKO_PUBLIC_KEY, ck.CKK_EC_EDWARDS); err != nil {
		return nil, err
	}
	v, err := k.Parsed("ed448.public", func() (any, error) {
		p, err := decodeOctetKey(k.Attrs[ck.CKA_EC_POINT], ed448.PublicKeySize)
		if err != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		return ed448.PublicKey(p), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(ed448.PublicKey), nil
}

// ed448Signer and ed448Verifier are CKM_EDDSA on Ed448. RFC 8032 Ed448 always
// has a context (empty without CK_EDDSA_PARAMS); phFlag selects Ed448ph,
// whose pre-hash (SHAKE256, 64 bytes) circl computes from the data.
type ed448Signer struct {
	sk ed448.PrivateKey
	v  edVariant
}

func (s *ed448Signer) SignatureLen() int { return ed448.SignatureSize }

func (s *ed448Signer) Sign(data []byte) ([]byte, error) {
	if s.v.ph {
		return ed448.SignPh(s.sk, data, s.v.context), nil
	}
	return ed448.Sign(s.sk, data, s.v.context), nil
}

type ed448Verifier struct {
	pk ed448.PublicKey
	v  edVariant
}

func (e *ed448Verifier) Verify(data, sig []byte) error {
	if len(sig) != ed448.SignatureSize {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	ok := false
	if e.v.ph {
		ok = ed448.VerifyPh(e.pk, data, sig, e.v.context)
	} else {
		ok = ed448.Verify(e.pk, data, sig, e.v.context)
	}
	if !ok {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
