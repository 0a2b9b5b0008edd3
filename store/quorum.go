package store

import "time"

// QuorumPolicy turns on M-of-N approval for one service of a token: token
// wide (Object 0: "user", "backup") or on one key ("key-management",
// "key-usage").
type QuorumPolicy struct {
	TokenID int64
	Service string
	Object  int64 // store ID of the key, 0 for a token-wide service
	M       int   // approvals needed, 2..8
}

// QuorumKey is the public key a user approves quorum tokens with: a DER
// SubjectPublicKeyInfo (RSA or Ed25519).
type QuorumKey struct {
	UserID     int64
	PublicKey  []byte
	Registered time.Time
}

// QuorumToken is one request for approval of one operation. Op is its
// canonical description, Nonce random; approvers sign the token's canonical
// bytes (provider builds them from these fields).
type QuorumToken struct {
	ID        string // 16 hex digits
	TokenID   int64
	Service   string
	Object    int64
	Op        string
	Nonce     []byte // 32 random bytes
	Requester int64  // user ID
	Created   time.Time
	Expires   time.Time
	Consumed  time.Time // zero while unused
}

// QuorumApproval is one approver's signature attached to a token.
type QuorumApproval struct {
	TokenID   string
	UserID    int64
	Signature []byte
	Time      time.Time
}

// Quorum is the quorum part of a Store.
type Quorum interface {
	// SetQuorumPolicy sets (m >= 2) or removes (m == 0) a policy. A per-key
	// policy bumps the object's version in the same transaction, so that
	// every process's key cache sees the change at the next use; a missing
	// object is ErrNotFound.
	SetQuorumPolicy(p QuorumPolicy) error
	// QuorumPolicy returns a policy; none is ErrNotFound.
	QuorumPolicy(tokenID int64, service string, object int64) (QuorumPolicy, error)
	QuorumPolicies(tokenID int64) ([]QuorumPolicy, error)

	// SetQuorumKey registers (replaces) a user's approval key.
	SetQuorumKey(k QuorumKey) error
	// QuorumKey returns a user's key; none is ErrNotFound.
	QuorumKey(userID int64) (QuorumKey, error)

	CreateQuorumToken(t QuorumToken) error
	// QuorumToken returns a token and its approvals; none is ErrNotFound.
	QuorumToken(id string) (QuorumToken, []QuorumApproval, error)
	// AddQuorumApproval attaches an approval; the same user twice is ErrExists.
	AddQuorumApproval(a QuorumApproval) error
	// ConsumeQuorumToken marks an unused token used at now; a token already
	// used (by any process) is ErrExists, a missing one ErrNotFound.
	ConsumeQuorumToken(id string, now time.Time) error
	// PurgeQuorumTokens deletes tokens that expired before t.
	PurgeQuorumTokens(before time.Time) (int, error)
}
