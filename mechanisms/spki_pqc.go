package mechanisms

// spki_pqc.go: SubjectPublicKeyInfo of ML-DSA, ML-KEM and SLH-DSA keys: the
// NIST CSOR object identifiers (the ones RFC 9881, RFC 9909 and
// draft-ietf-lamps-kyber-certificates use), no parameters, and the raw
// FIPS 203/204/205 public key as the BIT STRING.

import (
	"encoding/asn1"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/gohsm/gohsm/ck"
)

// nistAlgs is 2.16.840.1.101.3.4: sigAlgs is .3, kems is .4.
func nistAlg(arc, n int) asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, arc, n}
}

// pqcOIDs maps key type and CKA_PARAMETER_SET to its OID.
var pqcOIDs = map[ck.KeyType]map[ck.ULong]asn1.ObjectIdentifier{
	ck.CKK_ML_DSA: {
		ck.ULong(ck.CKP_ML_DSA_44): nistAlg(3, 17),
		ck.ULong(ck.CKP_ML_DSA_65): nistAlg(3, 18),
		ck.ULong(ck.CKP_ML_DSA_87): nistAlg(3, 19),
	},
	ck.CKK_ML_KEM: {
		ck.ULong(ck.CKP_ML_KEM_512):  nistAlg(4, 1),
		ck.ULong(ck.CKP_ML_KEM_768):  nistAlg(4, 2),
		ck.ULong(ck.CKP_ML_KEM_1024): nistAlg(4, 3),
	},
	ck.CKK_SLH_DSA: {
		ck.ULong(ck.CKP_SLH_DSA_SHA2_128S):  nistAlg(3, 20),
		ck.ULong(ck.CKP_SLH_DSA_SHA2_128F):  nistAlg(3, 21),
		ck.ULong(ck.CKP_SLH_DSA_SHA2_192S):  nistAlg(3, 22),
		ck.ULong(ck.CKP_SLH_DSA_SHA2_192F):  nistAlg(3, 23),
		ck.ULong(ck.CKP_SLH_DSA_SHA2_256S):  nistAlg(3, 24),
		ck.ULong(ck.CKP_SLH_DSA_SHA2_256F):  nistAlg(3, 25),
		ck.ULong(ck.CKP_SLH_DSA_SHAKE_128S): nistAlg(3, 26),
		ck.ULong(ck.CKP_SLH_DSA_SHAKE_128F): nistAlg(3, 27),
		ck.ULong(ck.CKP_SLH_DSA_SHAKE_192S): nistAlg(3, 28),
		ck.ULong(ck.CKP_SLH_DSA_SHAKE_192F): nistAlg(3, 29),
		ck.ULong(ck.CKP_SLH_DSA_SHAKE_256S): nistAlg(3, 30),
		ck.ULong(ck.CKP_SLH_DSA_SHAKE_256F): nistAlg(3, 31),
	},
}

func pqcSPKI(class ck.ObjectClass, kt ck.KeyType, attrs map[ck.AttributeType][]byte) ([]byte, error) {
	v, ok := attrs[ck.CKA_PARAMETER_SET]
	if !ok {
		return nil, nil
	}
	ps, err := ck.DecodeULong(v)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	oid, ok := pqcOIDs[kt][ps]
	if !ok {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	if len(attrs[ck.CKA_VALUE]) == 0 && len(attrs[ck.CKA_SEED]) == 0 {
		return nil, nil // a generator's template
	}
	// The key parsers check sizes and, for a private key, that seed and
	// value agree; their errors are the key's, not an operation's.
	k := &Key{Class: class, KeyType: kt, Attrs: attrs}
	pub, err := pqcPublicBytes(k)
	if err != nil {
		return nil, ck.CKR_ATTRIBUTE_VALUE_INVALID
	}
	return marshalSPKI(oid, nil, pub)
}

func pqcPublicBytes(k *Key) ([]byte, error) {
	if k.Class == ck.CKO_PUBLIC_KEY {
		switch k.KeyType {
		case ck.CKK_ML_DSA:
			if _, err := mldsaPublicKey(k); err != nil {
				return nil, err
			}
		case ck.CKK_ML_KEM:
			if _, err := mlkemPublicKey(k); err != nil {
				return nil, err
			}
		case ck.CKK_SLH_DSA:
			if _, err := slhdsaPublicKey(k); err != nil {
				return nil, err
			}
		}
		return k.Attrs[ck.CKA_VALUE], nil
	}
	switch k.KeyType {
	case ck.CKK_ML_DSA:
		sk, err := mldsaPrivateKey(k)
		if err != nil {
			return nil, err
		}
		return sk.sk.Public().(sign.PublicKey).MarshalBinary()
	case ck.CKK_ML_KEM:
		sk, err := mlkemPrivateKey(k)
		if err != nil {
			return nil, err
		}
		return sk.Public().MarshalBinary()
	case ck.CKK_SLH_DSA:
		// The private value ends with PK.seed || PK.root: no key
		// generation needed (the import check in pqc_check.go does that).
		id, err := keySLHDSASet(k)
		if err != nil {
			return nil, err
		}
		sk := &slhdsa.PrivateKey{ID: id}
		if sk.UnmarshalBinary(k.Attrs[ck.CKA_VALUE]) != nil {
			return nil, ck.CKR_KEY_TYPE_INCONSISTENT
		}
		pk := sk.PublicKey()
		return pk.MarshalBinary()
	}
	return nil, ck.CKR_KEY_TYPE_INCONSISTENT
}
