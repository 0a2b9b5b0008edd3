package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/miekg/pkcs11"
)

// PINs and the token label of every benchmark token.
const (
	soPIN      = "bench-so-4711"
	userPIN    = "bench-user-0815"
	tokenLabel = "gohsm-bench"
	poolSize   = 8 // sessions opened per module: the most parallel workers
)

// Module names a PKCS#11 library to load.
type Module struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// kind tells how a module's store is pointed at a fresh directory.
func (m Module) kind() string {
	s := strings.ToLower(m.Name + " " + filepath.Base(m.Path))
	switch {
	case strings.Contains(s, "gohsm"):
		return "gohsm"
	case strings.Contains(s, "softhsm"):
		return "softhsm"
	}
	return "other"
}

// Target is one loaded module with a fresh token, a user login and a pool
// of sessions (pool[0] is the main one). The "raw" column has no Target.
type Target struct {
	Module
	Dir  string
	P    *pkcs11.Ctx
	Slot uint
	Info string // C_GetInfo: manufacturer, description, library version

	reserved []byte         // C_Initialize's pReserved (gohsm), NUL-terminated
	fl       unsafe.Pointer // the module's CK_FUNCTION_LIST (cabi.go)
	pool     []pkcs11.SessionHandle
	mu       sync.Mutex
	keys     map[string][]pkcs11.ObjectHandle
}

// prepareEnv points the module's store at dir before it is loaded: gohsm
// reads GOHSM_DIR/GOHSM_CONF and SoftHSMv2 reads SOFTHSM2_CONF at C_Initialize.
// With write unset (a child process using its parent's token) the files
// already there are used.
func prepareEnv(m Module, dir string, write bool) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	switch m.kind() {
	case "gohsm":
		// The default Argon2id cost is kept: logins cost what they cost in use.
		conf := filepath.Join(dir, "gohsm.toml")
		text := fmt.Sprintf("[log]\nlevel = \"warn\"\nfile = %q\n", filepath.Join(dir, "gohsm.log"))
		if err := writeFile(write, conf, text); err != nil {
			return err
		}
		os.Setenv("GOHSM_CONF", conf)
		os.Setenv("GOHSM_DIR", filepath.Join(dir, "store"))
	case "softhsm":
		tokens := filepath.Join(dir, "tokens")
		if err := os.MkdirAll(tokens, 0o700); err != nil {
			return err
		}
		conf := filepath.Join(dir, "softhsm2.conf")
		text := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
		if err := writeFile(write, conf, text); err != nil {
			return err
		}
		os.Setenv("SOFTHSM2_CONF", conf)
	}
	return nil
}

// Open loads m with its store in dir. With fresh, it initialises a new token
// (C_InitToken, C_InitPIN); else it uses the token already there. It leaves
// the user logged in with poolSize sessions open.
func Open(m Module, dir string, fresh bool) (*Target, error) {
	if _, err := os.Stat(m.Path); err != nil {
		return nil, err
	}
	if err := prepareEnv(m, dir, fresh); err != nil {
		return nil, err
	}
	p := pkcs11.New(m.Path)
	if p == nil {
		return nil, fmt.Errorf("%s: cannot load the library or find C_GetFunctionList", m.Path)
	}
	t := &Target{Module: m, Dir: dir, P: p, keys: map[string][]pkcs11.ObjectHandle{}}
	if m.kind() == "gohsm" {
		// A Go c-shared library reads the environment the process started
		// with, not os.Setenv's: gohsm takes its store from pReserved instead.
		t.reserved = fmt.Appendf(nil, "gohsm:dir=%s;conf=%s\x00", filepath.Join(dir, "store"), filepath.Join(dir, "gohsm.toml"))
	}
	if err := t.initialize(); err != nil {
		return nil, fmt.Errorf("C_Initialize: %w", err)
	}
	fl, err := functionList(m.Path)
	if err != nil {
		return nil, err
	}
	t.fl = fl
	if info, err := p.GetInfo(); err == nil {
		t.Info = fmt.Sprintf("%s %s %d.%d", strings.TrimSpace(info.ManufacturerID), strings.TrimSpace(info.LibraryDescription),
			info.LibraryVersion.Major, info.LibraryVersion.Minor)
	}
	if fresh {
		if err := t.initToken(); err != nil {
			return nil, err
		}
	}
	slot, err := t.slotByLabel()
	if err != nil {
		return nil, err
	}
	t.Slot = slot
	if err := t.openPool(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Target) initToken() error {
	slots, err := t.P.GetSlotList(false)
	if err != nil {
		return fmt.Errorf("C_GetSlotList: %w", err)
	}
	free, found := uint(0), false
	for _, s := range slots {
		if ti, err := t.P.GetTokenInfo(s); err == nil && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			free, found = s, true
			break
		}
	}
	if !found {
		return errors.New("no slot with an uninitialised token")
	}
	if err := t.P.InitToken(free, soPIN, tokenLabel); err != nil {
		return fmt.Errorf("C_InitToken: %w", err)
	}
	slot, err := t.slotByLabel()
	if err != nil {
		return err
	}
	s, err := t.P.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("C_OpenSession: %w", err)
	}
	defer t.P.CloseSession(s)
	if err := t.P.Login(s, pkcs11.CKU_SO, soPIN); err != nil {
		return fmt.Errorf("C_Login(SO): %w", err)
	}
	if err := t.P.InitPIN(s, userPIN); err != nil {
		return fmt.Errorf("C_InitPIN: %w", err)
	}
	if err := t.P.Logout(s); err != nil {
		return fmt.Errorf("C_Logout: %w", err)
	}
	return nil
}

