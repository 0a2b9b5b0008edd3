package backup

import (
	"bufio"
	"bytes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/installsecret"
	"github.com/gohsm/gohsm/store/sqlite"
)

// readPrefix reads magic, header length and header.
func readPrefix(r io.Reader) (Header, []byte, error) {
	var fixed [len(Magic) + 4]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil || string(fixed[:len(Magic)]) != Magic {
		return Header{}, nil, ErrNotBackup
	}
	n := binary.BigEndian.Uint32(fixed[len(Magic):])
	if n == 0 || n > maxHeaderLen {
		return Header{}, nil, ErrTampered
	}
	hj := make([]byte, n)
	if _, err := io.ReadFull(r, hj); err != nil {
		return Header{}, nil, ErrTampered
	}
	var h Header
	if err := json.Unmarshal(hj, &h); err != nil {
		return Header{}, nil, ErrTampered
	}
	if h.Format > Format {
		return h, nil, fmt.Errorf("%w (format %d, known %d)", ErrNewerFormat, h.Format, Format)
	}
	if h.Format != Format || h.ChunkSize <= 0 || h.ChunkSize > 64*chunkSize || h.BodySize < 0 {
		return h, nil, ErrTampered
	}
	return h, hj, nil
}

// ReadHeader reads a backup's header without checking it (for listings:
// only Open authenticates it).
func ReadHeader(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, err
	}
	defer f.Close()
	h, _, err := readPrefix(bufio.NewReader(f))
	return h, err
}

// Opened is a backup whose every byte was authenticated and whose store was
// decrypted into a private temporary directory; Close removes it.
type Opened struct {
	Header Header
	SHA256 string // of the whole file, hex: what a quorum token for the restore names
	dir    string
}

