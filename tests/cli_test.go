package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// cliPath finds the gohsm CLI: $GOHSM_CLI, else gohsm next to the library.
func cliPath(t *testing.T) string {
	if p := os.Getenv("GOHSM_CLI"); p != "" {
		return p
	}
	p := filepath.Join(filepath.Dir(hsmtest.LibPath(t)), "gohsm")
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		t.Skip("no gohsm CLI next to the library (build it with `make`) and GOHSM_CLI unset")
	}
	return p
}

// TestCLIAndLibrary: a token made by `gohsm token init` and `init-pin` is the
// library's token: same slot, serial and PINs, and the CLI lists it.
func TestCLIAndLibrary(t *testing.T) {
	cli := cliPath(t)
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	run := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("gohsm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	co := "GOHSM_CO_PASSWORD=" + hsmtest.SOPIN
	run([]string{co}, "token", "init", "--label", "cli-token")
	run([]string{co, "GOHSM_USER_PIN=" + hsmtest.UserPIN}, "token", "init-pin", "--label", "cli-token")

	p := hsmtest.Load(t)
	slot := hsmtest.SlotByLabel(t, p, "cli-token")
	ti, err := p.GetTokenInfo(slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	serial := strings.TrimRight(ti.SerialNumber, " ")
	if ti.Flags&pkcs11.CKF_USER_PIN_INITIALIZED == 0 {
		t.Errorf("token flags %#x lack CKF_USER_PIN_INITIALIZED after `gohsm token init-pin`", ti.Flags)
	}
	s := hsmtest.OpenRW(t, p, slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "SO login with the CLI's Crypto Officer password")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "user login with the CLI's user PIN")
	genEC(t, p, s, "made-by-the-library", true)

	list := run(nil, "token", "list")
	var row string
	for _, l := range strings.Split(list, "\n") {
		if strings.Contains(l, "cli-token") {
			row = l
		}
	}
	if f := strings.Fields(row); len(f) < 3 || f[0] != strconv.FormatUint(uint64(slot), 10) || f[1] != serial {
		t.Errorf("`gohsm token list` row %q, want slot %d and serial %s:\n%s", row, slot, serial, list)
	}
}
