package interop

import (
	"crypto"
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha3"
	_ "crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
)

// hashAlg is a hash as openssl, Go and each PKCS#11 mechanism family name it.
type hashAlg struct {
	md     string // openssl digest name
	h      crypto.Hash
	oid    asn1.ObjectIdentifier // in a PKCS#1 DigestInfo
	ckm    uint                  // CKM_SHA*: the hashAlg of PSS and OAEP parameters
	mgf    uint                  // CKG_MGF1_*
	rsa    uint                  // CKM_SHA*_RSA_PKCS
	pss    uint                  // CKM_SHA*_RSA_PKCS_PSS
	ecdsa  uint                  // CKM_ECDSA_SHA*
	kdf    uint                  // CKD_SHA*_KDF (X9.63)
	sp800  uint                  // CKD_SHA*_KDF_SP800
	osslUp string                // the digest name openssl's kdf command takes
}

func hashOID(last int) asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, last}
}

var hashes = []hashAlg{
	{"sha1", crypto.SHA1, asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, pkcs11.CKM_SHA_1, pkcs11.CKG_MGF1_SHA1, pkcs11.CKM_SHA1_RSA_PKCS, pkcs11.CKM_SHA1_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA1, uint(ck.CKD_SHA1_KDF), uint(ck.CKD_SHA1_KDF_SP800), "SHA1"},
	{"sha224", crypto.SHA224, hashOID(4), pkcs11.CKM_SHA224, pkcs11.CKG_MGF1_SHA224, pkcs11.CKM_SHA224_RSA_PKCS, pkcs11.CKM_SHA224_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA224, uint(ck.CKD_SHA224_KDF), uint(ck.CKD_SHA224_KDF_SP800), "SHA224"},
	{"sha256", crypto.SHA256, hashOID(1), pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, pkcs11.CKM_SHA256_RSA_PKCS, pkcs11.CKM_SHA256_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA256, uint(ck.CKD_SHA256_KDF), uint(ck.CKD_SHA256_KDF_SP800), "SHA256"},
	{"sha384", crypto.SHA384, hashOID(2), pkcs11.CKM_SHA384, pkcs11.CKG_MGF1_SHA384, pkcs11.CKM_SHA384_RSA_PKCS, pkcs11.CKM_SHA384_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA384, uint(ck.CKD_SHA384_KDF), uint(ck.CKD_SHA384_KDF_SP800), "SHA384"},
	{"sha512", crypto.SHA512, hashOID(3), pkcs11.CKM_SHA512, pkcs11.CKG_MGF1_SHA512, pkcs11.CKM_SHA512_RSA_PKCS, pkcs11.CKM_SHA512_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA512, uint(ck.CKD_SHA512_KDF), uint(ck.CKD_SHA512_KDF_SP800), "SHA512"},
	{"sha3-224", crypto.SHA3_224, hashOID(7), uint(ck.CKM_SHA3_224), uint(ck.CKG_MGF1_SHA3_224), uint(ck.CKM_SHA3_224_RSA_PKCS), uint(ck.CKM_SHA3_224_RSA_PKCS_PSS), uint(ck.CKM_ECDSA_SHA3_224), uint(ck.CKD_SHA3_224_KDF), uint(ck.CKD_SHA3_224_KDF_SP800), "SHA3-224"},
	{"sha3-256", crypto.SHA3_256, hashOID(8), uint(ck.CKM_SHA3_256), uint(ck.CKG_MGF1_SHA3_256), uint(ck.CKM_SHA3_256_RSA_PKCS), uint(ck.CKM_SHA3_256_RSA_PKCS_PSS), uint(ck.CKM_ECDSA_SHA3_256), uint(ck.CKD_SHA3_256_KDF), uint(ck.CKD_SHA3_256_KDF_SP800), "SHA3-256"},
	{"sha3-384", crypto.SHA3_384, hashOID(9), uint(ck.CKM_SHA3_384), uint(ck.CKG_MGF1_SHA3_384), uint(ck.CKM_SHA3_384_RSA_PKCS), uint(ck.CKM_SHA3_384_RSA_PKCS_PSS), uint(ck.CKM_ECDSA_SHA3_384), uint(ck.CKD_SHA3_384_KDF), uint(ck.CKD_SHA3_384_KDF_SP800), "SHA3-384"},
	{"sha3-512", crypto.SHA3_512, hashOID(10), uint(ck.CKM_SHA3_512), uint(ck.CKG_MGF1_SHA3_512), uint(ck.CKM_SHA3_512_RSA_PKCS), uint(ck.CKM_SHA3_512_RSA_PKCS_PSS), uint(ck.CKM_ECDSA_SHA3_512), uint(ck.CKD_SHA3_512_KDF), uint(ck.CKD_SHA3_512_KDF_SP800), "SHA3-512"},
}

// paramHashes can be a parameter's hash (OAEP, PSS hashAlg) but have no
// signature mechanism, MGF or KDF of their own in PKCS #11.
var paramHashes = []hashAlg{
	{md: "sha512-224", h: crypto.SHA512_224, oid: hashOID(5), ckm: pkcs11.CKM_SHA512_224},
	{md: "sha512-256", h: crypto.SHA512_256, oid: hashOID(6), ckm: pkcs11.CKM_SHA512_256},
}

func hashByName(name string) hashAlg {
	for _, h := range append(append([]hashAlg{}, hashes...), paramHashes...) {
		if h.md == name {
			return h
		}
	}
	panic("no hash " + name)
}

func (h hashAlg) sum(data []byte) []byte {
	d := h.h.New()
	d.Write(data)
	return d.Sum(nil)
}

// digestInfo is PKCS#1's DigestInfo of data, the input of CKM_RSA_PKCS signing.
func (h hashAlg) digestInfo(t testing.TB, data []byte) []byte {
	return mustDER(t, struct {
		Alg    pkix.AlgorithmIdentifier
		Digest []byte
	}{pkix.AlgorithmIdentifier{Algorithm: h.oid, Parameters: asn1.NullRawValue}, h.sum(data)})
}
