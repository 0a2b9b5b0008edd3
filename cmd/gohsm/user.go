package main

// user.go: `gohsm user create|list|delete|passwd|unlock`, user management in
// the CloudHSM model (provider/users.go). A Crypto Officer logs in for each.

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

// envNewPassword holds a new user's password for scripts (never a flag).
const envNewPassword = "GOHSM_NEW_PASSWORD"

// coLogin are --co-name and --password-file: the officer who runs a command.
type coLogin struct {
	name, passwordFile string
}

func (c *coLogin) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.name, "co-name", defaultCOName, "name of the Crypto Officer who logs in")
	f.StringVar(&c.passwordFile, "password-file", "", "read the Crypto Officer password from the first line of this file (else $"+envCOPassword+", else the terminal)")
}

// withCO opens the module, picks the token and runs fn with the officer logged in (R/W session).
func withCO(a *app, cmd *cobra.Command, sel *tokenSelector, c *coLogin, fn func(*provider.Module, ck.SessionHandle) error) error {
	if err := checkCOName(c.name); err != nil {
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
	pw, err := secretSource{"Crypto Officer password", envCOPassword, c.passwordFile}.read(a.stdin, a.stderr, false)
	if err != nil {
		return err
	}
	err = asCO(m, s.slot, c.name, pw, func(h ck.SessionHandle) error { return fn(m, h) })
	if errors.Is(err, ck.CKR_USER_TYPE_INVALID) {
		return fmt.Errorf("%q is not a Crypto Officer of this token; only officers manage users (%w)", c.name, err)
	}
	return err
}

// attachQuorum attaches an approved quorum token to the session when one is given.
func attachQuorum(m *provider.Module, h ck.SessionHandle, id string) error {
	if id == "" {
		return nil
	}
	if err := m.UseQuorumToken(h, id); err != nil {
		return fmt.Errorf("quorum token %s: %w", id, err)
	}
	return nil
}

// newPassword reads a new user's password: file, $GOHSM_NEW_PASSWORD, or the terminal twice.
func newPassword(a *app, user, file string) ([]byte, error) {
	pw, err := secretSource{"new password of " + user, envNewPassword, file}.read(a.stdin, a.stderr, true)
	if err != nil {
		return nil, err
	}
	if len(pw) < provider.MinPasswordLen || len(pw) > provider.MaxPasswordLen {
		return nil, fmt.Errorf("the new password is %d bytes; it must be %d to %d", len(pw), provider.MinPasswordLen, provider.MaxPasswordLen)
	}
	return pw, nil
}

func checkUserName(flag, name string) error {
	if name == "" {
		return usagef("%s is required", flag)
	}
	if !validUserName.MatchString(name) {
		return usagef("%s %q: a user name is 1 to 31 letters, digits, '_', '.' or '-'", flag, name)
	}
	return nil
}

func newUserCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the users of a token (Crypto Officers and Crypto Users)",
		Long: `Manage a token's users. Crypto Officers (CO) manage users; Crypto Users (CU)
own keys and run cryptography. Every command here but 'passwd --self' logs in
as a Crypto Officer (--co-name, default admin) whose password comes from
--password-file, else $GOHSM_CO_PASSWORD, else the terminal without echo.
New passwords (7 to 64 bytes) come from --new-password-file, else
$GOHSM_NEW_PASSWORD, else the terminal (asked twice); never from an argument.`,
		Args: noArgs,
		RunE: showHelp,
	}
	cmd.AddCommand(newUserCreateCmd(a), newUserListCmd(a), newUserDeleteCmd(a), newUserPasswdCmd(a), newUserUnlockCmd(a))
	return cmd
}

