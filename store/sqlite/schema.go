package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
)

// ErrSchemaTooNew is returned by Open for a database written by a newer gohsm.
var ErrSchemaTooNew = errors.New("sqlite store: database schema is newer than this gohsm supports")

// migrations are applied in order; PRAGMA user_version counts those applied.
// Never edit a released step: append a new one.
var migrations = []string{
	// 1: tokens, users, objects with their search indexes, and the shares and
	// meta tables that sharing, quorum and audit will fill later.
	`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
CREATE TABLE tokens (
	id                 INTEGER PRIMARY KEY,
	slot_id            INTEGER NOT NULL UNIQUE,
	serial             TEXT    NOT NULL UNIQUE,
	label              TEXT    NOT NULL,
	created            INTEGER NOT NULL,
	max_login_failures INTEGER NOT NULL
);
CREATE TABLE users (
	id                 INTEGER PRIMARY KEY,
	token_id           INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
	name               TEXT    NOT NULL,
	role               INTEGER NOT NULL,
	is_default         INTEGER NOT NULL DEFAULT 0,
	kdf_time           INTEGER NOT NULL,
	kdf_memory_kib     INTEGER NOT NULL,
	kdf_threads        INTEGER NOT NULL,
	salt               BLOB    NOT NULL,
	verifier           BLOB    NOT NULL,
	wrapped_master_key BLOB    NOT NULL,
	failed_logins      INTEGER NOT NULL DEFAULT 0,
	locked             INTEGER NOT NULL DEFAULT 0,
	created            INTEGER NOT NULL,
	UNIQUE (token_id, name)
);
-- At most one default user per token.
CREATE UNIQUE INDEX users_default ON users(token_id) WHERE is_default;
CREATE TABLE objects (
	id       INTEGER PRIMARY KEY,
	token_id INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
	owner    INTEGER NOT NULL,
	version  INTEGER NOT NULL,
	class    INTEGER NOT NULL,
	key_type INTEGER NOT NULL,
	ckaid    BLOB    NOT NULL,
	label    BLOB    NOT NULL,
	private  INTEGER NOT NULL,
	public   BLOB    NOT NULL,
	secret   BLOB    NOT NULL
);
CREATE INDEX objects_label ON objects(token_id, label);
CREATE INDEX objects_ckaid ON objects(token_id, ckaid);
CREATE INDEX objects_class ON objects(token_id, class, key_type);
CREATE TABLE shares (
	object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
	user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY (object_id, user_id)
) WITHOUT ROWID;
CREATE INDEX shares_user ON shares(user_id);
`,
	// 2: the audit log (store/sqlite/audit.go). Not tied to tokens by a
	// foreign key: a deleted token's records stay. One hash chain per serial.
	`
CREATE TABLE audit (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	serial   TEXT    NOT NULL,
	seq      INTEGER NOT NULL,
	time     INTEGER NOT NULL,
	token_id INTEGER NOT NULL,
	user     TEXT    NOT NULL,
	role     TEXT    NOT NULL,
	pid      INTEGER NOT NULL,
	exe      TEXT    NOT NULL,
	op       TEXT    NOT NULL,
	command  TEXT    NOT NULL,
	object   INTEGER NOT NULL,
	class    TEXT    NOT NULL,
	label    TEXT    NOT NULL,
	target   TEXT    NOT NULL,
	result   TEXT    NOT NULL,
	mac      BLOB    NOT NULL
);
CREATE UNIQUE INDEX audit_chain ON audit(serial, seq);
CREATE INDEX audit_time ON audit(time);
CREATE INDEX audit_user ON audit(user);
CREATE TABLE audit_heads (
	serial   TEXT PRIMARY KEY,
	seq      INTEGER NOT NULL,
	mac      BLOB    NOT NULL,
	head_mac BLOB    NOT NULL
) WITHOUT ROWID;
`,
	// 3: quorum (M-of-N approval, store/sqlite/quorum.go): policies per token
	// service or per key, each user's approval key, and the tokens with
	// their approvals. Tokens are kept after use so that reuse is refused.
	`
CREATE TABLE quorum_policies (
	token_id INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
	service  TEXT    NOT NULL,
	object   INTEGER NOT NULL,
	m        INTEGER NOT NULL,
	PRIMARY KEY (token_id, service, object)
) WITHOUT ROWID;
CREATE TABLE quorum_keys (
	user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	public_key BLOB    NOT NULL,
	registered INTEGER NOT NULL
);
CREATE TABLE quorum_tokens (
	id        TEXT PRIMARY KEY,
	token_id  INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
	service   TEXT    NOT NULL,
	object    INTEGER NOT NULL,
	op        TEXT    NOT NULL,
	nonce     BLOB    NOT NULL,
	requester INTEGER NOT NULL,
	created   INTEGER NOT NULL,
	expires   INTEGER NOT NULL,
	consumed  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX quorum_tokens_expires ON quorum_tokens(expires);
CREATE TABLE quorum_approvals (
	token     TEXT    NOT NULL REFERENCES quorum_tokens(id) ON DELETE CASCADE,
	user_id   INTEGER NOT NULL,
	signature BLOB    NOT NULL,
	time      INTEGER NOT NULL,
	PRIMARY KEY (token, user_id)
) WITHOUT ROWID;
`,
}

// SchemaVersion is the schema version this code writes.
var SchemaVersion = len(migrations)

func userVersion(q interface {
	QueryRow(string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := q.QueryRow("PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate brings the schema to SchemaVersion in one transaction; concurrent
// openers queue on the write lock and the later ones find nothing to do.
func (d *DB) migrate() error {
	v, err := userVersion(d.db)
	if err != nil {
		return wrapErr(err)
	}
	if v > len(migrations) {
		return fmt.Errorf("%w (file version %d, known %d)", ErrSchemaTooNew, v, len(migrations))
	}
	if v == len(migrations) {
		return nil
	}
	err = d.write(func(tx *sql.Tx) error {
		v, err := userVersion(tx)
		if err != nil {
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("%w (file version %d, known %d)", ErrSchemaTooNew, v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.Exec(migrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		if v < len(migrations) {
			_, err = tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)))
		}
		return err
	})
	if errors.Is(err, ErrSchemaTooNew) {
		return err
	}
	return wrapErr(err)
}
