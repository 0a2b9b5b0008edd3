package backup

import (
	"path/filepath"
)

// RestoreOptions say what to restore where, and who asks.
type RestoreOptions struct {
	File       string // the backup
	Dir        string // the target store directory
	SecretFile string // a copy of the source's hsm.secret, when Dir has none
	Force      bool   // replace a store that holds tokens
	Officer    string // a Crypto Officer of the backup's tokens
	Password   []byte
	Progress   Progress
	// Authorize, when set, is called after every check passed and before
	// anything changes (the CLI checks a quorum token there); an error stops
	// the restore.
	Authorize func(o *Opened, targetHasTokens bool) error
}

// Restore restores a backup: it finds the installation secret, checks the
// whole file, the officer, the target and Authorize, and only then installs
// the secret (a fresh directory given --secret-file) and replaces the store.
func Restore(o RestoreOptions) (Header, error) {
	secret, install, err := SecretFor(o.Dir, o.SecretFile)
	if err != nil {
		return Header{}, err
	}
	op, err := Open(o.File, secret, o.Dir, o.Progress)
	if err != nil {
		return Header{}, err
	}
	defer op.Close()
	if err := op.CheckOfficer(o.Officer, o.Password); err != nil {
		return op.Header, err
	}
	has, err := TargetHasTokens(o.Dir)
	if err != nil {
		return op.Header, err
	}
	if has && !o.Force {
		return op.Header, ErrTargetNotEmpty
	}
	if o.Authorize != nil {
		if err := o.Authorize(op, has); err != nil {
			return op.Header, err
		}
	}
	if install {
		if err := InstallSecret(filepath.Clean(o.Dir), secret); err != nil {
			return op.Header, err
		}
	}
	return op.Header, op.RestoreInto(o.Dir, o.Force)
}
