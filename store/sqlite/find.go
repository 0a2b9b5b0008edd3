package sqlite

import (
	"strings"

	"github.com/gohsm/gohsm/store"
)

// findShape says which optional filters a query uses; each shape has one SQL
// text, prepared once and cached.
type findShape struct {
	class, keyType, ckaid, label, viewer bool
}

// findSQL builds the query for a shape. Equality on (token_id, label) or
// (token_id, ckaid) is served by an index whose entries end in the rowid, so
// the ids come back in order without a sort.
func findSQL(sh findShape) string {
	var b strings.Builder
	b.WriteString(`SELECT id FROM objects WHERE token_id = ?`)
	if sh.class {
		b.WriteString(` AND class = ?`)
	}
	if sh.keyType {
		b.WriteString(` AND key_type = ?`)
	}
	if sh.ckaid {
		b.WriteString(` AND ckaid = ?`)
	}
	if sh.label {
		b.WriteString(` AND label = ?`)
	}
	if sh.viewer {
		// A private object is visible to its owner and to the users it is shared with.
		b.WriteString(` AND (private = 0 OR owner = ? OR EXISTS (SELECT 1 FROM shares WHERE shares.object_id = objects.id AND shares.user_id = ?))`)
	} else {
		b.WriteString(` AND private = 0`)
	}
	b.WriteString(` ORDER BY id LIMIT ?`)
	return b.String()
}

// findArgs returns the shape, SQL and arguments for q.
func findArgs(q store.Query) (string, []any) {
	sh := findShape{class: q.Class != nil, keyType: q.KeyType != nil, ckaid: q.CKAID != nil, label: q.Label != nil, viewer: q.Viewer != 0}
	args := []any{q.TokenID}
	if sh.class {
		args = append(args, int64(*q.Class))
	}
	if sh.keyType {
		args = append(args, int64(*q.KeyType))
	}
	if sh.ckaid {
		args = append(args, q.CKAID) // non-nil, so bound as a blob (empty matches empty)
	}
	if sh.label {
		args = append(args, q.Label)
	}
	if sh.viewer {
		args = append(args, q.Viewer, q.Viewer)
	}
	limit := int64(-1) // SQLite: no limit
	if q.Limit > 0 {
		limit = int64(q.Limit)
	}
	return findSQL(sh), append(args, limit)
}

// FindObjects returns the IDs of the objects q selects, ascending. Public
// objects match any viewer; private ones only their owner or a sharer.
func (d *DB) FindObjects(q store.Query) ([]int64, error) {
	query, args := findArgs(q)
	st, err := d.stmt(query)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = retry(func() error {
		ids = ids[:0]
		rows, err := st.Query(args...)
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
