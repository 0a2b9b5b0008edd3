package sqlite

// quorum.go: M-of-N approval (store.Quorum). Policies, approval keys and
// tokens live in the tables of migration 3; a per-key policy change bumps
// the key's version like a share change (shares.go), so every process's key
// cache notices it at the next use without a query on the hot path.

import (
	"database/sql"
	"errors"
	"time"

	"github.com/gohsm/gohsm/store"
)

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// SetQuorumPolicy sets or (M 0) removes a policy.
func (d *DB) SetQuorumPolicy(p store.QuorumPolicy) error {
	return wrapErr(d.write(func(tx *sql.Tx) error {
		if p.Object != 0 {
			var v int64
			if err := tx.QueryRow(bumpObjectSQL, p.Object, p.TokenID).Scan(&v); err != nil {
				return err
			}
		}
		if p.M == 0 {
			_, err := tx.Exec(`DELETE FROM quorum_policies WHERE token_id = ? AND service = ? AND object = ?`,
				p.TokenID, p.Service, p.Object)
			return err
		}
		_, err := tx.Exec(`INSERT INTO quorum_policies (token_id, service, object, m) VALUES (?, ?, ?, ?)
			ON CONFLICT (token_id, service, object) DO UPDATE SET m = excluded.m`,
			p.TokenID, p.Service, p.Object, p.M)
		return err
	}))
}

// QuorumPolicy is one indexed point read.
func (d *DB) QuorumPolicy(tokenID int64, service string, object int64) (store.QuorumPolicy, error) {
	p := store.QuorumPolicy{TokenID: tokenID, Service: service, Object: object}
	st, err := d.stmt(`SELECT m FROM quorum_policies WHERE token_id = ? AND service = ? AND object = ?`)
	if err != nil {
		return p, err
	}
	err = retry(func() error { return st.QueryRow(tokenID, service, object).Scan(&p.M) })
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.ErrNotFound
	}
	return p, wrapErr(err)
}

// QuorumPolicies lists a token's policies by service and object.
func (d *DB) QuorumPolicies(tokenID int64) ([]store.QuorumPolicy, error) {
	var out []store.QuorumPolicy
	err := retry(func() error {
		out = out[:0]
		rows, err := d.db.Query(`SELECT service, object, m FROM quorum_policies WHERE token_id = ? ORDER BY service, object`, tokenID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p := store.QuorumPolicy{TokenID: tokenID}
			if err := rows.Scan(&p.Service, &p.Object, &p.M); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, wrapErr(err)
}

// SetQuorumKey registers or replaces a user's approval key.
func (d *DB) SetQuorumKey(k store.QuorumKey) error {
	return wrapErr(d.write(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO quorum_keys (user_id, public_key, registered) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET public_key = excluded.public_key, registered = excluded.registered`,
			k.UserID, k.PublicKey, nanos(k.Registered))
		return err
	}))
}

// QuorumKey returns a user's approval key.
func (d *DB) QuorumKey(userID int64) (store.QuorumKey, error) {
	k := store.QuorumKey{UserID: userID}
	var reg int64
	err := retry(func() error {
		return d.db.QueryRow(`SELECT public_key, registered FROM quorum_keys WHERE user_id = ?`, userID).Scan(&k.PublicKey, &reg)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return k, store.ErrNotFound
	}
	k.Registered = fromNanos(reg)
	return k, wrapErr(err)
}

// CreateQuorumToken stores a new token (its ID must be unused: ErrExists).
func (d *DB) CreateQuorumToken(t store.QuorumToken) error {
	return wrapErr(d.write(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO quorum_tokens (id, token_id, service, object, op, nonce, requester, created, expires, consumed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
			t.ID, t.TokenID, t.Service, t.Object, t.Op, t.Nonce, t.Requester, nanos(t.Created), nanos(t.Expires))
		return err
	}))
}

// QuorumToken reads a token, then its approvals. (Not one transaction: the
// DSN makes every transaction BEGIN IMMEDIATE, and approvals only grow.)
func (d *DB) QuorumToken(id string) (store.QuorumToken, []store.QuorumApproval, error) {
	var t store.QuorumToken
	var as []store.QuorumApproval
	err := retry(func() error {
		var created, expires, consumed int64
		err := d.db.QueryRow(`SELECT id, token_id, service, object, op, nonce, requester, created, expires, consumed
			FROM quorum_tokens WHERE id = ?`, id).Scan(&t.ID, &t.TokenID, &t.Service, &t.Object, &t.Op, &t.Nonce,
			&t.Requester, &created, &expires, &consumed)
		if err != nil {
			return err
		}
		t.Created, t.Expires, t.Consumed = fromNanos(created), fromNanos(expires), fromNanos(consumed)
		return nil
	})
	if err != nil {
		return t, nil, wrapErr(err)
	}
	err = retry(func() error {
		as = nil
		rows, err := d.db.Query(`SELECT user_id, signature, time FROM quorum_approvals WHERE token = ? ORDER BY time, user_id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a := store.QuorumApproval{TokenID: id}
			var at int64
			if err := rows.Scan(&a.UserID, &a.Signature, &at); err != nil {
				return err
			}
			a.Time = fromNanos(at)
			as = append(as, a)
		}
		return rows.Err()
	})
	return t, as, wrapErr(err)
}

// AddQuorumApproval attaches one approval; the primary key refuses a second
// one by the same user (ErrExists), a missing token is ErrNotFound.
func (d *DB) AddQuorumApproval(a store.QuorumApproval) error {
	return wrapErr(d.write(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO quorum_approvals (token, user_id, signature, time) VALUES (?, ?, ?, ?)`,
			a.TokenID, a.UserID, a.Signature, nanos(a.Time))
		return err
	}))
}

// ConsumeQuorumToken marks the token used, once: the conditional update is
// the single point where two processes racing for one token are decided.
func (d *DB) ConsumeQuorumToken(id string, now time.Time) error {
	return wrapErr(d.write(func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE quorum_tokens SET consumed = ? WHERE id = ? AND consumed = 0`, nanos(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var exists bool
		if err := tx.QueryRow(`SELECT EXISTS (SELECT 1 FROM quorum_tokens WHERE id = ?)`, id).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return store.ErrExists
		}
		return store.ErrNotFound
	}))
}

// PurgeQuorumTokens deletes tokens expired before t, with their approvals.
func (d *DB) PurgeQuorumTokens(before time.Time) (int, error) {
	var n int64
	err := d.write(func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM quorum_tokens WHERE expires < ?`, nanos(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), wrapErr(err)
}
