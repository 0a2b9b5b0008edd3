// Package installsecret keeps the secret of one gohsm installation: 32
// random bytes in <store dir>/hsm.secret, made once. The audit chain's keys
// are derived from it (package audit), and backups wrap their keys under it,
// so that a backup restores only where the same secret is present.
package installsecret

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FileName is the secret's file inside the store directory.
const FileName = "hsm.secret"

// Size is the secret's length in bytes.
const Size = 32

// ErrBadSecret means the file exists but does not hold a secret.
var ErrBadSecret = errors.New("installsecret: hsm.secret is damaged (not 32 bytes, or not owner-only)")

// Load returns the installation secret of the store in dir, creating it
// (mode 0600) when absent. Concurrent first openers agree: the file is
// written under a temporary name and linked into place, so a reader never
// sees a partly written secret and exactly one writer wins.
func Load(dir string) ([]byte, error) {
	path := filepath.Join(dir, FileName)
	for attempt := 0; ; attempt++ {
		b, err := read(path)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return b, err
		}
		if err := create(dir, path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("installsecret: %w", err)
		}
		if attempt == 3 {
			return nil, fmt.Errorf("installsecret: %s vanished while being created", path)
		}
	}
}

func read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		// A secret others could read is no secret: refuse rather than use it.
		return nil, fmt.Errorf("%w: %s has mode %v", ErrBadSecret, path, st.Mode().Perm())
	}
	b := make([]byte, Size+1)
	n, err := io.ReadFull(f, b)
	if n != Size || (err != nil && !errors.Is(err, io.ErrUnexpectedEOF)) {
		return nil, fmt.Errorf("%w: %s holds %d bytes", ErrBadSecret, path, n)
	}
	return b[:Size], nil
}

// create writes a fresh secret to a private temporary file and links it to
// path; link fails with EEXIST when another process was first (O_EXCL's
// guarantee, without a window where the name holds an empty file).
func create(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	secret := make([]byte, Size)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.%d.%d", FileName, os.Getpid(), time.Now().UnixNano()))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	_, err = f.Write(secret)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the new name durable with the data
		d.Close()
	}
	return nil
}
