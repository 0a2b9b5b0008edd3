package mechanisms

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogue: CATALOGUE.md names every registered mechanism in its
// "Registered" part, and nothing unregistered there; what its "Not offered"
// part names is not registered.
func TestCatalogue(t *testing.T) {
	b, err := os.ReadFile("CATALOGUE.md")
	if err != nil {
		t.Fatal(err)
	}
	offered, notOffered, found := strings.Cut(string(b), "## Not offered")
	if !found {
		t.Fatal(`no "## Not offered" section`)
	}
	names := map[string]bool{}
	for _, typ := range Types() {
		names[typ.String()] = true
	}
	ckm := regexp.MustCompile(`CKM_[A-Z0-9_]*[A-Z0-9]`)
	inDoc := map[string]bool{}
	for _, n := range ckm.FindAllString(offered, -1) {
		inDoc[n] = true
		if !names[n] {
			t.Errorf("CATALOGUE.md lists %s, which is not registered", n)
		}
	}
	for n := range names {
		if !inDoc[n] {
			t.Errorf("%s is registered but not in CATALOGUE.md", n)
		}
	}
	for _, n := range ckm.FindAllString(notOffered, -1) {
		if names[n] {
			t.Errorf("CATALOGUE.md says %s is not offered, but it is registered", n)
		}
	}
}
