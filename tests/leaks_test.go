package tests

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// fdTargets summarises what the open file descriptors point at.
func fdTargets() string {
	ents, _ := os.ReadDir("/proc/self/fd")
	count := map[string]int{}
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue
		}
		if i := strings.IndexByte(target, ':'); i > 0 && !strings.HasPrefix(target, "/") {
			target = target[:i] // socket:[123] -> socket
		}
		count[target]++
	}
	var b strings.Builder
	for k, v := range count {
		b.WriteString(k + "=" + strconv.Itoa(v) + " ")
	}
	return b.String()
}

// threads counts this process's threads.
func threads(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// TestNoLeaks: 60 rounds of C_Initialize, sessions, login, objects and
// C_Finalize leave no file descriptors or threads behind.
func TestNoLeaks(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p := tok.P
	round := func() {
		hsmtest.Must(t, p.Finalize(), "C_Finalize")
		hsmtest.Must(t, p.Initialize(), "C_Initialize")
		s := hsmtest.OpenRW(t, p, tok.Slot)
		hsmtest.OpenRO(t, p, tok.Slot)
		hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login")
		h, err := p.CreateObject(s, tokenData("leak", "leak"))
		hsmtest.Must(t, err, "C_CreateObject")
		findAll(t, p, s, byLabel("leak"))
		hsmtest.Must(t, p.DestroyObject(s, h), "C_DestroyObject")
		hsmtest.Must(t, p.CloseAllSessions(tok.Slot), "C_CloseAllSessions")
	}
	for i := 0; i < 10; i++ { // warm up: pools and runtime threads settle
		round()
	}
	fds, thr := openFDs(t), threads(t)
	for i := 0; i < 50; i++ {
		round()
	}
	if got := openFDs(t); got > fds+2 {
		t.Errorf("open file descriptors grew from %d to %d over 50 rounds: %s", fds, got, fdTargets())
	}
	if got := threads(t); got > thr+8 {
		t.Errorf("threads grew from %d to %d over 50 rounds", thr, got)
	}
	t.Logf("after 60 rounds: %d file descriptors, %d threads", openFDs(t), threads(t))
}
