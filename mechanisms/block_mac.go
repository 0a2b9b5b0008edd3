package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// blockMAC is a MAC over a block cipher (CMAC, the legacy CBC-MAC) and its
// _GENERAL form (CK_MAC_GENERAL_PARAMS: 1..block size bytes, taken from the
// start). Multipart.
type blockMAC struct {
	typ     ck.MechanismType
	general bool
	block   func(*Key) (cipher.Block, error)
	info    Info
	newMAC  func(cipher.Block) macState
	defLen  func(blockSize int) int // the MAC length without a parameter
}

// macState is one running MAC computation.
type macState interface {
	Write(p []byte)
	Sum() []byte
}

func (m blockMAC) Type() ck.MechanismType { return m.typ }
func (m blockMAC) Info() Info             { return m.info }

func (m blockMAC) init(key *Key, param any) (*blockMACCtx, error) {
	var l ck.ULong
	if m.general {
		var err error
		if l, err = decodeMACLength(param); err != nil || l < 1 {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
	} else if err := noParam(param); err != nil {
		return nil, err
	}
	b, err := m.block(key)
	if err != nil {
		return nil, err
	}
	n := m.defLen(b.BlockSize())
	if m.general {
		if l > ck.ULong(b.BlockSize()) {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		n = int(l)
	}
	return &blockMACCtx{mac: m.newMAC(b), n: n}, nil
}

func (m blockMAC) SignInit(key *Key, param any) (SignContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (m blockMAC) VerifyInit(key *Key, param any) (VerifyContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return &blockMACVerifier{c}, nil
}

// blockMACCtx is one MAC computation truncated to n bytes.
type blockMACCtx struct {
	mac macState
	n   int
}

func (c *blockMACCtx) SignatureLen() int { return c.n }
func (c *blockMACCtx) Sign(data []byte) ([]byte, error) {
	c.mac.Write(data)
	return c.Final()
}
func (c *blockMACCtx) Update(data []byte) error {
	c.mac.Write(data)
	return nil
}
func (c *blockMACCtx) Final() ([]byte, error) { return c.mac.Sum()[:c.n], nil }

type blockMACVerifier struct{ c *blockMACCtx }

func (v *blockMACVerifier) Verify(data, sig []byte) error {
	v.c.mac.Write(data)
	return v.Final(sig)
}
func (v *blockMACVerifier) Update(data []byte) error { return v.c.Update(data) }
func (v *blockMACVerifier) Final(sig []byte) error {
	if len(sig) != v.c.n {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	want, _ := v.c.Final()
	if subtle.ConstantTimeCompare(want, sig) != 1 {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
