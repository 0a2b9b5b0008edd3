package mechanisms

import (
	"crypto/x509/pkix"
	"encoding/asn1"

	"github.com/gohsm/gohsm/ck"
)

// PKCS #8 for the private keys crypto/x509 does not know: Ed448 (RFC 8410)
// and secp256k1 (RFC 5915 ECPrivateKey under id-ecPublicKey).

var oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

type pkcs8Info struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
}

type ecPrivateKeyInfo struct {
	Version    int
	PrivateKey []byte
	Params     asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	PublicKey  asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

// ed448Seed and k1Value are what parsePKCS8Extra found (privateKeyAttrs' cases).
type (
	ed448Seed []byte
	k1Value   []byte
)

func ed448PKCS8(k *Key) ([]byte, error) {
	sk, err := ed448PrivateKey(k)
	if err != nil {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	inner, _ := asn1.Marshal(sk.Seed())
	der, err := asn1.Marshal(pkcs8Info{Algo: pkix.AlgorithmIdentifier{Algorithm: curveEd448.oid}, PrivateKey: inner})
	if err != nil {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	return der, nil
}

func k1PKCS8(k *Key) ([]byte, error) {
	priv, err := k1PrivateKey(k)
	if err != nil {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	pub := priv.PubKey().SerializeUncompressed()
	inner, err := asn1.Marshal(ecPrivateKeyInfo{Version: 1, PrivateKey: priv.Serialize(), PublicKey: asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)}})
	if err != nil {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	params, _ := asn1.Marshal(curveK1.OID)
	der, err := asn1.Marshal(pkcs8Info{Algo: pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}}, PrivateKey: inner})
	if err != nil {
		return nil, ck.CKR_KEY_NOT_WRAPPABLE
	}
	return der, nil
}

// parsePKCS8Extra reads an Ed448, secp256k1 or X448 (X25519 too, though
// crypto/x509 reads that one first) PrivateKeyInfo.
func parsePKCS8Extra(der []byte) (any, error) {
	var info pkcs8Info
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, ck.CKR_WRAPPED_KEY_INVALID
	}
	switch {
	case info.Algo.Algorithm.Equal(curveEd448.oid):
		var seed []byte
		if rest, err := asn1.Unmarshal(info.PrivateKey, &seed); err != nil || len(rest) != 0 || len(seed) != 57 {
			return nil, ck.CKR_WRAPPED_KEY_INVALID
		}
		return ed448Seed(seed), nil
	case info.Algo.Algorithm.Equal(oidECPublicKey):
		var curve asn1.ObjectIdentifier
		if rest, err := asn1.Unmarshal(info.Algo.Parameters.FullBytes, &curve); err != nil || len(rest) != 0 || !curve.Equal(curveK1.OID) {
			return nil, ck.CKR_WRAPPED_KEY_INVALID
		}
		var ek ecPrivateKeyInfo
		if rest, err := asn1.Unmarshal(info.PrivateKey, &ek); err != nil || len(rest) != 0 {
			return nil, ck.CKR_WRAPPED_KEY_INVALID
		}
		priv, ok := k1Scalar(ek.PrivateKey)
		if !ok {
			return nil, ck.CKR_WRAPPED_KEY_INVALID
		}
		return k1Value(priv.Serialize()), nil
	}
	if v, ok, err := parsePKCS8Montgomery(info); ok { // pkcs8_montgomery.go
		return v, err
	}
	return nil, ck.CKR_WRAPPED_KEY_INVALID
}
