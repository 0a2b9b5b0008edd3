// Package seal encrypts secrets at rest: attribute values under a token's
// master key (AES-256-GCM, object ID and attribute type as associated data),
// and the master key itself under a key stretched from each user's PIN.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"

	"golang.org/x/crypto/argon2"

	"github.com/gohsm/gohsm/ck"
)

// ErrWrongPIN is returned when a PIN does not match its verifier.
var ErrWrongPIN = errors.New("seal: wrong PIN")

// ErrCorrupt is returned when sealed data fails authentication.
var ErrCorrupt = errors.New("seal: sealed data failed authentication")

// ErrBadKDF is returned for Argon2 parameters that argon2.IDKey would panic
// on or that would exhaust memory (a bad configuration or a corrupt store).
var ErrBadKDF = errors.New("seal: invalid Argon2id parameters")

const masterKeyLen = 32

// KDFParams are the Argon2id cost parameters, stored with each PIN secret so
// that they can be raised later without breaking existing users.
type KDFParams struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultKDF follows OWASP's minimum for Argon2id (19 MiB, 2 passes).
var DefaultKDF = KDFParams{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}

// PINSecret is what the store keeps for one user: never the PIN, only a
// verifier and the master key wrapped under the PIN-derived key.
type PINSecret struct {
	KDF              KDFParams
	Salt             []byte
	Verifier         []byte
	WrappedMasterKey []byte
}

// NewMasterKey returns a fresh random token master key.
func NewMasterKey() []byte {
	k := make([]byte, masterKeyLen)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return k
}

// Bounds on stored parameters: generous enough to raise the cost many times
// over, small enough that a corrupt record cannot ask for terabytes.
const (
	maxKDFTime      = 1000
	maxKDFMemoryKiB = 4 << 20 // 4 GiB
)

func (p KDFParams) valid() bool {
	return p.Time >= 1 && p.Time <= maxKDFTime && p.Threads >= 1 && p.MemoryKiB >= 8 && p.MemoryKiB <= maxKDFMemoryKiB
}

// stretch derives a 32-byte verifier and a 32-byte key-encryption key from the PIN.
func stretch(pin, salt []byte, p KDFParams) (verifier, kek []byte) {
	out := argon2.IDKey(pin, salt, p.Time, p.MemoryKiB, p.Threads, 64)
	return out[:32], out[32:]
}

// WrapForPIN makes the PIN secret that lets pin unwrap masterKey.
func WrapForPIN(pin, masterKey []byte, p KDFParams) (PINSecret, error) {
	if !p.valid() {
		return PINSecret{}, ErrBadKDF
	}
	if len(masterKey) != masterKeyLen {
		return PINSecret{}, errors.New("seal: master key must be 32 bytes")
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return PINSecret{}, err
	}
	verifier, kek := stretch(pin, salt, p)
	defer Wipe(kek)
	wrapped, err := aeadSeal(kek, masterKey, []byte("gohsm master key"))
	if err != nil {
		return PINSecret{}, err
	}
	return PINSecret{KDF: p, Salt: salt, Verifier: verifier, WrappedMasterKey: wrapped}, nil
}

// Unwrap checks pin against the verifier and returns the master key.
func (s PINSecret) Unwrap(pin []byte) ([]byte, error) {
	if !s.KDF.valid() {
		return nil, ErrCorrupt // stored parameters, so the record is damaged
	}
	verifier, kek := stretch(pin, s.Salt, s.KDF)
	defer Wipe(kek)
	if subtle.ConstantTimeCompare(verifier, s.Verifier) != 1 {
		return nil, ErrWrongPIN
	}
	mk, err := aeadOpen(kek, s.WrappedMasterKey, []byte("gohsm master key"))
	if err != nil {
		return nil, ErrCorrupt
	}
	return mk, nil
}

// Sealer seals attribute values under one token's master key.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer for masterKey; the caller may wipe masterKey afterwards.
// Only 32-byte keys are accepted: AES would silently take 16 or 24 bytes.
func NewSealer(masterKey []byte) (*Sealer, error) {
	if len(masterKey) != masterKeyLen {
		return nil, errors.New("seal: master key must be 32 bytes")
	}
	b, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: g}, nil
}

func ad(objectID int64, t ck.AttributeType) []byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(objectID))
	binary.BigEndian.PutUint64(b[8:], uint64(t))
	return b[:]
}

// Seal encrypts one attribute value of one object: nonce || ciphertext || tag.
func (s *Sealer) Seal(objectID int64, t ck.AttributeType, plaintext []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return s.aead.Seal(nonce, nonce, plaintext, ad(objectID, t))
}

// Open decrypts what Seal made for the same object and attribute type.
func (s *Sealer) Open(objectID int64, t ck.AttributeType, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrCorrupt
	}
	pt, err := s.aead.Open(nil, sealed[:n], sealed[n:], ad(objectID, t))
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

func aeadSeal(key, plaintext, additional []byte) ([]byte, error) {
	s, err := NewSealer(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plaintext, additional), nil
}

func aeadOpen(key, sealed, additional []byte) ([]byte, error) {
	s, err := NewSealer(key)
	if err != nil {
		return nil, err
	}
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrCorrupt
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], additional)
}

// Wipe overwrites b with zeros (Go may have copied it elsewhere; this is best effort).
func Wipe(b []byte) {
	clear(b)
}
