package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/gohsm/gohsm/audit"
	"github.com/gohsm/gohsm/ck"
)

// auditStore is a store with a token "demo" and its user PIN: records 1
// (C_InitToken), 2 (C_Login by the CLI's officer) and what init-pin writes.
func auditStore(t *testing.T) string {
	t.Helper()
	newStore(t)
	t.Setenv(envCOPassword, "co-secret-1")
	gohsm(t, "token", "init", "--label", "demo").want(t, 0)
	t.Setenv(envUserPIN, "user-pin-1")
	gohsm(t, "token", "init-pin", "--label", "demo").want(t, 0)
	return os.Getenv("GOHSM_DIR")
}

func showJSON(t *testing.T, args ...string) []audit.Entry {
	t.Helper()
	r := gohsm(t, append([]string{"audit", "show", "--json"}, args...)...)
	r.want(t, 0)
	var es []audit.Entry
	if err := json.Unmarshal([]byte(r.stdout), &es); err != nil {
		t.Fatalf("audit show --json: %v\n%s", err, r.stdout)
	}
	return es
}

func TestAuditShow(t *testing.T) {
	auditStore(t)
	gohsm(t, "audit", "show").want(t, 0, "C_InitToken (gohsm token init)", "C_InitPIN (gohsm token init-pin)", "admin", "CKR_OK", "TIME (UTC)")
	all := showJSON(t, "--limit", "0")
	if len(all) < 3 || all[0].Op != "C_InitToken" || all[0].Command != "gohsm token init" || all[0].Token == "" {
		t.Fatalf("records %+v", all)
	}
	serial := all[0].Token
	cases := []struct {
		name string
		args []string
		want int // records expected; -1: all
	}{
		{"limit keeps the newest", []string{"--limit", "1"}, 1},
		{"user", []string{"--user", "admin", "--limit", "0"}, -1},
		{"unknown user", []string{"--user", "mallory"}, 0},
		{"token by label", []string{"--token", "demo", "--limit", "0"}, -1},
		{"token by serial", []string{"--token", serial, "--limit", "0"}, -1},
		{"unknown token", []string{"--token", "0000000000000000"}, 0},
		{"since an age", []string{"--since", "1h", "--limit", "0"}, -1},
		{"since a date", []string{"--since", "2000-01-01", "--limit", "0"}, -1},
		{"since the future", []string{"--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, 0},
	}
	for _, c := range cases {
		es := showJSON(t, c.args...)
		want := c.want
		if want < 0 {
			want = len(all)
		}
		if len(es) != want {
			t.Errorf("%s: %d records, want %d", c.name, len(es), want)
		}
	}
	if es := showJSON(t, "--limit", "1"); len(es) == 1 && es[0].ID != all[len(all)-1].ID {
		t.Errorf("--limit 1 gave record %d, not the newest %d", es[0].ID, all[len(all)-1].ID)
	}
	gohsm(t, "audit", "show", "--since", "yesterday").wantErr(t, 2, "--since")
	gohsm(t, "audit", "show", "--limit", "-1").wantErr(t, 2, "--limit")
	gohsm(t, "audit", "show", "extra").wantErr(t, 2, "no arguments")
}

// tamper runs SQL on the store's database with the sqlite3 CLI when present
// (as an intruder would), else through database/sql.
func tamper(t *testing.T, dir, query string) {
	t.Helper()
	db := filepath.Join(dir, "gohsm.db")
	if path, err := exec.LookPath("sqlite3"); err == nil {
		if out, err := exec.Command(path, db, query).CombinedOutput(); err != nil {
			t.Fatalf("sqlite3 %q: %v\n%s", query, err, out)
		}
		return
	}
	h, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.Exec(query); err != nil {
		t.Fatalf("%q: %v", query, err)
	}
}

func TestAuditVerifyNamesTamperedRecord(t *testing.T) {
	dir := auditStore(t)
	gohsm(t, "audit", "verify").want(t, 0, "audit log intact")
	es := showJSON(t, "--limit", "0")
	if len(es) < 3 {
		t.Fatalf("%d records", len(es))
	}

	tamper(t, dir, "UPDATE audit SET user = 'mallory' WHERE seq = 2")
	r := gohsm(t, "audit", "verify")
	r.want(t, 1, "record 2 (id 2) edited")
	if !strings.Contains(r.stderr, "damaged") {
		t.Fatalf("stderr: %s", r.stderr)
	}
	var rep audit.Report
	r = gohsm(t, "audit", "verify", "--json")
	if r.code != 1 || json.Unmarshal([]byte(r.stdout), &rep) != nil || len(rep.Problems) != 1 || rep.Problems[0].Seq != 2 || rep.Problems[0].Kind != audit.KindEdited {
		t.Fatalf("verify --json: exit %d %s", r.code, r.stdout)
	}

	// The edited record deleted instead: now it is missing.
	tamper(t, dir, "DELETE FROM audit WHERE seq = 2")
	gohsm(t, "audit", "verify").want(t, 1, "record 2 missing: record 2 was deleted")
}

func TestAuditVerifyDeletedRecord(t *testing.T) {
	dir := auditStore(t)
	last := showJSON(t, "--limit", "1")[0]
	tamper(t, dir, "DELETE FROM audit WHERE id = "+itoa(last.ID))
	gohsm(t, "audit", "verify").want(t, 1, "record "+itoa(last.Seq)+" truncated")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAuditExport(t *testing.T) {
	auditStore(t)
	r := gohsm(t, "audit", "export")
	r.want(t, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	all := showJSON(t, "--limit", "0")
	if len(lines) != len(all) {
		t.Fatalf("%d lines, %d records", len(lines), len(all))
	}
	for i, l := range lines {
		var e audit.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.ID != all[i].ID || e.MAC == "" {
			t.Fatalf("line %d %q: %v", i, l, err)
		}
	}
	gohsm(t, "audit", "export", "--user", "nobody").want(t, 0)
	gohsm(t, "audit", "export", "--follow", "--interval", "0s").wantErr(t, 2, "--interval")
}

// syncBuffer is a bytes.Buffer for one writer and one reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAuditExportFollow: export --follow prints a record written after it
// started (by another module, as another process would), and stops when its
// context ends; the whole test is bounded by a timeout.
func TestAuditExportFollow(t *testing.T) {
	auditStore(t)
	var out, errOut syncBuffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	root := newRootCmd(a)
	root.SetArgs([]string{"audit", "export", "--follow", "--interval", "20ms"})
	root.SetOut(&out)
	root.SetErr(&errOut)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	waitFor := func(what string, cond func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond(out.String()) {
			if time.Now().After(deadline) {
				t.Fatalf("export --follow: no %s within 10s; output:\n%s\nstderr: %s", what, out.String(), errOut.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("existing records", func(s string) bool { return strings.Contains(s, `"op":"C_InitToken"`) })

	m, _, err := (&app{}).openModule()
	if err != nil {
		t.Fatal(err)
	}
	h, err := m.OpenSession(0, ck.CKF_SERIAL_SESSION)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Login(h, ck.CKU_USER, []byte("wrong-pin")); err != ck.CKR_PIN_INCORRECT {
		t.Fatalf("login: %v", err)
	}
	m.Close()
	waitFor("new failed login", func(s string) bool { return strings.Contains(s, `"result":"CKR_PIN_INCORRECT"`) })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("export --follow: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("export --follow did not stop when its context ended")
	}
	// Each record printed once.
	if n := strings.Count(out.String(), `"op":"C_InitToken"`); n != 1 {
		t.Fatalf("C_InitToken printed %d times", n)
	}
}

// A store whose hsm.secret was replaced fails at every chain's first record,
// and verify says what that probably means.
func TestAuditVerifyForeignSecret(t *testing.T) {
	dir := auditStore(t)
	if err := os.WriteFile(filepath.Join(dir, "hsm.secret"), bytes.Repeat([]byte{1}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	gohsm(t, "audit", "verify").want(t, 1, "record 1 (id 1) edited", "is "+dir+"/hsm.secret the installation secret")
}
