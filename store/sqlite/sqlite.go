// Package sqlite is the embedded token store: one SQLite file per store
// directory, shared by every process and goroutine that opens it.
//
// The database runs in WAL mode with a busy timeout and BEGIN IMMEDIATE for
// write transactions, so concurrent writers queue on the write lock instead of
// failing or deadlocking on a read-to-write upgrade. Secrets reach it only
// sealed (DESIGN.md rule 4); public search attributes sit in indexed columns.
package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/gohsm/gohsm/store"
)

// FileName is the database file inside the store directory.
const FileName = "gohsm.db"

// Sync chooses SQLite's synchronous setting.
//
// In WAL mode both settings survive a killed process (kill -9, a crash of the
// application): a commit is in the WAL file, in the OS page cache, before it
// returns. They differ on power loss or an OS crash: with SyncNormal the WAL is
// fsynced only at checkpoints, so the last transactions acknowledged before the
// power cut may be lost (the database stays consistent); SyncFull fsyncs the
// WAL at every commit and loses nothing that was acknowledged.
type Sync int

// The default is SyncFull. Creating one sealed object (BenchmarkCreateObject,
// 2-core VM, ext4) took 0.23-0.47 ms with FULL against 0.10-0.15 ms with
// NORMAL on a quiet machine, and 1.5-2.9 ms against 0.14-0.19 ms while other
// builds loaded the disk: the fsync is the cost, paid under the write lock.
// Objects are created far less often than keys are used, and a generated key
// that a certificate was issued for must not vanish; reads cost the same.
const (
	SyncDefault Sync = iota // SyncFull
	SyncFull
	SyncNormal
)

// Options tune a store; the zero value is the default.
type Options struct {
	Sync        Sync
	BusyTimeout time.Duration // how long a statement waits for a lock; default 10 s
	MaxConns    int           // connection pool size; default 8
}

const (
	defaultBusyTimeout = 10 * time.Second
	defaultMaxConns    = 8
)

// DB is the SQLite store. It is safe for concurrent use.
type DB struct {
	db   *sql.DB
	path string
	wmu  sync.Mutex // serialises this process's write transactions (see write)

	mu    sync.RWMutex
	stmts map[string]*sql.Stmt // prepared hot statements, keyed by their SQL

	gen  *genCounters // the cross-process change signal (generation.go)
	sync string       // the synchronous setting of every connection: FULL or NORMAL
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) the store in dir with the default options.
func Open(dir string) (store.Store, error) {
	d, err := OpenWith(dir, Options{})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// OpenWith opens (creating if needed) the store in dir: the directory is made
// 0700 and the database file 0600 (SQLite gives its -wal and -shm files the
// database file's mode), then the schema is migrated to the current version.
func OpenWith(dir string, o Options) (*DB, error) {
	if dir == "" {
		return nil, errors.New("sqlite store: empty directory")
	}
	if strings.ContainsAny(dir, "?#") {
		// The driver cuts its DSN at '?'; refuse rather than open another file.
		return nil, fmt.Errorf("sqlite store: directory name %q contains '?' or '#'", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	f.Close()
	gen, err := openGen(dir)
	if err != nil {
		return nil, err
	}

	db, err := sql.Open("sqlite3", dsn(path, o))
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	n := o.MaxConns
	if n <= 0 {
		n = defaultMaxConns
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n) // every new connection re-runs the DSN pragmas; keep them
	d := &DB{db: db, path: path, stmts: map[string]*sql.Stmt{}, gen: gen, sync: syncName(o.Sync)}
	if err := d.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// dsn builds the driver's connection string; every pooled connection applies it.
func dsn(path string, o Options) string {
	bt := o.BusyTimeout
	if bt <= 0 {
		bt = defaultBusyTimeout
	}
	sync := syncName(o.Sync)
	// secure_delete overwrites freed cells, so a superseded wrapped master
	// key (after a PIN change) does not linger in free pages of the file.
	return fmt.Sprintf("%s?_journal_mode=WAL&_synchronous=%s&_busy_timeout=%d&_txlock=immediate&_foreign_keys=on&_secure_delete=on",
		path, sync, bt.Milliseconds())
}

func syncName(s Sync) string {
	if s == SyncNormal {
		return "NORMAL"
	}
	return "FULL"
}

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// Close closes every prepared statement and connection; the last connection
// to close in any process checkpoints the WAL into the database file.
func (d *DB) Close() error {
	d.mu.Lock()
	for _, s := range d.stmts {
		s.Close()
	}
	d.stmts = map[string]*sql.Stmt{}
	d.mu.Unlock()
	return d.db.Close()
}

// stmt returns the prepared statement for query, preparing it once.
func (d *DB) stmt(query string) (*sql.Stmt, error) {
	d.mu.RLock()
	s := d.stmts[query]
	d.mu.RUnlock()
	if s != nil {
		return s, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.stmts[query]; s != nil {
		return s, nil
	}
	s, err := d.db.Prepare(query)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	d.stmts[query] = s
	return s, nil
}
