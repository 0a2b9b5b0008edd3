package mechanisms

import (
	"crypto"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"sync"

	"github.com/gohsm/gohsm/ck"
)

// hmacMech is CKM_SHA*_HMAC (full-length MAC, no parameter) and
// CKM_SHA*_HMAC_GENERAL (parameter CK_MAC_GENERAL_PARAMS: the MAC length in
// bytes, 0..hash size, taken from the start of the full MAC). Keys are
// generic secrets or the HMAC key type of the same hash. Multipart.
type hmacMech struct {
	typ     ck.MechanismType
	h       crypto.Hash
	kt      ck.KeyType
	general bool
}

func init() {
	for _, m := range []struct {
		full, general ck.MechanismType
		h             crypto.Hash
		kt            ck.KeyType
	}{
		{ck.CKM_MD5_HMAC, ck.CKM_MD5_HMAC_GENERAL, crypto.MD5, ck.CKK_MD5_HMAC},
		{ck.CKM_SHA_1_HMAC, ck.CKM_SHA_1_HMAC_GENERAL, crypto.SHA1, ck.CKK_SHA_1_HMAC},
		{ck.CKM_SHA224_HMAC, ck.CKM_SHA224_HMAC_GENERAL, crypto.SHA224, ck.CKK_SHA224_HMAC},
		{ck.CKM_SHA256_HMAC, ck.CKM_SHA256_HMAC_GENERAL, crypto.SHA256, ck.CKK_SHA256_HMAC},
		{ck.CKM_SHA384_HMAC, ck.CKM_SHA384_HMAC_GENERAL, crypto.SHA384, ck.CKK_SHA384_HMAC},
		{ck.CKM_SHA512_HMAC, ck.CKM_SHA512_HMAC_GENERAL, crypto.SHA512, ck.CKK_SHA512_HMAC},
		{ck.CKM_SHA512_224_HMAC, ck.CKM_SHA512_224_HMAC_GENERAL, crypto.SHA512_224, ck.CKK_SHA512_224_HMAC},
		{ck.CKM_SHA512_256_HMAC, ck.CKM_SHA512_256_HMAC_GENERAL, crypto.SHA512_256, ck.CKK_SHA512_256_HMAC},
		{ck.CKM_SHA3_224_HMAC, ck.CKM_SHA3_224_HMAC_GENERAL, crypto.SHA3_224, ck.CKK_SHA3_224_HMAC},
		{ck.CKM_SHA3_256_HMAC, ck.CKM_SHA3_256_HMAC_GENERAL, crypto.SHA3_256, ck.CKK_SHA3_256_HMAC},
		{ck.CKM_SHA3_384_HMAC, ck.CKM_SHA3_384_HMAC_GENERAL, crypto.SHA3_384, ck.CKK_SHA3_384_HMAC},
		{ck.CKM_SHA3_512_HMAC, ck.CKM_SHA3_512_HMAC_GENERAL, crypto.SHA3_512, ck.CKK_SHA3_512_HMAC},
	} {
		Register(hmacMech{typ: m.full, h: m.h, kt: m.kt})
		Register(hmacMech{typ: m.general, h: m.h, kt: m.kt, general: true})
	}
}

func (m hmacMech) Type() ck.MechanismType { return m.typ }

// Info: generic secret key sizes are counted in bits.
func (m hmacMech) Info() Info { return Info{MinKeySize: 8, MaxKeySize: 8 * maxGenericSecretLen} }

