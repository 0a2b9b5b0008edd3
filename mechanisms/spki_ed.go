package mechanisms

// spki_ed.go: SubjectPublicKeyInfo of Ed25519, Ed448, X25519 and X448 keys
// (RFC 8410: the curve's OID, no parameters, the raw public key).

import (
	"crypto/ecdh"
	"crypto/ed25519"

	"github.com/cloudflare/circl/dh/x448"
	"github.com/cloudflare/circl/sign/ed448"

	"github.com/gohsm/gohsm/ck"
)

func edSPKI(kt ck.KeyType, attrs map[ck.AttributeType][]byte, priv bool) ([]byte, error) {
	params := attrs[ck.CKA_EC_PARAMS]
	if len(params) == 0 {
		return nil, nil
	}
	table := edwardsCurves
	if kt == ck.CKK_EC_MONTGOMERY {
		table = montgomeryCurves
	}
	c, err := findEdCurve(table, params)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	pub, err := spkiPublic(attrs, priv,
		func(v []byte) ([]byte, error) { return edPublicFromPrivate(c, v) },
		func(p []byte) ([]byte, error) { return decodeOctetKey(p, c.keyBytes) })
	if err != nil || pub == nil {
		return nil, err
	}
	return marshalSPKI(c.oid, nil, pub)
}

// edPublicFromPrivate is the public key of an RFC 8032 secret or an RFC
// 7748 scalar; nil without a private value.
func edPublicFromPrivate(c *edCurve, v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, nil
	}
	if len(v) != c.keyBytes {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	switch c {
	case curveEd25519:
		return ed25519.NewKeyFromSeed(v).Public().(ed25519.PublicKey), nil
	case curveEd448:
		return ed448.NewKeyFromSeed(v).Public().(ed448.PublicKey), nil
	case curveX25519:
		sk, err := ecdh.X25519().NewPrivateKey(v)
		if err != nil {
			return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		return sk.PublicKey().Bytes(), nil
	case curveX448:
		var sk, pk x448.Key
		copy(sk[:], v)
		x448.KeyGen(&pk, &sk)
		return pk[:], nil
	}
	return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
}
