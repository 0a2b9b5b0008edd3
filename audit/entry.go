package audit

import (
	"encoding/hex"
	"time"

	"github.com/gohsm/gohsm/store"
)

// Entry is a record as `gohsm audit show --json` and `gohsm audit export`
// write it: one JSON object, stable field names, for syslog and SIEMs.
type Entry struct {
	ID      int64  `json:"id"`
	Time    string `json:"time"` // RFC 3339, UTC, nanoseconds
	Token   string `json:"token"`
	TokenID int64  `json:"token_id"`
	Seq     int64  `json:"seq"`
	User    string `json:"user"`
	Role    string `json:"role"`
	PID     int    `json:"pid"`
	Exe     string `json:"exe"`
	Op      string `json:"op"`
	Command string `json:"command,omitempty"`
	Object  int64  `json:"object,omitempty"`
	Class   string `json:"class,omitempty"`
	Label   string `json:"label,omitempty"`
	Target  string `json:"target,omitempty"`
	Result  string `json:"result"`
	MAC     string `json:"mac"` // hex
}

// EntryOf is r as an Entry.
func EntryOf(r store.AuditRecord) Entry {
	return Entry{
		ID: r.ID, Time: r.Time.UTC().Format(time.RFC3339Nano), Token: r.Serial, TokenID: r.TokenID, Seq: r.Seq,
		User: r.User, Role: r.Role, PID: r.PID, Exe: r.Exe, Op: r.Op, Command: r.Command,
		Object: r.Object, Class: r.Class, Label: r.Label, Target: r.Target, Result: r.Result,
		MAC: hex.EncodeToString(r.MAC),
	}
}
