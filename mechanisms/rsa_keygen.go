package mechanisms

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

// rsaKeyPairGen is CKM_RSA_PKCS_KEY_PAIR_GEN.
type rsaKeyPairGen struct{}

func init() { Register(rsaKeyPairGen{}) }

func (rsaKeyPairGen) Type() ck.MechanismType { return ck.CKM_RSA_PKCS_KEY_PAIR_GEN }
func (rsaKeyPairGen) Info() Info             { return Info{MinKeySize: rsaMinBits, MaxKeySize: rsaMaxBits} }

// GenerateKeyPair takes CKA_MODULUS_BITS (required) and CKA_PUBLIC_EXPONENT
// (optional) from the public template. Go generates keys with e = 65537
// only, so any other exponent is CKR_TEMPLATE_INCONSISTENT.
func (rsaKeyPairGen) GenerateKeyPair(pubTmpl, privTmpl ck.Template) (pub, priv map[ck.AttributeType][]byte, err error) {
	if err := checkKeyType(pubTmpl, ck.CKK_RSA); err != nil {
		return nil, nil, err
	}
	if err := checkKeyType(privTmpl, ck.CKK_RSA); err != nil {
		return nil, nil, err
	}
	bits, ok, err := pubTmpl.ULong(ck.CKA_MODULUS_BITS)
	if err != nil {
		return nil, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if !ok {
		return nil, nil, ck.CKR_TEMPLATE_INCOMPLETE
	}
	if bits < rsaMinBits || bits > rsaMaxBits {
		return nil, nil, ck.CKR_KEY_SIZE_RANGE
	}
	if e, ok := pubTmpl.Lookup(ck.CKA_PUBLIC_EXPONENT); ok {
		v, valid := rsaExponent(e)
		if !valid {
			return nil, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		if v != 65537 {
			return nil, nil, ck.CKR_TEMPLATE_INCONSISTENT
		}
	}
	k, err := rsa.GenerateKey(rand.Reader, int(bits))
	if err != nil {
		return nil, nil, ck.CKR_FUNCTION_FAILED
	}
	k.Precompute()
	kt := ck.EncodeULong(ck.ULong(ck.CKK_RSA))
	n, e := k.N.Bytes(), big.NewInt(int64(k.E)).Bytes()
	pub = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:        kt,
		ck.CKA_MODULUS:         n,
		ck.CKA_MODULUS_BITS:    ck.EncodeULong(ck.ULong(k.N.BitLen())),
		ck.CKA_PUBLIC_EXPONENT: e,
	}
	priv = map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE:         bytes.Clone(kt),
		ck.CKA_MODULUS:          bytes.Clone(n),
		ck.CKA_PUBLIC_EXPONENT:  bytes.Clone(e),
		ck.CKA_PRIVATE_EXPONENT: k.D.Bytes(),
		ck.CKA_PRIME_1:          k.Primes[0].Bytes(),
		ck.CKA_PRIME_2:          k.Primes[1].Bytes(),
		ck.CKA_EXPONENT_1:       k.Precomputed.Dp.Bytes(),
		ck.CKA_EXPONENT_2:       k.Precomputed.Dq.Bytes(),
		ck.CKA_COEFFICIENT:      k.Precomputed.Qinv.Bytes(),
	}
	return pub, priv, nil
}
