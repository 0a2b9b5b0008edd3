package sqlite

import (
	"database/sql"
	"time"

	"github.com/gohsm/gohsm/store"
)

const defaultMaxLoginFailures = 5

const tokenCols = `id, slot_id, serial, label, created, max_login_failures`

type scanner interface{ Scan(...any) error }

func scanToken(r scanner) (store.Token, error) {
	var t store.Token
	var slot, created int64
	err := r.Scan(&t.ID, &slot, &t.Serial, &t.Label, &created, &t.MaxLoginFailures)
	t.SlotID = uint64(slot) // stored as the same 64 bits, signed
	t.Created = time.Unix(0, created).UTC()
	return t, err
}

// Tokens lists every token in (unsigned) slot ID order.
func (d *DB) Tokens() ([]store.Token, error) {
	rows, err := d.db.Query(`SELECT ` + tokenCols + ` FROM tokens ORDER BY slot_id < 0, slot_id`)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var ts []store.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, wrapErr(err)
		}
		ts = append(ts, t)
	}
	return ts, wrapErr(rows.Err())
}

// Token returns one token or ErrNotFound.
func (d *DB) Token(id int64) (store.Token, error) {
	s, err := d.stmt(`SELECT ` + tokenCols + ` FROM tokens WHERE id = ?`)
	if err != nil {
		return store.Token{}, err
	}
	t, err := scanToken(s.QueryRow(id))
	return t, wrapErr(err)
}

// CreateToken inserts t and its first Crypto Officer in one transaction.
// A used slot ID or serial is ErrExists. Zero Created and MaxLoginFailures
// get now and 5.
func (d *DB) CreateToken(t store.Token, co store.User) (store.Token, error) {
	if t.Created.IsZero() {
		t.Created = time.Now().UTC()
	}
	if t.MaxLoginFailures <= 0 {
		t.MaxLoginFailures = defaultMaxLoginFailures
	}
	err := d.write(func(tx *sql.Tx) error {
		r, err := tx.Exec(`INSERT INTO tokens (slot_id, serial, label, created, max_login_failures) VALUES (?, ?, ?, ?, ?)`,
			int64(t.SlotID), t.Serial, t.Label, t.Created.UnixNano(), t.MaxLoginFailures)
		if err != nil {
			return err
		}
		if t.ID, err = r.LastInsertId(); err != nil {
			return err
		}
		co.TokenID, co.Role, co.Default = t.ID, store.RoleCO, false
		return insertUser(tx, &co)
	})
	if err != nil {
		return store.Token{}, wrapErr(err)
	}
	return t, nil
}

// ReinitToken wipes the token's objects and every user but co, sets the
// label and co's PIN secret, and clears co's failure count (the caller has
// just proved co's PIN; a lock stays until SetLocked clears it).
func (d *DB) ReinitToken(tokenID int64, label string, co store.User) error {
	return wrapErr(d.write(func(tx *sql.Tx) error {
		if err := mustAffect(tx.Exec(`UPDATE tokens SET label = ? WHERE id = ?`, label, tokenID)); err != nil {
			return err
		}
		s := co.Secret
		if err := mustAffect(tx.Exec(`UPDATE users SET kdf_time = ?, kdf_memory_kib = ?, kdf_threads = ?, salt = ?, verifier = ?, wrapped_master_key = ?, failed_logins = 0
			WHERE id = ? AND token_id = ?`,
			s.KDF.Time, s.KDF.MemoryKiB, s.KDF.Threads, nonNil(s.Salt), nonNil(s.Verifier), nonNil(s.WrappedMasterKey), co.ID, tokenID)); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM objects WHERE token_id = ?`, tokenID); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM users WHERE token_id = ? AND id <> ?`, tokenID, co.ID)
		return err
	}))
}

// DeleteToken removes the token with its users, objects and shares.
func (d *DB) DeleteToken(tokenID int64) error {
	return d.exec(`DELETE FROM tokens WHERE id = ?`, tokenID)
}

// nonNil makes a nil slice an empty blob: the driver binds nil as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
