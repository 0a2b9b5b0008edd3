package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// openssl runs the openssl command line with stdin and returns its stdout;
// a failure ends the test with openssl's own message. The test is skipped
// when openssl is not installed (scripts/install-deps.sh installs it).
func openssl(t testing.TB, stdin []byte, args ...string) []byte {
	t.Helper()
	out, err := opensslErr(t, stdin, args...)
	if err != nil {
		t.Fatalf("openssl %v: %v", args, err)
	}
	return out
}

// opensslErr is openssl for commands that are expected to fail sometimes
// (a verification of a bad signature): the error carries stderr.
func opensslErr(t testing.TB, stdin []byte, args ...string) ([]byte, error) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	return symRun(stdin, bin, args...)
}

type opensslError struct {
	err    error
	stderr string
}

func (e *opensslError) Error() string { return e.err.Error() + ": " + e.stderr }

// writeFile writes data to a new file name in the test's temporary
// directory and returns its path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
