package mechanisms

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"

	"github.com/gohsm/gohsm/ck"
)

// Triple DES: CKK_DES3 keys (24 bytes) and CKK_DES2 keys (16 bytes, used as
// K1 K2 K1). Key sizes are counted in bytes.
var des3Info = Info{MinKeySize: 16, MaxKeySize: 24}

func init() {
	Register(blockMode{typ: ck.CKM_DES3_ECB, block: des3Block, info: des3Info})
	Register(blockMode{typ: ck.CKM_DES3_CBC, cbc: true, block: des3Block, info: des3Info})
	Register(blockMode{typ: ck.CKM_DES3_CBC_PAD, cbc: true, pad: true, block: des3Block, info: des3Info})
	Register(desKeyGen{ck.CKM_DES3_KEY_GEN, ck.CKK_DES3, 24})
	Register(desKeyGen{ck.CKM_DES2_KEY_GEN, ck.CKK_DES2, 16})
}

// des3Block returns the cipher of a DES2 or DES3 secret key, cached on the Key.
func des3Block(k *Key) (cipher.Block, error) {
	if k == nil || k.Class != ck.CKO_SECRET_KEY || (k.KeyType != ck.CKK_DES3 && k.KeyType != ck.CKK_DES2) {
		return nil, ck.CKR_KEY_TYPE_INCONSISTENT
	}
	v, err := k.Parsed("des3.block", func() (any, error) {
		key := k.Attrs[ck.CKA_VALUE]
		switch {
		case k.KeyType == ck.CKK_DES2 && len(key) == 16:
			key = append(append([]byte(nil), key...), key[:8]...)
		case k.KeyType == ck.CKK_DES3 && len(key) == 24:
		default:
			return nil, ck.CKR_KEY_SIZE_RANGE
		}
		b, err := des.NewTripleDESCipher(key)
		if err != nil {
			return nil, ck.CKR_KEY_SIZE_RANGE
		}
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(cipher.Block), nil
}

// desKeyGen is CKM_DES3_KEY_GEN and CKM_DES2_KEY_GEN: random keys of fixed
// length with odd parity in every byte, as DES keys carry it.
type desKeyGen struct {
	typ ck.MechanismType
	kt  ck.KeyType
	n   int
}

func (g desKeyGen) Type() ck.MechanismType { return g.typ }
func (g desKeyGen) Info() Info             { return Info{MinKeySize: ck.ULong(g.n), MaxKeySize: ck.ULong(g.n)} }

func (g desKeyGen) GenerateKey(tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	if err := checkKeyType(tmpl, g.kt); err != nil {
		return nil, err
	}
	v := make([]byte, g.n)
	if _, err := rand.Read(v); err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	for i, b := range v {
		v[i] = oddParity(b)
	}
	return map[ck.AttributeType][]byte{
		ck.CKA_KEY_TYPE: ck.EncodeULong(ck.ULong(g.kt)),
		ck.CKA_VALUE:    v,
	}, nil
}

// oddParity sets the low bit of b so that b has an odd number of ones.
func oddParity(b byte) byte {
	b &^= 1
	ones := 0
	for x := b; x != 0; x &= x - 1 {
		ones++
	}
	if ones%2 == 0 {
		b |= 1
	}
	return b
}
