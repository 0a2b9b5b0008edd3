package mechanisms

import (
	"bytes"
	"encoding/asn1"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestDecodeCompressedECPoint: on every curve, a compressed point, raw or
// in its DER OCTET STRING, decodes to the uncompressed point of the same
// key; the other parity gives the negated point; an x with no point on the
// curve, an unknown prefix or a wrong length is CKR_ATTRIBUTE_VALUE_INVALID.
func TestDecodeCompressedECPoint(t *testing.T) {
	for _, c := range append(append([]*Curve{}, curves...), curveK1) {
		pub, _ := genECKeys(t, c)
		u, err := DecodeECPoint(c, pub.Attrs[ck.CKA_EC_POINT])
		if err != nil {
			t.Fatal(err)
		}
		size := c.Size()
		comp := append([]byte{2 | u[len(u)-1]&1}, u[1:1+size]...)
		der, _ := asn1.Marshal(comp)
		for name, in := range map[string][]byte{"raw": comp, "DER": der} {
			if got, err := DecodeECPoint(c, in); err != nil || !bytes.Equal(got, u) {
				t.Errorf("%s %s compressed: %x, %v", c.Name, name, got, err)
			}
		}
		other := append([]byte{comp[0] ^ 1}, comp[1:]...)
		if got, err := DecodeECPoint(c, other); err != nil || !bytes.Equal(got[:1+size], u[:1+size]) || bytes.Equal(got, u) {
			t.Errorf("%s: the other parity: %x, %v", c.Name, got, err)
		}
		// Step x until it has no point (about every other x).
		bad := bytes.Clone(comp)
		for {
			bad[size]++
			if _, ok := decompressECPoint(c, bad); !ok {
				break
			}
		}
		for name, in := range map[string][]byte{"x off the curve": bad, "prefix 5": append([]byte{5}, comp[1:]...), "short": comp[:size], "long": append(bytes.Clone(comp), 0)} {
			if _, err := DecodeECPoint(c, in); err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
				t.Errorf("%s %s: %v", c.Name, name, err)
			}
		}
	}
}
