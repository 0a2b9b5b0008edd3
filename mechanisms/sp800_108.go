package mechanisms

import (
	"crypto"
	"crypto/hmac"
	"encoding/binary"

	"github.com/gohsm/gohsm/ck"
)

// CKM_SP800_108_COUNTER_KDF, CKM_SP800_108_FEEDBACK_KDF and
// CKM_SP800_108_DOUBLE_PIPELINE_KDF (NIST SP 800-108r1, PKCS#11 3.0 §2.42)
// derive a secret key with *ck.SP800108Params. The PRF input of iteration i
// is the data parameters in order: the iteration variable is the counter i
// (counter mode), K(i-1) with K(0) = IV (feedback) or A(i) (double
// pipeline, A(0) = the data parameters without iteration variable and
// optional counter, A(i) = PRF(A(i-1))); the optional counter is i; the DKM
// length is L in bits. HMAC (SHA-1/2/3) and AES/DES3 CMAC PRFs. Additional
// derived keys and key-handle data parameters are not offered.
type sp800108 struct {
	typ  ck.MechanismType
	mode int // kbkdfCounter, kbkdfFeedback, kbkdfPipeline
}

const (
	kbkdfCounter = iota
	kbkdfFeedback
	kbkdfPipeline
)

func init() {
	Register(sp800108{ck.CKM_SP800_108_COUNTER_KDF, kbkdfCounter})
	Register(sp800108{ck.CKM_SP800_108_FEEDBACK_KDF, kbkdfFeedback})
	Register(sp800108{ck.CKM_SP800_108_DOUBLE_PIPELINE_KDF, kbkdfPipeline})
}

func (m sp800108) Type() ck.MechanismType { return m.typ }
func (m sp800108) Info() Info             { return Info{} }

var kbkdfHMACs = map[ck.MechanismType]crypto.Hash{
	ck.CKM_SHA_1_HMAC: crypto.SHA1, ck.CKM_SHA224_HMAC: crypto.SHA224, ck.CKM_SHA256_HMAC: crypto.SHA256,
	ck.CKM_SHA384_HMAC: crypto.SHA384, ck.CKM_SHA512_HMAC: crypto.SHA512,
	ck.CKM_SHA512_224_HMAC: crypto.SHA512_224, ck.CKM_SHA512_256_HMAC: crypto.SHA512_256,
	ck.CKM_SHA3_224_HMAC: crypto.SHA3_224, ck.CKM_SHA3_256_HMAC: crypto.SHA3_256,
	ck.CKM_SHA3_384_HMAC: crypto.SHA3_384, ck.CKM_SHA3_512_HMAC: crypto.SHA3_512,
}

