package mechanisms

import (
	"crypto/cipher"
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
	"golang.org/x/crypto/chacha20poly1305"
)

// MessageEncrypter and MessageDecrypter start the message-based AEAD API of
// PKCS#11 3.0 (C_MessageEncryptInit, C_MessageDecryptInit): one context per
// key, then any number of messages, each with its own parameter.
type MessageEncrypter interface {
	MessageEncryptInit(key *Key) (MessageContext, error)
}
type MessageDecrypter interface {
	MessageDecryptInit(key *Key) (MessageContext, error)
}

// MessageContext seals or opens one whole message. param is the
// mechanism's per-message parameter (*ck.GCMMessageParams ...): Seal fills
// in the tag (and, when generate is set and the parameter asks for it, a
// generated IV first); Open reads the tag from it. The ciphertext has the
// plaintext's length: the tag travels in the parameter. Check validates a
// parameter for a length query; Begin validates the parameter of
// C_EncryptMessageBegin and generates its IV, so that the Seal at the end of
// that message (generate false) uses the IV the application was given.
type MessageContext interface {
	Check(param any) error
	Begin(param any) error
	Seal(param any, generate bool, aad, plaintext []byte) ([]byte, error)
	Open(param any, aad, ciphertext []byte) ([]byte, error)
}

// gcmMessage is CKM_AES_GCM's message context. It keeps the invocation
// counter of CKG_GENERATE_COUNTER (and CKG_GENERATE, which uses it too).
type gcmMessage struct {
	b       cipher.Block
	counter uint64
}

func (aesGCM) MessageEncryptInit(key *Key) (MessageContext, error) { return gcmMessageInit(key) }
func (aesGCM) MessageDecryptInit(key *Key) (MessageContext, error) { return gcmMessageInit(key) }

func gcmMessageInit(key *Key) (MessageContext, error) {
	b, err := aesBlock(key)
	if err != nil {
		return nil, err
	}
	return &gcmMessage{b: b}, nil
}

