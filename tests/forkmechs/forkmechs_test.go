// Package forkmechs measures which of gohsm's mechanisms a forked child can
// use. A child forked after the parent's C_Initialize reaches a fresh gohsm
// through p11-kit's RPC (DESIGN.md rule 1), and p11-kit carries only the
// mechanisms on its allowlist. testdata/forkmechs.c tries every mechanism
// gohsm registers in the parent, in a forked child, and in a process that
// talks to `p11-kit server --provider libgohsm.so` through p11-kit-client.so.
//
// go test ./tests/forkmechs -update rewrites testdata/mechanisms.md, the
// table that README.md quotes.
package forkmechs

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

var update = flag.Bool("update", false, "rewrite testdata/mechanisms.md")

// runTimeout bounds each program run: a hung child or server fails the test.
const runTimeout = 40 * time.Second

// loops is the number of timed calls per measurement.
const loops = 2000

// mustWork is what real clients (libengine-pkcs11, pkcs11-provider, NSS,
// Java) sign and decrypt with in NGINX and Apache workers.
var mustWork = []ck.MechanismType{ck.CKM_ECDSA, ck.CKM_RSA_PKCS, ck.CKM_RSA_PKCS_PSS, ck.CKM_RSA_PKCS_OAEP, ck.CKM_SHA256_RSA_PKCS}

// result is one MECH line: the outcome of one mechanism in one process.
type result struct {
	inList bool
	res    string // ok, fail, skip
	rv     uint64
	note   string
}

// run is what one program run printed.
type run struct {
	all     []string                               // "ALL <hex> <flags>" lines
	results map[string]map[ck.MechanismType]result // where -> mechanism -> result
	times   map[string]map[string]time.Duration    // where -> what -> per call
	lists   map[string]int                         // where -> C_GetMechanismList count
	order   []ck.MechanismType
}

