package mechanisms

import (
	"crypto"
	_ "crypto/sha3" // link SHA-3 for crypto.SHA3_*.New

	"github.com/gohsm/gohsm/ck"
)

// digestHashes maps the hashAlg of mechanism parameters (OAEP, PSS, HKDF's
// prfHashMechanism) to Go's hash.
var digestHashes = map[ck.MechanismType]crypto.Hash{
	ck.CKM_SHA_1:      crypto.SHA1,
	ck.CKM_SHA224:     crypto.SHA224,
	ck.CKM_SHA256:     crypto.SHA256,
	ck.CKM_SHA384:     crypto.SHA384,
	ck.CKM_SHA512:     crypto.SHA512,
	ck.CKM_SHA512_224: crypto.SHA512_224,
	ck.CKM_SHA512_256: crypto.SHA512_256,
	ck.CKM_SHA3_224:   crypto.SHA3_224,
	ck.CKM_SHA3_256:   crypto.SHA3_256,
	ck.CKM_SHA3_384:   crypto.SHA3_384,
	ck.CKM_SHA3_512:   crypto.SHA3_512,
}

// mgfHashes maps CK_RSA_PKCS_MGF_TYPE to the hash of its MGF1.
var mgfHashes = map[ck.MGF]crypto.Hash{
	ck.CKG_MGF1_SHA1:     crypto.SHA1,
	ck.CKG_MGF1_SHA224:   crypto.SHA224,
	ck.CKG_MGF1_SHA256:   crypto.SHA256,
	ck.CKG_MGF1_SHA384:   crypto.SHA384,
	ck.CKG_MGF1_SHA512:   crypto.SHA512,
	ck.CKG_MGF1_SHA3_224: crypto.SHA3_224,
	ck.CKG_MGF1_SHA3_256: crypto.SHA3_256,
	ck.CKG_MGF1_SHA3_384: crypto.SHA3_384,
	ck.CKG_MGF1_SHA3_512: crypto.SHA3_512,
}
