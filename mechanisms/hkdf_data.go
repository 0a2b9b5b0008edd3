package mechanisms

import "github.com/gohsm/gohsm/ck"

// CKM_HKDF_DATA is CKM_HKDF_DERIVE (same CK_HKDF_PARAMS, salt key, extract
// and expand flags) whose output is a CKO_DATA object: its CKA_VALUE is the
// HKDF output, CKA_VALUE_LEN in the template its length (the hash length
// when absent; extract-only output is always the hash length). The
// template may name CKO_DATA; any other class, or a key type, is
// CKR_TEMPLATE_INCONSISTENT: the mechanism makes data, not a key.
func init() { Register(hkdfData{}) }

type hkdfData struct{}

func (hkdfData) Type() ck.MechanismType { return ck.CKM_HKDF_DATA }
func (hkdfData) Info() Info             { return Info{MinKeySize: 1, MaxKeySize: maxGenericSecretLen} }

// DerivesFromData: like CKM_HKDF_DERIVE, a data object may be the input key.
func (hkdfData) DerivesFromData() bool { return true }

// DerivedClass tells provider to build the new object as a data object.
func (hkdfData) DerivedClass() ck.ObjectClass { return ck.CKO_DATA }

func (hkdfData) DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	p, h, err := hkdfSetup(base, param)
	if err != nil {
		return nil, err
	}
	if c, ok, err := tmpl.ULong(ck.CKA_CLASS); err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	} else if ok && ck.ObjectClass(c) != ck.CKO_DATA {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	if _, ok := tmpl.Lookup(ck.CKA_KEY_TYPE); ok {
		return nil, ck.CKR_TEMPLATE_INCONSISTENT
	}
	n := h.Size()
	if v, ok, err := tmpl.ULong(ck.CKA_VALUE_LEN); err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	} else if ok {
		if v < 1 || v > ck.ULong(255*h.Size()) {
			return nil, ck.CKR_TEMPLATE_INCONSISTENT
		}
		n = int(v)
	}
	out, err := hkdfRun(base.Attrs[ck.CKA_VALUE], p, h, n)
	if err != nil {
		return nil, err
	}
	return map[ck.AttributeType][]byte{
		ck.CKA_CLASS: ck.EncodeULong(ck.ULong(ck.CKO_DATA)),
		ck.CKA_VALUE: out,
	}, nil
}
