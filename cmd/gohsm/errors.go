package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/gohsm/gohsm/ck"
)

// Exit codes that scripts can trust.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError is a mistake in the command line itself: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// rvHints turn the PKCS#11 codes an administrator meets most into words.
var rvHints = map[ck.RV]string{
	ck.CKR_PIN_INCORRECT:                  "wrong password or PIN",
	ck.CKR_PIN_LOCKED:                     "the user is locked after too many failed logins",
	ck.CKR_PIN_LEN_RANGE:                  "the password or PIN length is out of range",
	ck.CKR_PIN_INVALID:                    "the password or PIN has invalid characters",
	ck.CKR_SLOT_ID_INVALID:                "no such slot",
	ck.CKR_TOKEN_NOT_RECOGNIZED:           "the slot holds no initialised token",
	ck.CKR_USER_PIN_NOT_INITIALIZED:       "the user PIN is not initialised (gohsm token init-pin)",
	ck.CKR_SESSION_READ_ONLY_EXISTS:       "another read-only session is open on the token",
	ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN: "another user is logged in",
}

// reportError prints err for a person and returns the exit code.
func reportError(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "gohsm: %v\nRun 'gohsm --help' for usage.\n", err)
		return exitUsage
	}
	var rv ck.RV
	if errors.As(err, &rv) {
		if hint, ok := rvHints[rv]; ok {
			fmt.Fprintf(w, "gohsm: %v: %s\n", err, hint)
			return exitError
		}
	}
	fmt.Fprintf(w, "gohsm: %v\n", err)
	return exitError
}
