// Package provider holds the PKCS#11 semantics of gohsm: slots, tokens,
// sessions, login, objects, the attribute policy and operation state. It is
// called by cexport (the C ABI) and by cmd/gohsm, and reaches the
// cryptography through mechanisms and the token store through store.
//
// Every method returns a ck.RV as its error (nil for CKR_OK); any other error
// is a bug that the caller reports as CKR_GENERAL_ERROR.
package provider

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/gohsm/gohsm/audit"
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/config"
	"github.com/gohsm/gohsm/mechanisms"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
	"github.com/gohsm/gohsm/store/sqlite"
)

// Version is gohsm's library version, reported by C_GetInfo and `gohsm --version`.
var Version = ck.Version{Major: 0, Minor: 1}

// CryptokiVersion is the PKCS#11 version gohsm implements.
var CryptokiVersion = ck.Version{Major: 3, Minor: 0}

const manufacturer = "gohsm"

// Options are what the caller of New can set beyond the configuration file.
type Options struct {
	// Reserved is C_Initialize's pReserved string, "gohsm:dir=/path[;conf=/file]",
	// used to hand a forked child's helper the parent's store (issue 5).
	Reserved string
	// Config, when non-nil, is used instead of loading the configuration.
	Config *config.Config
}

// Module is one initialised library instance: C_Initialize makes it and
// C_Finalize closes it.
type Module struct {
	cfg   config.Config
	store store.Store
	log   *logrus.Logger
	kdf   seal.KDFParams

	mu     sync.RWMutex          // guards tokens and sessions maps
	tokens map[int64]*tokenState // per-process state of each token, by token ID

	sessions    sync.Map // ck.SessionHandle -> *Session
	nextSession atomic.Uint64
	sessCache   sessionCache // lock-free front of sessions for Module.session (hotpath_session.go)

	handles handleTable
	audit   *audit.Logger // the tamper-evident audit log (audit.go)
	quorum  quorumState   // M-of-N approval (quorum.go)

	events slotEvents
	closed atomic.Bool
}

// selfTest runs the mechanisms' known-answer tests (once per process); a
// variable so that a test can make it fail.
var selfTest = mechanisms.RunSelfTests

// New runs the mechanism self-tests, opens the store named by the
// configuration and returns a Module.
func New(opts Options) (*Module, error) {
	var cfg config.Config
	var err error
	switch {
	case opts.Config != nil:
		cfg = *opts.Config
		err = cfg.Validate()
	default:
		cfg, err = loadWithReserved(opts.Reserved)
	}
	log := newLogger(cfg.Log)
	if err != nil {
		log.WithError(err).Error("gohsm: bad configuration")
		closeLog(log)
		return nil, err
	}
	if err := selfTest(); err != nil {
		// A failed known-answer test means a broken primitive: the module
		// refuses to start, as a FIPS 140 module enters its error state.
		// CKR_GENERAL_ERROR is the code such tokens give for it (the failure
		// is not the caller's and retrying cannot help).
		family := ""
		var se *mechanisms.SelfTestError
		if errors.As(err, &se) {
			family = se.Family
		}
		log.WithError(err).WithField("family", family).Error("gohsm: mechanism self-test failed")
		closeLog(log)
		return nil, fmt.Errorf("%w: %w", ck.CKR_GENERAL_ERROR, err)
	}
	st, err := sqlite.Open(cfg.StoreDir)
	if err != nil {
		log.WithError(err).WithField("store_dir", cfg.StoreDir).Error("gohsm: cannot open the token store")
		closeLog(log)
		return nil, err
	}
	m := &Module{
		cfg:    cfg,
		store:  st,
		log:    log,
		kdf:    seal.KDFParams{Time: cfg.KDF.Time, MemoryKiB: cfg.KDF.MemoryKiB, Threads: cfg.KDF.Threads},
		tokens: map[int64]*tokenState{},
	}
	if err := m.openAudit(); err != nil {
		st.Close()
		return nil, err
	}
	m.handles.init()
	m.events.init()
	if v, err := m.slots(); err == nil {
		m.events.snapshot(v)
	}
	log.WithFields(logrus.Fields{"store_dir": cfg.StoreDir, "config": cfg.Source}).Debug("gohsm: initialised")
	return m, nil
}

// loadWithReserved applies "gohsm:dir=...;conf=..." from pReserved over the environment.
func loadWithReserved(reserved string) (config.Config, error) {
	if reserved == "" {
		return config.Load()
	}
	rest, ok := strings.CutPrefix(reserved, "gohsm:")
	if !ok {
		return config.Config{}, fmt.Errorf("pReserved %q is not a gohsm option string", reserved)
	}
	var dir, conf string
	for _, kv := range strings.Split(rest, ";") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "dir":
			dir = v
		case "conf":
			conf = v
		case "":
		default:
			return config.Config{}, fmt.Errorf("pReserved: unknown option %q", k)
		}
	}
	var cfg config.Config
	var err error
	if conf != "" {
		cfg, err = config.LoadFile(conf, true)
	} else {
		cfg, err = config.Load()
	}
	if err != nil {
		return cfg, err
	}
	if dir != "" {
		cfg.StoreDir = dir
	}
	return cfg, cfg.Validate()
}

// Close ends every session, forgets every login (wiping keys) and closes the store.
func (m *Module) Close() error {
	if !m.closed.CompareAndSwap(false, true) {
		return nil
	}
	m.sessions.Range(func(k, v any) bool {
		m.endSession(v.(*Session))
		return true
	})
	m.mu.Lock()
	for _, t := range m.tokens {
		t.logout()
	}
	m.mu.Unlock()
	m.events.close()
	m.audit.Close() // writes the key-use records still queued (audit.go)
	defer closeLog(m.log)
	return m.store.Close()
}

// Info is C_GetInfo.
func (m *Module) Info() ck.Info {
	return ck.Info{
		CryptokiVersion:    CryptokiVersion,
		ManufacturerID:     manufacturer,
		LibraryDescription: "gohsm software HSM",
		LibraryVersion:     Version,
	}
}

// Log is the module's logger, for cexport's panic reports.
func (m *Module) Log() *logrus.Logger { return m.log }