func (t *Target) slotByLabel() (uint, error) {
	slots, err := t.P.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("C_GetSlotList: %w", err)
	}
	for _, s := range slots {
		ti, err := t.P.GetTokenInfo(s)
		if err == nil && ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 && strings.TrimRight(ti.Label, " ") == tokenLabel {
			return s, nil
		}
	}
	return 0, fmt.Errorf("no token labelled %q", tokenLabel)
}

// openPool opens poolSize R/W sessions and logs the user in (the login is
// the application's: every session shares it).
func (t *Target) openPool() error {
	t.pool = t.pool[:0]
	for range poolSize {
		s, err := t.P.OpenSession(t.Slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
		if err != nil {
			return fmt.Errorf("C_OpenSession: %w", err)
		}
		t.pool = append(t.pool, s)
	}
	if err := t.P.Login(t.pool[0], pkcs11.CKU_USER, userPIN); err != nil {
		return fmt.Errorf("C_Login(USER): %w", err)
	}
	return nil
}

// initialize calls C_Initialize (with gohsm's store in pReserved).
func (t *Target) initialize() error {
	if t.reserved != nil {
		return t.P.Initialize(pkcs11.InitializeWithReserved(unsafe.Pointer(&t.reserved[0])))
	}
	return t.P.Initialize()
}

// reopen re-initialises the module after a row finalized it.
func (t *Target) reopen() error {
	if err := t.initialize(); err != nil && !errors.Is(err, pkcs11.Error(pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
		return fmt.Errorf("C_Initialize: %w", err)
	}
	t.mu.Lock()
	t.keys = map[string][]pkcs11.ObjectHandle{} // handles may change across C_Initialize
	t.mu.Unlock()
	slot, err := t.slotByLabel()
	if err != nil {
		return err
	}
	t.Slot = slot
	return t.openPool()
}

// Session is the main session.
func (t *Target) Session() pkcs11.SessionHandle { return t.pool[0] }

// Close finalizes the module (the library stays loaded: a Go c-shared
// library cannot be unloaded).
func (t *Target) Close() {
	t.P.Finalize()
}

// key returns the cached handles for name, making them with mk once.
func (t *Target) key(name string, mk func() ([]pkcs11.ObjectHandle, error)) ([]pkcs11.ObjectHandle, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if h, ok := t.keys[name]; ok {
		return h, nil
	}
	h, err := mk()
	if err != nil {
		return nil, err
	}
	t.keys[name] = h
	return h, nil
}

// writeFile writes text to path when write is set.
func writeFile(write bool, path, text string) error {
	if !write {
		return nil
	}
	return os.WriteFile(path, []byte(text), 0o600)
}
