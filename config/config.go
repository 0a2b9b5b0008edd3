// Package config reads gohsm's one configuration file. Everything has a
// default, so that the library and `gohsm token init` work with no file.
//
// Where the file is: $GOHSM_CONF, else /etc/gohsm/gohsm.toml if it exists.
// Where the store is: $GOHSM_DIR, else store_dir from the file, else
// $XDG_DATA_HOME/gohsm (~/.local/share/gohsm).
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// DefaultPath is read when GOHSM_CONF is unset and the file exists.
const DefaultPath = "/etc/gohsm/gohsm.toml"

// Config is the whole configuration.
type Config struct {
	StoreDir         string `toml:"store_dir"`
	MaxLoginFailures int    `toml:"max_login_failures"` // lockout threshold per user
	Log              Log    `toml:"log"`
	KDF              KDF    `toml:"kdf"`
	Audit            Audit  `toml:"audit"`

	Source string `toml:"-"` // the file read, or "" for defaults only
}

// Log says where logrus writes and how much.
type Log struct {
	Level  string `toml:"level"`  // panic, fatal, error, warn, info, debug, trace
	File   string `toml:"file"`   // "" or "stderr": standard error; else a file appended to
	Format string `toml:"format"` // "text" or "json"
}

// KDF holds the Argon2id cost for new PINs (existing PINs keep theirs).
type KDF struct {
	Time      uint32 `toml:"time"`
	MemoryKiB uint32 `toml:"memory_kib"`
	Threads   uint8  `toml:"threads"`
}

// Audit tunes the audit log. Logins, user changes, key creation and
// destruction and the other management events are always recorded.
type Audit struct {
	// KeyUse also records every use of a key: each C_SignInit, C_VerifyInit,
	// C_EncryptInit, C_DecryptInit (and the recover variants), with the key and
	// the mechanism. Off by default: it costs one store transaction per
	// operation (see provider's BenchmarkSignECDSA).
	KeyUse bool `toml:"key_use"`
}

// Default returns the built-in configuration.
func Default() Config {
	return Config{
		MaxLoginFailures: 5,
		Log:              Log{Level: "warn", File: "stderr", Format: "text"},
		KDF:              KDF{Time: 2, MemoryKiB: 19 * 1024, Threads: 1},
	}
}

// Load reads the configuration from the environment and the file.
func Load() (Config, error) {
	path := os.Getenv("GOHSM_CONF")
	explicit := path != ""
	if !explicit {
		if _, err := os.Stat(DefaultPath); err == nil {
			path = DefaultPath
		}
	}
	return LoadFile(path, explicit)
}

// LoadFile reads path (none if ""); a missing file is an error only when mustExist.
func LoadFile(path string, mustExist bool) (Config, error) {
	c := Default()
	if path != "" {
		md, err := toml.DecodeFile(path, &c)
		switch {
		case errors.Is(err, os.ErrNotExist) && !mustExist:
		case err != nil:
			return c, fmt.Errorf("config %s: %w", path, err)
		default:
			if undec := md.Undecoded(); len(undec) > 0 {
				return c, fmt.Errorf("config %s: unknown key %q", path, undec[0].String())
			}
			c.Source = path
		}
	}
	if d := os.Getenv("GOHSM_DIR"); d != "" {
		c.StoreDir = d
	}
	if c.StoreDir == "" {
		c.StoreDir = defaultStoreDir()
	}
	return c, c.Validate()
}

// Validate reports the first thing wrong, in words a person can act on.
func (c Config) Validate() error {
	where := "configuration"
	if c.Source != "" {
		where = "config " + c.Source
	}
	switch {
	case !filepath.IsAbs(c.StoreDir):
		return fmt.Errorf("%s: store_dir %q must be an absolute path", where, c.StoreDir)
	case c.MaxLoginFailures < 1 || c.MaxLoginFailures > 1000:
		return fmt.Errorf("%s: max_login_failures %d must be between 1 and 1000", where, c.MaxLoginFailures)
	case c.KDF.Time < 1 || c.KDF.MemoryKiB < 8 || c.KDF.Threads < 1:
		return fmt.Errorf("%s: kdf needs time >= 1, memory_kib >= 8, threads >= 1", where)
	}
	switch strings.ToLower(c.Log.Format) {
	case "", "text", "json":
	default:
		return fmt.Errorf("%s: log.format %q must be text or json", where, c.Log.Format)
	}
	switch strings.ToLower(c.Log.Level) {
	case "", "panic", "fatal", "error", "warn", "warning", "info", "debug", "trace":
	default:
		return fmt.Errorf("%s: log.level %q is not a level (error, warn, info, debug, trace)", where, c.Log.Level)
	}
	return nil
}

func defaultStoreDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "gohsm")
	}
	if h, err := os.UserHomeDir(); err == nil && filepath.IsAbs(h) {
		return filepath.Join(h, ".local", "share", "gohsm")
	}
	return "/var/lib/gohsm"
}
