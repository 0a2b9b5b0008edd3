package tests

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// loginRole loads the library in a helper process and logs the default user in on the test token.
func loginRole() (*pkcs11.Ctx, pkcs11.SessionHandle) {
	t := hsmtest.RoleT()
	p := hsmtest.Load(t)
	s := hsmtest.OpenRW(t, p, hsmtest.SlotByLabel(t, p, hsmtest.Label))
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login")
	return p, s
}

func tokenData(label, app string) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, app),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("value of "+label)),
	}
}

// The "worker" role (args: name, count) creates count token objects, finds
// each, destroys every third, and prints what was acknowledged.
var _ = hsmtest.Role("worker", func(args []string) int {
	t := hsmtest.RoleT()
	name := args[0]
	n, _ := strconv.Atoi(args[1])
	p, s := loginRole()
	for i := 0; i < n; i++ {
		label := fmt.Sprintf("%s-%d", name, i)
		h, err := p.CreateObject(s, tokenData(label, name))
		hsmtest.Must(t, err, "C_CreateObject "+label)
		fmt.Printf("created %s\n", label)
		if got := findAll(t, p, s, byLabel(label)); len(got) != 1 || got[0] != h {
			t.Fatalf("%s: find by label gave %v, want [%d]", label, got, h)
		}
		if i%3 == 0 {
			hsmtest.Must(t, p.DestroyObject(s, h), "C_DestroyObject "+label)
			fmt.Printf("destroyed %s\n", label)
		}
	}
	return 0
})

// The "writer" role creates token objects until it is killed, printing each acknowledged label.
var _ = hsmtest.Role("writer", func(args []string) int {
	t := hsmtest.RoleT()
	p, s := loginRole()
	for i := 0; ; i++ {
		label := fmt.Sprintf("%s-%d", args[0], i)
		_, err := p.CreateObject(s, tokenData(label, "crash"))
		hsmtest.Must(t, err, "C_CreateObject "+label)
		fmt.Printf("created %s\n", label)
	}
})

// The "labels" role prints the label of every object the default user sees.
var _ = hsmtest.Role("labels", func([]string) int {
	t := hsmtest.RoleT()
	p, s := loginRole()
	for _, h := range findAll(t, p, s, nil) {
		fmt.Printf("%s\n", attr(t, p, s, h, pkcs11.CKA_LABEL))
	}
	return 0
})

// labelsInFreshProcess lists the store's objects from a process that loads the library anew.
func labelsInFreshProcess(t *testing.T) []string {
	t.Helper()
	out, err := hsmtest.RoleCmd("labels").Output()
	if err != nil {
		t.Fatalf("labels process: %v", err)
	}
	labels := strings.Fields(string(out))
	sort.Strings(labels)
	return labels
}

// readAcks collects "created X" / "destroyed X" lines into the set of objects that must exist.
func readAcks(r io.Reader, want map[string]bool, each func()) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		verb, label, _ := strings.Cut(sc.Text(), " ")
		switch verb {
		case "created":
			want[label] = true
		case "destroyed":
			delete(want, label)
		}
		if each != nil {
			each()
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestManyProcesses: 8 processes at once create, find and destroy token
// objects in one store; every acknowledged object is there and nothing else.
func TestManyProcesses(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	hsmtest.Must(t, tok.P.Finalize(), "C_Finalize")
	const procs, each = 8, 24
	var mu sync.Mutex
	want := map[string]bool{}
	var wg sync.WaitGroup
	for w := 0; w < procs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := hsmtest.RoleCmd("worker", fmt.Sprintf("w%d", w), strconv.Itoa(each))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			mine := map[string]bool{}
			readAcks(strings.NewReader(string(out)), mine, nil)
			mu.Lock()
			defer mu.Unlock()
			for k := range mine {
				want[k] = true
			}
			if err != nil {
				t.Errorf("worker w%d: %v\n%s", w, err, stderr.String())
			}
		}()
	}
	wg.Wait()
	if len(want) != procs*(each-(each+2)/3) {
		t.Errorf("%d objects acknowledged, want %d", len(want), procs*(each-(each+2)/3))
	}
	t.Logf("%d processes acknowledged %d surviving objects", procs, len(want))
	if got, exp := labelsInFreshProcess(t), sortedKeys(want); strings.Join(got, " ") != strings.Join(exp, " ") {
		t.Errorf("store holds %d objects %v\nwant %d %v", len(got), got, len(exp), exp)
	}
}

