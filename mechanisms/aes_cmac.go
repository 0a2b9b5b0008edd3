package mechanisms

import (
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// aesCMAC is CKM_AES_CMAC (16-byte MAC) and CKM_AES_CMAC_GENERAL (parameter
// CK_MAC_GENERAL_PARAMS: 1..16 bytes, taken from the start). Multipart.
type aesCMAC struct {
	typ     ck.MechanismType
	general bool
}

func init() {
	Register(aesCMAC{typ: ck.CKM_AES_CMAC})
	Register(aesCMAC{typ: ck.CKM_AES_CMAC_GENERAL, general: true})
}

func (m aesCMAC) Type() ck.MechanismType { return m.typ }
func (m aesCMAC) Info() Info             { return Info{MinKeySize: 16, MaxKeySize: 32} }

func (m aesCMAC) init(key *Key, param any) (*cmacCtx, error) {
	n := blk
	if m.general {
		l, err := decodeMACLength(param)
		if err != nil || l < 1 || l > blk {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		n = int(l)
	} else if err := noParam(param); err != nil {
		return nil, err
	}
	b, err := aesBlock(key)
	if err != nil {
		return nil, err
	}
	return &cmacCtx{mac: newCMAC(b), n: n}, nil
}

func (m aesCMAC) SignInit(key *Key, param any) (SignContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (m aesCMAC) VerifyInit(key *Key, param any) (VerifyContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return &cmacVerifier{c}, nil
}

// cmacCtx is one CMAC computation truncated to n bytes.
type cmacCtx struct {
	mac *cmac
	n   int
}

func (c *cmacCtx) SignatureLen() int { return c.n }
func (c *cmacCtx) Sign(data []byte) ([]byte, error) {
	c.mac.Write(data)
	return c.Final()
}
func (c *cmacCtx) Update(data []byte) error {
	c.mac.Write(data)
	return nil
}
func (c *cmacCtx) Final() ([]byte, error) { return c.mac.Sum()[:c.n], nil }

type cmacVerifier struct{ c *cmacCtx }

func (v *cmacVerifier) Verify(data, sig []byte) error {
	v.c.mac.Write(data)
	return v.Final(sig)
}
func (v *cmacVerifier) Update(data []byte) error { return v.c.Update(data) }
func (v *cmacVerifier) Final(sig []byte) error {
	if len(sig) != v.c.n {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	want, _ := v.c.Final()
	if subtle.ConstantTimeCompare(want, sig) != 1 {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
