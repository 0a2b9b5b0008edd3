// Package backup writes and restores gohsm backups: one file holding the
// whole store (every token, user, object with its sealed values, shares,
// quorum state and audit log), encrypted and authenticated under a random
// backup key that is wrapped by the installation secret (hsm.secret), so a
// backup restores only where that secret is (store/installsecret).
//
// File format, version 1 (integers big-endian):
//
//	magic        8 bytes  "GOHSMBAK"
//	headerLen    uint32
//	header       headerLen bytes of JSON (Header): format, installation ID,
//	             creation time, counts, schema version, chunk size, body size
//	wrappedKey   60 bytes: 12-byte nonce || AES-256-GCM(KEK, backup key)
//	             KEK = HKDF-SHA256(hsm.secret, info "gohsm backup key wrap v1")
//	             associated data: magic || headerLen || header
//	chunks       each: uint32 length L, then L bytes of
//	             AES-256-GCM(backup key, nonce = 4 zero bytes || uint64 index,
//	             up to 1 MiB of the body, associated data = SHA-256(magic ||
//	             headerLen || header) || uint64 index || final flag byte)
//	             the last chunk has the final flag 1; nothing may follow it
//
// The body is a consistent SQLite snapshot of the store (VACUUM INTO, one
// read transaction). Every byte is authenticated: the header through the
// key wrap and every chunk's associated data, the order of chunks through
// their index, the end through the final flag. A restore checks the whole
// file before it changes anything.
package backup

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Format is the file format version written.
const Format = 1

// Magic starts every backup file.
const Magic = "GOHSMBAK"

// Ext is the file name extension of backups (`backup list`, scheduled mode).
const Ext = ".gohsmbak"

const (
	chunkSize    = 1 << 20
	maxHeaderLen = 1 << 16
	keyLen       = 32
	nonceLen     = 12
	wrappedLen   = nonceLen + keyLen + 16
	wrapInfo     = "gohsm backup key wrap v1"
	installInfo  = "gohsm installation id v1"
)

// Errors; the CLI reports them in words and exits 1.
var (
	ErrNotBackup         = errors.New("not a gohsm backup file")
	ErrTampered          = errors.New("the backup file is damaged or was modified (authentication failed); nothing was changed")
	ErrOtherInstallation = errors.New("the backup belongs to another installation (its hsm.secret differs), or its header was modified; nothing was changed")
	ErrNewerFormat       = errors.New("the backup was written by a newer gohsm")
	ErrTargetNotEmpty    = errors.New("the target store holds tokens; restore into an empty directory or use --force")
	ErrNoSecret          = errors.New("the target directory has no hsm.secret: copy the source installation's hsm.secret there (mode 0600) or give --secret-file")
	ErrSecretMismatch    = errors.New("the target directory has its own hsm.secret, different from --secret-file")
	ErrNotOfficer        = errors.New("no Crypto Officer of the backup's tokens has that name and password")
)

// Header describes a backup; it is readable without the secret (for
// `backup list`) and authenticated when the backup is opened.
type Header struct {
	Format       int       `json:"format"`
	Installation string    `json:"installation"` // InstallationID of the source
	Created      time.Time `json:"created"`
	Schema       int       `json:"schema"` // store schema version of the body
	Tokens       []Token   `json:"tokens"`
	Users        int       `json:"users"`
	Objects      int       `json:"objects"`
	BodySize     int64     `json:"body_size"`
	ChunkSize    int       `json:"chunk_size"`
}

// Token names one token in a backup.
type Token struct {
	Serial  string `json:"serial"`
	Label   string `json:"label"`
	Users   int    `json:"users"`
	Objects int    `json:"objects"`
}

// InstallationID is a public name for an installation secret: 16 hex
// digits derived from it (HKDF), equal for equal secrets.
func InstallationID(secret []byte) string {
	b, err := hkdf.Key(sha256.New, secret, nil, installInfo, 8)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(b)
}

func kek(secret []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, nil, wrapInfo, keyLen)
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func chunkNonce(i uint64) []byte {
	n := make([]byte, nonceLen)
	binary.BigEndian.PutUint64(n[4:], i)
	return n
}

func chunkAD(headerHash []byte, i uint64, final bool) []byte {
	ad := make([]byte, 0, len(headerHash)+9)
	ad = append(ad, headerHash...)
	ad = binary.BigEndian.AppendUint64(ad, i)
	if final {
		return append(ad, 1)
	}
	return append(ad, 0)
}

// prefix is magic || headerLen || header: the associated data of the key wrap.
func prefix(header []byte) []byte {
	p := make([]byte, 0, len(Magic)+4+len(header))
	p = append(p, Magic...)
	p = binary.BigEndian.AppendUint32(p, uint32(len(header)))
	return append(p, header...)
}

func describe(h Header) string {
	return fmt.Sprintf("%d tokens, %d users, %d objects", len(h.Tokens), h.Users, h.Objects)
}
