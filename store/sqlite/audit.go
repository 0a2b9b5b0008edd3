package sqlite

// audit.go: the audit log's table (migration 2). Appends read the chain's
// head and insert the record and the new head in one BEGIN IMMEDIATE
// transaction, so appenders in any number of processes build one chain.

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gohsm/gohsm/store"
)

const auditCols = `id, serial, seq, time, token_id, user, role, pid, exe, op, command, object, class, label, target, result, mac`

// AppendAudit appends r to the chain of its token's serial (store.Auditor).
func (d *DB) AppendAudit(r *store.AuditRecord, seal store.AuditSealer) error {
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	given := r.Serial
	err := d.write(func(tx *sql.Tx) error {
		r.Serial = given
		if r.Serial == "" && r.TokenID != 0 {
			err := tx.QueryRow(`SELECT serial FROM tokens WHERE id = ?`, r.TokenID).Scan(&r.Serial)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var prev []byte
		var seq int64
		err := tx.QueryRow(`SELECT seq, mac FROM audit_heads WHERE serial = ?`, r.Serial).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		r.Seq = seq + 1
		mac, head, err := seal(r, prev)
		if err != nil {
			return err
		}
		r.MAC = mac
		res, err := tx.Exec(`INSERT INTO audit (serial, seq, time, token_id, user, role, pid, exe, op, command, object, class, label, target, result, mac)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Serial, r.Seq, r.Time.UnixNano(), r.TokenID, r.User, r.Role, r.PID, r.Exe, r.Op, r.Command,
			r.Object, r.Class, r.Label, r.Target, r.Result, r.MAC)
		if err != nil {
			return err
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO audit_heads (serial, seq, mac, head_mac) VALUES (?, ?, ?, ?)
			ON CONFLICT (serial) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, head_mac = excluded.head_mac`,
			r.Serial, r.Seq, r.MAC, head)
		return err
	})
	return wrapErr(err)
}

// AuditRecords streams the selected records to fn, oldest first.
func (d *DB) AuditRecords(q store.AuditQuery, fn func(store.AuditRecord) error) error {
	var where []string
	var args []any
	if q.Serial != nil {
		where, args = append(where, "serial = ?"), append(args, *q.Serial)
	}
	if q.TokenID != 0 {
		where, args = append(where, "token_id = ?"), append(args, q.TokenID)
	}
	if q.User != "" {
		where, args = append(where, "user = ?"), append(args, q.User)
	}
	if !q.Since.IsZero() {
		where, args = append(where, "time >= ?"), append(args, q.Since.UnixNano())
	}
	if q.AfterID != 0 {
		where, args = append(where, "id > ?"), append(args, q.AfterID)
	}
	query := `SELECT ` + auditCols + ` FROM audit`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	order := " ORDER BY id"
	if q.BySeq {
		order = " ORDER BY serial, seq, id"
	}
	if q.Limit > 0 {
		// The newest Limit records, handed out oldest first.
		query = `SELECT * FROM (` + query + ` ORDER BY id DESC LIMIT ?)`
		args = append(args, q.Limit)
	}
	query += order
	rows, err := d.db.Query(query, args...)
	if err != nil {
		return wrapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r store.AuditRecord
		var t int64
		if err := rows.Scan(&r.ID, &r.Serial, &r.Seq, &t, &r.TokenID, &r.User, &r.Role, &r.PID, &r.Exe, &r.Op,
			&r.Command, &r.Object, &r.Class, &r.Label, &r.Target, &r.Result, &r.MAC); err != nil {
			return wrapErr(err)
		}
		r.Time = time.Unix(0, t).UTC()
		if err := fn(r); err != nil {
			return err
		}
	}
	return wrapErr(rows.Err())
}

// AuditHeads returns every chain's head.
func (d *DB) AuditHeads() ([]store.AuditHead, error) {
	rows, err := d.db.Query(`SELECT serial, seq, mac, head_mac FROM audit_heads ORDER BY serial`)
	if err != nil {
		return nil, wrapErr(err)
	}
	defer rows.Close()
	var hs []store.AuditHead
	for rows.Next() {
		var h store.AuditHead
		if err := rows.Scan(&h.Serial, &h.Seq, &h.MAC, &h.HeadMAC); err != nil {
			return nil, wrapErr(err)
		}
		hs = append(hs, h)
	}
	return hs, wrapErr(rows.Err())
}
