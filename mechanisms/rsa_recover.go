package mechanisms

import (
	"crypto/rsa"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

// C_SignRecover and C_VerifyRecover with CKM_RSA_PKCS: the signature is the
// same PKCS #1 v1.5 type 1 block over the data as C_Sign makes, and
// recovery undoes it with the public key.

func (m rsaPKCS) SignRecoverInit(key *Key, param any) (SignContext, error) {
	return m.SignInit(key, param)
}

func (rsaPKCS) VerifyRecoverInit(key *Key, param any) (VerifyRecoverContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	pub, err := rsaPublicKey(key)
	if err != nil {
		return nil, err
	}
	return rsaRecoverer{pub}, nil
}

type rsaRecoverer struct{ pub *rsa.PublicKey }

// DataLen is a bound: the padding's length is known after recovery.
func (r rsaRecoverer) DataLen(int) int { return r.pub.Size() - 11 }

// VerifyRecover computes s^e mod n (public values only, so big.Int's timing
// is no concern) and checks 00 01 FF..FF 00 with at least 8 bytes of FF.
func (r rsaRecoverer) VerifyRecover(sig []byte) ([]byte, error) {
	k := r.pub.Size()
	if len(sig) != k {
		return nil, ck.CKR_SIGNATURE_LEN_RANGE
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(r.pub.N) >= 0 {
		return nil, ck.CKR_SIGNATURE_INVALID
	}
	em := new(big.Int).Exp(s, big.NewInt(int64(r.pub.E)), r.pub.N).FillBytes(make([]byte, k))
	if em[0] != 0 || em[1] != 1 {
		return nil, ck.CKR_SIGNATURE_INVALID
	}
	i := 2
	for i < k && em[i] == 0xff {
		i++
	}
	if i < 10 || i >= k || em[i] != 0 {
		return nil, ck.CKR_SIGNATURE_INVALID
	}
	return em[i+1:], nil
}
