package mechanisms

import "github.com/gohsm/gohsm/ck"

// C_WrapKey/C_UnwrapKey of secret keys with CKM_RSA_PKCS and
// CKM_RSA_PKCS_OAEP: the key's value is encrypted like data, and the
// operations' error codes are those of key wrapping.

func (m rsaPKCS) WrapKey(wrapping, key *Key, param any) ([]byte, error) {
	e, err := m.EncryptInit(wrapping, param)
	if err != nil {
		return nil, err
	}
	return rsaWrap(e, key)
}

func (m rsaPKCS) UnwrapKey(unwrapping *Key, param any, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	d, err := m.DecryptInit(unwrapping, param)
	if err != nil {
		return nil, err
	}
	return rsaUnwrap(d, wrapped, tmpl)
}

func (m rsaOAEP) WrapKey(wrapping, key *Key, param any) ([]byte, error) {
	e, err := m.EncryptInit(wrapping, param)
	if err != nil {
		return nil, err
	}
	return rsaWrap(e, key)
}

func (m rsaOAEP) UnwrapKey(unwrapping *Key, param any, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	d, err := m.DecryptInit(unwrapping, param)
	if err != nil {
		return nil, err
	}
	return rsaUnwrap(d, wrapped, tmpl)
}

func rsaWrap(e CipherContext, key *Key) ([]byte, error) {
	if key == nil || key.Class != ck.CKO_SECRET_KEY { // a PKCS #8 key never fits
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	return encryptWrapped(e, key.Attrs[ck.CKA_VALUE])
}

func rsaUnwrap(d CipherContext, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	return unwrapWith(d, wrapped, tmpl)
}
