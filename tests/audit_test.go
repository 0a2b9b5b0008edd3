package tests

// audit_test.go: the audit log seen from outside. Two processes load
// libgohsm.so on one store: one fails a login, the other generates a key
// pair; both events are in the log, in that order, with each process's PID,
// and the chain verifies.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/audit"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/sqlite"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// The "audit-badlogin" role logs in with a wrong PIN and prints its PID.
var _ = hsmtest.Role("audit-badlogin", func([]string) int {
	t := hsmtest.RoleT()
	p := hsmtest.Load(t)
	s := hsmtest.OpenRW(t, p, hsmtest.SlotByLabel(t, p, hsmtest.Label))
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, "not-the-pin"), "C_Login with a wrong PIN", pkcs11.CKR_PIN_INCORRECT)
	p.Finalize()
	fmt.Println(os.Getpid())
	return 0
})

// The "audit-keygen" role logs in and generates an EC token key pair
// labelled args[0], then prints its PID.
var _ = hsmtest.Role("audit-keygen", func(args []string) int {
	t := hsmtest.RoleT()
	p, s := loginRole()
	ecParams := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07} // P-256
	_, _, err := p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, ecParams), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, args[0])},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, args[0])})
	hsmtest.Must(t, err, "C_GenerateKeyPair")
	p.Finalize()
	fmt.Println(os.Getpid())
	return 0
})

func rolePID(t *testing.T, role string, args ...string) int {
	t.Helper()
	out, err := hsmtest.RoleCmd(role, args...).Output()
	if err != nil {
		t.Fatalf("%s process: %v", role, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("%s process printed %q", role, out)
	}
	return pid
}

func TestAuditAcrossProcesses(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	hsmtest.Must(t, tok.P.Finalize(), "C_Finalize")
	badPID := rolePID(t, "audit-badlogin")
	genPID := rolePID(t, "audit-keygen", "audited-ec")

	st, err := sqlite.Open(hsmtest.StoreDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rs []store.AuditRecord
	hsmtest.Must(t, st.AuditRecords(store.AuditQuery{}, func(r store.AuditRecord) error { rs = append(rs, r); return nil }), "reading the audit log")

	find := func(what string, ok func(store.AuditRecord) bool) int {
		t.Helper()
		for i, r := range rs {
			if ok(r) {
				return i
			}
		}
		t.Fatalf("no record of %s in:\n%s", what, dump(rs))
		return -1
	}
	me := filepath.Base(os.Args[0])
	initTok := find("C_InitToken", func(r store.AuditRecord) bool {
		return r.Op == "C_InitToken" && r.Result == "CKR_OK" && r.PID == os.Getpid() && r.Exe == me
	})
	bad := find("the failed login", func(r store.AuditRecord) bool {
		return r.Op == "C_Login" && r.Result == "CKR_PIN_INCORRECT" && r.PID == badPID && r.User == "user" && r.Role == "CU"
	})
	gen := find("the key generation", func(r store.AuditRecord) bool {
		return r.Op == "C_GenerateKeyPair" && r.Result == "CKR_OK" && r.PID == genPID && r.Label == "audited-ec" &&
			r.Class == "CKO_PRIVATE_KEY" && r.Object != 0 && r.User == "user"
	})
	if !(initTok < bad && bad < gen) {
		t.Fatalf("records out of order (init %d, failed login %d, generation %d):\n%s", initTok, bad, gen, dump(rs))
	}
	for i := 1; i < len(rs); i++ {
		if rs[i].Serial == rs[i-1].Serial && rs[i].Seq != rs[i-1].Seq+1 {
			t.Fatalf("chain has a gap at record %d:\n%s", i, dump(rs))
		}
	}

	// No PIN, wrong or right, in any field of any record.
	all := fmt.Sprintf("%+v", rs)
	for _, pin := range []string{hsmtest.SOPIN, hsmtest.UserPIN, "not-the-pin"} {
		if strings.Contains(all, pin) {
			t.Fatalf("the audit log holds the PIN %q", pin)
		}
	}

	secret, err := os.ReadFile(filepath.Join(hsmtest.StoreDir(), "hsm.secret"))
	if err != nil || len(secret) != 32 {
		t.Fatalf("hsm.secret: %d bytes, %v", len(secret), err)
	}
	if fi, _ := os.Stat(filepath.Join(hsmtest.StoreDir(), "hsm.secret")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("hsm.secret mode %v", fi.Mode())
	}
	rep, err := audit.Verify(st, secret)
	if err != nil || !rep.OK() || rep.Records != len(rs) {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// TestAuditConcurrentProcesses: 4 processes create and destroy objects at
// once (the "worker" role of multiproc_test.go); every creation and
// destruction is recorded once, with its process, and the chain verifies.
func TestAuditConcurrentProcesses(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	hsmtest.Must(t, tok.P.Finalize(), "C_Finalize")
	const procs, each = 4, 9
	pids := make(chan int, procs)
	var wg sync.WaitGroup
	for w := 0; w < procs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := hsmtest.RoleCmd("worker", fmt.Sprintf("w%d", w), strconv.Itoa(each))
			if out, err := cmd.Output(); err != nil {
				t.Errorf("worker w%d: %v\n%s", w, err, out)
			}
			pids <- cmd.Process.Pid
		}()
	}
	wg.Wait()
	close(pids)

	st, err := sqlite.Open(hsmtest.StoreDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	created, destroyed := map[int]int{}, map[int]int{}
	n := 0
	hsmtest.Must(t, st.AuditRecords(store.AuditQuery{}, func(r store.AuditRecord) error {
		n++
		switch {
		case r.Op == "C_CreateObject" && r.Result == "CKR_OK" && r.Class == "CKO_DATA":
			created[r.PID]++
		case r.Op == "C_DestroyObject" && r.Result == "CKR_OK":
			destroyed[r.PID]++
		}
		return nil
	}), "reading the audit log")
	for pid := range pids {
		if created[pid] != each || destroyed[pid] != (each+2)/3 {
			t.Errorf("process %d: %d creations and %d destructions recorded, want %d and %d", pid, created[pid], destroyed[pid], each, (each+2)/3)
		}
	}
	secret, err := os.ReadFile(filepath.Join(hsmtest.StoreDir(), "hsm.secret"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(st, secret)
	if err != nil || !rep.OK() || rep.Records != n {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

func dump(rs []store.AuditRecord) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %d %s#%d pid %d %s %s user %q %s %q %s\n", r.ID, r.Serial, r.Seq, r.PID, r.Exe, r.Op, r.User, r.Class, r.Label, r.Result)
	}
	return b.String()
}
