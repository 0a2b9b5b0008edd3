package mechanisms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/binary"
	"math/big"

	"github.com/gohsm/gohsm/ck"
)

// EMSA-PSS (RFC 8017 §9.1) for the parameters crypto/rsa cannot express: an
// MGF1 hash other than the message hash, or a salt of length 0. PKCS #11
// allows both in CK_RSA_PKCS_PSS_PARAMS and openssl makes and checks them.
// The common case (MGF1 with the message hash, a salt of 1 byte or more)
// stays on crypto/rsa; only these signatures use the raw private operation
// (rsaRawPrivate: blinded, CRT, checked with e).

// pssEncode is EMSA-PSS-ENCODE of mHash into emBits = modBits-1 bits.
func pssEncode(mHash []byte, emBits, sLen int, h, mgf crypto.Hash) ([]byte, error) {
	hLen, emLen := h.Size(), (emBits+7)/8
	if emLen < hLen+sLen+2 {
		return nil, ck.CKR_KEY_SIZE_RANGE
	}
	salt := make([]byte, sLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, ck.CKR_FUNCTION_FAILED
	}
	mPrime := h.New()
	mPrime.Write(make([]byte, 8))
	mPrime.Write(mHash)
	mPrime.Write(salt)
	hh := mPrime.Sum(nil)

	em := make([]byte, emLen)
	db := em[:emLen-hLen-1] // PS || 0x01 || salt, masked in place
	db[len(db)-sLen-1] = 0x01
	copy(db[len(db)-sLen:], salt)
	mgf1XOR(db, mgf, hh)
	db[0] &= 0xff >> (8*emLen - emBits)
	copy(em[emLen-hLen-1:], hh)
	em[emLen-1] = 0xbc
	return em, nil
}

// pssVerify is EMSA-PSS-VERIFY: em is the recovered encoded message of
// emLen = ceil(emBits/8) bytes, and the salt must have exactly sLen bytes.
func pssVerify(mHash, em []byte, emBits, sLen int, h, mgf crypto.Hash) bool {
	hLen, emLen := h.Size(), (emBits+7)/8
	if len(em) != emLen || emLen < hLen+sLen+2 || em[emLen-1] != 0xbc {
		return false
	}
	db := bytes.Clone(em[:emLen-hLen-1])
	hh := em[emLen-hLen-1 : emLen-1]
	if db[0]&^(0xff>>(8*emLen-emBits)) != 0 {
		return false
	}
	mgf1XOR(db, mgf, hh)
	db[0] &= 0xff >> (8*emLen - emBits)
	psLen := len(db) - sLen - 1
	for _, b := range db[:psLen] {
		if b != 0 {
			return false
		}
	}
	if db[psLen] != 0x01 {
		return false
	}
	mPrime := h.New()
	mPrime.Write(make([]byte, 8))
	mPrime.Write(mHash)
	mPrime.Write(db[psLen+1:])
	return subtle.ConstantTimeCompare(mPrime.Sum(nil), hh) == 1
}

// mgf1XOR xors out with MGF1(seed) under hash h (RFC 8017 B.2.1).
func mgf1XOR(out []byte, h crypto.Hash, seed []byte) {
	var counter [4]byte
	for done := 0; done < len(out); {
		d := h.New()
		d.Write(seed)
		d.Write(counter[:])
		done += subtle.XORBytes(out[done:], out[done:], d.Sum(nil))
		binary.BigEndian.PutUint32(counter[:], binary.BigEndian.Uint32(counter[:])+1)
	}
}

// pssSignRaw signs digest with EMSA-PSS and the raw private operation.
func pssSignRaw(priv *rsa.PrivateKey, digest []byte, sLen int, h, mgf crypto.Hash) ([]byte, error) {
	em, err := pssEncode(digest, priv.N.BitLen()-1, sLen, h, mgf)
	if err != nil {
		return nil, err
	}
	s, err := rsaRawPrivate(priv, new(big.Int).SetBytes(em))
	if err != nil {
		return nil, err
	}
	return s.FillBytes(make([]byte, priv.Size())), nil
}

// pssVerifyRaw checks a k-byte signature with the public operation.
func pssVerifyRaw(pub *rsa.PublicKey, digest, sig []byte, sLen int, h, mgf crypto.Hash) bool {
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return false
	}
	emBits := pub.N.BitLen() - 1
	m := rsaRawPublic(pub, s)
	if m.BitLen() > emBits {
		return false
	}
	return pssVerify(digest, m.FillBytes(make([]byte, (emBits+7)/8)), emBits, sLen, h, mgf)
}
