package store

import "time"

// AuditRecord is one entry of the audit log (package audit fills and checks
// it). Records form one hash chain per token serial: Seq counts from 1 in
// that chain and MAC covers the previous record's MAC and this record.
// Nothing secret is ever put in a record: no PIN, password or key byte.
type AuditRecord struct {
	ID      int64     // global order of appends, assigned by AppendAudit
	Serial  string    // the chain: token serial; "" for events of no token
	Seq     int64     // position in the chain, assigned by AppendAudit
	Time    time.Time // UTC, nanoseconds
	TokenID int64     // 0 for no token
	User    string    // who acted ("" for nobody)
	Role    string    // "CO", "CU" or ""
	PID     int
	Exe     string // executable's base name
	Op      string // PKCS#11 function ("C_Login") or operation ("user create")
	Command string // the gohsm CLI command that ran it, if any
	Object  int64  // store ID of the object, 0 for none
	Class   string // the object's class name (CKO_SECRET_KEY), or ""
	Label   string // the object's label (public), or ""
	Target  string // the other party: a user name, a mechanism, a second object
	Result  string // CKR name
	MAC     []byte // assigned by AppendAudit through the AuditSealer
}

// AuditSealer computes a record's MAC from the previous record's MAC in its
// chain (nil for the first) once AppendAudit has set Serial and Seq, and the
// MAC of the chain head that the record becomes (so that a removed last
// record shows).
type AuditSealer func(r *AuditRecord, prevMAC []byte) (mac, headMAC []byte, err error)

// AuditHead is the last record of a chain as the writer left it.
type AuditHead struct {
	Serial  string
	Seq     int64
	MAC     []byte // the last record's MAC
	HeadMAC []byte
}

// AuditQuery selects audit records, oldest first; zero fields match all.
type AuditQuery struct {
	Serial  *string   // one chain
	TokenID int64     // records of one token
	User    string    // records of one user
	Since   time.Time // records at or after
	AfterID int64     // records with a greater ID (to follow new ones)
	Limit   int       // the newest Limit records (still returned oldest first)
	BySeq   bool      // order by (serial, seq) instead of ID: for verifying chains
}

// Auditor is the audit part of a Store.
type Auditor interface {
	// AppendAudit appends r to its chain in one transaction: it finds the
	// serial of r.TokenID when r.Serial is empty, reads the chain's head,
	// sets r.Seq, calls seal and inserts r and the new head; concurrent
	// appenders of any process queue on the write lock. It sets r.ID.
	AppendAudit(r *AuditRecord, seal AuditSealer) error
	// AppendAudits appends several records, in order, in one transaction
	// (group commit: one write lock and one sync for all of them).
	AppendAudits(rs []*AuditRecord, seal AuditSealer) error
	// AuditRecords calls fn with each selected record until fn returns an error.
	AuditRecords(q AuditQuery, fn func(AuditRecord) error) error
	// AuditHeads returns the head of every chain.
	AuditHeads() ([]AuditHead, error)
}
