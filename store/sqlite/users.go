package sqlite

import (
	"database/sql"
	"time"

	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

const userCols = `id, token_id, name, role, is_default, kdf_time, kdf_memory_kib, kdf_threads,
	salt, verifier, wrapped_master_key, failed_logins, locked, created`

func scanUser(r scanner) (store.User, error) {
	var u store.User
	var created int64
	err := r.Scan(&u.ID, &u.TokenID, &u.Name, &u.Role, &u.Default,
		&u.Secret.KDF.Time, &u.Secret.KDF.MemoryKiB, &u.Secret.KDF.Threads,
		&u.Secret.Salt, &u.Secret.Verifier, &u.Secret.WrappedMasterKey,
		&u.FailedLogins, &u.Locked, &created)
	u.Created = time.Unix(0, created).UTC()
	return u, err
}

func (d *DB) queryUser(query string, args ...any) (store.User, error) {
	s, err := d.stmt(query)
	if err != nil {
		return store.User{}, err
	}
	u, err := scanUser(s.QueryRow(args...))
	return u, wrapErr(err)
}

// Users lists a token's users in creation order.
func (d *DB) Users(tokenID int64) ([]store.User, error) {
	rows, err := d.db.Query(`SELECT `+userCols+` FROM users WHERE token_id = ? ORDER BY id`, tokenID)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var us []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrapErr(err)
		}
		us = append(us, u)
	}
	return us, wrapErr(rows.Err())
}

// UserByName returns the named user of a token or ErrNotFound.
func (d *DB) UserByName(tokenID int64, name string) (store.User, error) {
	return d.queryUser(`SELECT `+userCols+` FROM users WHERE token_id = ? AND name = ?`, tokenID, name)
}

// DefaultUser returns the user a bare PIN logs in, or ErrNotFound.
func (d *DB) DefaultUser(tokenID int64) (store.User, error) {
	return d.queryUser(`SELECT `+userCols+` FROM users WHERE token_id = ? AND is_default`, tokenID)
}

func (d *DB) userByID(id int64) (store.User, error) {
	return d.queryUser(`SELECT `+userCols+` FROM users WHERE id = ?`, id)
}

// CreateUser adds a user; a taken name is ErrExists, a missing token
// ErrNotFound. A new default user takes the flag from the previous one.
func (d *DB) CreateUser(u store.User) (store.User, error) {
	err := d.write(func(tx *sql.Tx) error {
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

// insertUser inserts *u and sets its ID (and Created when zero).
func insertUser(tx *sql.Tx, u *store.User) error {
	if u.Created.IsZero() {
		u.Created = time.Now().UTC()
	}
	s := u.Secret
	r, err := tx.Exec(`INSERT INTO users (token_id, name, role, is_default, kdf_time, kdf_memory_kib, kdf_threads,
		salt, verifier, wrapped_master_key, failed_logins, locked, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.TokenID, u.Name, int(u.Role), b2i(u.Default), s.KDF.Time, s.KDF.MemoryKiB, s.KDF.Threads,
		nonNil(s.Salt), nonNil(s.Verifier), nonNil(s.WrappedMasterKey), u.FailedLogins, b2i(u.Locked), u.Created.UnixNano())
	if err != nil {
		return err
	}
	u.ID, err = r.LastInsertId()
	return err
}

// UpdateUserSecret replaces a user's PIN secret (C_SetPIN, C_InitPIN).
func (d *DB) UpdateUserSecret(userID int64, s seal.PINSecret) error {
	return d.exec(`UPDATE users SET kdf_time = ?, kdf_memory_kib = ?, kdf_threads = ?, salt = ?, verifier = ?, wrapped_master_key = ? WHERE id = ?`,
		s.KDF.Time, s.KDF.MemoryKiB, s.KDF.Threads, nonNil(s.Salt), nonNil(s.Verifier), nonNil(s.WrappedMasterKey), userID)
}

// LoginFailed counts one failed login and locks the user once the count
// reaches max (max <= 0: never locks). The count lives in the store, so it
// holds across processes; the increment is one atomic UPDATE.
func (d *DB) LoginFailed(userID int64, max int) (failed int, locked bool, err error) {
	err = d.write(func(tx *sql.Tx) error {
		return tx.QueryRow(`UPDATE users SET failed_logins = failed_logins + 1,
			locked = CASE WHEN ? > 0 AND failed_logins + 1 >= ? THEN 1 ELSE locked END
			WHERE id = ? RETURNING failed_logins, locked`, max, max, userID).Scan(&failed, &locked)
	})
	return failed, locked, wrapErr(err)
}

// LoginSucceeded clears the failure count; it does not unlock.
func (d *DB) LoginSucceeded(userID int64) error {
	return d.exec(`UPDATE users SET failed_logins = 0 WHERE id = ?`, userID)
}

// SetLocked locks or unlocks a user; unlocking also clears the count.
func (d *DB) SetLocked(userID int64, locked bool) error {
	return d.exec(`UPDATE users SET locked = ?, failed_logins = CASE WHEN ? THEN failed_logins ELSE 0 END WHERE id = ?`,
		b2i(locked), b2i(locked), userID)
}
