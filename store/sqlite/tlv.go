package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/gohsm/gohsm/ck"
)

// Attribute maps are stored as a compact TLV: for each attribute, in strictly
// ascending type order, type (8 bytes), length (4 bytes), both big-endian,
// then the value. The order makes the encoding deterministic and canonical:
// a decoder that demands it accepts exactly one encoding per map.

const tlvHeader = 8 + 4

// errBadAttrs is returned for bytes that are not a canonical encoding.
var errBadAttrs = errors.New("sqlite store: corrupt attribute encoding")

func sortedTypes(m map[ck.AttributeType][]byte) []ck.AttributeType {
	ts := make([]ck.AttributeType, 0, len(m))
	for t := range m {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

// encodeAttrs encodes m; values longer than 4 GiB - 1 are refused.
func encodeAttrs(m map[ck.AttributeType][]byte) ([]byte, error) {
	ts := sortedTypes(m)
	n := 0
	for _, t := range ts {
		if len(m[t]) > math.MaxUint32 {
			return nil, fmt.Errorf("sqlite store: attribute %v value too long", t)
		}
		n += tlvHeader + len(m[t])
	}
	out := make([]byte, 0, n)
	for _, t := range ts {
		out = binary.BigEndian.AppendUint64(out, uint64(t))
		out = binary.BigEndian.AppendUint32(out, uint32(len(m[t])))
		out = append(out, m[t]...)
	}
	return out, nil
}

// decodeAttrs decodes what encodeAttrs made. It never panics: truncated,
// overlong, duplicated or unordered entries are errors. Values alias b (with
// their capacity capped), so b must not be reused by the caller.
func decodeAttrs(b []byte) (map[ck.AttributeType][]byte, error) {
	m := make(map[ck.AttributeType][]byte)
	var prev uint64
	for first := true; len(b) > 0; first = false {
		if len(b) < tlvHeader {
			return nil, errBadAttrs
		}
		t := binary.BigEndian.Uint64(b)
		n := uint64(binary.BigEndian.Uint32(b[8:]))
		b = b[tlvHeader:]
		if n > uint64(len(b)) || (!first && t <= prev) {
			return nil, errBadAttrs
		}
		m[ck.AttributeType(t)] = b[:n:n]
		b = b[n:]
		prev = t
	}
	return m, nil
}
