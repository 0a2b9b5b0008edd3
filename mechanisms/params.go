package mechanisms

import "github.com/gohsm/gohsm/ck"

// noParam rejects a parameter for a mechanism that takes none. cexport passes
// nil for a NULL pParameter; an empty byte slice means the same.
func noParam(p any) error {
	switch v := p.(type) {
	case nil:
		return nil
	case []byte:
		if len(v) == 0 {
			return nil
		}
	}
	return ck.CKR_MECHANISM_PARAM_INVALID
}

// checkKeyType rejects a template whose CKA_KEY_TYPE, if given, is not want:
// a generator makes one key type only.
func checkKeyType(tmpl ck.Template, want ck.KeyType) error {
	v, ok, err := tmpl.ULong(ck.CKA_KEY_TYPE)
	if err != nil {
		return ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if ok && ck.KeyType(v) != want {
		return ck.CKR_TEMPLATE_INCONSISTENT
	}
	return nil
}

// checkKey rejects a key of the wrong class or key type for an operation.
func checkKey(k *Key, class ck.ObjectClass, kt ck.KeyType) error {
	if k == nil || k.Class != class || k.KeyType != kt {
		return ck.CKR_KEY_TYPE_INCONSISTENT
	}
	return nil
}

// ulongAttr encodes a CK_ULONG attribute value.
func ulongAttr(v int) []byte { return ck.EncodeULong(ck.ULong(v)) }
