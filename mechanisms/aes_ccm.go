package mechanisms

import (
	"github.com/gohsm/gohsm/ck"
)

// aesCCM is CKM_AES_CCM with CK_CCM_PARAMS (*ck.CCMParams): the plaintext
// length (ulDataLen) announced up front, a nonce of 7..13 bytes, AAD and a
// MAC of 4..16 even bytes. The ciphertext is the encrypted data followed by
// the MAC. Multipart calls buffer until Final, as in GCM.
type aesCCM struct{}

func init() { Register(aesCCM{}) }

func (aesCCM) Type() ck.MechanismType { return ck.CKM_AES_CCM }
func (aesCCM) Info() Info             { return Info{MinKeySize: 16, MaxKeySize: 32} }

func (aesCCM) EncryptInit(key *Key, param any) (CipherContext, error) {
	return ccmInit(key, param, true)
}

func (aesCCM) DecryptInit(key *Key, param any) (CipherContext, error) {
	return ccmInit(key, param, false)
}

func ccmInit(key *Key, param any, encrypt bool) (CipherContext, error) {
	var p *ck.CCMParams
	switch v := param.(type) {
	case *ck.CCMParams:
		p = v
	case ck.CCMParams:
		p = &v
	}
	if p == nil || len(p.Nonce) < 7 || len(p.Nonce) > 13 || p.MACLen < 4 || p.MACLen > 16 || p.MACLen%2 != 0 {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	b, err := aesBlock(key)
	if err != nil {
		return nil, err
	}
	c := &ccm{b: b, nonce: append([]byte(nil), p.Nonce...), tagLen: int(p.MACLen)}
	if p.DataLen > c.maxLen() {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return &ccmCtx{c: c, aad: append([]byte(nil), p.AAD...), dataLen: p.DataLen, encrypt: encrypt}, nil
}

type ccmCtx struct {
	c        *ccm
	aad      []byte
	dataLen  ck.ULong
	encrypt  bool
	buf      []byte
	finished bool
}

func (x *ccmCtx) OutputLen(n int) int {
	if x.encrypt {
		return n + x.c.tagLen
	}
	return max(n-x.c.tagLen, 0)
}

func (x *ccmCtx) Do(in []byte) ([]byte, error) {
	x.buf = append(x.buf, in...)
	return x.Final()
}

func (x *ccmCtx) UpdateLen(int) int { return 0 }

func (x *ccmCtx) Update(in []byte) ([]byte, error) {
	x.buf = append(x.buf, in...)
	return []byte{}, nil
}

func (x *ccmCtx) FinalLen() int { return x.OutputLen(len(x.buf)) }

// Final checks the length announced in the parameter: the plaintext must be
// exactly ulDataLen bytes (the ciphertext ulDataLen plus the MAC).
func (x *ccmCtx) Final() ([]byte, error) {
	if x.finished { // one nonce, one message
		return nil, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	x.finished = true
	buf := x.buf
	x.buf = nil
	if x.encrypt {
		if ck.ULong(len(buf)) != x.dataLen {
			return nil, ck.CKR_DATA_LEN_RANGE
		}
		return x.c.seal(x.aad, buf), nil
	}
	if len(buf) < x.c.tagLen || ck.ULong(len(buf)-x.c.tagLen) != x.dataLen {
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	pt, ok := x.c.open(x.aad, buf)
	if !ok {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return pt, nil
}
