package sqlite

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// The multi-process tests re-execute the test binary as children; the
// environment tells TestChildProcess which part to play.
const (
	envRole  = "GOHSM_SQLITE_CHILD"
	envDir   = "GOHSM_SQLITE_CHILD_DIR"
	envToken = "GOHSM_SQLITE_CHILD_TOKEN"
	envKey   = "GOHSM_SQLITE_CHILD_KEY" // test master key, hex; a throwaway value
	envIndex = "GOHSM_SQLITE_CHILD_INDEX"
)

// valueFor is the secret each test object carries, derived from its label so
// that the parent can check every unsealed value.
func valueFor(label string) []byte {
	h := sha256.Sum256([]byte(label))
	return h[:]
}

func childObject(tokenID int64, label string) *store.Object {
	return &store.Object{TokenID: tokenID, Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_AES,
		CKAID: []byte(label), Label: []byte(label),
		Public: map[ck.AttributeType][]byte{ck.CKA_LABEL: []byte(label)},
		Secret: map[ck.AttributeType][]byte{ck.CKA_VALUE: valueFor(label)}}
}

// startChild runs this test binary as a child playing role.
func startChild(t *testing.T, role, dir string, tokenID int64, mk []byte, index int) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envRole+"="+role, envDir+"="+dir,
		envToken+"="+strconv.FormatInt(tokenID, 10), envKey+"="+hex.EncodeToString(mk), envIndex+"="+strconv.Itoa(index))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// TestChildProcess is not a test on its own: it is the body of the children.
func TestChildProcess(t *testing.T) {
	role := os.Getenv(envRole)
	if role == "" {
		t.Skip("child body of the multi-process tests")
	}
	dir := os.Getenv(envDir)
	tokenID, _ := strconv.ParseInt(os.Getenv(envToken), 10, 64)
	index, _ := strconv.Atoi(os.Getenv(envIndex))
	mk, _ := hex.DecodeString(os.Getenv(envKey))
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "child %s %d: "+format+"\n", append([]any{role, index}, args...)...)
		os.Exit(3)
	}
	d, err := OpenWith(dir, Options{})
	if err != nil {
		fail("open: %v", err)
	}
	s, err := seal.NewSealer(mk)
	if err != nil {
		fail("sealer: %v", err)
	}
	switch role {
	case "opener":
		tok, err := d.CreateToken(store.Token{SlotID: uint64(100 + index), Serial: fmt.Sprintf("opener%d", index)}, store.User{Name: "co"})
		if err != nil {
			fail("CreateToken: %v", err)
		}
		fmt.Printf("TOKEN %d slot%d\n", tok.ID, tok.SlotID)
	case "worker":
		childWorker(d, s, tokenID, index, fail)
	case "writer":
		childWriter(d, s, tokenID, index, fail)
	default:
		fail("unknown role")
	}
	d.Close()
	os.Exit(0)
}

const workerOps = 40

// childWorker creates objects, finds each by label, reads it back, destroys
// every third, and reports the ones it kept after the store acknowledged them.
func childWorker(d *DB, s *seal.Sealer, tokenID int64, index int, fail func(string, ...any)) {
	for i := range workerOps {
		label := fmt.Sprintf("w%d-%d", index, i)
		o := childObject(tokenID, label)
		if err := d.CreateObject(o, s); err != nil {
			fail("create: %v", err)
		}
		ids, err := d.FindObjects(store.Query{TokenID: tokenID, Label: []byte(label)})
		if err != nil || len(ids) != 1 || ids[0] != o.ID {
			fail("find %s = %v, %v; want [%d]", label, ids, err, o.ID)
		}
		got, err := d.Object(tokenID, o.ID, s)
		if err != nil || !bytes.Equal(got.Secret[ck.CKA_VALUE], valueFor(label)) {
			fail("read back %d: %v", o.ID, err)
		}
		if _, err := d.FindObjects(store.Query{TokenID: tokenID, Class: ptr(ck.CKO_SECRET_KEY)}); err != nil {
			fail("find all: %v", err)
		}
		if i%3 == 2 {
			if err := d.DestroyObject(tokenID, o.ID); err != nil {
				fail("destroy: %v", err)
			}
			continue
		}
		fmt.Printf("KEPT %d %s\n", o.ID, label)
	}
}

// childWriter creates objects from four goroutines until it is killed,
// printing each one once CreateObject has returned.
func childWriter(d *DB, s *seal.Sealer, tokenID int64, index int, fail func(string, ...any)) {
	var mu sync.Mutex // one line per write(2), never interleaved
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				label := fmt.Sprintf("c%d-%d-%d", index, g, i)
				o := childObject(tokenID, label)
				if i%5 == 4 { // some batches, so a kill can land inside a larger transaction
					more := childObject(tokenID, label+"b")
					if err := d.CreateObjects([]*store.Object{o, more}, s); err != nil {
						fail("create batch: %v", err)
					}
					mu.Lock()
					fmt.Printf("ACK %d %s\nACK %d %s\n", o.ID, label, more.ID, label+"b")
					mu.Unlock()
					continue
				}
				if err := d.CreateObject(o, s); err != nil {
					fail("create: %v", err)
				}
				mu.Lock()
				fmt.Printf("ACK %d %s\n", o.ID, label)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// readAcks parses "<tag> <id> <label>" lines; a last line cut short by a
// kill has no newline and is ignored.
func readAcks(r io.Reader, tag string, each func(n int)) (map[int64]string, error) {
	acks := map[int64]string{}
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				return acks, nil
			}
			return acks, err
		}
		fields := strings.Fields(line)
		if len(fields) != 3 || fields[0] != tag {
			continue // the test framework's own output
		}
		id, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			return acks, fmt.Errorf("bad line %q", line)
		}
		acks[id] = fields[2]
		if each != nil {
			each(len(acks))
		}
	}
}

