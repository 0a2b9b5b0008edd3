package mechanisms

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha512"

	"github.com/gohsm/gohsm/ck"
)

// eddsa is CKM_EDDSA on Ed25519 and Ed448, single-part; the key's
// CKA_EC_PARAMS picks the curve. Without a parameter it is pure Ed25519 or
// Ed448 (empty context); a CK_EDDSA_PARAMS (*ck.EdDSAParams) selects the
// pre-hash variant (phFlag: the token hashes the data, SHA-512 for Ed25519ph,
// SHAKE256 for Ed448ph) and a context of up to 255 bytes.
type eddsa struct{}

func init() { Register(eddsa{}) }

func (eddsa) Type() ck.MechanismType { return ck.CKM_EDDSA }
func (eddsa) Info() Info {
	return Info{MinKeySize: 255, MaxKeySize: 448, ExtraFlags: ck.CKF_EC_OID | ck.CKF_EC_CURVENAME}
}

// edVariant is the Ed25519 variant a parameter asks for.
type edVariant struct {
	ph      bool
	context string
}

func decodeEdDSAParams(param any) (edVariant, error) {
	var p *ck.EdDSAParams
	switch v := param.(type) {
	case *ck.EdDSAParams:
		p = v
	case ck.EdDSAParams:
		p = &v
	default:
		if noParam(param) == nil {
			return edVariant{}, nil
		}
		return edVariant{}, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if p == nil || len(p.ContextData) > 255 {
		return edVariant{}, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return edVariant{ph: p.PHFlag, context: string(p.ContextData)}, nil
}

// opts and message give Go's ed25519 what the variant needs.
func (v edVariant) opts() *ed25519.Options {
	o := &ed25519.Options{Context: v.context}
	if v.ph {
		o.Hash = crypto.SHA512
	}
	return o
}

func (v edVariant) message(data []byte) []byte {
	if v.ph {
		h := sha512.Sum512(data)
		return h[:]
	}
	return data
}

func (eddsa) SignInit(key *Key, param any) (SignContext, error) {
	v, err := decodeEdDSAParams(param)
	if err != nil {
		return nil, err
	}
	if key != nil && key.Class == ck.CKO_PRIVATE_KEY && key.KeyType == ck.CKK_EC_EDWARDS {
		if c, _ := keyEdCurve(edwardsCurves, key); c == curveEd448 {
			sk, err := ed448PrivateKey(key)
			if err != nil {
				return nil, err
			}
			return &ed448Signer{sk: sk, v: v}, nil
		}
	}
	sk, err := ed25519PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &edSigner{sk: sk, v: v}, nil
}

func (eddsa) VerifyInit(key *Key, param any) (VerifyContext, error) {
	v, err := decodeEdDSAParams(param)
	if err != nil {
		return nil, err
	}
	if key != nil && key.Class == ck.CKO_PUBLIC_KEY && key.KeyType == ck.CKK_EC_EDWARDS {
		if c, _ := keyEdCurve(edwardsCurves, key); c == curveEd448 {
			pk, err := ed448PublicKey(key)
			if err != nil {
				return nil, err
			}
			return &ed448Verifier{pk: pk, v: v}, nil
		}
	}
	pk, err := ed25519PublicKey(key)
	if err != nil {
		return nil, err
	}
	return &edVerifier{pk: pk, v: v}, nil
}

type edSigner struct {
	sk ed25519.PrivateKey
	v  edVariant
}

func (s *edSigner) SignatureLen() int { return ed25519.SignatureSize }

func (s *edSigner) Sign(data []byte) ([]byte, error) {
	sig, err := s.sk.Sign(nil, s.v.message(data), s.v.opts())
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return sig, nil
}

type edVerifier struct {
	pk ed25519.PublicKey
	v  edVariant
}

func (e *edVerifier) Verify(data, sig []byte) error {
	if len(sig) != ed25519.SignatureSize {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	if ed25519.VerifyWithOptions(e.pk, e.v.message(data), sig, e.v.opts()) != nil {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
