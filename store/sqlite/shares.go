package sqlite

// shares.go: the users a key is shared with (DESIGN.md rule 6). The shares
// table is keyed by (object, user) and emptied by cascades when either goes.
// Every change bumps the object's version in the same transaction: the key
// caches of every process compare versions before each use, so a share
// taken back takes effect at the next use without a query on the hot path.

import (
	"database/sql"
	"slices"

	"github.com/gohsm/gohsm/store"
)

const (
	bumpObjectSQL = `UPDATE objects SET version = version + 1 WHERE id = ? AND token_id = ? RETURNING version`
	sharesSQL     = `SELECT user_id FROM shares WHERE object_id = ? ORDER BY user_id`
	isSharedSQL   = `SELECT EXISTS (SELECT 1 FROM shares JOIN objects ON objects.id = shares.object_id
		WHERE shares.object_id = ? AND shares.user_id = ? AND objects.token_id = ?)`
	insertShareSQL = `INSERT OR IGNORE INTO shares (object_id, user_id) VALUES (?, ?)`
	deleteShareSQL = `DELETE FROM shares WHERE object_id = ? AND user_id = ?`
)

// Shares lists the users an object is shared with; a missing object is
// store.ErrNotFound.
func (d *DB) Shares(tokenID, objectID int64) ([]int64, error) {
	if _, err := d.ObjectVersion(tokenID, objectID); err != nil {
		return nil, err
	}
	st, err := d.stmt(sharesSQL)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = retry(func() error {
		ids = ids[:0]
		rows, err := st.Query(objectID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, wrapErr(err)
}

// IsShared is one indexed point read (the shares primary key).
func (d *DB) IsShared(tokenID, objectID, userID int64) (bool, error) {
	st, err := d.stmt(isSharedSQL)
	if err != nil {
		return false, err
	}
	var ok bool
	err = retry(func() error { return st.QueryRow(objectID, userID, tokenID).Scan(&ok) })
	return ok, wrapErr(err)
}

// changeShares bumps the object's version (ErrNotFound if it is not in the
// token) and applies fn, in one transaction.
func (d *DB) changeShares(tokenID, objectID int64, fn func(tx *sql.Tx) error) (int64, error) {
	var version int64
	err := d.write(func(tx *sql.Tx) error {
		if err := tx.QueryRow(bumpObjectSQL, objectID, tokenID).Scan(&version); err != nil {
			return err
		}
		return fn(tx)
	})
	return version, wrapErr(err)
}

// SetShares replaces the object's shares with userIDs.
func (d *DB) SetShares(tokenID, objectID int64, userIDs []int64) (int64, error) {
	ids := slices.Clone(userIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return d.changeShares(tokenID, objectID, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM shares WHERE object_id = ?`, objectID); err != nil {
			return err
		}
		for _, u := range ids {
			if err := insertShare(tx, tokenID, objectID, u); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddShare shares the object with one more user.
func (d *DB) AddShare(tokenID, objectID, userID int64) (int64, error) {
	return d.changeShares(tokenID, objectID, func(tx *sql.Tx) error {
		return insertShare(tx, tokenID, objectID, userID)
	})
}

// RemoveShare takes a share back.
func (d *DB) RemoveShare(tokenID, objectID, userID int64) (int64, error) {
	return d.changeShares(tokenID, objectID, func(tx *sql.Tx) error {
		_, err := tx.Exec(deleteShareSQL, objectID, userID)
		return err
	})
}

// insertShare adds one share of an object with a user of the same token;
// a user of another token (or none) is store.ErrNotFound.
func insertShare(tx *sql.Tx, tokenID, objectID, userID int64) error {
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM users WHERE id = ? AND token_id = ?`, userID, tokenID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	_, err := tx.Exec(insertShareSQL, objectID, userID)
	return err
}