// checkObjects proves that exactly want (id -> label) is in the token, each
// object readable and its sealed value intact.
func checkObjects(t *testing.T, d *DB, s *seal.Sealer, tokenID int64, want map[int64]string, exact bool) {
	t.Helper()
	ids, err := d.FindObjects(store.Query{TokenID: tokenID})
	if err != nil {
		t.Fatal(err)
	}
	have := map[int64]bool{}
	for _, id := range ids {
		have[id] = true
	}
	for id, label := range want {
		if !have[id] {
			t.Errorf("acknowledged object %d (%s) is missing", id, label)
			continue
		}
		o, err := d.Object(tokenID, id, s)
		if err != nil || string(o.Label) != label || !bytes.Equal(o.Secret[ck.CKA_VALUE], valueFor(label)) {
			t.Errorf("object %d (%s) unreadable or wrong: %v", id, label, err)
		}
	}
	if exact && len(ids) != len(want) {
		t.Errorf("%d objects in the store, %d acknowledged and kept", len(ids), len(want))
	}
}

func TestManyProcesses(t *testing.T) {
	f := newFixture(t)
	const procs = 8
	type child struct {
		cmd  *exec.Cmd
		acks map[int64]string
		err  error
	}
	children := make([]*child, procs)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range children {
		cmd, out := startChild(t, "worker", f.dir, f.tok.ID, f.mk, i)
		c := &child{cmd: cmd}
		children[i] = c
		wg.Go(func() {
			c.acks, c.err = readAcks(out, "KEPT", nil)
			if err := cmd.Wait(); c.err == nil {
				c.err = err
			}
		})
	}
	wg.Wait()
	kept := map[int64]string{}
	for i, c := range children {
		if c.err != nil {
			t.Fatalf("child %d: %v", i, c.err)
		}
		if len(c.acks) != workerOps-workerOps/3 {
			t.Errorf("child %d kept %d objects, want %d", i, len(c.acks), workerOps-workerOps/3)
		}
		for id, label := range c.acks {
			kept[id] = label
		}
	}
	t.Logf("%d processes x %d create/find/read(+destroy) rounds: %v", procs, workerOps, time.Since(start))
	checkObjects(t, f.d, f.sealer, f.tok.ID, kept, true)
}

func TestConcurrentFirstOpen(t *testing.T) {
	dir := t.TempDir() // empty: every child races to create and migrate the file
	const procs = 8
	tokens := make([]map[int64]string, procs)
	errs := make([]error, procs)
	var wg sync.WaitGroup
	for i := range procs {
		cmd, out := startChild(t, "opener", dir, 0, make([]byte, 32), i)
		wg.Go(func() {
			tokens[i], errs[i] = readAcks(out, "TOKEN", nil)
			if err := cmd.Wait(); errs[i] == nil {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	for i := range procs {
		if errs[i] != nil || len(tokens[i]) != 1 {
			t.Fatalf("child %d: %v, tokens %v", i, errs[i], tokens[i])
		}
	}
	d, err := OpenWith(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ts, err := d.Tokens()
	if err != nil || len(ts) != procs {
		t.Fatalf("Tokens after %d concurrent first opens = %d, %v", procs, len(ts), err)
	}
}

func TestKilledWriter(t *testing.T) {
	f := newFixture(t)
	cmd, out := startChild(t, "writer", f.dir, f.tok.ID, f.mk, 0)
	killed := make(chan struct{})
	var once sync.Once
	timer := time.AfterFunc(20*time.Second, func() { once.Do(func() { cmd.Process.Kill(); close(killed) }) })
	defer timer.Stop()
	acks, err := readAcks(out, "ACK", func(n int) {
		if n >= 300 {
			// SIGKILL while the four writers are mid-stream.
			once.Do(func() { cmd.Process.Kill(); close(killed) })
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	werr := cmd.Wait()
	<-killed
	if len(acks) < 300 {
		t.Fatalf("child wrote only %d objects before the deadline (%v)", len(acks), werr)
	}
	// Check through a fresh handle while the parent's is still open (nothing
	// checkpointed yet), then again after every handle closed and reopened.
	checkAfterCrash(t, f, acks)
	f.d.Close()
	checkAfterCrash(t, f, acks)
}

func checkAfterCrash(t *testing.T, f *fixture, acks map[int64]string) {
	t.Helper()
	d, err := OpenWith(f.dir, Options{})
	if err != nil {
		t.Fatalf("re-open after SIGKILL: %v", err)
	}
	defer d.Close()
	var check string
	if err := d.db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	var fk int
	if rows, err := d.db.Query("PRAGMA foreign_key_check"); err == nil {
		for rows.Next() {
			fk++
		}
		rows.Close()
	}
	if fk != 0 {
		t.Fatalf("foreign_key_check found %d violations", fk)
	}
	n, _ := d.CountObjects(f.tok.ID)
	t.Logf("killed after %d acknowledged objects; %d in the store", len(acks), n)
	checkObjects(t, d, f.sealer, f.tok.ID, acks, false)
}
