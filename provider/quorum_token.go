package provider

// quorum_token.go: quorum tokens (see quorum.go): their canonical bytes,
// which approvers sign outside gohsm, the approval keys users register,
// and signature checks.
//
// Signatures: an Ed25519 key signs the canonical bytes themselves (pure
// Ed25519, RFC 8032); an RSA key (2048 bits or more) signs them with
// RSASSA-PKCS1-v1_5 over SHA-256. With openssl 3:
//
//	openssl pkeyutl -sign -inkey ed.pem -rawin -in token.bin -out sig.bin
//	openssl dgst -sha256 -sign rsa.pem -out sig.bin token.bin

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/gohsm/gohsm/store"
)

// quorumTokenMagic starts every token's canonical bytes, so that a
// signature made for anything else is never taken for an approval.
const quorumTokenMagic = "gohsm quorum token v1\n"

// minQuorumRSABits is the smallest RSA approval key accepted.
const minQuorumRSABits = 2048

// canonicalQuorumBytes is what approvers sign: every field that binds the
// token, one "name: value" line each, in a fixed order.
func canonicalQuorumBytes(t store.QuorumToken, serial string) []byte {
	var b strings.Builder
	b.WriteString(quorumTokenMagic)
	fmt.Fprintf(&b, "id: %s\n", t.ID)
	fmt.Fprintf(&b, "token: %s\n", serial)
	fmt.Fprintf(&b, "service: %s\n", t.Service)
	fmt.Fprintf(&b, "operation: %s\n", t.Op)
	fmt.Fprintf(&b, "nonce: %s\n", hex.EncodeToString(t.Nonce))
	fmt.Fprintf(&b, "expires: %s\n", t.Expires.UTC().Format(time.RFC3339Nano))
	return []byte(b.String())
}

// ParseQuorumPublicKey reads a PEM "PUBLIC KEY" (SubjectPublicKeyInfo)
// holding an Ed25519 or RSA (>= 2048 bits) key and returns its DER.
func ParseQuorumPublicKey(pemBytes []byte) ([]byte, error) {
	blk, _ := pem.Decode(pemBytes)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%w: not a PEM PUBLIC KEY block", ErrQuorumBadKey)
	}
	if _, err := quorumPublicKey(blk.Bytes); err != nil {
		return nil, err
	}
	return blk.Bytes, nil
}

func quorumPublicKey(der []byte) (crypto.PublicKey, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrQuorumBadKey, err)
	}
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return k, nil
	case *rsa.PublicKey:
		if k.N.BitLen() < minQuorumRSABits {
			return nil, fmt.Errorf("%w: an RSA key of %d bits (at least %d)", ErrQuorumBadKey, k.N.BitLen(), minQuorumRSABits)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: a %T key (Ed25519 or RSA only)", ErrQuorumBadKey, pub)
}

// quorumKeyAlgorithm names a registered key's algorithm for listings.
func quorumKeyAlgorithm(der []byte) string {
	pub, err := quorumPublicKey(der)
	if err != nil {
		return "invalid"
	}
	if k, ok := pub.(*rsa.PublicKey); ok {
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	}
	return "Ed25519"
}

// verifyQuorumSignature checks sig over msg with the registered key der.
func verifyQuorumSignature(der, msg, sig []byte) bool {
	pub, err := quorumPublicKey(der)
	if err != nil {
		return false
	}
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	case *rsa.PublicKey:
		h := sha256.Sum256(msg)
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig) == nil
	}
	return false
}

// SignQuorumToken signs canonical token bytes with an approver's private key
// (PEM: PKCS#8 "PRIVATE KEY", or PKCS#1 "RSA PRIVATE KEY"), as the
// openssl commands above do; for `gohsm quorum sign`, which runs where the
// approver keeps the key. Nothing of the key is kept or logged.
func SignQuorumToken(keyPEM, tokenBytes []byte) ([]byte, error) {
	if !strings.HasPrefix(string(tokenBytes), quorumTokenMagic) {
		return nil, fmt.Errorf("%w: not a gohsm quorum token", ErrQuorumUnknownToken)
	}
	blk, _ := pem.Decode(keyPEM)
	if blk == nil {
		return nil, fmt.Errorf("%w: no PEM block in the key file", ErrQuorumBadKey)
	}
	var priv any
	var err error
	switch blk.Type {
	case "PRIVATE KEY":
		priv, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		return nil, fmt.Errorf("%w: a PEM %q block (want PRIVATE KEY)", ErrQuorumBadKey, blk.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the private key does not parse", ErrQuorumBadKey)
	}
	switch k := priv.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, tokenBytes), nil
	case *rsa.PrivateKey:
		h := sha256.Sum256(tokenBytes)
		return rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
	}
	return nil, fmt.Errorf("%w: a %T key (Ed25519 or RSA only)", ErrQuorumBadKey, priv)
}
