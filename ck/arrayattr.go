package ck

import "encoding/binary"

// An attribute-array value (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE,
// CKA_DERIVE_TEMPLATE: CKF_ARRAY_ATTRIBUTE with a CK_ATTRIBUTE array) holds C
// pointers, so the C layer flattens it into this self-describing byte form,
// which the provider stores and compares like any other value:
//
//	repeated { type: 8 bytes big-endian | length: 4 bytes big-endian | value }
//
// Fixed-order big-endian so that a stored value means the same on any host.

const arrayEntryHeader = 8 + 4

// MaxArrayEntries bounds the attributes of one attribute-array value.
const MaxArrayEntries = 1 << 10

// EncodeAttributeArray flattens t into the attribute-array encoding.
func EncodeAttributeArray(t Template) []byte {
	n := 0
	for _, a := range t {
		n += arrayEntryHeader + len(a.Value)
	}
	b := make([]byte, 0, n)
	for _, a := range t {
		b = binary.BigEndian.AppendUint64(b, uint64(a.Type))
		b = binary.BigEndian.AppendUint32(b, uint32(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b
}

// DecodeAttributeArray is the inverse of EncodeAttributeArray. A truncated or
// overlong encoding, or more than MaxArrayEntries entries, is
// CKR_ATTRIBUTE_VALUE_INVALID. Values are copies, not views of b.
func DecodeAttributeArray(b []byte) (Template, error) {
	t := Template{}
	for len(b) > 0 {
		if len(b) < arrayEntryHeader || len(t) >= MaxArrayEntries {
			return nil, CKR_ATTRIBUTE_VALUE_INVALID
		}
		typ := AttributeType(binary.BigEndian.Uint64(b))
		n := binary.BigEndian.Uint32(b[8:])
		b = b[arrayEntryHeader:]
		if uint64(n) > uint64(len(b)) {
			return nil, CKR_ATTRIBUTE_VALUE_INVALID
		}
		v := make([]byte, n)
		copy(v, b[:n])
		t = append(t, Attribute{Type: typ, Value: v})
		b = b[n:]
	}
	return t, nil
}

// IsAttributeArray reports whether attribute t's value is an array of
// CK_ATTRIBUTE (as opposed to CKA_ALLOWED_MECHANISMS, an array of CK_ULONG,
// which also carries CKF_ARRAY_ATTRIBUTE).
func IsAttributeArray(t AttributeType) bool {
	switch t {
	case CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE:
		return true
	}
	return false
}
