package mechanisms

import (
	"crypto/cipher"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/gohsm/gohsm/ck"
)

// CKM_CHACHA20_KEY_GEN makes 32-byte CKK_CHACHA20 keys; CKM_CHACHA20_POLY1305
// (RFC 8439) encrypts with a 12-byte nonce and AAD from
// *ck.ChaCha20Poly1305Params, output ciphertext||16-byte tag, buffered like GCM.
func init() {
	Register(secretKeyGen{
		typ:   ck.CKM_CHACHA20_KEY_GEN,
		kt:    ck.CKK_CHACHA20,
		valid: func(n ck.ULong) bool { return n == chacha20poly1305.KeySize },
		info:  Info{MinKeySize: 32, MaxKeySize: 32},
		def:   chacha20poly1305.KeySize,
	})
	Register(chachaPoly{})
}

type chachaPoly struct{}

func (chachaPoly) Type() ck.MechanismType { return ck.CKM_CHACHA20_POLY1305 }
func (chachaPoly) Info() Info             { return Info{MinKeySize: 32, MaxKeySize: 32} }

func (chachaPoly) EncryptInit(key *Key, param any) (CipherContext, error) {
	return chachaInit(key, param, true)
}

func (chachaPoly) DecryptInit(key *Key, param any) (CipherContext, error) {
	return chachaInit(key, param, false)
}

func chachaInit(key *Key, param any, encrypt bool) (CipherContext, error) {
	var p *ck.ChaCha20Poly1305Params
	switch v := param.(type) {
	case *ck.ChaCha20Poly1305Params:
		p = v
	case ck.ChaCha20Poly1305Params:
		p = &v
	}
	if p == nil || len(p.Nonce) != chacha20poly1305.NonceSize {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	if err := checkKey(key, ck.CKO_SECRET_KEY, ck.CKK_CHACHA20); err != nil {
		return nil, err
	}
	v, err := key.Parsed("chacha20poly1305", func() (any, error) {
		a, err := chacha20poly1305.New(key.Attrs[ck.CKA_VALUE])
		if err != nil {
			return nil, ck.CKR_KEY_SIZE_RANGE
		}
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return &aeadCtx{aead: v.(cipher.AEAD), iv: append([]byte(nil), p.Nonce...), aad: append([]byte(nil), p.AAD...), encrypt: encrypt}, nil
}
