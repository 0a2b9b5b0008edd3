package mechanisms

import (
	"encoding/asn1"

	"github.com/gohsm/gohsm/ck"
)

// edCurve is one Edwards or Montgomery curve of RFC 8410: the OID and
// PKCS#11 3.0 curve name CKA_EC_PARAMS may use, the size of its encoded
// public key and private value, and its bit size for CK_MECHANISM_INFO.
type edCurve struct {
	name     string // PrintableString form, e.g. "edwards25519"
	oid      asn1.ObjectIdentifier
	keyBytes int // public key and private value (Ed: seed) length
	bits     int
}

var (
	curveEd25519 = &edCurve{"edwards25519", oidEd25519, 32, 255}
	curveEd448   = &edCurve{"edwards448", asn1.ObjectIdentifier{1, 3, 101, 113}, 57, 448}
	curveX25519  = &edCurve{"curve25519", oidX25519, 32, 255}
	curveX448    = &edCurve{"curve448", asn1.ObjectIdentifier{1, 3, 101, 111}, 56, 448}

	edwardsCurves    = []*edCurve{curveEd25519, curveEd448}
	montgomeryCurves = []*edCurve{curveX25519, curveX448}
)

// findEdCurve reads CKA_EC_PARAMS (an OID or a curve name) and finds it in
// table; anything else well-formed is CKR_CURVE_NOT_SUPPORTED.
func findEdCurve(table []*edCurve, der []byte) (*edCurve, error) {
	oid, name, err := decodeCurveParams(der)
	if err != nil {
		return nil, err
	}
	for _, c := range table {
		if oid.Equal(c.oid) || (name != "" && name == c.name) {
			return c, nil
		}
	}
	return nil, ck.CKR_CURVE_NOT_SUPPORTED
}

// keyEdCurve is the curve of a stored key: bad parameters on a key object are
// CKR_KEY_TYPE_INCONSISTENT, an unknown curve CKR_CURVE_NOT_SUPPORTED.
func keyEdCurve(table []*edCurve, k *Key) (*edCurve, error) {
	find := func() (any, error) { return findEdCurve(table, k.Attrs[ck.CKA_EC_PARAMS]) }
	var v any
	var err error
	switch { // cached on the Key per table: the DER decoding ran at every C_SignInit
	case len(table) > 0 && table[0] == edwardsCurves[0]:
		v, err = k.Parsed("ed.curve.edwards", find)
	case len(table) > 0 && table[0] == montgomeryCurves[0]:
		v, err = k.Parsed("ed.curve.montgomery", find)
	default:
		v, err = find()
	}
	var c *edCurve
	if err == nil {
		c = v.(*edCurve)
	}
	switch err {
	case nil, ck.CKR_CURVE_NOT_SUPPORTED:
		return c, err
	}
	return nil, ck.CKR_KEY_TYPE_INCONSISTENT
}

// decodeOctetKey reads a CKA_EC_POINT (or ECDH public data) of an Edwards or
// Montgomery curve: a DER OCTET STRING of size bytes, or the bytes themselves.
func decodeOctetKey(b []byte, size int) ([]byte, error) {
	if len(b) == size {
		return b, nil
	}
	var inner []byte
	if rest, err := asn1.Unmarshal(b, &inner); err != nil || len(rest) != 0 || len(inner) != size {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return inner, nil
}
