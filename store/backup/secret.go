package backup

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gohsm/gohsm/store/installsecret"
)

// readSecretFile reads a copy of an installation's hsm.secret: exactly
// installsecret.Size bytes, readable by its owner only.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret file %s has mode %v: make it 0600 (chmod 600)", path, st.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, installsecret.Size+1))
	if err != nil {
		return nil, err
	}
	if len(b) != installsecret.Size {
		return nil, fmt.Errorf("secret file %s holds %d bytes, not a copy of hsm.secret (%d bytes)", path, len(b), installsecret.Size)
	}
	return b, nil
}

// InstallSecret writes secret as dir's hsm.secret (0600) when dir has none,
// the way installsecret makes one: a private temporary file linked into
// place, so that a concurrent first opener never sees a partial secret.
func InstallSecret(dir string, secret []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".hsm.secret.*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err = f.Chmod(0o600); err == nil {
		if _, err = f.Write(secret); err == nil {
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(f.Name(), filepath.Join(dir, installsecret.FileName)); err != nil {
		return fmt.Errorf("installing hsm.secret: %w", err)
	}
	got, err := installsecret.Load(dir)
	if err != nil {
		return err
	}
	if string(got) != string(secret) {
		return ErrSecretMismatch
	}
	return nil
}
