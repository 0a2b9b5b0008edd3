package sqlite

// snapshot.go: whole-database copies for backups (store/backup). A
// snapshot is taken with VACUUM INTO, which reads the database in one read
// transaction, so it is consistent even while other processes write; a
// restore copies a snapshot over the live database with SQLite's online
// backup API, which replaces every page in one write transaction: other
// processes see the old database or the new one, never a mixture.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mattn/go-sqlite3"
)

// SnapshotTo writes a consistent copy of the database to path, which must
// not exist. The copy holds what the database holds: sealed secrets only.
func (d *DB) SnapshotTo(path string) error {
	if strings.ContainsAny(path, "'\x00") {
		return fmt.Errorf("sqlite store: snapshot path %q has a quote or NUL", path)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("sqlite store: snapshot %s exists", path)
	}
	err := retry(func() error {
		_, err := d.db.Exec(`VACUUM INTO '` + path + `'`)
		return err
	})
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("sqlite store: snapshot: %w", err)
	}
	return os.Chmod(path, 0o600)
}

// RestoreFrom replaces the whole database with the snapshot at path (made by
// SnapshotTo) in one write transaction. The snapshot's schema may be older
// (the next Open migrates it) but not newer than this gohsm's.
func (d *DB) RestoreFrom(path string) error {
	src, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("sqlite store: %w", err)
	}
	defer src.Close()
	v, err := userVersion(src)
	if err != nil {
		return fmt.Errorf("sqlite store: the snapshot is not a gohsm database: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w (snapshot version %d, known %d)", ErrSchemaTooNew, v, len(migrations))
	}
	ctx := context.Background()
	sc, err := src.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite store: %w", err)
	}
	defer sc.Close()
	d.wmu.Lock()
	defer d.wmu.Unlock()
	err = retry(func() error {
		dc, err := d.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer dc.Close()
		return dc.Raw(func(dst any) error {
			return sc.Raw(func(s any) error {
				bk, err := dst.(*sqlite3.SQLiteConn).Backup("main", s.(*sqlite3.SQLiteConn), "main")
				if err != nil {
					return err
				}
				done, err := bk.Step(-1)
				ferr := bk.Finish()
				if err == nil && !done {
					err = errors.New("backup step did not finish")
				}
				if err == nil {
					err = ferr
				}
				return err
			})
		})
	})
	// Whatever happened, tell every process's caches to look again: the
	// backup wrote pages outside write (generation.go).
	d.gen.signal()
	if err != nil {
		return fmt.Errorf("sqlite store: restore: %w", err)
	}
	// Statements prepared against the old schema are dropped; the next use
	// prepares them again.
	d.mu.Lock()
	for k, s := range d.stmts {
		s.Close()
		delete(d.stmts, k)
	}
	d.mu.Unlock()
	return d.migrate()
}