func (m hmacMech) SignInit(key *Key, param any) (SignContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (m hmacMech) VerifyInit(key *Key, param any) (VerifyContext, error) {
	c, err := m.init(key, param)
	if err != nil {
		return nil, err
	}
	return &hmacVerifier{c}, nil
}

func (m hmacMech) init(key *Key, param any) (*hmacCtx, error) {
	n := m.h.Size()
	if m.general {
		l, err := decodeMACLength(param)
		if err != nil || l > ck.ULong(n) {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		n = int(l)
	} else if err := noParam(param); err != nil {
		return nil, err
	}
	if key == nil || key.Class != ck.CKO_SECRET_KEY || (key.KeyType != ck.CKK_GENERIC_SECRET && key.KeyType != m.kt) {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	v := key.Attrs[ck.CKA_VALUE]
	if len(v) == 0 {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	mac, pool := m.keyed(key, v)
	return &hmacCtx{mac: mac, n: n, pool: pool}, nil
}

// hmacKinds names the keyed HMAC state cached on a Key, per hash.
var hmacKinds = map[crypto.Hash]string{}

func init() {
	for h := crypto.MD5; h <= crypto.BLAKE2b_512; h++ {
		hmacKinds[h] = "hmac." + h.String()
	}
}

// hmacKeyed is the keyed HMAC state of one key and hash, cached on the Key
// like a parsed key: the template (the hash of the padded key's two blocks,
// precomputed by Reset) and a pool of states cloned from it. An operation
// takes a state from the pool and Resets it (back to the keyed state, no
// allocation) and gives it back at Final; a cancelled operation's state is
// simply dropped. The pool goes with the Key at logout, destroy or finalize.
type hmacKeyed struct {
	tmpl hash.Hash
	pool sync.Pool
}

// keyed returns a fresh HMAC under key v and the pool to give it back to
// (nil: a hash without hash.Cloner, keyed anew each time).
func (m hmacMech) keyed(key *Key, v []byte) (hash.Hash, *sync.Pool) {
	t, err := key.Parsed(hmacKinds[m.h], func() (any, error) {
		t := hmac.New(m.h.New, v)
		t.Reset() // precomputes the inner and outer states (crypto/hmac)
		c, ok := t.(hash.Cloner)
		if !ok {
			return nil, ck.CKR_FUNCTION_FAILED
		}
		if _, err := c.Clone(); err != nil {
			return nil, ck.CKR_FUNCTION_FAILED
		}
		k := &hmacKeyed{tmpl: t}
		k.pool.New = func() any {
			c, _ := k.tmpl.(hash.Cloner).Clone() // cannot fail: tried above
			return c
		}
		return k, nil
	})
	if err != nil {
		return hmac.New(m.h.New, v), nil
	}
	k := t.(*hmacKeyed)
	h := k.pool.Get().(hash.Hash)
	h.Reset()
	return h, &k.pool
}

// decodeMACLength reads CK_MAC_GENERAL_PARAMS (a CK_ULONG), as raw bytes
// from cexport or as a number.
func decodeMACLength(p any) (ck.ULong, error) {
	switch v := p.(type) {
	case []byte:
		if len(v) == 8 {
			return binary.NativeEndian.Uint64(v), nil
		}
	case ck.ULong:
		return v, nil
	}
	return 0, ck.CKR_MECHANISM_PARAM_INVALID
}

// hmacCtx is one MAC computation; its output is the first n bytes.
type hmacCtx struct {
	mac  hash.Hash
	n    int
	pool *sync.Pool // where mac goes back after Final, or nil
}

func (c *hmacCtx) SignatureLen() int { return c.n }

func (c *hmacCtx) Sign(data []byte) ([]byte, error) {
	if err := c.Update(data); err != nil {
		return nil, err
	}
	return c.Final()
}

func (c *hmacCtx) Update(data []byte) error {
	if c.mac == nil { // after Final: the state went back to the pool
		return ck.CKR_OPERATION_NOT_INITIALIZED
	}
	c.mac.Write(data)
	return nil
}

// Final returns the MAC; the context is done (provider ends the operation).
func (c *hmacCtx) Final() ([]byte, error) {
	if c.mac == nil {
		return nil, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	out := c.mac.Sum(nil)[:c.n]
	if c.pool != nil {
		c.pool.Put(c.mac)
	}
	c.mac = nil
	return out, nil
}

type hmacVerifier struct{ c *hmacCtx }

func (v *hmacVerifier) Verify(data, sig []byte) error {
	if err := v.c.Update(data); err != nil {
		return err
	}
	return v.Final(sig)
}

func (v *hmacVerifier) Update(data []byte) error { return v.c.Update(data) }

func (v *hmacVerifier) Final(sig []byte) error {
	if len(sig) != v.c.n {
		return ck.CKR_SIGNATURE_LEN_RANGE
	}
	want, _ := v.c.Final()
	if subtle.ConstantTimeCompare(want, sig) != 1 {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
