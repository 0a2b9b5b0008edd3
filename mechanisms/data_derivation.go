package mechanisms

import (
	"crypto/cipher"
	"crypto/subtle"

	"github.com/gohsm/gohsm/ck"
)

// dataDerive is a derivation from a secret base key and caller data:
// CKM_CONCATENATE_BASE_AND_DATA, CKM_CONCATENATE_DATA_AND_BASE and
// CKM_XOR_BASE_AND_DATA (*ck.KeyDerivationStringData), and the
// encrypt-data derivations CKM_AES/DES3_ECB_ENCRYPT_DATA (same parameter)
// and CKM_AES/DES3_CBC_ENCRYPT_DATA (*ck.CBCEncryptDataParams), whose new
// key is the encryption of the data under the base key (whole blocks). The
// result is truncated to CKA_VALUE_LEN, keeping its leading bytes.
type dataDerive struct {
	typ   ck.MechanismType
	op    string // "base|data", "data|base", "xor", "ecb", "cbc"
	block func(*Key) (cipher.Block, error)
}

func init() {
	for _, m := range []dataDerive{
		{ck.CKM_CONCATENATE_BASE_AND_DATA, "base|data", nil},
		{ck.CKM_CONCATENATE_DATA_AND_BASE, "data|base", nil},
		{ck.CKM_XOR_BASE_AND_DATA, "xor", nil},
		{ck.CKM_AES_ECB_ENCRYPT_DATA, "ecb", aesBlock},
		{ck.CKM_AES_CBC_ENCRYPT_DATA, "cbc", aesBlock},
		{ck.CKM_DES3_ECB_ENCRYPT_DATA, "ecb", des3Block},
		{ck.CKM_DES3_CBC_ENCRYPT_DATA, "cbc", des3Block},
	} {
		Register(m)
	}
}

func (m dataDerive) Type() ck.MechanismType { return m.typ }
func (m dataDerive) Info() Info             { return Info{} }

func (m dataDerive) DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	var iv, data []byte
	switch p := param.(type) {
	case *ck.KeyDerivationStringData:
		if p == nil || m.op == "cbc" {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		data = p.Data
	case *ck.CBCEncryptDataParams:
		if p == nil || m.op != "cbc" {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		iv, data = p.IV, p.Data
	default:
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	var value []byte
	if m.block != nil {
		b, err := m.block(base)
		if err != nil {
			return nil, err
		}
		bs := b.BlockSize()
		if len(data) == 0 || len(data)%bs != 0 || (m.op == "cbc" && len(iv) != bs) {
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
		value = make([]byte, len(data))
		if m.op == "cbc" {
			cipher.NewCBCEncrypter(b, iv).CryptBlocks(value, data)
		} else {
			ecbEncrypter{b}.CryptBlocks(value, data)
		}
	} else {
		if base == nil || base.Class != ck.CKO_SECRET_KEY || len(base.Attrs[ck.CKA_VALUE]) == 0 {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		bv := base.Attrs[ck.CKA_VALUE]
		switch m.op {
		case "base|data":
			value = append(append([]byte(nil), bv...), data...)
		case "data|base":
			value = append(append([]byte(nil), data...), bv...)
		case "xor":
			value = make([]byte, min(len(bv), len(data)))
			subtle.XORBytes(value, bv, data)
		}
	}
	if len(value) == 0 {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	keyLen := derivedKeyLenStrict // the simple derivations' length rules
	if m.block != nil {
		keyLen = derivedKeyLen // encrypt-data: the specification sets no rule; the ciphertext's length is the default
	}
	kt, n, err := keyLen(tmpl, len(value))
	if err != nil {
		return nil, err
	}
	if n > len(value) {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	// Protection as SHA-1 key derivation's for all of them: the encrypt-data
	// derivations' template handling is "as per" it (the specification).
	return protectLike(secretKeyAttrs(kt, value[:n]), base), nil
}