// TestCrashMidWrite: a writer killed with SIGKILL leaves a store that passes
// PRAGMA integrity_check and holds every object whose creation returned CKR_OK.
func TestCrashMidWrite(t *testing.T) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("the sqlite3 command is not installed (scripts/install-deps.sh installs it)")
	}
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	hsmtest.Must(t, tok.P.Finalize(), "C_Finalize")
	want := map[string]bool{}
	// Kill at a few points, each after a different number of acknowledged writes.
	for round, killAt := range []int{1, 23, 60} {
		cmd := hsmtest.RoleCmd("writer", fmt.Sprintf("crash%d", round))
		stdout, err := cmd.StdoutPipe()
		hsmtest.Must(t, err, "stdout pipe")
		hsmtest.Must(t, cmd.Start(), "start the writer")
		acks := 0
		timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
		readAcks(stdout, want, func() {
			if acks++; acks == killAt {
				cmd.Process.Signal(syscall.SIGKILL) // mid-stream: the writer is inside its next C_CreateObject
			}
		})
		err = cmd.Wait()
		timer.Stop()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: writer did not die by SIGKILL: %v (after %d acks)", round, err, acks)
		}
		out, err := exec.Command("sqlite3", filepath.Join(hsmtest.StoreDir(), "gohsm.db"), "PRAGMA integrity_check").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "ok" {
			t.Errorf("round %d: PRAGMA integrity_check: %v %q", round, err, out)
		}
		got := map[string]bool{}
		for _, l := range labelsInFreshProcess(t) {
			got[l] = true
		}
		for l := range want {
			if !got[l] {
				t.Errorf("round %d: acknowledged object %s lost in the crash", round, l)
			}
		}
		t.Logf("round %d: writer killed after %d acknowledged objects; the store holds %d, %d acknowledged in all", round, acks, len(got), len(want))
		// At most the creation in flight at each kill may have landed unacknowledged.
		if extra := len(got) - len(want); extra < 0 || extra > round+1 {
			t.Errorf("round %d: store holds %d objects, %d were acknowledged", round, len(got), len(want))
		}
	}
}

// TestManyThreads: 8 threads of one process, each with its own session,
// create, find, sign with one shared key and destroy at the same time.
func TestManyThreads(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p := tok.P
	pub, priv := genEC(t, p, tok.Session, "shared", true)
	const threads, rounds = 8, 25
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := p.OpenSession(tok.Slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
			if err != nil {
				t.Errorf("thread %d: C_OpenSession: %v", w, err)
				return
			}
			defer p.CloseSession(s)
			ecdsa := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
			for i := 0; i < rounds; i++ {
				label := fmt.Sprintf("t%d-%d", w, i)
				h, err := p.CreateObject(s, tokenData(label, "threads"))
				if err != nil {
					t.Errorf("%s: C_CreateObject: %v", label, err)
					return
				}
				if err := p.FindObjectsInit(s, byLabel(label)); err != nil {
					t.Errorf("%s: C_FindObjectsInit: %v", label, err)
					return
				}
				found, _, err := p.FindObjects(s, 4)
				p.FindObjectsFinal(s)
				if err != nil || len(found) != 1 || found[0] != h {
					t.Errorf("%s: found %v (%v), want [%d]", label, found, err, h)
				}
				digest := make([]byte, 32)
				digest[0] = byte(i)
				if err := p.SignInit(s, ecdsa, priv); err != nil {
					t.Errorf("%s: C_SignInit: %v", label, err)
					return
				}
				sig, err := p.Sign(s, digest)
				if err == nil {
					if err = p.VerifyInit(s, ecdsa, pub); err == nil {
						err = p.Verify(s, digest, sig)
					}
				}
				if err != nil {
					t.Errorf("%s: sign/verify: %v", label, err)
				}
				if err := p.DestroyObject(s, h); err != nil {
					t.Errorf("%s: C_DestroyObject: %v", label, err)
				}
			}
		}()
	}
	wg.Wait()
	if left := findAll(t, p, tok.Session, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, "threads")}); len(left) != 0 {
		t.Errorf("%d objects left after every thread destroyed its own", len(left))
	}
}

// The "mkobj" role creates a private token data object labelled args[0]; "rmobj" destroys it.
var _ = hsmtest.Role("mkobj", func(args []string) int {
	t := hsmtest.RoleT()
	p, s := loginRole()
	_, err := p.CreateObject(s, tokenData(args[0], "cross"))
	hsmtest.Must(t, err, "C_CreateObject")
	return 0
})

var _ = hsmtest.Role("rmobj", func(args []string) int {
	t := hsmtest.RoleT()
	p, s := loginRole()
	hs := findAll(t, p, s, byLabel(args[0]))
	if len(hs) != 1 {
		t.Fatalf("rmobj: %d objects labelled %s", len(hs), args[0])
	}
	hsmtest.Must(t, p.DestroyObject(s, hs[0]), "C_DestroyObject")
	return 0
})

// TestCrossProcessVisibility: a long-lived process sees token objects that
// another process creates, changes and destroys while it runs.
func TestCrossProcessVisibility(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	mine, err := p.CreateObject(s, tokenData("mine", "cross"))
	hsmtest.Must(t, err, "C_CreateObject")
	run := func(role string, args ...string) {
		t.Helper()
		if out, err := hsmtest.RoleCmd(role, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", role, args, err, out)
		}
	}
	run("mkobj", "theirs")
	got := findAll(t, p, s, byLabel("theirs"))
	if len(got) != 1 {
		t.Fatalf("object made by another process: found %v", got)
	}
	if v := string(attr(t, p, s, got[0], pkcs11.CKA_VALUE)); v != "value of theirs" {
		t.Errorf("its private value reads %q", v)
	}
	run("rmobj", "mine")
	if hs := findAll(t, p, s, byLabel("mine")); len(hs) != 0 {
		t.Errorf("object destroyed by another process still found: %v", hs)
	}
	_, err = p.GetAttributeValue(s, mine, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
	hsmtest.WantRV(t, err, "handle of an object another process destroyed", pkcs11.CKR_OBJECT_HANDLE_INVALID)
}