func gcmMsgParam(param any) (*ck.GCMMessageParams, error) {
	p, ok := param.(*ck.GCMMessageParams)
	if !ok || p == nil || len(p.IV) == 0 || !gcmTagBitsOK(p.TagBits) || p.IVFixedBits > ck.ULong(8*len(p.IV)) ||
		p.IVGenerator > ck.CKG_GENERATE_RANDOM {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return p, nil
}

func (g *gcmMessage) Check(param any) error { _, err := gcmMsgParam(param); return err }

func (g *gcmMessage) Begin(param any) error {
	p, err := gcmMsgParam(param)
	if err != nil {
		return err
	}
	return g.generateIV(p.IV, p.IVFixedBits, p.IVGenerator)
}

func (g *gcmMessage) aead(p *ck.GCMMessageParams) (cipher.AEAD, error) {
	return newGCM(g.b, len(p.IV), int(p.TagBits/8))
}

// generateIV fills the bits of iv after the first fixed bits: a counter
// (big-endian, in as many bits as are free; *counter is the next value) or
// random bits. CKG_NO_GENERATE leaves iv as it is.
func generateIV(iv []byte, fixed ck.ULong, gen ck.GeneratorFunction, counter *uint64) error {
	free := 8*len(iv) - int(fixed)
	v := make([]byte, len(iv))
	switch gen {
	case ck.CKG_NO_GENERATE:
		return nil
	case ck.CKG_GENERATE_RANDOM:
		if _, err := rand.Read(v); err != nil {
			return ck.CKR_FUNCTION_FAILED
		}
	default: // CKG_GENERATE, CKG_GENERATE_COUNTER
		if free < 64 && *counter>>free != 0 {
			return ck.CKR_FUNCTION_FAILED // the counter space is used up: a new key is needed
		}
		for i, c := len(v)-1, *counter; i >= 0 && c != 0; i, c = i-1, c>>8 {
			v[i] = byte(c)
		}
		*counter++
	}
	for i := range iv { // keep the fixed leading bits, take the rest from v
		bits := max(0, min(8, 8*(i+1)-int(fixed)))
		mask := byte(1<<bits - 1)
		iv[i] = iv[i]&^mask | v[i]&mask
	}
	return nil
}

func (g *gcmMessage) generateIV(iv []byte, fixed ck.ULong, gen ck.GeneratorFunction) error {
	return generateIV(iv, fixed, gen, &g.counter)
}

func (g *gcmMessage) Seal(param any, generate bool, aad, pt []byte) ([]byte, error) {
	p, err := gcmMsgParam(param)
	if err != nil {
		return nil, err
	}
	a, err := g.aead(p)
	if err != nil {
		return nil, err
	}
	if generate {
		if err := g.generateIV(p.IV, p.IVFixedBits, p.IVGenerator); err != nil {
			return nil, err
		}
	}
	out := a.Seal(nil, p.IV, pt, aad)
	n := len(out) - a.Overhead()
	p.Tag = out[n:]
	return out[:n], nil
}

func (g *gcmMessage) Open(param any, aad, ct []byte) ([]byte, error) {
	p, err := gcmMsgParam(param)
	if err != nil {
		return nil, err
	}
	a, err := g.aead(p)
	if err != nil {
		return nil, err
	}
	if len(p.Tag) != a.Overhead() {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	pt, err := a.Open(nil, p.IV, append(append([]byte(nil), ct...), p.Tag...), aad)
	if err != nil {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return pt, nil
}

// chachaMessage is CKM_CHACHA20_POLY1305's message context: the nonce is
// always the application's (the parameter has no generator).
type chachaMessage struct{ a cipher.AEAD }

func (chachaPoly) MessageEncryptInit(key *Key) (MessageContext, error) { return chachaMessageInit(key) }
func (chachaPoly) MessageDecryptInit(key *Key) (MessageContext, error) { return chachaMessageInit(key) }

func chachaMessageInit(key *Key) (MessageContext, error) {
	if err := checkKey(key, ck.CKO_SECRET_KEY, ck.CKK_CHACHA20); err != nil {
		return nil, err
	}
	a, err := chacha20poly1305.New(key.Attrs[ck.CKA_VALUE])
	if err != nil {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	return chachaMessage{a}, nil
}

func chachaMsgParam(param any) (*ck.ChaCha20Poly1305MessageParams, error) {
	p, ok := param.(*ck.ChaCha20Poly1305MessageParams)
	if !ok || p == nil || len(p.Nonce) != chacha20poly1305.NonceSize {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return p, nil
}

func (c chachaMessage) Check(param any) error { _, err := chachaMsgParam(param); return err }
func (c chachaMessage) Begin(param any) error { _, err := chachaMsgParam(param); return err }

func (c chachaMessage) Seal(param any, _ bool, aad, pt []byte) ([]byte, error) {
	p, err := chachaMsgParam(param)
	if err != nil {
		return nil, err
	}
	out := c.a.Seal(nil, p.Nonce, pt, aad)
	n := len(pt)
	p.Tag = out[n:]
	return out[:n], nil
}

func (c chachaMessage) Open(param any, aad, ct []byte) ([]byte, error) {
	p, err := chachaMsgParam(param)
	if err != nil {
		return nil, err
	}
	if len(p.Tag) != c.a.Overhead() {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	pt, err := c.a.Open(nil, p.Nonce, append(append([]byte(nil), ct...), p.Tag...), aad)
	if err != nil {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return pt, nil
}

// ccmMessage is CKM_AES_CCM's message context, with the nonce counter.
type ccmMessage struct {
	b       cipher.Block
	counter uint64
}

func (aesCCM) MessageEncryptInit(key *Key) (MessageContext, error) { return ccmMessageInit(key) }
func (aesCCM) MessageDecryptInit(key *Key) (MessageContext, error) { return ccmMessageInit(key) }

func ccmMessageInit(key *Key) (MessageContext, error) {
	b, err := aesBlock(key)
	if err != nil {
		return nil, err
	}
	return &ccmMessage{b: b}, nil
}

func ccmMsgParam(param any) (*ck.CCMMessageParams, error) {
	p, ok := param.(*ck.CCMMessageParams)
	if !ok || p == nil || len(p.Nonce) < 7 || len(p.Nonce) > 13 || p.MACLen < 4 || p.MACLen > 16 || p.MACLen%2 != 0 ||
		p.NonceFixedBits > ck.ULong(8*len(p.Nonce)) || p.NonceGenerator > ck.CKG_GENERATE_RANDOM {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return p, nil
}

func (c *ccmMessage) Check(param any) error { _, err := ccmMsgParam(param); return err }

func (c *ccmMessage) Begin(param any) error {
	p, err := ccmMsgParam(param)
	if err != nil {
		return err
	}
	return generateIV(p.Nonce, p.NonceFixedBits, p.NonceGenerator, &c.counter)
}

// core checks the message length against ulDataLen and what the nonce allows.
func (c *ccmMessage) core(p *ck.CCMMessageParams, n int, encrypt bool) (*ccm, error) {
	x := &ccm{b: c.b, nonce: p.Nonce, tagLen: int(p.MACLen)}
	if uint64(n) != uint64(p.DataLen) || uint64(n) > x.maxLen() {
		if encrypt {
			return nil, ck.CKR_DATA_LEN_RANGE
		}
		return nil, ck.CKR_ENCRYPTED_DATA_LEN_RANGE
	}
	return x, nil
}

func (c *ccmMessage) Seal(param any, generate bool, aad, pt []byte) ([]byte, error) {
	p, err := ccmMsgParam(param)
	if err != nil {
		return nil, err
	}
	if generate {
		if err := generateIV(p.Nonce, p.NonceFixedBits, p.NonceGenerator, &c.counter); err != nil {
			return nil, err
		}
	}
	x, err := c.core(p, len(pt), true)
	if err != nil {
		return nil, err
	}
	out := x.seal(aad, pt)
	p.MAC = out[len(pt):]
	return out[:len(pt)], nil
}

func (c *ccmMessage) Open(param any, aad, ct []byte) ([]byte, error) {
	p, err := ccmMsgParam(param)
	if err != nil {
		return nil, err
	}
	x, err := c.core(p, len(ct), false)
	if err != nil {
		return nil, err
	}
	if len(p.MAC) != int(p.MACLen) {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	pt, ok := x.open(aad, append(append([]byte(nil), ct...), p.MAC...))
	if !ok {
		return nil, ck.CKR_ENCRYPTED_DATA_INVALID
	}
	return pt, nil
}
