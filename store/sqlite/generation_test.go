package sqlite

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGeneration: every committed write moves the generation, seen by a
// second handle on the same directory (another process maps the same file);
// reads do not; a writer killed after its ticket leaves the store unsettled
// until the next write; the file is private.
func TestGeneration(t *testing.T) {
	f := newFixture(t)
	other, err := OpenWith(f.dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	g0, settled := other.Generation()
	if !settled {
		t.Fatal("a quiet store is not settled")
	}
	id := f.create(t, keyObject(f.tok.ID, 0, "k", false, []byte("0123456789abcdef")))
	g1, settled := other.Generation()
	if !settled || g1 <= g0 {
		t.Fatalf("after a create: generation %d (settled %v), was %d", g1, settled, g0)
	}
	if _, err := f.d.Object(f.tok.ID, id, f.sealer); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.ObjectVersion(f.tok.ID, id); err != nil {
		t.Fatal(err)
	}
	if g, _ := other.Generation(); g != g1 {
		t.Fatalf("reads moved the generation from %d to %d", g1, g)
	}
	if err := f.d.DestroyObject(f.tok.ID, id+1); err == nil {
		t.Fatal("destroying a missing object succeeded")
	}
	if err := f.d.DestroyObject(f.tok.ID, id); err != nil {
		t.Fatal(err)
	}
	g2, settled := other.Generation()
	if !settled || g2 <= g1 {
		t.Fatalf("after a destroy: generation %d (settled %v), was %d", g2, settled, g1)
	}

	// A writer killed between its ticket and finishing it.
	f.d.gen.ticket()
	if _, settled := other.Generation(); settled {
		t.Fatal("settled with a write unfinished")
	}
	f.create(t, keyObject(f.tok.ID, 0, "k2", false, []byte("0123456789abcdef")))
	if g, settled := other.Generation(); !settled || g <= g2+1 {
		t.Fatalf("the next write did not settle the store: %d %v", g, settled)
	}

	fi, err := os.Stat(filepath.Join(f.dir, GenFileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600", GenFileName, fi.Mode().Perm())
	}
}
