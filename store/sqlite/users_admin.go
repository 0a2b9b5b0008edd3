package sqlite

// users_admin.go: what user management (issue 6) needs beyond logins: a
// user limit checked in the same transaction as the insert, and deletion
// with the rules that must hold across processes (last officer, owned
// objects) checked under the write lock.

import (
	"database/sql"
	"fmt"

	"github.com/gohsm/gohsm/store"
)

// CreateUserMax adds a user unless the token already has max of them
// (store.ErrLimit); otherwise it is CreateUser.
func (d *DB) CreateUserMax(u store.User, max int) (store.User, error) {
	err := d.write(func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM users WHERE token_id = ?`, u.TokenID).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return store.ErrLimit
		}
		if u.Default {
			if _, err := tx.Exec(`UPDATE users SET is_default = 0 WHERE token_id = ? AND is_default`, u.TokenID); err != nil {
				return err
			}
		}
		return insertUser(tx, &u)
	})
	if err != nil {
		return store.User{}, wrapErr(err)
	}
	return u, nil
}

// DeleteUser removes a user (see store.Store). The checks and the changes
// are one transaction, so two officers deleting each other at once cannot
// leave the token without one.
func (d *DB) DeleteUser(tokenID, userID int64, withObjects bool) (int, error) {
	destroyed := 0
	err := d.write(func(tx *sql.Tx) error {
		destroyed = 0
		var role store.Role
		err := tx.QueryRow(`SELECT role FROM users WHERE id = ? AND token_id = ?`, userID, tokenID).Scan(&role)
		if err != nil {
			return err
		}
		if role == store.RoleCO {
			var officers int
			if err := tx.QueryRow(`SELECT count(*) FROM users WHERE token_id = ? AND role = ?`, tokenID, int(store.RoleCO)).Scan(&officers); err != nil {
				return err
			}
			if officers <= 1 {
				return store.ErrLastOfficer
			}
		}
		var owned int
		if err := tx.QueryRow(`SELECT count(*) FROM objects WHERE token_id = ? AND owner = ?`, tokenID, userID).Scan(&owned); err != nil {
			return err
		}
		if owned > 0 && !withObjects {
			return fmt.Errorf("%w (%d)", store.ErrHasObjects, owned)
		}
		if owned > 0 {
			// Their shares go with them (ON DELETE CASCADE).
			if _, err := tx.Exec(`DELETE FROM objects WHERE token_id = ? AND owner = ?`, tokenID, userID); err != nil {
				return err
			}
			destroyed = owned
		}
		if _, err := tx.Exec(`UPDATE objects SET version = version + 1
			WHERE id IN (SELECT object_id FROM shares WHERE user_id = ?)`, userID); err != nil {
			return err
		}
		_, err = tx.Exec(`DELETE FROM users WHERE id = ?`, userID)
		return err
	})
	if err != nil {
		return 0, wrapErr(err)
	}
	return destroyed, nil
}

// CountOwned counts the objects a user owns (a scan of the token's objects:
// user management is rare and this keeps the object index small).
func (d *DB) CountOwned(tokenID, userID int64) (int, error) {
	var n int
	err := retry(func() error {
		return d.db.QueryRow(`SELECT count(*) FROM objects WHERE token_id = ? AND owner = ?`, tokenID, userID).Scan(&n)
	})
	return n, wrapErr(err)
}
