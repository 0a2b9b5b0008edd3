package mechanisms

import (
	"crypto"
	"encoding/binary"

	"github.com/gohsm/gohsm/ck"
)

// pssParamsSize is sizeof(CK_RSA_PKCS_PSS_PARAMS) on LP64: three CK_ULONGs.
const pssParamsSize = 24

// DecodePSSParams reads CK_RSA_PKCS_PSS_PARAMS: the *ck.PSSParams cexport
// makes, a ck.PSSParams, or the raw bytes of the C struct (hashAlg, mgf,
// sLen as native-endian CK_ULONGs). Anything else is CKR_MECHANISM_PARAM_INVALID.
func DecodePSSParams(p any) (ck.PSSParams, error) {
	switch v := p.(type) {
	case ck.PSSParams:
		return v, nil
	case *ck.PSSParams:
		if v != nil {
			return *v, nil
		}
	case []byte:
		if len(v) == pssParamsSize {
			return ck.PSSParams{
				Hash:       ck.MechanismType(binary.NativeEndian.Uint64(v[0:])),
				MGF:        ck.MGF(binary.NativeEndian.Uint64(v[8:])),
				SaltLength: binary.NativeEndian.Uint64(v[16:]),
			}, nil
		}
	}
	return ck.PSSParams{}, ck.CKR_MECHANISM_PARAM_INVALID
}

// pssOptions checks params for a key of modulus bits and returns the
// message hash, the MGF1 hash and the salt length. want is the mechanism's
// own hash (0 for CKM_RSA_PKCS_PSS). Any MGF1 hash and any salt length from 0
// that fits are valid (PKCS #11 §2.1.14, RFC 8017 §9.1.1).
func pssOptions(p ck.PSSParams, want crypto.Hash, bits int) (h, mgf crypto.Hash, saltLen int, err error) {
	hh, ok := digestHashes[p.Hash]
	mh, ok2 := mgfHashes[p.MGF]
	if !ok || !ok2 || (want != 0 && hh != want) {
		return 0, 0, 0, ck.CKR_MECHANISM_PARAM_INVALID
	}
	// RFC 8017 9.1.1: emLen >= hLen + sLen + 2, with emLen = ceil((bits-1)/8).
	emLen := (bits - 1 + 7) / 8
	if emLen < hh.Size()+2 || p.SaltLength > ck.ULong(emLen-hh.Size()-2) {
		return 0, 0, 0, ck.CKR_MECHANISM_PARAM_INVALID
	}
	return hh, mh, int(p.SaltLength), nil
}

// pssByGo reports whether crypto/rsa can sign and verify these options:
// MGF1 with the message hash and a salt of at least one byte (0 means
// "automatic" to it).
func pssByGo(h, mgf crypto.Hash, salt int) bool { return h == mgf && salt > 0 }
