package mechanisms

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"

	"github.com/gohsm/gohsm/ck"
)

// Curve is a named prime curve gohsm supports for EC keys.
type Curve struct {
	Name  string // NIST name, e.g. "P-256"
	OID   asn1.ObjectIdentifier
	names []string // PrintableString forms accepted in CKA_EC_PARAMS
	Curve elliptic.Curve
}

// Size is the byte length of a field element and of a private scalar.
func (c *Curve) Size() int { return (c.Curve.Params().BitSize + 7) / 8 }

// Bits is the curve's key size in bits, as CK_MECHANISM_INFO counts it.
func (c *Curve) Bits() int { return c.Curve.Params().BitSize }

// curves are the named curves Go's crypto/ecdsa implements in constant time.
var curves = []*Curve{
	{"P-224", asn1.ObjectIdentifier{1, 3, 132, 0, 33}, []string{"secp224r1", "P-224"}, elliptic.P224()},
	{"P-256", asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, []string{"prime256v1", "secp256r1", "P-256"}, elliptic.P256()},
	{"P-384", asn1.ObjectIdentifier{1, 3, 132, 0, 34}, []string{"secp384r1", "P-384"}, elliptic.P384()},
	{"P-521", asn1.ObjectIdentifier{1, 3, 132, 0, 35}, []string{"secp521r1", "P-521"}, elliptic.P521()},
}

const (
	asn1TagOID             = 6
	asn1TagPrintableString = 19
)

// decodeCurveParams reads CKA_EC_PARAMS as one DER value: an OBJECT IDENTIFIER
// (namedCurve) or a PrintableString (curveName, PKCS#11 3.0). Malformed DER is
// CKR_ATTRIBUTE_VALUE_INVALID; well-formed parameters naming anything else
// (including explicit ECParameters) are CKR_CURVE_NOT_SUPPORTED.
func decodeCurveParams(der []byte) (oid asn1.ObjectIdentifier, name string, err error) {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(der, &raw)
	if err != nil || len(rest) != 0 {
		return nil, "", ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if raw.Class != asn1.ClassUniversal {
		return nil, "", ck.CKR_CURVE_NOT_SUPPORTED
	}
	switch raw.Tag {
	case asn1TagOID:
		if _, err := asn1.Unmarshal(der, &oid); err != nil {
			return nil, "", ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		return oid, "", nil
	case asn1TagPrintableString:
		if _, err := asn1.UnmarshalWithParams(der, &name, "printable"); err != nil {
			return nil, "", ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		return nil, name, nil
	}
	return nil, "", ck.CKR_CURVE_NOT_SUPPORTED
}

// CurveFromParams finds the curve a CKA_EC_PARAMS value names. provider may
// use it to check a template at C_CreateObject.
func CurveFromParams(der []byte) (*Curve, error) {
	oid, name, err := decodeCurveParams(der)
	if err != nil {
		return nil, err
	}
	for _, c := range append(curves[:len(curves):len(curves)], curveK1) {
		if oid != nil && c.OID.Equal(oid) {
			return c, nil
		}
		for _, n := range c.names {
			if name != "" && name == n {
				return c, nil
			}
		}
	}
	return nil, ck.CKR_CURVE_NOT_SUPPORTED
}

// DecodeECPoint reads CKA_EC_POINT for curve c: the DER OCTET STRING the
// specification asks for, or the raw point some clients send; the point may
// be uncompressed or compressed (X9.62 allows both). It returns the raw
// uncompressed point, checked to be on the curve.
func DecodeECPoint(c *Curve, b []byte) ([]byte, error) {
	rawLen := 1 + 2*c.Size()
	point := b
	// A raw point also starts with 0x04, the OCTET STRING tag: its length tells
	// them apart. A raw compressed point starts with 0x02 or 0x03.
	if len(b) > 0 && (b[0] == 2 || b[0] == 3) {
		if p, ok := decompressECPoint(c, b); ok { // ec_compressed.go
			return p, nil
		}
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if !(len(b) == rawLen && b[0] == 4) {
		var inner []byte
		rest, err := asn1.Unmarshal(b, &inner)
		if err != nil || len(rest) != 0 {
			return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		point = inner
	}
	if p, ok := decompressECPoint(c, point); ok {
		return p, nil
	}
	if len(point) != rawLen || point[0] != 4 {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if c == curveK1 { // secp256k1.go: not a crypto/ecdsa curve
		if _, ok := k1Point(point); !ok {
			return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
		}
		return point, nil
	}
	if _, err := ecdsa.ParseUncompressedPublicKey(c.Curve, point); err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return point, nil
}

// encodeECPoint wraps a raw point in the DER OCTET STRING of CKA_EC_POINT.
// Points are at most 133 bytes (P-521), so the length needs at most one extra byte.
func encodeECPoint(raw []byte) []byte {
	out := []byte{4}
	if len(raw) < 0x80 {
		out = append(out, byte(len(raw)))
	} else {
		out = append(out, 0x81, byte(len(raw)))
	}
	return append(out, raw...)
}
