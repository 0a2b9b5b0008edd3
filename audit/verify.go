package audit

import (
	"bytes"
	"crypto/hmac"
	"fmt"

	"github.com/gohsm/gohsm/store"
)

// Problem kinds, as Verify reports them.
const (
	KindEdited    = "edited"       // the record's MAC does not match its content
	KindMissing   = "missing"      // records deleted from the middle of the chain
	KindInserted  = "inserted"     // a record the chain does not hold (duplicate place, or past the head)
	KindReordered = "reordered"    // records in a different order than they were written
	KindTruncated = "truncated"    // records deleted from the end of the chain
	KindHead      = "head-damaged" // the chain head was edited or deleted
)

// Problem is the first thing wrong in one chain.
type Problem struct {
	Serial string `json:"token"` // the chain: token serial ("" for events of no token)
	Seq    int64  `json:"seq"`   // the bad record's place in the chain (the first missing one)
	ID     int64  `json:"id"`    // its row ID; 0 when the record is missing
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

func (p Problem) String() string {
	chain := "token " + p.Serial
	if p.Serial == "" {
		chain = "no-token chain"
	}
	if p.ID != 0 {
		return fmt.Sprintf("%s: record %d (id %d) %s: %s", chain, p.Seq, p.ID, p.Kind, p.Detail)
	}
	return fmt.Sprintf("%s: record %d %s: %s", chain, p.Seq, p.Kind, p.Detail)
}

// Report is what Verify found.
type Report struct {
	Chains   int       `json:"chains"`
	Records  int       `json:"records"`
	Problems []Problem `json:"problems"` // the first problem of each bad chain
}

// OK reports whether every chain verified.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify recomputes every chain of the log with this Logger's secret.
func (l *Logger) Verify() (Report, error) { return Verify(l.st, l.secret) }

// Verify recomputes every chain of the log under keys derived from secret
// and names the first bad record of each chain.
func Verify(st store.Auditor, secret []byte) (Report, error) {
	heads, err := st.AuditHeads()
	if err != nil {
		return Report{}, err
	}
	headOf := map[string]store.AuditHead{}
	for _, h := range heads {
		headOf[h.Serial] = h
	}
	rep := Report{Problems: []Problem{}}
	var c *chainCheck
	finish := func() error {
		if c == nil {
			return nil
		}
		h, ok := headOf[c.serial]
		delete(headOf, c.serial)
		c.checkHead(h, ok)
		if c.problem != nil {
			rep.Problems = append(rep.Problems, *c.problem)
		}
		return nil
	}
	err = st.AuditRecords(store.AuditQuery{BySeq: true}, func(r store.AuditRecord) error {
		if c == nil || r.Serial != c.serial {
			finish()
			k, err := chainKey(secret, r.Serial)
			if err != nil {
				return err
			}
			c = &chainCheck{serial: r.Serial, key: k}
			rep.Chains++
		}
		rep.Records++
		c.check(&r)
		return nil
	})
	if err != nil {
		return rep, err
	}
	finish()
	// Heads whose chain has no record left: everything was deleted.
	for _, h := range heads {
		if _, ok := headOf[h.Serial]; !ok {
			continue
		}
		k, err := chainKey(secret, h.Serial)
		if err != nil {
			return rep, err
		}
		c := &chainCheck{serial: h.Serial, key: k}
		rep.Chains++
		c.checkHead(h, true)
		if c.problem != nil {
			rep.Problems = append(rep.Problems, *c.problem)
		}
	}
	return rep, nil
}

// chainCheck walks one chain in Seq order, keeping the first problem.
type chainCheck struct {
	serial  string
	key     []byte
	next    int64 // the Seq expected next, from 1
	prevMAC []byte
	lastID  int64
	problem *Problem
}

func (c *chainCheck) fail(seq, id int64, kind, format string, args ...any) {
	if c.problem == nil {
		c.problem = &Problem{Serial: c.serial, Seq: seq, ID: id, Kind: kind, Detail: fmt.Sprintf(format, args...)}
	}
}

// check verifies one record against the one before it. Each record is
// checked against the MAC stored in its predecessor, so an edit shows at
// the edited record only.
func (c *chainCheck) check(r *store.AuditRecord) {
	if c.next == 0 {
		c.next = 1
	}
	defer func() {
		c.prevMAC, c.lastID = r.MAC, r.ID
		if r.Seq >= c.next {
			c.next = r.Seq + 1
		}
	}()
	switch {
	case r.Seq < c.next:
		c.fail(r.Seq, r.ID, KindInserted, "a second record claims place %d in the chain", r.Seq)
	case r.Seq > c.next && r.Seq == c.next+1:
		c.fail(c.next, 0, KindMissing, "record %d was deleted (the chain goes on at record %d, id %d)", c.next, r.Seq, r.ID)
	case r.Seq > c.next:
		c.fail(c.next, 0, KindMissing, "records %d to %d were deleted (the chain goes on at record %d, id %d)", c.next, r.Seq-1, r.Seq, r.ID)
	case r.ID <= c.lastID:
		c.fail(r.Seq, r.ID, KindReordered, "it was written after record %d but sits before it (row id %d < %d)", r.Seq-1, r.ID, c.lastID)
	case !hmac.Equal(recordMAC(c.key, c.prevMAC, r), r.MAC):
		c.fail(r.Seq, r.ID, KindEdited, "its MAC does not match its content and place (changed, moved, or put in place of the original)")
	}
}

// checkHead compares the chain's end with its authenticated head.
func (c *chainCheck) checkHead(h store.AuditHead, ok bool) {
	if c.next == 0 {
		c.next = 1 // no record at all
	}
	last := c.next - 1
	switch {
	case !ok:
		c.fail(last, 0, KindHead, "the chain's head record is missing, so deletions from its end cannot be ruled out")
	case !hmac.Equal(headMAC(c.key, h.Seq, h.MAC), h.HeadMAC):
		c.fail(h.Seq, 0, KindHead, "the chain's head does not match its MAC")
	case h.Seq > last && last+1 == h.Seq:
		c.fail(h.Seq, 0, KindTruncated, "record %d, the last one written, was deleted", h.Seq)
	case h.Seq > last:
		c.fail(last+1, 0, KindTruncated, "records %d to %d, the last ones written, were deleted", last+1, h.Seq)
	case h.Seq < last:
		c.fail(h.Seq+1, 0, KindInserted, "records after %d, the last one written, were added", h.Seq)
	case !bytes.Equal(h.MAC, c.prevMAC):
		c.fail(last, c.lastID, KindEdited, "the last record is not the one written")
	}
}
