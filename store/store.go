// Package store is the token store: tokens, users and objects, with every
// secret sealed before it reaches a backend (DESIGN.md rule 4). The SQLite
// backend is store/sqlite; sealing and PIN stretching are in store/seal.
package store

import (
	"errors"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store/seal"
)

// Errors a backend returns; callers map them to CKR codes.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")

	// User management (DeleteUser, CreateUserMax).
	ErrHasObjects  = errors.New("store: the user owns objects")
	ErrLastOfficer = errors.New("store: the token's last Crypto Officer")
	ErrLimit       = errors.New("store: the token holds its maximum number of users")
)

// Role is a user's role in the CloudHSM model (DESIGN.md rule 6).
type Role int

const (
	RoleCO Role = 1 // Crypto Officer: CKU_SO
	RoleCU Role = 2 // Crypto User: CKU_USER
)

// Token is one PKCS#11 token; SlotID is assigned once and never changes.
type Token struct {
	ID               int64
	SlotID           uint64
	Serial           string // 16 characters
	Label            string // up to 32 bytes
	Created          time.Time
	MaxLoginFailures int // lockout threshold, default 5
}

// User is a named Crypto Officer or Crypto User of one token. The token's
// master key is wrapped under a key stretched from the user's PIN.
type User struct {
	ID           int64
	TokenID      int64
	Name         string
	Role         Role
	Default      bool // the CU that a bare PIN logs in (made by C_InitPIN)
	Secret       seal.PINSecret
	FailedLogins int
	Locked       bool
	Created      time.Time
}

// Object is a token object. The indexed columns are public search attributes;
// Public attributes are stored in clear, Secret ones are sealed with the
// token's master key (associated data: object ID and attribute type).
type Object struct {
	ID      int64 // assigned by CreateObject, random, never reused
	TokenID int64
	Owner   int64 // owning user ID; 0 when a CO or nobody owns it
	Version int64 // bumped on every update, so caches can tell staleness

	Class   ck.ObjectClass
	KeyType ck.KeyType // CK_UNAVAILABLE_INFORMATION for non-keys
	CKAID   []byte
	Label   []byte
	Private bool

	Public map[ck.AttributeType][]byte
	Secret map[ck.AttributeType][]byte // nil when read without a sealer
}

// Query selects objects by their indexed columns; nil fields match anything.
type Query struct {
	TokenID int64
	Viewer  int64 // user ID; private objects are returned only to their owner (or, later, sharers). 0: public only.
	Class   *ck.ObjectClass
	KeyType *ck.KeyType
	CKAID   []byte
	Label   []byte
	Limit   int // 0: no limit
}

// Store is what provider needs from a backend. Every method is atomic and
// durable when it returns: a process killed right after keeps the change.
type Store interface {
	Close() error

	Tokens() ([]Token, error)
	Token(id int64) (Token, error)
	// CreateToken creates a token with its first Crypto Officer; SlotID must be unused (ErrExists).
	CreateToken(t Token, co User) (Token, error)
	// ReinitToken wipes every object and every user but co's, sets the label and co's secret.
	ReinitToken(tokenID int64, label string, co User) error
	DeleteToken(tokenID int64) error

	Users(tokenID int64) ([]User, error)
	UserByName(tokenID int64, name string) (User, error)
	DefaultUser(tokenID int64) (User, error)
	CreateUser(u User) (User, error)
	UpdateUserSecret(userID int64, s seal.PINSecret) error
	// LoginFailed counts a failed login and locks the user at max failures.
	LoginFailed(userID int64, max int) (failed int, locked bool, err error)
	LoginSucceeded(userID int64) error
	SetLocked(userID int64, locked bool) error

	// CreateUserMax is CreateUser refused with ErrLimit when the token
	// already has max users; the count and the insert are one transaction.
	CreateUserMax(u User, max int) (User, error)
	// DeleteUser removes a user and every share made to it; the objects
	// shared with it get a new version, so that every process's key cache
	// notices. A user who owns objects is refused with ErrHasObjects unless
	// withObjects, which destroys them (and returns how many); the token's
	// last Crypto Officer is refused with ErrLastOfficer.
	DeleteUser(tokenID, userID int64, withObjects bool) (destroyed int, err error)
	// CountOwned counts the objects a user owns.
	CountOwned(tokenID, userID int64) (int, error)

	// Shares lists the IDs of the users an object is shared with, ascending.
	Shares(tokenID, objectID int64) ([]int64, error)
	// IsShared reports whether an object is shared with a user.
	IsShared(tokenID, objectID, userID int64) (bool, error)
	// SetShares replaces the set of users an object is shared with; AddShare
	// and RemoveShare change one user (both succeed when there is nothing to
	// do). Each bumps the object's version and returns the new one, so that
	// a share taken back is noticed by every process's key cache at the next
	// use. A missing object is ErrNotFound, and so is a missing user.
	SetShares(tokenID, objectID int64, userIDs []int64) (version int64, err error)
	AddShare(tokenID, objectID, userID int64) (version int64, err error)
	RemoveShare(tokenID, objectID, userID int64) (version int64, err error)

	CreateObject(o *Object, s *seal.Sealer) error
	UpdateObject(o *Object, s *seal.Sealer) error
	DestroyObject(tokenID, id int64) error
	Object(tokenID, id int64, s *seal.Sealer) (*Object, error)
	ObjectVersion(tokenID, id int64) (int64, error)
	FindObjects(q Query) ([]int64, error)
	CountObjects(tokenID int64) (int, error)

	Auditor // the tamper-evident audit log (audit.go)
	Quorum  // M-of-N approval: policies, approver keys, tokens (quorum.go)
}
