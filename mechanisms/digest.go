package mechanisms

import (
	"crypto"
	_ "crypto/md5" // link the hashes the digest mechanisms name
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"hash"

	"github.com/gohsm/gohsm/ck"
)

// digest is one CKM_SHA* digest mechanism (C_DigestInit).
type digest struct {
	typ ck.MechanismType
	h   crypto.Hash
}

func init() {
	for _, d := range []digest{
		{ck.CKM_MD5, crypto.MD5}, // legacy, for clients that list it (pkcs11-tool --test)
		{ck.CKM_SHA_1, crypto.SHA1},
		{ck.CKM_SHA224, crypto.SHA224},
		{ck.CKM_SHA256, crypto.SHA256},
		{ck.CKM_SHA384, crypto.SHA384},
		{ck.CKM_SHA512, crypto.SHA512},
		{ck.CKM_SHA512_224, crypto.SHA512_224},
		{ck.CKM_SHA512_256, crypto.SHA512_256},
		{ck.CKM_SHA3_224, crypto.SHA3_224},
		{ck.CKM_SHA3_256, crypto.SHA3_256},
		{ck.CKM_SHA3_384, crypto.SHA3_384},
		{ck.CKM_SHA3_512, crypto.SHA3_512},
	} {
		Register(d)
	}
}

func (d digest) Type() ck.MechanismType { return d.typ }
func (d digest) Info() Info             { return Info{} }

func (d digest) DigestInit(param any) (hash.Hash, error) {
	if err := noParam(param); err != nil {
		return nil, err
	}
	return d.h.New(), nil
}
