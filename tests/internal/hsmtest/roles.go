package hsmtest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// A role is a helper process's job (a second process on the same store, a
// writer to kill): the test binary re-executed with GOHSM_TEST_ROLE set.
var roles = map[string]func(args []string) int{}

// Role registers a role; use it in a package-level var so it exists before Main.
func Role(name string, run func(args []string) int) bool {
	roles[name] = run
	return true
}

// Main is the TestMain of a test package: it plays a role when asked to, else runs the tests.
func Main(m *testing.M) {
	if name := os.Getenv(envRole); name != "" {
		run, ok := roles[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown role %q\n", name)
			os.Exit(2)
		}
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// RoleCmd makes the command of a helper process playing role with args. It
// inherits this process's environment, so it uses the same store and library.
func RoleCmd(role string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envRole+"="+role)
	return cmd
}
