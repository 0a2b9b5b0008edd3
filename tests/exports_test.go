package tests

import (
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestExportsOnlyC: the library exports the PKCS#11 functions and nothing
// else (no Go runtime, no bundled SQLite), as `nm -D` shows.
func TestExportsOnlyC(t *testing.T) {
	if _, err := exec.LookPath("nm"); err != nil {
		t.Skip("nm (binutils) is not installed")
	}
	out, err := exec.Command("nm", "-D", "--defined-only", hsmtest.LibPath(t)).Output()
	if err != nil {
		t.Fatalf("nm -D: %v", err)
	}
	want := map[string]bool{"C_GetInterfaceList": true, "C_GetInterface": true}
	for _, f := range capi.All {
		want[f.Name] = true
	}
	var got, extra []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		name := f[len(f)-1]
		got = append(got, name)
		if !want[name] {
			extra = append(extra, name)
		}
		delete(want, name)
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		t.Errorf("exported beyond the PKCS#11 functions: %v", extra)
	}
	if len(want) > 0 {
		t.Errorf("PKCS#11 functions not exported: %v", want)
	}
	t.Logf("%d symbols exported", len(got))
}