func newUserCreateCmd(a *app) *cobra.Command {
	var (
		sel                tokenSelector
		co                 coLogin
		name, role, pwFile string
		quorumToken        string
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a Crypto Officer or Crypto User",
		Example: `  GOHSM_CO_PASSWORD=secret GOHSM_NEW_PASSWORD=alice-pass gohsm user create --name alice
  gohsm user create --name officer2 --role CO --new-password-file o2.txt
  gohsm user create --name bob --quorum-token 5f0c3e2a9b1d7c44   # when quorum guards users`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkUserName("--name", name); err != nil {
				return err
			}
			r, err := provider.ParseRole(role)
			if err != nil {
				return usagef("--role %q: CO or CU", role)
			}
			return withCO(a, cmd, &sel, &co, func(m *provider.Module, h ck.SessionHandle) error {
				pw, err := newPassword(a, name, pwFile)
				if err != nil {
					return err
				}
				if err := attachQuorum(m, h, quorumToken); err != nil {
					return err
				}
				if err := m.CreateUser(h, name, r, pw); err != nil {
					return fmt.Errorf("user create %s: %w", name, err)
				}
				fmt.Fprintf(a.stdout, "Created %s %q.\n", roleLong(r), name)
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	co.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "name of the new user: 1 to 31 letters, digits, '_', '.' or '-' (required)")
	f.StringVar(&role, "role", "CU", "role of the new user: CO (Crypto Officer) or CU (Crypto User)")
	f.StringVar(&pwFile, "new-password-file", "", "read the new user's password from the first line of this file")
	f.StringVar(&quorumToken, "quorum-token", "", "an approved quorum token for \"user.create name=N role=R\"")
	return cmd
}

func roleLong(r provider.Role) string {
	if r == provider.RoleCO {
		return "Crypto Officer"
	}
	return "Crypto User"
}

// userView is one user as `user list` shows it.
type userView struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Default      bool      `json:"default"`
	FailedLogins int       `json:"failed_logins"`
	Locked       bool      `json:"locked"`
	Created      time.Time `json:"created"`
}

func newUserListCmd(a *app) *cobra.Command {
	var (
		sel    tokenSelector
		co     coLogin
		cu     cuLogin
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the token's users, their roles and failed-login counters",
		Long: `List the token's users. A Crypto Officer logs in, or with --user a Crypto User
(its password as for 'gohsm key').`,
		Example: `  GOHSM_CO_PASSWORD=secret gohsm user list
  GOHSM_USER_PIN=alice-pass gohsm user list --user alice
  gohsm user list --label demo --json | jq -r '.[] | select(.locked) | .name'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			login := func(fn func(*provider.Module, ck.SessionHandle) error) error { return withCO(a, cmd, &sel, &co, fn) }
			if cmd.Flags().Changed("user") {
				login = func(fn func(*provider.Module, ck.SessionHandle) error) error { return withCU(a, cmd, &sel, &cu, fn) }
			}
			return login(func(m *provider.Module, h ck.SessionHandle) error {
				us, err := m.ListUsers(h)
				if err != nil {
					return fmt.Errorf("user list: %w", err)
				}
				vs := make([]userView, len(us))
				for i, u := range us {
					vs[i] = userView{u.Name, provider.RoleName(u.Role), u.Default, u.FailedLogins, u.Locked, u.Created}
				}
				if asJSON {
					return printJSON(a.stdout, vs)
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tROLE\tFAILED LOGINS\tLOCKED\tCREATED")
				for _, v := range vs {
					name := v.Name
					if v.Default {
						name += " (default)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", name, v.Role, v.FailedLogins, yesNo(v.Locked), v.Created.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}
	sel.addFlags(cmd)
	co.addFlags(cmd)
	cu.addFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func newUserDeleteCmd(a *app) *cobra.Command {
	var (
		sel               tokenSelector
		co                coLogin
		name, quorumToken string
		force             bool
	)
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete a user (and, with --force, the keys it owns)",
		Long: `Delete a user and the shares made to it. A Crypto User who owns keys is
refused unless --force, which destroys those keys too. The last Crypto Officer
and the officer logged in cannot be deleted.`,
		Example: `  GOHSM_CO_PASSWORD=secret gohsm user delete --name bob
  gohsm user delete --name bob --force --quorum-token 5f0c3e2a9b1d7c44`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkUserName("--name", name); err != nil {
				return err
			}
			return withCO(a, cmd, &sel, &co, func(m *provider.Module, h ck.SessionHandle) error {
				if err := attachQuorum(m, h, quorumToken); err != nil {
					return err
				}
				n, err := m.DeleteUser(h, name, force)
				if errors.Is(err, provider.ErrUserOwnsKeys) {
					return fmt.Errorf("user delete %s: %w (add --force to destroy them)", name, err)
				}
				if err != nil {
					return fmt.Errorf("user delete %s: %w", name, err)
				}
				fmt.Fprintf(a.stdout, "Deleted user %q", name)
				if n > 0 {
					fmt.Fprintf(a.stdout, " and destroyed the %d objects it owned", n)
				}
				fmt.Fprintln(a.stdout, ".")
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	co.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "the user to delete (required)")
	f.BoolVar(&force, "force", false, "also destroy the objects the user owns")
	f.StringVar(&quorumToken, "quorum-token", "", "an approved quorum token for \"user.delete name=N\"")
	return cmd
}

func newUserPasswdCmd(a *app) *cobra.Command {
	var (
		sel                       tokenSelector
		co                        coLogin
		name, pwFile, quorumToken string
		self                      bool
		role, currentFile         string
	)
	cmd := &cobra.Command{
		Use:   "passwd",
		Short: "Reset a user's password (officer) or change one's own (--self)",
		Long: `Without --self a Crypto Officer resets the password of user --name (which also
unlocks it). With --self, user --name logs in with its current password and
changes it (C_SetPIN): the current password comes from --current-password-file,
else $GOHSM_USER_PIN (or $GOHSM_CO_PASSWORD with --role CO), else the terminal.`,
		Example: `  GOHSM_CO_PASSWORD=secret GOHSM_NEW_PASSWORD=new-pass-1 gohsm user passwd --name alice
  GOHSM_USER_PIN=old-pass-1 GOHSM_NEW_PASSWORD=new-pass-2 gohsm user passwd --self --name alice
  gohsm user passwd --name alice --quorum-token 5f0c3e2a9b1d7c44`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkUserName("--name", name); err != nil {
				return err
			}
			if self {
				return selfPasswd(a, cmd, &sel, name, role, currentFile, pwFile)
			}
			return withCO(a, cmd, &sel, &co, func(m *provider.Module, h ck.SessionHandle) error {
				pw, err := newPassword(a, name, pwFile)
				if err != nil {
					return err
				}
				if err := attachQuorum(m, h, quorumToken); err != nil {
					return err
				}
				if err := m.ChangePassword(h, name, pw); err != nil {
					return fmt.Errorf("user passwd %s: %w", name, err)
				}
				fmt.Fprintf(a.stdout, "Reset the password of %q.\n", name)
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	co.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "the user whose password changes (required)")
	f.StringVar(&pwFile, "new-password-file", "", "read the new password from the first line of this file")
	f.StringVar(&quorumToken, "quorum-token", "", "an approved quorum token for \"user.passwd name=N\"")
	f.BoolVar(&self, "self", false, "the user changes its own password, logging in with the current one")
	f.StringVar(&role, "role", "CU", "with --self: the user's role, CO or CU")
	f.StringVar(&currentFile, "current-password-file", "", "with --self: read the current password from this file")
	return cmd
}

// selfPasswd is a user's own change through C_SetPIN, logged in as itself.
func selfPasswd(a *app, cmd *cobra.Command, sel *tokenSelector, name, role, currentFile, newFile string) error {
	r, err := provider.ParseRole(role)
	if err != nil {
		return usagef("--role %q: CO or CU", role)
	}
	ut, env := ck.CKU_USER, envUserPIN
	if r == provider.RoleCO {
		ut, env = ck.CKU_SO, envCOPassword
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
	src := secretSource{"current password of " + name, env, currentFile}
	if r == provider.RoleCU && currentFile == "" && os.Getenv(envUserPIN) == "" {
		src.envVar = envCUPassword
	}
	old, err := src.read(a.stdin, a.stderr, false)
	if err != nil {
		return err
	}
	pw, err := newPassword(a, name, newFile)
	if err != nil {
		return err
	}
	h, err := m.OpenSession(s.slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("opening a session: %w", err)
	}
	defer m.CloseSession(h)
	if err := m.LoginUser(h, ut, old, []byte(name)); err != nil {
		return fmt.Errorf("login of %s: %w", name, err)
	}
	defer m.Logout(h)
	if err := m.SetPIN(h, old, pw); err != nil {
		return fmt.Errorf("user passwd %s: %w", name, err)
	}
	fmt.Fprintf(a.stdout, "Changed the password of %q.\n", name)
	return nil
}

func newUserUnlockCmd(a *app) *cobra.Command {
	var (
		sel  tokenSelector
		co   coLogin
		name string
	)
	cmd := &cobra.Command{
		Use:     "unlock",
		Short:   "Unlock a user locked after too many failed logins",
		Example: `  GOHSM_CO_PASSWORD=secret gohsm user unlock --name alice`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkUserName("--name", name); err != nil {
				return err
			}
			return withCO(a, cmd, &sel, &co, func(m *provider.Module, h ck.SessionHandle) error {
				if err := m.UnlockUser(h, name); err != nil {
					return fmt.Errorf("user unlock %s: %w", name, err)
				}
				fmt.Fprintf(a.stdout, "Unlocked %q.\n", name)
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	co.addFlags(cmd)
	cmd.Flags().StringVar(&name, "name", "", "the user to unlock (required)")
	return cmd
}
