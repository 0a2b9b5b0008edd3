package mechanisms

import (
	"bytes"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// setPacked stores v as coefficient i of the bits-wide packing p.
func setPacked(p []byte, i, bits int, v uint) {
	for b := 0; b < bits; b++ {
		pos := i*bits + b
		p[pos/8] &^= 1 << (pos % 8)
		p[pos/8] |= byte(v>>b&1) << (pos % 8)
	}
}

// TestMLDSASKInRange: a generated key's encoding passes; one s1 or s2
// coefficient stored as 2*eta+1 (first of s1, last of s2) makes the key
// CKR_KEY_TYPE_INCONSISTENT on import, for each parameter set (eta 2 and 4).
func TestMLDSASKInRange(t *testing.T) {
	for ps, shape := range mldsaSKShapes {
		set, err := findMLDSASet(ck.ULong(ps))
		if err != nil {
			t.Fatal(err)
		}
		_, sk := set.scheme.DeriveKey(bytes.Repeat([]byte{7}, set.scheme.SeedSize()))
		good, _ := sk.MarshalBinary()
		if !mldsaSKInRange(ps, good) {
			t.Fatalf("%v: a generated key is out of range", ps)
		}
		bits := map[int]int{2: 3, 4: 4}[shape.eta]
		for _, i := range []int{0, 256*(shape.k+shape.l) - 1} {
			bad := bytes.Clone(good)
			setPacked(bad[128:], i, bits, uint(2*shape.eta+1))
			_, priv := mldsaKeys(ck.ULong(ps), map[ck.AttributeType][]byte{}, map[ck.AttributeType][]byte{ck.CKA_VALUE: bad})
			if _, err := mldsaPrivateKey(priv); err != ck.CKR_KEY_TYPE_INCONSISTENT {
				t.Errorf("%v: coefficient %d out of range: %v", ps, i, err)
			}
			setPacked(bad[128:], i, bits, uint(2*shape.eta))
			if !mldsaSKInRange(ps, bad) {
				t.Errorf("%v: coefficient %d = -eta refused", ps, i)
			}
		}
	}
}
