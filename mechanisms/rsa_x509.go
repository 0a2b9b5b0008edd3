package mechanisms

import (
	"crypto/rsa"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// rsaX509 is CKM_RSA_X_509, raw RSA: sign, verify, sign-recover,
// verify-recover, encrypt and decrypt, single-part. Input shorter than the
// modulus is left-padded with zeros; every output (signature, ciphertext,
// recovered data, plaintext) is exactly k = modulus bytes.
type rsaX509 struct{}

func init() { Register(rsaX509{}) }

func (rsaX509) Type() ck.MechanismType { return ck.CKM_RSA_X_509 }
func (rsaX509) Info() Info             { return Info{MinKeySize: rsaMinBits, MaxKeySize: rsaMaxBits} }

func (rsaX509) SignInit(key *Key, param any) (SignContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	priv, err := rsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return rawPrivateOp{priv: priv, tooLong: ck.CKR_DATA_LEN_RANGE, tooBig: ck.CKR_DATA_LEN_RANGE}, nil
}

func (m rsaX509) SignRecoverInit(key *Key, param any) (SignContext, error) {
	return m.SignInit(key, param)
}

func (rsaX509) DecryptInit(key *Key, param any) (CipherContext, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	priv, err := rsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return rawPrivateOp{priv: priv, tooLong: ck.CKR_ENCRYPTED_DATA_LEN_RANGE, tooBig: ck.CKR_ENCRYPTED_DATA_INVALID, exact: true}, nil
}

func (rsaX509) VerifyInit(key *Key, param any) (VerifyContext, error) {
	pub, err := rawPublicKey(key, param)
	if err != nil {
		return nil, err
	}
	return rawPublicOp{pub}, nil
}

func (rsaX509) VerifyRecoverInit(key *Key, param any) (VerifyRecoverContext, error) {
	pub, err := rawPublicKey(key, param)
	if err != nil {
		return nil, err
	}
	return rawPublicOp{pub}, nil
}

func (rsaX509) EncryptInit(key *Key, param any) (CipherContext, error) {
	pub, err := rawPublicKey(key, param)
	if err != nil {
		return nil, err
	}
	return rawPublicOp{pub}, nil
}

func rawPublicKey(key *Key, param any) (*rsa.PublicKey, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	return rsaPublicKey(key)
}

// rawPrivateOp is the private-key operation, as a signature and as a
// decryption. A ciphertext must be exactly k bytes (exact); a value not
// below n is CKR_DATA_LEN_RANGE to sign, CKR_ENCRYPTED_DATA_INVALID to decrypt.
type rawPrivateOp struct {
	priv            *rsa.PrivateKey
	tooLong, tooBig ck.RV
	exact           bool
}

func (o rawPrivateOp) SignatureLen() int { return o.priv.Size() }
func (o rawPrivateOp) OutputLen(int) int { return o.priv.Size() }

func (o rawPrivateOp) Sign(data []byte) ([]byte, error) { return o.Do(data) }

func (o rawPrivateOp) Do(in []byte) ([]byte, error) {
	k := o.priv.Size()
	if o.exact && len(in) != k {
		return nil, o.tooLong
	}
	x, err := rsaRawInput(o.priv.N, k, in, o.tooLong, o.tooBig)
	if err != nil {
		return nil, err
	}
	y, err := rsaRawPrivate(o.priv, x)
	if err != nil {
		return nil, err
	}
	return y.FillBytes(make([]byte, k)), nil
}

// rawPublicOp is the public-key operation: encryption, verification and
// recovery.
type rawPublicOp struct{ pub *rsa.PublicKey }

func (o rawPublicOp) OutputLen(int) int { return o.pub.Size() }
func (o rawPublicOp) DataLen(int) int   { return o.pub.Size() }

func (o rawPublicOp) Do(in []byte) ([]byte, error) {
	x, err := rsaRawInput(o.pub.N, o.pub.Size(), in, ck.CKR_DATA_LEN_RANGE, ck.CKR_DATA_LEN_RANGE)
	if err != nil {
		return nil, err
	}
	return rsaRawPublic(o.pub, x).FillBytes(make([]byte, o.pub.Size())), nil
}

func (o rawPublicOp) VerifyRecover(sig []byte) ([]byte, error) {
	k := o.pub.Size()
	if len(sig) != k {
		return nil, ck.CKR_SIGNATURE_LEN_RANGE
	}
	s, err := rsaRawInput(o.pub.N, k, sig, ck.CKR_SIGNATURE_LEN_RANGE, ck.CKR_SIGNATURE_INVALID)
	if err != nil {
		return nil, err
	}
	return rsaRawPublic(o.pub, s).FillBytes(make([]byte, k)), nil
}

// Verify compares the recovered block with the data left-padded to k bytes.
func (o rawPublicOp) Verify(data, sig []byte) error {
	k := o.pub.Size()
	if len(data) > k {
		return ck.CKR_DATA_LEN_RANGE
	}
	got, err := o.VerifyRecover(sig)
	if err != nil {
		return err
	}
	want := make([]byte, k)
	copy(want[k-len(data):], data)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