// kbkdfPRF returns the PRF keyed with base and its output length.
func kbkdfPRF(prf ck.MechanismType, base *Key) (func(in []byte) []byte, int, error) {
	if h, ok := kbkdfHMACs[prf]; ok {
		if base == nil || base.Class != ck.CKO_SECRET_KEY || len(base.Attrs[ck.CKA_VALUE]) == 0 {
			return nil, 0, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		key := base.Attrs[ck.CKA_VALUE]
		return func(in []byte) []byte {
			m := hmac.New(h.New, key)
			m.Write(in)
			return m.Sum(nil)
		}, h.Size(), nil
	}
	switch prf {
	case ck.CKM_AES_CMAC:
		b, err := aesBlock(base)
		if err != nil {
			return nil, 0, err
		}
		return func(in []byte) []byte { c := newCMAC(b); c.Write(in); return c.Sum() }, b.BlockSize(), nil
	case ck.CKM_DES3_CMAC:
		b, err := des3Block(base)
		if err != nil {
			return nil, 0, err
		}
		return func(in []byte) []byte { c := newCMAC(b); c.Write(in); return c.Sum() }, b.BlockSize(), nil
	}
	return nil, 0, ck.CKR_MECHANISM_PARAM_INVALID
}

// putUint writes v in width bits, big or little endian; false if v does not fit.
func putUint(v uint64, widthBits ck.ULong, little bool) ([]byte, bool) {
	if widthBits == 0 || widthBits%8 != 0 || widthBits > 64 {
		return nil, false
	}
	n := int(widthBits / 8)
	if n < 8 && v>>(8*n) != 0 {
		return nil, false
	}
	var b [8]byte
	if little {
		binary.LittleEndian.PutUint64(b[:], v)
		return b[:n], true
	}
	binary.BigEndian.PutUint64(b[:], v)
	return b[8-n:], true
}

func (m sp800108) DeriveKey(base *Key, param any, tmpl ck.Template) (map[ck.AttributeType][]byte, error) {
	var p *ck.SP800108Params
	switch v := param.(type) {
	case *ck.SP800108Params:
		p = v
	case ck.SP800108Params:
		p = &v
	}
	if p == nil || p.AdditionalKeys != 0 || (m.mode != kbkdfFeedback && len(p.IV) != 0) {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	prf, h, err := kbkdfPRF(p.PRF, base)
	if err != nil {
		return nil, err
	}
	kt, n, err := derivedKeyLen(tmpl, 0)
	if err != nil {
		return nil, err
	}
	segments := (n + h - 1) / h
	// Check the data parameters once: exactly one iteration variable, at
	// most one optional counter (not in counter mode), widths that fit.
	iters, counters := 0, 0
	for _, d := range p.Data {
		switch d.Type {
		case ck.CK_SP800_108_ITERATION_VARIABLE:
			iters++
			if m.mode == kbkdfCounter {
				if d.WidthBits > 32 {
					return nil, ck.CKR_MECHANISM_PARAM_INVALID
				}
				if _, ok := putUint(uint64(segments), d.WidthBits, d.LittleEndian); !ok {
					return nil, ck.CKR_MECHANISM_PARAM_INVALID
				}
			}
		case ck.CK_SP800_108_OPTIONAL_COUNTER:
			counters++
			if m.mode == kbkdfCounter || d.WidthBits > 32 {
				return nil, ck.CKR_MECHANISM_PARAM_INVALID
			}
			if _, ok := putUint(uint64(segments), d.WidthBits, d.LittleEndian); !ok {
				return nil, ck.CKR_MECHANISM_PARAM_INVALID
			}
		case ck.CK_SP800_108_DKM_LENGTH:
			if d.DKMMethod != ck.CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS && d.DKMMethod != ck.CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS {
				return nil, ck.CKR_MECHANISM_PARAM_INVALID
			}
			if _, ok := putUint(uint64(8*segments*h), d.WidthBits, d.LittleEndian); !ok {
				return nil, ck.CKR_MECHANISM_PARAM_INVALID
			}
		case ck.CK_SP800_108_BYTE_ARRAY:
			if len(d.Bytes) == 0 {
				return nil, ck.CKR_MECHANISM_PARAM_INVALID
			}
		default: // CK_SP800_108_KEY_HANDLE is not offered
			return nil, ck.CKR_MECHANISM_PARAM_INVALID
		}
	}
	if iters != 1 || counters > 1 {
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	// input builds the PRF input of iteration i with v as the iteration
	// variable (unused in counter mode); skipVar leaves out the variable and
	// the optional counter (A(0) of the double pipeline).
	input := func(i uint64, v []byte, skipVar bool) []byte {
		var in []byte
		for _, d := range p.Data {
			switch d.Type {
			case ck.CK_SP800_108_ITERATION_VARIABLE:
				if skipVar {
					continue
				}
				if m.mode == kbkdfCounter {
					b, _ := putUint(i, d.WidthBits, d.LittleEndian)
					in = append(in, b...)
				} else {
					in = append(in, v...)
				}
			case ck.CK_SP800_108_OPTIONAL_COUNTER:
				if skipVar {
					continue
				}
				b, _ := putUint(i, d.WidthBits, d.LittleEndian)
				in = append(in, b...)
			case ck.CK_SP800_108_DKM_LENGTH:
				l := uint64(8 * n)
				if d.DKMMethod == ck.CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS {
					l = uint64(8 * segments * h)
				}
				b, _ := putUint(l, d.WidthBits, d.LittleEndian)
				in = append(in, b...)
			case ck.CK_SP800_108_BYTE_ARRAY:
				in = append(in, d.Bytes...)
			}
		}
		return in
	}
	out := make([]byte, 0, segments*h)
	prev := p.IV             // feedback: K(0)
	a := input(0, nil, true) // double pipeline: A(0)
	for i := uint64(1); len(out) < n; i++ {
		var k []byte
		switch m.mode {
		case kbkdfCounter:
			k = prf(input(i, nil, false))
		case kbkdfFeedback:
			k = prf(input(i, prev, false))
			prev = k
		case kbkdfPipeline:
			a = prf(a)
			k = prf(input(i, a, false))
		}
		out = append(out, k...)
	}
	return secretKeyAttrs(kt, out[:n]), nil
}
