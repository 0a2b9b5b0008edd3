package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// The "initrv" role prints what C_Initialize and then C_GetInfo return.
var _ = hsmtest.Role("initrv", func([]string) int {
	p := pkcs11.New(hsmtest.LibPath(hsmtest.RoleT()))
	if p == nil {
		fmt.Println("load failed")
		return 1
	}
	err := p.Initialize()
	_, infoErr := p.GetInfo()
	fmt.Printf("%d %d\n", hsmtest.Code(err), hsmtest.Code(infoErr))
	return 0
})

// TestBadConfiguration: a bad configuration makes C_Initialize fail with
// CKR_GENERAL_ERROR or CKR_ARGUMENTS_BAD and a message naming the problem,
// never a crash, and leaves the library uninitialised.
func TestBadConfiguration(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	dir := t.TempDir()
	fast := "[kdf]\ntime = 1\nmemory_kib = 64\nthreads = 1\n"
	for _, c := range []struct {
		name, conf, storeDir, mention string
	}{
		{"unknown key", "bogus_key = 1\n" + fast, "", "bogus_key"},
		{"max_login_failures 0", "max_login_failures = 0\n" + fast, "", "max_login_failures"},
		{"broken TOML", "[kdf\n", "", "gohsm.toml"},
		{"bad log level", fast + "[log]\nlevel = \"loud\"\n", "", "loud"},
		{"missing file", "", "", "missing.toml"},
		{"store directory is a file", fast, "/etc/hostname", "/etc/hostname"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := filepath.Join(dir, "missing.toml")
			if c.conf != "" {
				conf = filepath.Join(t.TempDir(), "gohsm.toml")
				if err := os.WriteFile(conf, []byte(c.conf), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cmd := hsmtest.RoleCmd("initrv")
			cmd.Env = append(cmd.Env, "GOHSM_CONF="+conf)
			if c.storeDir != "" {
				cmd.Env = append(cmd.Env, "GOHSM_DIR="+c.storeDir)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("the process loading the library failed: %v\n%s", err, stderr.String())
			}
			var initRV, infoRV uint
			fmt.Sscanf(string(out), "%d %d", &initRV, &infoRV)
			if initRV != pkcs11.CKR_GENERAL_ERROR && initRV != pkcs11.CKR_ARGUMENTS_BAD {
				t.Errorf("C_Initialize: %s, want CKR_GENERAL_ERROR or CKR_ARGUMENTS_BAD", hsmtest.RVName(initRV))
			}
			if infoRV != pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED {
				t.Errorf("C_GetInfo after the failed C_Initialize: %s", hsmtest.RVName(infoRV))
			}
			if !strings.Contains(stderr.String(), c.mention) {
				t.Errorf("the message does not name %q; stderr:\n%s", c.mention, stderr.String())
			}
		})
	}
}
