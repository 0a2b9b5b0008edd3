package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/gohsm/gohsm/store"
)

// busyRetries bounds the extra attempts after SQLite gave up with SQLITE_BUSY
// or SQLITE_LOCKED. The busy timeout handles ordinary lock waits; this covers
// the few cases where SQLite reports BUSY without waiting (WAL recovery by
// another process, a snapshot made stale) so that they never reach a caller.
const busyRetries = 5

func isBusy(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return false
}

// retry runs fn again while it fails with BUSY. fn must be safe to repeat:
// a failed attempt has changed nothing (its transaction was rolled back).
func retry(fn func() error) error {
	var err error
	for i := 0; ; i++ {
		err = fn()
		if err == nil || !isBusy(err) || i == busyRetries {
			return err
		}
		time.Sleep(time.Duration(1+i*i) * 5 * time.Millisecond)
	}
}

// write runs fn in a BEGIN IMMEDIATE transaction (the DSN's _txlock) and
// commits it; the whole transaction is retried on BUSY. Writers of this
// process queue on d.wmu first: SQLite's busy handler polls with sleeps of up
// to 100 ms, which would make goroutines of one process wait far longer than
// the lock is held. Other processes still meet on SQLite's lock. Every write
// moves the store's generation (generation.go).
func (d *DB) write(fn func(tx *sql.Tx) error) error {
	return retry(func() error {
		d.wmu.Lock()
		defer d.wmu.Unlock()
		tx, err := d.db.Begin()
		if err != nil {
			return err
		}
		// Holding the write lock: take a ticket, finish it once the
		// transaction is over, whatever its outcome (generation.go).
		defer d.gen.done(d.gen.ticket())
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// writeAudit is write for transactions that touch only the audit tables:
// they take no ticket of the change signal, since no cache depends on them
// (key-use records would otherwise make every process revalidate its keys).
// With nosync the commit does not wait for the disk (synchronous=NORMAL on
// that connection for that transaction): it survives a killed process, as
// every commit does in WAL mode, and reaches the disk with the next synced
// commit or checkpoint; a power loss before that may lose it.
func (d *DB) writeAudit(nosync bool, fn func(tx *sql.Tx) error) error {
	return retry(func() error {
		d.wmu.Lock()
		defer d.wmu.Unlock()
		ctx := context.Background()
		conn, err := d.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if nosync && d.sync != "NORMAL" {
			if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
				return err
			}
			defer func() {
				if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = "+d.sync); err != nil {
					// Never hand a relaxed connection back to the pool.
					conn.Raw(func(any) error { return driver.ErrBadConn })
				}
			}()
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// exec runs one writing statement that must change a row, as a transaction.
func (d *DB) exec(query string, args ...any) error {
	return wrapErr(d.write(func(tx *sql.Tx) error {
		st, err := d.txStmt(tx, query)
		if err != nil {
			return err
		}
		return mustAffect(st.Exec(args...))
	}))
}

// txStmt runs a cached prepared statement inside tx.
func (d *DB) txStmt(tx *sql.Tx, query string) (*sql.Stmt, error) {
	s, err := d.stmt(query)
	if err != nil {
		return nil, err
	}
	return tx.Stmt(s), nil
}

// wrapErr maps constraint failures to the store's errors and tags the rest.
// SQLite's messages name tables and columns, never bound values.
func wrapErr(err error) error {
	if err == nil {
		return nil
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.ExtendedCode {
		case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
			return fmt.Errorf("%w: %v", store.ErrExists, err)
		case sqlite3.ErrConstraintForeignKey:
			return fmt.Errorf("%w: %v", store.ErrNotFound, err)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExists) {
		return err
	}
	return fmt.Errorf("sqlite store: %w", err)
}

// mustAffect turns "no row changed" into ErrNotFound.
func mustAffect(r sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
