package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// secretSource says where one password or PIN comes from. It is never a
// command-line argument: those show in ps and in shell history.
type secretSource struct {
	what   string // "Crypto Officer password", for prompts and messages
	envVar string // e.g. GOHSM_CO_PASSWORD
	file   string // from a --...-file flag, or ""
}

// maxSecretLen bounds what is read from a file or a pipe.
const maxSecretLen = 4096

// read returns the secret from the file, else the environment, else the
// terminal (without echo; twice when confirm, for a new secret).
func (s secretSource) read(stdin io.Reader, prompt io.Writer, confirm bool) ([]byte, error) {
	switch {
	case s.file != "":
		b, err := readSecretFile(s.file)
		if err != nil {
			return nil, fmt.Errorf("%s file: %w", s.what, err)
		}
		return nonEmpty(s.what, b)
	case os.Getenv(s.envVar) != "":
		return []byte(os.Getenv(s.envVar)), nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, fmt.Errorf("no %s: set %s, use the file flag, or run on a terminal", s.what, s.envVar)
	}
	fmt.Fprintf(prompt, "%s: ", s.what)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(prompt)
	if err != nil {
		return nil, fmt.Errorf("reading the %s: %w", s.what, err)
	}
	if confirm {
		fmt.Fprintf(prompt, "%s again: ", s.what)
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return nil, fmt.Errorf("reading the %s: %w", s.what, err)
		}
		if !bytes.Equal(b, again) {
			return nil, fmt.Errorf("the two %ss differ", s.what)
		}
	}
	return nonEmpty(s.what, b)
}

// readSecretFile returns the first line of path, without its line ending.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretLen+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSecretLen {
		return nil, errors.New("longer than 4096 bytes")
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimSuffix(b, []byte("\r")), nil
}

func nonEmpty(what string, b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("the %s is empty", what)
	}
	return b, nil
}
