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
	return d.AppendAudits([]*store.AuditRecord{r}, seal)
}

// AppendAudits appends rs in order in one transaction (store.Auditor).
func (d *DB) AppendAudits(rs []*store.AuditRecord, seal store.AuditSealer) error {
	return d.appendAudits(rs, seal, false)
}

// AppendAuditNoSync is AppendAudit whose commit does not wait for the disk
// (writeAudit): durable against a killed process when it returns, on disk
// with the next synced commit. For records of events that change nothing
// else in the store (C_WrapKey), whose own sync would be the call's cost.
func (d *DB) AppendAuditNoSync(r *store.AuditRecord, seal store.AuditSealer) error {
	return d.appendAudits([]*store.AuditRecord{r}, seal, true)
}

func (d *DB) appendAudits(rs []*store.AuditRecord, seal store.AuditSealer, nosync bool) error {
	given := make([]string, len(rs))
	for i, r := range rs {
		if r.Time.IsZero() {
			r.Time = time.Now().UTC()
		}
		given[i] = r.Serial
	}
	err := d.writeAudit(nosync, func(tx *sql.Tx) error {
		a, err := d.newAppender(tx)
		if err != nil {
			return err
		}
		for i, r := range rs {
			r.Serial = given[i] // a retried transaction starts over
			if err := a.append(r, seal); err != nil {
				return err
			}
		}
		return a.saveHeads()
	})
	return wrapErr(err)
}

const (
	sqlAuditSerial = `SELECT serial FROM tokens WHERE id = ?`
	sqlAuditHead   = `SELECT seq, mac FROM audit_heads WHERE serial = ?`
	sqlAuditInsert = `INSERT INTO audit (serial, seq, time, token_id, user, role, pid, exe, op, command, object, class, label, target, result, mac)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlAuditSetHead = `INSERT INTO audit_heads (serial, seq, mac, head_mac) VALUES (?, ?, ?, ?)
		ON CONFLICT (serial) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, head_mac = excluded.head_mac`
)

// appender appends records inside one transaction, reading each chain's
// head once and writing each head once at the end.
type appender struct {
	serial, head, insert, setHead *sql.Stmt
	serials                       map[int64]string
	heads                         map[string]*auditHead
	order                         []string // chains in the order first touched
}

type auditHead struct {
	seq       int64
	mac, hmac []byte
}

func (d *DB) newAppender(tx *sql.Tx) (*appender, error) {
	a := &appender{serials: map[int64]string{}, heads: map[string]*auditHead{}}
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{{&a.serial, sqlAuditSerial}, {&a.head, sqlAuditHead}, {&a.insert, sqlAuditInsert}, {&a.setHead, sqlAuditSetHead}} {
		s, err := d.txStmt(tx, p.sql)
		if err != nil {
			return nil, err
		}
		*p.st = s
	}
	return a, nil
}

// append seals r after its chain's head and inserts it.
func (a *appender) append(r *store.AuditRecord, seal store.AuditSealer) error {
	if r.Serial == "" && r.TokenID != 0 {
		s, ok := a.serials[r.TokenID]
		if !ok {
			err := a.serial.QueryRow(r.TokenID).Scan(&s)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			a.serials[r.TokenID] = s
		}
		r.Serial = s
	}
	h := a.heads[r.Serial]
	if h == nil {
		h = &auditHead{}
		err := a.head.QueryRow(r.Serial).Scan(&h.seq, &h.mac)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		a.heads[r.Serial] = h
		a.order = append(a.order, r.Serial)
	}
	r.Seq = h.seq + 1
	mac, hmac, err := seal(r, h.mac)
	if err != nil {
		return err
	}
	r.MAC = mac
	res, err := a.insert.Exec(r.Serial, r.Seq, r.Time.UnixNano(), r.TokenID, r.User, r.Role, r.PID, r.Exe, r.Op, r.Command,
		r.Object, r.Class, r.Label, r.Target, r.Result, r.MAC)
	if err != nil {
		return err
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	h.seq, h.mac, h.hmac = r.Seq, mac, hmac
	return nil
}

// saveHeads writes the new head of every chain appended to.
func (a *appender) saveHeads() error {
	for _, serial := range a.order {
		h := a.heads[serial]
		if _, err := a.setHead.Exec(serial, h.seq, h.mac, h.hmac); err != nil {
			return err
		}
	}
	return nil
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
