package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mattn/go-sqlite3"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// ErrNoSealer is returned when secret attributes are written without a sealer.
var ErrNoSealer = errors.New("sqlite store: secret attributes need a sealer (login)")

const (
	insertObjectSQL = `INSERT INTO objects (id, token_id, owner, version, class, key_type, ckaid, label, private, public, secret)
		VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`
	selectObjectSQL = `SELECT owner, version, class, key_type, ckaid, label, private, public, secret
		FROM objects WHERE id = ? AND token_id = ?`
	objectVersionSQL = `SELECT version FROM objects WHERE id = ? AND token_id = ?`
	updateObjectSQL  = `UPDATE objects SET owner = ?, version = version + 1, class = ?, key_type = ?, ckaid = ?, label = ?,
		private = ?, public = ? WHERE id = ? AND token_id = ? RETURNING version`
	updateObjectSecretSQL = `UPDATE objects SET owner = ?, version = version + 1, class = ?, key_type = ?, ckaid = ?, label = ?,
		private = ?, public = ?, secret = ? WHERE id = ? AND token_id = ? RETURNING version`
	destroyObjectSQL = `DELETE FROM objects WHERE id = ? AND token_id = ?`
	countObjectsSQL  = `SELECT count(*) FROM objects WHERE token_id = ?`
)

// maxIDTries bounds the redraws of a random object ID; a collision among 2^63
// values is already unlikely, so ten in a row means something else is wrong.
const maxIDTries = 10

// newObjectID draws a random positive ID: IDs are never handed out in a
// pattern and a destroyed object's ID is not predictably reused.
func newObjectID() int64 { return rand.Int64N(math.MaxInt64) + 1 }

// sealAttrs seals each value under s with (id, type) as associated data and
// encodes the sealed values.
func sealAttrs(id int64, m map[ck.AttributeType][]byte, s *seal.Sealer) ([]byte, error) {
	if len(m) == 0 {
		return []byte{}, nil
	}
	if s == nil {
		return nil, ErrNoSealer
	}
	sealed := make(map[ck.AttributeType][]byte, len(m))
	for t, v := range m {
		sealed[t] = s.Seal(id, t, v)
	}
	return encodeAttrs(sealed)
}

// openAttrs reverses sealAttrs; any failure wraps seal.ErrCorrupt and names
// only the object and attribute type.
func openAttrs(id int64, b []byte, s *seal.Sealer) (map[ck.AttributeType][]byte, error) {
	sealed, err := decodeAttrs(b)
	if err != nil {
		return nil, fmt.Errorf("object %d secret attributes: %w", id, seal.ErrCorrupt)
	}
	m := make(map[ck.AttributeType][]byte, len(sealed))
	for t, v := range sealed {
		pt, err := s.Open(id, t, v)
		if err != nil {
			return nil, fmt.Errorf("object %d attribute %v: %w", id, t, seal.ErrCorrupt)
		}
		m[t] = pt
	}
	return m, nil
}

// CreateObject stores o under a fresh random ID, sets o.ID and o.Version (1).
func (d *DB) CreateObject(o *store.Object, s *seal.Sealer) error {
	return d.CreateObjects([]*store.Object{o}, s)
}

// CreateObjects stores several objects in one transaction (an import, a key
// pair); it sets their IDs and versions only when all were committed.
func (d *DB) CreateObjects(objs []*store.Object, s *seal.Sealer) error {
	return d.createObjects(objs, s, nil, nil)
}

// CreateObjectsAudited is CreateObjects that also appends the audit records
// of the creation in the same transaction, so that the objects and their
// records are durable together with one sync (instead of a second write
// transaction for the records). records is called inside the transaction
// with the objects' new IDs (again if the transaction is retried) and
// returns the records to append to their chains, sealed by seal.
func (d *DB) CreateObjectsAudited(objs []*store.Object, s *seal.Sealer,
	records func(ids []int64) []*store.AuditRecord, seal store.AuditSealer) error {
	return d.createObjects(objs, s, records, seal)
}

func (d *DB) createObjects(objs []*store.Object, s *seal.Sealer,
	records func(ids []int64) []*store.AuditRecord, auditSeal store.AuditSealer) error {
	pubs := make([][]byte, len(objs))
	for i, o := range objs {
		if len(o.Secret) > 0 && s == nil {
			return ErrNoSealer
		}
		var err error
		if pubs[i], err = encodeAttrs(o.Public); err != nil {
			return err
		}
	}
	ids := make([]int64, len(objs))
	err := d.write(func(tx *sql.Tx) error {
		ins, err := d.txStmt(tx, insertObjectSQL)
		if err != nil {
			return err
		}
		for i, o := range objs {
			if ids[i], err = insertObject(ins, o, pubs[i], s); err != nil {
				return err
			}
		}
		if records == nil {
			return nil
		}
		a, err := d.newAppender(tx)
		if err != nil {
			return err
		}
		for _, r := range records(ids) {
			if err := a.append(r, auditSeal); err != nil {
				return err
			}
		}
		return a.saveHeads()
	})
	if err != nil {
		return wrapErr(err)
	}
	for i, o := range objs {
		o.ID, o.Version = ids[i], 1
	}
	return nil
}

