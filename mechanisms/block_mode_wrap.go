package mechanisms

import "github.com/gohsm/gohsm/ck"

// C_WrapKey/C_UnwrapKey with the block modes (ECB, CBC, CBC-PAD of AES and
// DES3): a secret key's value or a private key's PKCS #8 encoding is
// encrypted like data. ECB and CBC pad a secret key's value with zero bytes
// to whole blocks, and unwrapping cuts them off by the template's key type
// and CKA_VALUE_LEN (unwrap_secret.go); a PKCS #8 encoding must fill whole
// blocks there.

func (m blockMode) WrapKey(wrapping, key *Key, param any) ([]byte, error) {
	e, err := m.EncryptInit(wrapping, param)
	if err != nil {
		return nil, err
	}
	v, err := wrapValue(key)
	if err != nil {
		return nil, err
	}
	if !m.pad && key.Class == ck.CKO_SECRET_KEY {
		b, err := m.block(wrapping) // EncryptInit checked it
		if err != nil {
			return nil, err
		}
		v = zeroPad(v, b.BlockSize())
	}
	return encryptWrapped(e, v)
}

func (m blockMode) UnwrapKey(unwrapping *Key, param any, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	d, err := m.DecryptInit(unwrapping, param)
	if err != nil {
		return nil, err
	}
	v, err := decryptWrapped(d, wrapped)
	if err != nil {
		return nil, err
	}
	return unwrapValueAttrs(v, tmpl, !m.pad)
}

// wrapWith encrypts a key's wrapped form (wrapValue) with e: the wrap of
// the stream and block ciphers that need no padding.
func wrapWith(e CipherContext, key *Key) ([]byte, error) {
	v, err := wrapValue(key)
	if err != nil {
		return nil, err
	}
	return encryptWrapped(e, v)
}

// encryptWrapped encrypts a key's wrapped form with e; a length the cipher
// refuses is a key that does not fit (CKR_KEY_SIZE_RANGE).
func encryptWrapped(e CipherContext, v []byte) ([]byte, error) {
	out, err := e.Do(v)
	if err == ck.CKR_DATA_LEN_RANGE {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	return out, err
}

// unwrapWith decrypts a wrapped key with d and makes the new key's
// attributes.
func unwrapWith(d CipherContext, wrapped []byte, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	v, err := decryptWrapped(d, wrapped)
	if err != nil {
		return nil, err
	}
	return unwrapAttrs(v, tmpl)
}

// decryptWrapped decrypts a wrapped key with d, mapping the cipher errors to
// key-unwrapping ones.
func decryptWrapped(d CipherContext, wrapped []byte) ([]byte, error) {
	v, err := d.Do(wrapped)
	switch err {
	case nil:
		return v, nil
	case ck.CKR_ENCRYPTED_DATA_LEN_RANGE:
		return nil, ck.CKR_WRAPPED_KEY_LEN_RANGE
	case ck.CKR_ENCRYPTED_DATA_INVALID:
		return nil, ck.CKR_WRAPPED_KEY_INVALID
	}
	return nil, err
}
