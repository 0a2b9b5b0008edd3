package audit

import (
	"bytes"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/sqlite"
)

// newLog opens a store and its Logger in a fresh directory.
func newLog(t testing.TB) (*Logger, *sqlite.DB, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.OpenWith(dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l, err := Open(st, dir)
	if err != nil {
		t.Fatal(err)
	}
	return l, st, dir
}

// fill appends n records to chain serial.
func fill(t *testing.T, l *Logger, serial string, n int) []store.AuditRecord {
	t.Helper()
	var rs []store.AuditRecord
	for i := 0; i < n; i++ {
		r, err := l.Append(Event{Serial: serial, User: "alice", Role: store.RoleCU, Op: "C_GenerateKey",
			Object: int64(1000 + i), Class: ck.CKO_SECRET_KEY.String(), Label: "k", Result: nil})
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return rs
}

// rawDB opens the store's file directly, as someone tampering with it would.
func rawDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(dir, sqlite.FileName)+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAppendChainsAndVerifies(t *testing.T) {
	l, _, _ := newLog(t)
	a := fill(t, l, "AAAA", 3)
	b := fill(t, l, "BBBB", 2)
	for i, r := range a {
		if r.Seq != int64(i+1) || r.ID == 0 || len(r.MAC) != 32 || r.Result != "CKR_OK" || r.PID == 0 || r.Exe == "" {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
	if b[0].Seq != 1 {
		t.Fatalf("second chain starts at %d", b[0].Seq)
	}
	if bytes.Equal(a[0].MAC, b[0].MAC) {
		t.Fatal("two chains with the same first MAC: keys not per serial")
	}
	rep, err := l.Verify()
	if err != nil || !rep.OK() || rep.Chains != 2 || rep.Records != 5 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

func TestResultNames(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, "CKR_OK"},
		{ck.CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
		{sql.ErrNoRows, "CKR_GENERAL_ERROR"},
		{fmt.Errorf("%w: a sentence", ck.CKR_ARGUMENTS_BAD), "CKR_ARGUMENTS_BAD"},
	} {
		if got := ResultName(c.err); got != c.want {
			t.Errorf("ResultName(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// TestTamperDetected changes the database as an attacker with the file (but
// not the installation secret) could, and checks that Verify names the
// first bad record of the chain with the right kind.
func TestTamperDetected(t *testing.T) {
	cases := []struct {
		name     string
		sql      []string
		wantSeq  int64
		wantKind string
		wantID   bool // the problem names an existing row
	}{
		{"edit user", []string{`UPDATE audit SET user = 'mallory' WHERE serial = 'T' AND seq = 3`}, 3, KindEdited, true},
		{"edit result", []string{`UPDATE audit SET result = 'CKR_OK', time = time + 1 WHERE serial = 'T' AND seq = 2`}, 2, KindEdited, true},
		{"edit mac", []string{`UPDATE audit SET mac = zeroblob(32) WHERE serial = 'T' AND seq = 4`}, 4, KindEdited, true},
		{"move to other chain", []string{`UPDATE audit SET serial = 'U' WHERE serial = 'T' AND seq = 1`}, 1, KindMissing, false},
		{"delete middle", []string{`DELETE FROM audit WHERE serial = 'T' AND seq = 3`}, 3, KindMissing, false},
		{"delete two", []string{`DELETE FROM audit WHERE serial = 'T' AND seq IN (2, 3)`}, 2, KindMissing, false},
		{"delete first", []string{`DELETE FROM audit WHERE serial = 'T' AND seq = 1`}, 1, KindMissing, false},
		{"delete last", []string{`DELETE FROM audit WHERE serial = 'T' AND seq = 5`}, 5, KindTruncated, false},
		{"delete all", []string{`DELETE FROM audit WHERE serial = 'T'`}, 1, KindTruncated, false},
		{"delete last and fix head", []string{
			`DELETE FROM audit WHERE serial = 'T' AND seq = 5`,
			`UPDATE audit_heads SET seq = 4, mac = (SELECT mac FROM audit WHERE serial = 'T' AND seq = 4) WHERE serial = 'T'`,
		}, 4, KindHead, false},
		{"delete head", []string{`DELETE FROM audit_heads WHERE serial = 'T'`}, 5, KindHead, false},
		{"reorder rows", []string{ // swap the row IDs of records 2 and 3
			`UPDATE audit SET id = -1 WHERE serial = 'T' AND seq = 2`,
			`UPDATE audit SET id = (SELECT id FROM audit WHERE serial = 'T' AND seq = 1) + 1 WHERE serial = 'T' AND seq = 3`,
			`UPDATE audit SET id = (SELECT id FROM audit WHERE serial = 'T' AND seq = 3) + 1 WHERE id = -1`,
		}, 3, KindReordered, true},
		{"swap places", []string{ // records 2 and 3 exchange their places in the chain
			`UPDATE audit SET seq = -2 WHERE serial = 'T' AND seq = 2`,
			`UPDATE audit SET seq = 2 WHERE serial = 'T' AND seq = 3`,
			`UPDATE audit SET seq = 3 WHERE serial = 'T' AND seq = -2`,
		}, 2, KindEdited, true},
		{"insert in the middle", []string{
			`UPDATE audit SET seq = -seq - 1 WHERE serial = 'T' AND seq >= 3`,
			`UPDATE audit SET seq = -seq WHERE serial = 'T' AND seq < 0`,
			`INSERT INTO audit (serial, seq, time, token_id, user, role, pid, exe, op, command, object, class, label, target, result, mac)
			 SELECT serial, 3, time, token_id, 'mallory', role, pid, exe, op, command, object, class, label, target, result, mac
			 FROM audit WHERE serial = 'T' AND seq = 2`,
		}, 3, KindEdited, true},
		{"insert duplicate place", []string{
			`DROP INDEX audit_chain`,
			`INSERT INTO audit (serial, seq, time, token_id, user, role, pid, exe, op, command, object, class, label, target, result, mac)
			 SELECT serial, seq, time, token_id, user, role, pid, exe, op, command, object, class, label, target, result, mac
			 FROM audit WHERE serial = 'T' AND seq = 2`,
		}, 2, KindInserted, true},
		{"append past head", []string{
			`INSERT INTO audit (serial, seq, time, token_id, user, role, pid, exe, op, command, object, class, label, target, result, mac)
			 SELECT serial, 6, time, token_id, user, role, pid, exe, op, command, object, class, label, target, result, mac
			 FROM audit WHERE serial = 'T' AND seq = 5`,
		}, 6, KindEdited, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, _, dir := newLog(t)
			fill(t, l, "T", 5)
			fill(t, l, "OTHER", 2) // an untouched chain stays good
			if rep, err := l.Verify(); err != nil || !rep.OK() {
				t.Fatalf("before tampering: %+v %v", rep, err)
			}
			db := rawDB(t, dir)
			for _, q := range c.sql {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			rep, err := l.Verify()
			if err != nil {
				t.Fatal(err)
			}
			var p *Problem
			for i := range rep.Problems {
				switch rep.Problems[i].Serial {
				case "T":
					p = &rep.Problems[i]
				case "OTHER":
					t.Fatalf("untouched chain reported: %v", rep.Problems[i])
				}
			}
			if p == nil {
				t.Fatalf("tampering not detected: %+v", rep)
			}
			if p.Seq != c.wantSeq || p.Kind != c.wantKind || (p.ID != 0) != c.wantID {
				t.Fatalf("got %v; want record %d %s (row named: %v)", p, c.wantSeq, c.wantKind, c.wantID)
			}
			if !strings.Contains(p.String(), "record ") {
				t.Fatalf("problem text %q names no record", p)
			}
		})
	}
}

func TestWrongSecretFailsEveryChain(t *testing.T) {
	l, st, _ := newLog(t)
	fill(t, l, "T", 2)
	rep, err := Verify(st, bytes.Repeat([]byte{7}, 32))
	if err != nil || len(rep.Problems) != 1 || rep.Problems[0].Seq != 1 || rep.Problems[0].Kind != KindEdited {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestConcurrentAppendsFormOneChain(t *testing.T) {
	l, st, dir := newLog(t)
	l2, err := Open(st, dir) // a second Logger, as a second module would have
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(lg *Logger) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if _, err := lg.Append(Event{Serial: "T", Op: "C_Login"}); err != nil {
					t.Error(err)
				}
			}
		}([]*Logger{l, l2}[g%2])
	}
	wg.Wait()
	rep, err := l.Verify()
	if err != nil || !rep.OK() || rep.Records != 80 {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestEntryJSONFields(t *testing.T) {
	l, _, _ := newLog(t)
	r := fill(t, l, "T", 1)[0]
	e := EntryOf(r)
	if e.Token != "T" || e.Seq != 1 || e.User != "alice" || e.Role != "CU" || e.Result != "CKR_OK" || len(e.MAC) != 64 || !strings.HasSuffix(e.Time, "Z") {
		t.Fatalf("%+v", e)
	}
}

// Later's background writer loses nothing: every record queued from many
// goroutines is written by Close, in one verified chain; Later after Close
// writes at once, and Flush lets a new writer start.
func TestLaterGroupCommit(t *testing.T) {
	l, st, _ := newLog(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				l.Later(Event{Serial: "T", Op: "C_SignInit", Target: "CKM_ECDSA"})
			}
		}()
	}
	wg.Wait()
	l.Flush()
	count := func() int {
		n := 0
		st.AuditRecords(store.AuditQuery{}, func(store.AuditRecord) error { n++; return nil })
		return n
	}
	if n := count(); n != 2000 {
		t.Fatalf("%d records after Flush, want 2000", n)
	}
	l.Later(Event{Serial: "T", Op: "C_SignInit"}) // a new writer
	l.Close()
	l.Close()
	l.Later(Event{Serial: "T", Op: "C_VerifyInit"}) // after Close: at once
	if n := count(); n != 2002 {
		t.Fatalf("%d records, want 2002", n)
	}
	rep, err := l.Verify()
	if err != nil || !rep.OK() || rep.Records != 2002 {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestLaterReportsWriteErrors(t *testing.T) {
	l, st, _ := newLog(t)
	got := make(chan error, 1)
	l.SetErrorHandler(func(err error) { got <- err })
	st.Close() // every write fails now
	l.Later(Event{Serial: "T", Op: "C_SignInit"})
	l.Close()
	select {
	case err := <-got:
		if !strings.Contains(err.Error(), "lost") {
			t.Fatalf("error %v does not say records were lost", err)
		}
	default:
		t.Fatal("a failed background write was not reported")
	}
}

// BenchmarkAppend is one management event: one transaction and sync each.
func BenchmarkAppend(b *testing.B) {
	l, _, _ := newLog(b)
	e := Event{Serial: "T", User: "alice", Role: store.RoleCU, Op: "C_GenerateKey", Object: 1, Class: "CKO_SECRET_KEY"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Append(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLater is one key-use event through the group-commit writer,
// including writing all of them (Flush) inside the timing.
func BenchmarkLater(b *testing.B) {
	l, _, _ := newLog(b)
	e := Event{Serial: "T", User: "alice", Role: store.RoleCU, Op: "C_SignInit", Object: 1, Class: "CKO_PRIVATE_KEY", Target: "CKM_ECDSA"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.Later(e)
	}
	l.Flush()
}