func TestForkMechanisms(t *testing.T) {
	lib := hsmtest.LibPath(t)
	client, remote := p11kitPaths()
	if client == "" || remote == "" {
		t.Skip("p11-kit-client.so or p11-kit-remote is missing (apt-get install p11-kit p11-kit-modules)")
	}
	bin := compile(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	conf := filepath.Join(dir, "gohsm.toml")
	text := "[log]\nlevel = \"warn\"\nfile = \"" + filepath.Join(dir, "gohsm.log") + "\"\n\n[kdf]\ntime = 1\nmemory_kib = 64\nthreads = 1\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(withoutEnv("GOHSM_DIR", "GOHSM_CONF", "XDG_DATA_HOME", "P11_KIT_SERVER_ADDRESS", "GOHSM_P11KIT_CLIENT", "GOHSM_P11KIT_REMOTE"),
		"GOHSM_CONF="+conf, "XDG_DATA_HOME="+filepath.Join(dir, "xdg"))

	// 1. Parent and forked child. Only pReserved names the store.
	forked := runProgram(t, env, bin, "fork", lib, store, strconv.Itoa(loops))

	// 2. p11-kit server with the same store, and a client process.
	listFile := filepath.Join(dir, "mechs.txt")
	var lines []string
	for _, l := range forked.all {
		lines = append(lines, strings.TrimPrefix(l, "ALL "))
	}
	if err := os.WriteFile(listFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := startServer(t, append(env, "GOHSM_DIR="+store), lib, filepath.Join(dir, "server.sock"))
	served := runProgram(t, append(env, "P11_KIT_SERVER_ADDRESS=unix:path="+sock), bin, "client", client, listFile, strconv.Itoa(loops))
	merge(forked, served)

	// 3. The way out of the RPC: load gohsm only in the child, after fork.
	// Loaded but not initialised in the parent is not enough ("late"):
	// loading starts the Go runtime, so that child is routed too.
	for _, mode := range []string{"late", "afterfork"} {
		merge(forked, runProgram(t, env, bin, mode, lib, store, listFile, strconv.Itoa(loops)))
	}

	check(t, forked)
	table := render(forked)
	out := filepath.Join(os.TempDir(), "gohsm-forkmechs.md")
	if err := os.WriteFile(out, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("table written to %s", out)
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", "mechanisms.md"), []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("\n%s", table)
}

func merge(into, from *run) {
	for w, m := range from.results {
		into.results[w] = m
	}
	for w, m := range from.times {
		into.times[w] = m
	}
	for w, n := range from.lists {
		into.lists[w] = n
	}
}

// check asserts the classification: what the child lists works, what it does
// not list is refused with CKR_MECHANISM_INVALID, and the must-work set works.
func check(t *testing.T, r *run) {
	t.Helper()
	if len(r.order) < 100 {
		t.Fatalf("gohsm listed %d mechanisms in the parent, want at least 100", len(r.order))
	}
	for _, m := range r.order {
		p := r.results["parent"][m]
		if p.res == "fail" {
			t.Errorf("%v fails in the parent itself (0x%x, %s): the test is wrong or gohsm is", m, p.rv, p.note)
		}
		if a := r.results["afterfork"][m]; a.res == "fail" {
			t.Errorf("%v fails in a child that loaded gohsm after fork (0x%x, %s)", m, a.rv, a.note)
		}
		for _, w := range []string{"child", "client", "late"} {
			c, ok := r.results[w][m]
			switch {
			case !ok:
				t.Errorf("%v: no result from the %s", m, w)
			case c.res == "skip":
			case c.inList && c.res != "ok":
				t.Errorf("%v: listed in the %s but fails (0x%x, %s)", m, w, c.rv, c.note)
			case !c.inList && c.rv != uint64(ck.CKR_MECHANISM_INVALID):
				t.Errorf("%v: not listed in the %s, but gives 0x%x, not CKR_MECHANISM_INVALID", m, w, c.rv)
			}
		}
	}
	for _, m := range mustWork {
		for _, w := range []string{"parent", "child", "client", "late", "afterfork"} {
			if c := r.results[w][m]; c.res != "ok" {
				t.Errorf("%v does not work in the %s (0x%x, %s)", m, w, c.rv, c.note)
			}
		}
	}
	if r.lists["afterfork"] != len(r.order) {
		t.Errorf("a child that loaded gohsm after fork lists %d mechanisms, the parent %d", r.lists["afterfork"], len(r.order))
	}
	if r.lists["child"] == 0 || r.times["child"]["initialize"] == 0 {
		t.Errorf("the child's run is incomplete: %v %v", r.lists, r.times)
	}
}

// render is the Markdown table and the measured costs.
func render(r *run) string {
	var b strings.Builder
	count := map[string]int{}
	for _, m := range r.order {
		for _, w := range []string{"child", "client", "late", "afterfork", "parent"} {
			if r.results[w][m].res == "ok" {
				count[w]++
			}
		}
	}
	fmt.Fprintf(&b, "gohsm registers %d mechanisms; the test tries %d of them (%d work in process). Working:\n\n", len(r.order), len(r.order)-skipped(r), count["parent"])
	fmt.Fprintf(&b, "- in a child forked after C_Initialize (routed through p11-kit's RPC): %d\n", count["child"])
	fmt.Fprintf(&b, "- in a child of a parent that loaded gohsm but never called C_Initialize (routed too): %d\n", count["late"])
	fmt.Fprintf(&b, "- through `p11-kit server --provider libgohsm.so` and p11-kit-client.so (the same RPC): %d\n", count["client"])
	fmt.Fprintf(&b, "- in a child that loads gohsm only after fork (no RPC): %d\n\n", count["afterfork"])
	b.WriteString("Measured costs (this machine):\n\n")
	perCall := func(w, what string) string {
		return fmt.Sprintf("%.1f µs", float64(r.times[w][what].Nanoseconds())/1000)
	}
	ms := func(w string) string {
		return fmt.Sprintf("%.1f ms", float64(r.times[w]["initialize"].Microseconds())/1000)
	}
	fmt.Fprintf(&b, "| | in process | forked child | p11-kit server client | loaded after fork |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| C_GetInfo, per call | %s | %s | %s | %s |\n", perCall("parent", "getinfo"), perCall("child", "getinfo"), perCall("client", "getinfo"), perCall("afterfork", "getinfo"))
	fmt.Fprintf(&b, "| CKM_ECDSA P-256 C_SignInit+C_Sign | %s | %s | %s | %s |\n", perCall("parent", "ecdsa-sign"), perCall("child", "ecdsa-sign"), perCall("client", "ecdsa-sign"), perCall("afterfork", "ecdsa-sign"))
	fmt.Fprintf(&b, "| C_Initialize, once | - | %s (starts p11-kit-remote + gohsm) | %s (connects) | %s |\n\n", ms("child"), ms("client"), ms("afterfork"))
	b.WriteString("Works in a forked child:")
	for _, m := range r.order {
		if r.results["child"][m].res == "ok" {
			fmt.Fprintf(&b, " %v", m)
		}
	}
	b.WriteString(".\n\n")
	b.WriteString("| Mechanism | Forked child | p11-kit server client | Test |\n|---|---|---|---|\n")
	for _, m := range r.order {
		c, s, p := r.results["child"][m], r.results["client"][m], r.results["parent"][m]
		fmt.Fprintf(&b, "| %v | %s | %s | %s |\n", m, verdict(c), verdict(s), p.note)
	}
	return b.String()
}

// skipped counts the mechanisms the test has no simple operation for.
func skipped(r *run) int {
	n := 0
	for _, m := range r.order {
		if r.results["parent"][m].res == "skip" {
			n++
		}
	}
	return n
}

func verdict(r result) string {
	switch {
	case r.res == "ok":
		return "works"
	case r.res == "skip" && !r.inList:
		return "not offered (not tried)"
	case r.res == "skip":
		return "not tried"
	case r.rv == uint64(ck.CKR_MECHANISM_INVALID) && !r.inList:
		return "refused by the RPC"
	default:
		return fmt.Sprintf("fails: %v", ck.RV(r.rv))
	}
}

// runProgram runs forkmechs with a deadline and parses its output.
func runProgram(t *testing.T, env []string, bin string, args ...string) *run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.WaitDelay = 3 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("forkmechs %s hung for %v:\n%s", args[0], runTimeout, out)
	}
	if err != nil || !bytes.Contains(out, []byte("\ndone\n")) {
		t.Fatalf("forkmechs %s failed (%v):\n%s", args[0], err, out)
	}
	return parse(t, out)
}

