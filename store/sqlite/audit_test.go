package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gohsm/gohsm/store"
)

// fakeSeal makes a MAC that shows which previous MAC it was given.
func fakeSeal(r *store.AuditRecord, prev []byte) ([]byte, []byte, error) {
	mac := []byte(fmt.Sprintf("%s/%d<%s", r.Serial, r.Seq, prev))
	return mac, append([]byte("head:"), mac...), nil
}

func collect(t *testing.T, d *DB, q store.AuditQuery) []store.AuditRecord {
	t.Helper()
	var rs []store.AuditRecord
	if err := d.AuditRecords(q, func(r store.AuditRecord) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestAppendAuditAssignsSeqAndChains(t *testing.T) {
	f := newFixture(t)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	var got []store.AuditRecord
	for i, u := range []string{"alice", "bob", "alice"} {
		r := store.AuditRecord{TokenID: f.tok.ID, User: u, Op: "C_Login", Result: "CKR_OK", Time: t0.Add(time.Duration(i) * time.Second)}
		if err := f.d.AppendAudit(&r, fakeSeal); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if got[0].Serial != f.tok.Serial {
		t.Fatalf("serial not found from token ID: %q", got[0].Serial)
	}
	for i, r := range got {
		if r.Seq != int64(i+1) || r.ID == 0 {
			t.Fatalf("record %d: seq %d id %d", i, r.Seq, r.ID)
		}
	}
	if want := fmt.Sprintf("%s/2<%s/1<", f.tok.Serial, f.tok.Serial); string(got[1].MAC) != want {
		t.Fatalf("second MAC %q, want %q: the previous MAC was not handed to the sealer", got[1].MAC, want)
	}
	// A record of no token, and one naming a deleted token's serial, start their own chains.
	other := store.AuditRecord{Op: "C_InitToken", Result: "CKR_PIN_LEN_RANGE"}
	gone := store.AuditRecord{Serial: "feedfacefeedface", TokenID: 999, Op: "token delete"}
	for _, r := range []*store.AuditRecord{&other, &gone} {
		if err := f.d.AppendAudit(r, fakeSeal); err != nil {
			t.Fatal(err)
		}
		if r.Seq != 1 {
			t.Fatalf("%s: seq %d, want 1", r.Op, r.Seq)
		}
	}
	heads, err := f.d.AuditHeads()
	if err != nil || len(heads) != 3 {
		t.Fatalf("heads %+v %v", heads, err)
	}
	for _, h := range heads {
		if h.Serial == f.tok.Serial && (h.Seq != 3 || !bytes.Equal(h.MAC, got[2].MAC) || !bytes.HasPrefix(h.HeadMAC, []byte("head:"))) {
			t.Fatalf("head %+v", h)
		}
	}
	rs := collect(t, f.d, store.AuditQuery{})
	if len(rs) != 5 || rs[0].User != "alice" || !rs[0].Time.Equal(t0) || rs[0].Time.Location() != time.UTC {
		t.Fatalf("read back %+v", rs)
	}
}

func TestAuditRecordsFilters(t *testing.T) {
	f := newFixture(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		u := []string{"alice", "bob"}[i%2]
		r := store.AuditRecord{TokenID: f.tok.ID, User: u, Op: "op", Time: t0.Add(time.Duration(i) * time.Minute)}
		if i == 9 {
			r.TokenID, r.Serial = 0, ""
		}
		if err := f.d.AppendAudit(&r, fakeSeal); err != nil {
			t.Fatal(err)
		}
	}
	serial := f.tok.Serial
	cases := []struct {
		name  string
		q     store.AuditQuery
		count int
		first int64 // ID of the first record returned
	}{
		{"all", store.AuditQuery{}, 10, 1},
		{"token", store.AuditQuery{TokenID: f.tok.ID}, 9, 1},
		{"serial", store.AuditQuery{Serial: &serial}, 9, 1},
		{"user", store.AuditQuery{User: "bob"}, 5, 2},
		{"since", store.AuditQuery{Since: t0.Add(7 * time.Minute)}, 3, 8},
		{"after", store.AuditQuery{AfterID: 6}, 4, 7},
		{"limit keeps the newest, oldest first", store.AuditQuery{Limit: 3}, 3, 8},
		{"user and limit", store.AuditQuery{User: "alice", Limit: 2}, 2, 7},
		{"by seq", store.AuditQuery{BySeq: true}, 10, 10}, // the "" chain sorts first
	}
	for _, c := range cases {
		rs := collect(t, f.d, c.q)
		if len(rs) != c.count || rs[0].ID != c.first {
			t.Errorf("%s: %d records, first id %d; want %d from %d", c.name, len(rs), rs[0].ID, c.count, c.first)
		}
	}
	stop := errors.New("stop")
	n := 0
	if err := f.d.AuditRecords(store.AuditQuery{}, func(store.AuditRecord) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("fn's error not returned at once: %v after %d", err, n)
	}
}

func TestAppendAuditSealerErrorWritesNothing(t *testing.T) {
	f := newFixture(t)
	bad := errors.New("no key")
	r := store.AuditRecord{TokenID: f.tok.ID, Op: "x"}
	err := f.d.AppendAudit(&r, func(*store.AuditRecord, []byte) ([]byte, []byte, error) { return nil, nil, bad })
	if !errors.Is(err, bad) {
		t.Fatalf("err %v", err)
	}
	if rs := collect(t, f.d, store.AuditQuery{}); len(rs) != 0 {
		t.Fatalf("%d records after a failed append", len(rs))
	}
}

// Two connections pools (as two processes would have) append at once: every
// record gets its own place and each MAC covers its predecessor's.
func TestAppendAuditConcurrentPools(t *testing.T) {
	f := newFixture(t)
	d2, err := OpenWith(f.dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(d *DB) {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				r := store.AuditRecord{Serial: "S", Op: "x"}
				if err := d.AppendAudit(&r, fakeSeal); err != nil {
					t.Error(err)
				}
			}
		}([]*DB{f.d, d2}[g%2])
	}
	wg.Wait()
	rs := collect(t, f.d, store.AuditQuery{BySeq: true})
	for i, r := range rs {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d", i, r.Seq)
		}
		if i > 0 && !bytes.HasSuffix(r.MAC, rs[i-1].MAC) {
			t.Fatalf("record %d's MAC does not cover record %d's", i+1, i)
		}
	}
	if len(rs) != 90 {
		t.Fatalf("%d records, want 90", len(rs))
	}
}
