package mechanisms

import (
	"crypto"
	"encoding/binary"

	"github.com/gohsm/gohsm/ck"
)

// ecKDFs maps CK_EC_KDF_TYPE to its hash; sp800 marks the SP 800-56A
// single-step KDF (counter first), the others are ANSI X9.63 (counter after Z).
var ecKDFs = map[ck.EC_KDF]struct {
	h     crypto.Hash
	sp800 bool
}{
	ck.CKD_SHA1_KDF:           {crypto.SHA1, false},
	ck.CKD_SHA224_KDF:         {crypto.SHA224, false},
	ck.CKD_SHA256_KDF:         {crypto.SHA256, false},
	ck.CKD_SHA384_KDF:         {crypto.SHA384, false},
	ck.CKD_SHA512_KDF:         {crypto.SHA512, false},
	ck.CKD_SHA3_224_KDF:       {crypto.SHA3_224, false},
	ck.CKD_SHA3_256_KDF:       {crypto.SHA3_256, false},
	ck.CKD_SHA3_384_KDF:       {crypto.SHA3_384, false},
	ck.CKD_SHA3_512_KDF:       {crypto.SHA3_512, false},
	ck.CKD_SHA1_KDF_SP800:     {crypto.SHA1, true},
	ck.CKD_SHA224_KDF_SP800:   {crypto.SHA224, true},
	ck.CKD_SHA256_KDF_SP800:   {crypto.SHA256, true},
	ck.CKD_SHA384_KDF_SP800:   {crypto.SHA384, true},
	ck.CKD_SHA512_KDF_SP800:   {crypto.SHA512, true},
	ck.CKD_SHA3_224_KDF_SP800: {crypto.SHA3_224, true},
	ck.CKD_SHA3_256_KDF_SP800: {crypto.SHA3_256, true},
	ck.CKD_SHA3_384_KDF_SP800: {crypto.SHA3_384, true},
	ck.CKD_SHA3_512_KDF_SP800: {crypto.SHA3_512, true},
}

// hashKDF derives n bytes from the shared secret z and shared info: blocks
// Hash(Z || counter || info) for X9.63, Hash(counter || Z || info) for
// SP 800-56A, with a 32-bit big-endian counter from 1.
func hashKDF(h crypto.Hash, sp800 bool, z, info []byte, n int) []byte {
	out := make([]byte, 0, n+h.Size())
	var ctr [4]byte
	for i := uint32(1); len(out) < n; i++ {
		binary.BigEndian.PutUint32(ctr[:], i)
		hh := h.New()
		if sp800 {
			hh.Write(ctr[:])
			hh.Write(z)
		} else {
			hh.Write(z)
			hh.Write(ctr[:])
		}
		hh.Write(info)
		out = hh.Sum(out)
	}
	return out[:n]
}