// Open authenticates the whole backup at path with the installation secret
// and decrypts its store into a temporary directory inside workDir (made
// 0700 if needed). A damaged or modified file is ErrTampered, a file of
// another installation ErrOtherInstallation; then nothing is left behind.
func Open(path string, secret []byte, workDir string, progress Progress) (*Opened, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	digest := sha256.New()
	r := bufio.NewReaderSize(io.TeeReader(f, digest), 1<<16)
	h, hj, err := readPrefix(r)
	if err != nil {
		return nil, err
	}
	pre := prefix(hj)
	wrapped := make([]byte, wrappedLen)
	if _, err := io.ReadFull(r, wrapped); err != nil {
		return nil, ErrTampered
	}
	k, err := kek(secret)
	if err != nil {
		return nil, err
	}
	wrap, err := gcm(k)
	clear(k)
	if err != nil {
		return nil, err
	}
	key, err := wrap.Open(nil, wrapped[:nonceLen], wrapped[nonceLen:], pre)
	if err != nil {
		if h.Installation != InstallationID(secret) {
			return nil, fmt.Errorf("%w: backup of installation %s, this one is %s", ErrOtherInstallation, h.Installation, InstallationID(secret))
		}
		return nil, ErrTampered
	}
	defer clear(key)
	aead, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(workDir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(workDir, ".restore-")
	if err != nil {
		return nil, err
	}
	o := &Opened{Header: h, dir: tmp}
	if err := decryptBody(r, aead, sha256.Sum256(pre), h, filepath.Join(tmp, sqlite.FileName), progress); err != nil {
		o.Close()
		return nil, err
	}
	o.SHA256 = hex.EncodeToString(digest.Sum(nil))
	return o, nil
}

// decryptBody checks and decrypts every chunk to path; any fault is ErrTampered.
func decryptBody(r io.Reader, aead cipher.AEAD, hh [32]byte, h Header, path string, progress Progress) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	bw := bufio.NewWriterSize(out, 1<<16)
	var done int64
	max := uint32(h.ChunkSize + aead.Overhead())
	for i := uint64(0); ; i++ {
		var l uint32
		if err := binary.Read(r, binary.BigEndian, &l); err != nil || l < uint32(aead.Overhead()) || l > max {
			return ErrTampered
		}
		ct := make([]byte, l)
		if _, err := io.ReadFull(r, ct); err != nil {
			return ErrTampered
		}
		// The chunk that reaches the header's body size must be the final
		// one; its flag is authenticated, so a cut or extended file fails.
		final := done+int64(int(l)-aead.Overhead()) >= h.BodySize
		pt, err := aead.Open(ct[:0], chunkNonce(i), ct, chunkAD(hh[:], i, final))
		if err != nil {
			return ErrTampered
		}
		done += int64(len(pt))
		if _, err := bw.Write(pt); err != nil {
			return err
		}
		clear(pt)
		if progress != nil {
			progress(done, h.BodySize)
		}
		if final {
			break
		}
	}
	if done != h.BodySize {
		return ErrTampered
	}
	if _, err := r.Read(make([]byte, 1)); err != io.EOF {
		return ErrTampered // bytes after the final chunk
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return out.Sync()
}

// Close removes the decrypted copy.
func (o *Opened) Close() error { return os.RemoveAll(o.dir) }

// CheckOfficer succeeds when name and password are those of a Crypto
// Officer of one of the backup's tokens (checked against the backup's own
// user records: the restorer proves to be an officer of what it restores).
func (o *Opened) CheckOfficer(name string, password []byte) error {
	d, err := sqlite.OpenWith(o.dir, sqlite.Options{MaxConns: 1})
	if err != nil {
		return err
	}
	defer d.Close()
	toks, err := d.Tokens()
	if err != nil {
		return err
	}
	for _, t := range toks {
		u, err := d.UserByName(t.ID, name)
		if err != nil || u.Role != store.RoleCO {
			continue
		}
		if mk, err := u.Secret.Unwrap(password); err == nil {
			clear(mk)
			return nil
		}
	}
	return ErrNotOfficer
}

// TargetHasTokens reports whether the store in dir holds any token (a
// missing store holds none; it is not created).
func TargetHasTokens(dir string) (bool, error) {
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	d, err := sqlite.OpenWith(dir, sqlite.Options{MaxConns: 1})
	if err != nil {
		return false, err
	}
	defer d.Close()
	toks, err := d.Tokens()
	return len(toks) > 0, err
}

// RestoreInto replaces the store in dir with the backup's, in one write
// transaction (processes using the store see the old one or the new one).
// A store holding tokens is refused unless force.
func (o *Opened) RestoreInto(dir string, force bool) error {
	has, err := TargetHasTokens(dir)
	if err != nil {
		return err
	}
	if has && !force {
		return ErrTargetNotEmpty
	}
	d, err := sqlite.OpenWith(dir, sqlite.Options{})
	if err != nil {
		return err
	}
	defer d.Close()
	return d.RestoreFrom(filepath.Join(o.dir, sqlite.FileName))
}

// SecretFor returns the installation secret a restore into dir uses: the
// one in dir, or the one in secretFile (a copy of the source installation's
// hsm.secret) when dir has none; with both they must be equal. install
// reports that dir has none yet: Install writes it after the checks pass.
func SecretFor(dir, secretFile string) (secret []byte, install bool, err error) {
	var given []byte
	if secretFile != "" {
		if given, err = readSecretFile(secretFile); err != nil {
			return nil, false, err
		}
	}
	_, err = os.Stat(filepath.Join(dir, installsecret.FileName))
	switch {
	case errors.Is(err, os.ErrNotExist) && given == nil:
		return nil, false, ErrNoSecret
	case errors.Is(err, os.ErrNotExist):
		return given, true, nil
	case err != nil:
		return nil, false, err
	}
	own, err := installsecret.Load(dir)
	if err != nil {
		return nil, false, err
	}
	if given != nil && !bytes.Equal(own, given) {
		return nil, false, ErrSecretMismatch
	}
	return own, false, nil
}
