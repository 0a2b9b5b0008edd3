package mechanisms

import "github.com/gohsm/gohsm/ck"

// C_WrapKey/C_UnwrapKey of secret keys with the block modes (ECB, CBC,
// CBC-PAD of AES and DES3): the key's value is encrypted like data. ECB and
// CBC need a value of whole blocks.

func (m blockMode) WrapKey(wrapping, key *Key, param any) ([]byte, error) {
	e, err := m.EncryptInit(wrapping, param)
	if err != nil {
		return nil, err
	}
	if key == nil || key.Class != ck.CKO_SECRET_KEY {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	out, err := e.Do(key.Attrs[ck.CKA_VALUE])
	if err == ck.CKR_DATA_LEN_RANGE {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	return out, err
}

func (m blockMode) UnwrapKey(unwrapping *Key, param any, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	d, err := m.DecryptInit(unwrapping, param)
	if err != nil {
		return nil, err
	}
	return unwrapWith(d, wrapped, tmpl)
}

// unwrapWith decrypts a wrapped secret key value with d and checks it
// against the template, mapping the cipher errors to key-unwrapping ones.
func unwrapWith(d CipherContext, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	v, err := d.Do(wrapped)
	switch err {
	case nil:
	case ck.CKR_ENCRYPTED_DATA_LEN_RANGE:
		return nil, ck.CKR_WRAPPED_KEY_LEN_RANGE
	case ck.CKR_ENCRYPTED_DATA_INVALID:
		return nil, ck.CKR_WRAPPED_KEY_INVALID
	default:
		return nil, err
	}
	kt, n, err := derivedKeyLen(tmpl, len(v))
	if err == ck.CKR_TEMPLATE_INCOMPLETE || (err == nil && n != len(v)) {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	if err != nil {
		return nil, err
	}
	return secretKeyAttrs(kt, v), nil
}
