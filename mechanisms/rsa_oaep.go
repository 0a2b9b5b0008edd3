package mechanisms

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"

	"github.com/gohsm/gohsm/ck"
)

// rsaOAEP is CKM_RSA_PKCS_OAEP with CK_RSA_PKCS_OAEP_PARAMS (*ck.OAEPParams):
// any supported hash with any MGF1 hash, and a label when the source is
// CKZ_DATA_SPECIFIED. Single-part.
type rsaOAEP struct{}

func init() { Register(rsaOAEP{}) }

func (rsaOAEP) Type() ck.MechanismType { return ck.CKM_RSA_PKCS_OAEP }
func (rsaOAEP) Info() Info             { return Info{MinKeySize: rsaMinBits, MaxKeySize: rsaMaxBits} }

func decodeOAEPParams(param any) (*rsa.OAEPOptions, error) {
	var p *ck.OAEPParams
	switch v := param.(type) {
	case *ck.OAEPParams:
		p = v
	case ck.OAEPParams:
		p = &v
	}
	if p == nil {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	h, ok := digestHashes[p.Hash]
	mgf, ok2 := mgfHashes[p.MGF]
	if !ok || !ok2 {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	// The only source the specification defines is CKZ_DATA_SPECIFIED; some
	// clients leave it 0 when they have no label, which means the same.
	if p.Source != ck.CKZ_DATA_SPECIFIED && !(p.Source == 0 && len(p.SourceData) == 0) {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return &rsa.OAEPOptions{Hash: h, MGFHash: mgf, Label: append([]byte(nil), p.SourceData...)}, nil
}

func (rsaOAEP) EncryptInit(key *Key, param any) (CipherContext, error) {
	o, err := decodeOAEPParams(param)
	if err != nil {
		return nil, err
	}
	pub, err := rsaPublicKey(key)
	if err != nil {
		return nil, err
	}
	if oaepMaxLen(pub.Size(), o.Hash) < 0 {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	return &oaepEncrypter{pub: pub, o: o}, nil
}

func (rsaOAEP) DecryptInit(key *Key, param any) (CipherContext, error) {
	o, err := decodeOAEPParams(param)
	if err != nil {
		return nil, err
	}
	priv, err := rsaPrivateKey(key)
	if err != nil {
		return nil, err
	}
	if oaepMaxLen(priv.Size(), o.Hash) < 0 {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	return &oaepDecrypter{priv: priv, o: o}, nil
}

// oaepMaxLen is the longest message OAEP fits in k bytes (RFC 8017 7.1.1).
func oaepMaxLen(k int, h crypto.Hash) int { return k - 2*h.Size() - 2 }

type oaepEncrypter struct {
	pub *rsa.PublicKey
	o   *rsa.OAEPOptions
}

func (e *oaepEncrypter) OutputLen(int) int { return e.pub.Size() }

func (e *oaepEncrypter) Do(in []byte) ([]byte, error) {
	if len(in) > oaepMaxLen(e.pub.Size(), e.o.Hash) {
		return nil, ck.CKR_DATA_LEN_RANGE
	}
	out, err := rsa.EncryptOAEPWithOptions(rand.Reader, e.pub, in, e.o)
	if err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	return out, nil
}

type oaepDecrypter struct {
	priv *rsa.PrivateKey
	o    *rsa.OAEPOptions
}

// OutputLen is a bound: the message length is known after decryption.
func (d *oaepDecrypter) OutputLen(int) int { return oaepMaxLen(d.priv.Size(), d.o.Hash) }

func (d *oaepDecrypter) Do(in []byte) ([]byte, error) {
	if len(in) != d.priv.Size() {
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	out, err := d.priv.Decrypt(nil, in, d.o)
	if err != nil {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return out, nil
}
