package sqlite

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/store"
)

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "store")
	d, err := OpenWith(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A write makes the WAL and shared-memory files exist.
	if _, err := d.CreateToken(store.Token{SlotID: 1, Serial: "s"}, store.User{Name: "co"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		mode os.FileMode
	}{
		{dir, 0o700 | os.ModeDir},
		{filepath.Join(dir, "gohsm.db"), 0o600},
		{filepath.Join(dir, "gohsm.db-wal"), 0o600},
		{filepath.Join(dir, "gohsm.db-shm"), 0o600},
	} {
		fi, err := os.Stat(tc.path)
		if err != nil || fi.Mode() != tc.mode {
			t.Errorf("%s: mode %v (%v), want %v", tc.path, fi.Mode(), err, tc.mode)
		}
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "synchronous": "2", "secure_delete": "1"} {
		var got string
		if err := d.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q (%v), want %q", pragma, got, err, want)
		}
	}
}

func TestOpenSyncNormal(t *testing.T) {
	d, err := OpenWith(t.TempDir(), Options{Sync: SyncNormal, BusyTimeout: 1500e6})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var sync, bt int
	d.db.QueryRow("PRAGMA synchronous").Scan(&sync)
	d.db.QueryRow("PRAGMA busy_timeout").Scan(&bt)
	if sync != 1 || bt != 1500 {
		t.Fatalf("synchronous %d busy_timeout %d; want 1 (NORMAL), 1500", sync, bt)
	}
}

func TestMigrations(t *testing.T) {
	f := newFixture(t) // migrated from an empty file
	var v int
	f.d.db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion || v != len(migrations) {
		t.Fatalf("user_version %d, want %d", v, SchemaVersion)
	}
	for _, table := range []string{"meta", "tokens", "users", "objects", "shares"} {
		var n int
		if err := f.d.db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s missing", table)
		}
	}
	id := f.create(t, keyObject(f.tok.ID, 0, "k", false, []byte("v")))
	f.d.Close()

	// Re-open: nothing re-applied, data intact.
	d, err := OpenWith(f.dir, Options{})
	if err != nil {
		t.Fatalf("re-open: %v", err)
	}
	defer d.Close()
	if got, err := d.Object(f.tok.ID, id, f.sealer); err != nil || string(got.Secret[0x11]) != "v" {
		t.Fatalf("object after re-open: %v", err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	d, dir := openTemp(t)
	if _, err := d.db.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	_, err := Open(dir)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenErrors(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, []byte("x"), 0o600)
	garbage := t.TempDir()
	os.WriteFile(filepath.Join(garbage, FileName), []byte("this is not an SQLite database, just some text padding it out"), 0o600)
	for _, tc := range []struct{ name, dir string }{
		{"empty", ""},
		{"question mark", filepath.Join(t.TempDir(), "a?b")},
		{"under a file", filepath.Join(notDir, "sub")},
		{"not a database", garbage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d, err := Open(tc.dir); err == nil {
				d.Close()
				t.Fatal("Open succeeded")
			}
		})
	}
}

// TestMigrationStepsAreTransactional: a failing step leaves the version and
// the schema as they were.
func TestMigrationStepsAreTransactional(t *testing.T) {
	saved := migrations
	defer func() { migrations = saved }()
	migrations = append(append([]string{}, saved...), `CREATE TABLE extra (x); THIS IS NOT SQL;`)
	dir := t.TempDir()
	if _, err := OpenWith(dir, Options{}); err == nil {
		t.Fatal("open with a broken migration succeeded")
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v, n int
	db.QueryRow("PRAGMA user_version").Scan(&v)
	db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name IN ('extra', 'tokens')`).Scan(&n)
	if v != 0 || n != 0 {
		t.Fatalf("after a failed migration: user_version %d, %d tables; want 0, 0", v, n)
	}
}