func parse(t *testing.T, out []byte) *run {
	t.Helper()
	r := &run{results: map[string]map[ck.MechanismType]result{}, times: map[string]map[string]time.Duration{}, lists: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "ALL":
			r.all = append(r.all, line)
			r.order = append(r.order, ck.MechanismType(hex(t, fields[1])))
		case "LIST":
			n, _ := strconv.Atoi(fields[2])
			r.lists[fields[1]] = n
		case "TIME":
			us, _ := strconv.ParseFloat(fields[3], 64)
			n, _ := strconv.Atoi(fields[4])
			if r.times[fields[1]] == nil {
				r.times[fields[1]] = map[string]time.Duration{}
			}
			r.times[fields[1]][fields[2]] = time.Duration(us * 1000 / float64(n))
		case "MECH":
			if len(fields) < 6 {
				t.Fatalf("bad line %q", line)
			}
			if r.results[fields[2]] == nil {
				r.results[fields[2]] = map[ck.MechanismType]result{}
			}
			r.results[fields[2]][ck.MechanismType(hex(t, fields[1]))] = result{
				inList: fields[3] == "1", res: fields[4], rv: hex(t, fields[5]), note: strings.Join(fields[6:], " "),
			}
		}
	}
	return r
}

func hex(t *testing.T, s string) uint64 {
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return v
}

// startServer runs `p11-kit server --provider lib` in the foreground on sock
// and stops it by its PID when the test ends.
func startServer(t *testing.T, env []string, lib, sock string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	cmd := exec.CommandContext(ctx, "p11-kit", "server", "-f", "-n", sock, "--provider", lib, "pkcs11:token=forkmechs")
	cmd.Env = env
	var logBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	cmd.WaitDelay = 3 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Skipf("p11-kit server does not start: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
	})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return sock
		}
	}
	t.Fatalf("p11-kit server made no socket in 10s:\n%s", logBuf.String())
	return ""
}

func p11kitPaths() (client, remote string) {
	for _, p := range []string{"/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so", "/usr/lib/aarch64-linux-gnu/pkcs11/p11-kit-client.so", "/usr/lib64/pkcs11/p11-kit-client.so", "/usr/lib/pkcs11/p11-kit-client.so"} {
		if _, err := os.Stat(p); err == nil {
			client = p
			break
		}
	}
	for _, p := range []string{"/usr/libexec/p11-kit/p11-kit-remote", "/usr/lib/x86_64-linux-gnu/p11-kit/p11-kit-remote"} {
		if _, err := os.Stat(p); err == nil {
			remote = p
			break
		}
	}
	if _, err := exec.LookPath("p11-kit"); err != nil {
		remote = ""
	}
	return client, remote
}

func withoutEnv(names ...string) []string {
	var env []string
outer:
	for _, kv := range os.Environ() {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue outer
			}
		}
		env = append(env, kv)
	}
	return env
}

func compile(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	bin := filepath.Join(t.TempDir(), "forkmechs")
	inc := filepath.Join(hsmtest.ModuleRoot(t), "cexport", "include")
	out, err := exec.Command("gcc", "-std=gnu11", "-Wall", "-Werror", "-I"+inc, "-o", bin, filepath.Join("testdata", "forkmechs.c"), "-ldl").CombinedOutput()
	if err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}
