package mechanisms

import (
	"crypto/rand"

	"github.com/cloudflare/circl/dh/x448"

	"github.com/gohsm/gohsm/ck"
)

// x448Secret is the X448 shared secret (RFC 7748) of a CKK_EC_MONTGOMERY
// private key on curve448 (CKA_VALUE: the 56-byte scalar) with the peer's
// public value (a DER OCTET STRING or the raw 56 bytes). A low-order peer,
// whose secret would be all zero, is refused.
func x448Secret(k *Key, peer []byte) ([]byte, error) {
	if err := checkKey(k, ck.CKO_PRIVATE_KEY, ck.CKK_EC_MONTGOMERY); err != nil {
		return nil, err
	}
	d := k.Attrs[ck.CKA_VALUE]
	if len(d) != x448.Size {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	raw, err := decodeOctetKey(peer, x448.Size)
	if err != nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	var sk, pk, z x448.Key
	copy(sk[:], d)
	copy(pk[:], raw)
	if !x448.Shared(&z, &sk, &pk) {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return z[:], nil
}

// x448Generate makes an X448 key pair: the public value and the scalar.
func x448Generate() (pub, priv []byte, err error) {
	var sk, pk x448.Key
	if _, err := rand.Read(sk[:]); err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	x448.KeyGen(&pk, &sk)
	return pk[:], sk[:], nil
}
