package main

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

// defaultCOName is the Crypto Officer that C_InitToken creates from a bare SO PIN.
const defaultCOName = "admin"

// Environment variables that may hold secrets, for scripts (never flags).
const (
	envCOPassword = "GOHSM_CO_PASSWORD"
	envUserPIN    = "GOHSM_USER_PIN"
)

// maxLabelLen is CK_TOKEN_INFO's label field.
const maxLabelLen = 32

// validUserName is the provider's rule for user names.
var validUserName = provider.UserNamePattern

func checkCOName(name string) error {
	if !validUserName.MatchString(name) {
		return usagef("--co-name %q: a user name is 1 to 31 letters, digits, '_', '.' or '-'", name)
	}
	return nil
}

// namedPIN is the SO PIN that C_InitToken gets: always "name:password"
// (DESIGN.md rule 6), so that a password holding a colon is never split.
func namedPIN(name string, password []byte) []byte {
	return append([]byte(name+":"), password...)
}

func newTokenInitCmd(a *app) *cobra.Command {
	var (
		label, coName, passwordFile string
		slot                        uint64
		force                       bool
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Initialise a token and its Crypto Officer",
		Long: `Initialise a token (C_InitToken) in the slot that holds an uninitialised token,
or re-initialise the token in --slot (with --force: this destroys every object
and user on it). The Crypto Officer password is read from --password-file, else
$GOHSM_CO_PASSWORD, else the terminal without echo; never from an argument.`,
		Example: `  gohsm token init --label demo                # asks for the password twice
  GOHSM_CO_PASSWORD=secret gohsm token init --label demo
  gohsm token init --label demo --password-file /run/secrets/co`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if label == "" {
				return usagef("--label is required")
			}
			if len(label) > maxLabelLen {
				return usagef("--label is %d bytes; at most %d", len(label), maxLabelLen)
			}
			if err := checkCOName(coName); err != nil {
				return err
			}
			m, _, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			target, err := initTarget(cmd, m, slot, force)
			if err != nil {
				return err
			}
			pw, err := secretSource{"Crypto Officer password", envCOPassword, passwordFile}.read(a.stdin, a.stderr, !target.initialized())
			if err != nil {
				return err
			}
			if err := m.InitToken(target.slot, namedPIN(coName, pw), label); err != nil {
				return fmt.Errorf("token init: %w", err)
			}
			ti, err := m.TokenInfo(target.slot)
			if err != nil {
				return fmt.Errorf("token init: reading the new token: %w", err)
			}
			fmt.Fprintf(a.stdout, "Initialised token %q in slot %d (serial %s); Crypto Officer %q.\n",
				trim(ti.Label), target.slot, trim(ti.SerialNumber), coName)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&label, "label", "", "token label, at most 32 bytes (required)")
	f.StringVar(&coName, "co-name", defaultCOName, "name of the Crypto Officer")
	f.StringVar(&passwordFile, "password-file", "", "read the Crypto Officer password from the first line of this file")
	f.Uint64Var(&slot, "slot", 0, "re-initialise the token in this slot (needs --force)")
	f.BoolVar(&force, "force", false, "allow re-initialising a token, destroying its objects")
	return cmd
}

// initTarget chooses the slot to initialise: --slot, else the uninitialised one.
func initTarget(cmd *cobra.Command, m *provider.Module, slot uint64, force bool) (slotToken, error) {
	if !cmd.Flags().Changed("slot") {
		return emptySlot(m)
	}
	sel := tokenSelector{slot: slot}
	s, err := sel.find(m, true, false)
	if err != nil {
		return s, err
	}
	if s.initialized() && !force {
		return s, fmt.Errorf("slot %d holds token %q: add --force to wipe and re-initialise it", s.slot, s.label())
	}
	return s, nil
}

func newTokenInitPINCmd(a *app) *cobra.Command {
	var (
		sel                  tokenSelector
		coName, passwordFile string
		pinFile              string
	)
	cmd := &cobra.Command{
		Use:   "init-pin",
		Short: "Set the PIN of the token's default Crypto User",
		Long: `Log in as the Crypto Officer and set the PIN of the token's default Crypto User
(C_InitPIN). Applications then log in with that bare PIN (for example
pkcs11-tool --login --pin ...). Setting the PIN again also unlocks a user
locked after too many failed logins. The CO password comes from --password-file or
$GOHSM_CO_PASSWORD, the new PIN from --pin-file or $GOHSM_USER_PIN; else both
are read from the terminal without echo.`,
		Example: `  GOHSM_CO_PASSWORD=secret GOHSM_USER_PIN=1234 gohsm token init-pin --label demo
  gohsm token init-pin --slot 1 --password-file co.txt --pin-file pin.txt`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkCOName(coName); err != nil {
				return err
			}
			m, _, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			s, err := sel.pick(cmd, m)
			if err != nil {
				return err
			}
			pw, err := secretSource{"Crypto Officer password", envCOPassword, passwordFile}.read(a.stdin, a.stderr, false)
			if err != nil {
				return err
			}
			pin, err := secretSource{"new user PIN", envUserPIN, pinFile}.read(a.stdin, a.stderr, true)
			if err != nil {
				return err
			}
			if err := checkBarePIN(pin); err != nil {
				return err
			}
			if err := asCO(m, s.slot, coName, pw, func(h ck.SessionHandle) error {
				return m.InitPIN(h, pin)
			}); err != nil {
				return fmt.Errorf("token init-pin: %w", err)
			}
			fmt.Fprintf(a.stdout, "Set the user PIN of token %q (slot %d).\n", s.label(), s.slot)
			return nil
		},
	}
	sel.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&coName, "co-name", defaultCOName, "name of the Crypto Officer who logs in")
	f.StringVar(&passwordFile, "password-file", "", "read the Crypto Officer password from the first line of this file")
	f.StringVar(&pinFile, "pin-file", "", "read the new user PIN from the first line of this file")
	return cmd
}

// checkBarePIN refuses a default user's PIN that C_Login would read as
// "name:password" (DESIGN.md rule 6): that user could never log in with it.
func checkBarePIN(pin []byte) error {
	if i := bytes.IndexByte(pin, ':'); i > 0 && validUserName.Match(pin[:i]) {
		return errors.New("the new user PIN looks like name:password (a user name, then a colon), which logins read as a named user; choose another PIN")
	}
	return nil
}

// asCO runs fn in a read/write session logged in as a Crypto Officer, then
// logs out and closes the session whatever fn returned.
func asCO(m *provider.Module, slot ck.SlotID, name string, password []byte, fn func(ck.SessionHandle) error) (err error) {
	h, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("opening a session: %w", err)
	}
	defer func() { err = errors.Join(err, ignoreRV(m.CloseSession(h), ck.CKR_SESSION_HANDLE_INVALID)) }()
	if err := m.LoginUser(h, ck.CKU_SO, password, []byte(name)); err != nil {
		return fmt.Errorf("Crypto Officer login: %w", err)
	}
	defer func() { err = errors.Join(err, ignoreRV(m.Logout(h), ck.CKR_USER_NOT_LOGGED_IN)) }()
	return fn(h)
}

// ignoreRV drops one expected code from clean-up errors.
func ignoreRV(err error, rv ck.RV) error {
	if errors.Is(err, rv) {
		return nil
	}
	return err
}