// insertObject inserts one object, drawing a new ID (and resealing, since
// the ID is bound into every sealed value) on the rare collision.
func insertObject(ins *sql.Stmt, o *store.Object, pub []byte, s *seal.Sealer) (int64, error) {
	for range maxIDTries {
		id := newObjectID()
		sec, err := sealAttrs(id, o.Secret, s)
		if err != nil {
			return 0, err
		}
		_, err = ins.Exec(id, o.TokenID, o.Owner, int64(o.Class), int64(o.KeyType),
			nonNil(o.CKAID), nonNil(o.Label), b2i(o.Private), pub, sec)
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey {
			continue // ID taken: a failed statement leaves the transaction usable
		}
		return id, err
	}
	return 0, errors.New("sqlite store: no free object ID")
}

// UpdateObject rewrites o's columns and bumps its version (o.Version is set
// to the new one). A nil o.Secret keeps the sealed values as stored, so that
// an object read without a sealer can have its public attributes changed
// without losing key material; a non-nil map (even empty) replaces them.
func (d *DB) UpdateObject(o *store.Object, s *seal.Sealer) error {
	if len(o.Secret) > 0 && s == nil {
		return ErrNoSealer
	}
	pub, err := encodeAttrs(o.Public)
	if err != nil {
		return err
	}
	var sec []byte
	if o.Secret != nil {
		if sec, err = sealAttrs(o.ID, o.Secret, s); err != nil {
			return err
		}
	}
	var version int64
	err = d.write(func(tx *sql.Tx) error {
		args := []any{o.Owner, int64(o.Class), int64(o.KeyType), nonNil(o.CKAID), nonNil(o.Label), b2i(o.Private), pub}
		query := updateObjectSQL
		if sec != nil {
			query = updateObjectSecretSQL
			args = append(args, sec)
		}
		args = append(args, o.ID, o.TokenID)
		st, err := d.txStmt(tx, query)
		if err != nil {
			return err
		}
		return st.QueryRow(args...).Scan(&version)
	})
	if err != nil {
		return wrapErr(err)
	}
	o.Version = version
	return nil
}

// DestroyObject deletes an object (and its shares); ErrNotFound if missing.
func (d *DB) DestroyObject(tokenID, id int64) error {
	return d.exec(destroyObjectSQL, id, tokenID)
}

// Object reads one object. With a sealer its secret attributes are unsealed
// (an error wrapping seal.ErrCorrupt if any fails); without one Secret is nil.
func (d *DB) Object(tokenID, id int64, s *seal.Sealer) (*store.Object, error) {
	st, err := d.stmt(selectObjectSQL)
	if err != nil {
		return nil, err
	}
	o := &store.Object{ID: id, TokenID: tokenID}
	var class, keyType int64
	var pub, sec []byte
	err = retry(func() error {
		return st.QueryRow(id, tokenID).Scan(&o.Owner, &o.Version, &class, &keyType, &o.CKAID, &o.Label, &o.Private, &pub, &sec)
	})
	if err != nil {
		return nil, wrapErr(err)
	}
	o.Class, o.KeyType = ck.ObjectClass(class), ck.KeyType(keyType)
	if o.Public, err = decodeAttrs(pub); err != nil {
		return nil, fmt.Errorf("object %d public attributes: %w", id, err)
	}
	if s != nil {
		if o.Secret, err = openAttrs(id, sec, s); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// ObjectVersion is a point read of the version, for cache checks.
func (d *DB) ObjectVersion(tokenID, id int64) (int64, error) {
	st, err := d.stmt(objectVersionSQL)
	if err != nil {
		return 0, err
	}
	var v int64
	err = retry(func() error { return st.QueryRow(id, tokenID).Scan(&v) })
	return v, wrapErr(err)
}

// CountObjects counts a token's objects (all owners).
func (d *DB) CountObjects(tokenID int64) (int, error) {
	st, err := d.stmt(countObjectsSQL)
	if err != nil {
		return 0, err
	}
	var n int
	err = retry(func() error { return st.QueryRow(tokenID).Scan(&n) })
	return n, wrapErr(err)
}
