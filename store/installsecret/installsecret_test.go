package installsecret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadCreatesOnceAndKeeps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	a, err := Load(dir)
	if err != nil || len(a) != Size {
		t.Fatalf("Load: %d bytes, %v", len(a), err)
	}
	if bytes.Equal(a, make([]byte, Size)) {
		t.Fatal("secret is all zero")
	}
	st, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, %v", st.Mode(), err)
	}
	b, err := Load(dir)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("second Load differs: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// Many first openers at once all get the one secret that won.
func TestLoadConcurrentFirstOpenersAgree(t *testing.T) {
	for round := 0; round < 5; round++ {
		dir := t.TempDir()
		got := make([][]byte, 16)
		var wg sync.WaitGroup
		for i := range got {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				var err error
				if got[i], err = Load(dir); err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		for i := range got {
			if !bytes.Equal(got[i], got[0]) {
				t.Fatalf("round %d: opener %d got another secret", round, i)
			}
		}
	}
}

func TestLoadRefusesDamagedOrExposedSecret(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"short", make([]byte, 31), 0o600},
		{"long", make([]byte, 33), 0o600},
		{"empty", nil, 0o600},
		{"group readable", make([]byte, 32), 0o640},
		{"world readable", make([]byte, 32), 0o604},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, FileName)
			if err := os.WriteFile(p, c.data, c.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(p, c.mode) // past the umask
			if _, err := Load(dir); !errors.Is(err, ErrBadSecret) {
				t.Fatalf("Load: %v, want ErrBadSecret", err)
			}
		})
	}
}
