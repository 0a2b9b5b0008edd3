// Command gohsm administers gohsm tokens: it creates and describes tokens and
// their users through the provider's Go API (no cgo round trip), on the same
// store that libgohsm.so uses.
//
// Exit codes: 0 success, 1 error, 2 usage error (bad flag or argument).
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns its exit code; tests call it in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(a)
	root.SetArgs(args)
	if c, _, err := root.Find(args); err == nil {
		a.command = c.CommandPath() // named in the audit records the command causes
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	return reportError(stderr, err)
}
