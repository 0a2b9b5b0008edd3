package main

// quorum.go: `gohsm quorum ...`, M-of-N approval (provider/quorum.go).

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

const quorumLong = `Quorum (M-of-N approval) protects sensitive operations: once a Crypto Officer
turns it on for user management or backup restores, or a key's owner turns it
on for managing or using that key, each such operation needs a quorum token
approved by M distinct approvers (2 to 8).

Approvers: the token's Crypto Officers for "user" and "backup"; the key's
owner and the Crypto Users it is shared with for "key-management" and
"key-usage". Each registers a public key once (register-key).

The flow:
  1. gohsm quorum request --op "user.delete name=bob" -o token.bin
  2. each approver signs token.bin where their private key lives:
       gohsm quorum sign --key approver.pem --token token.bin -o sig.bin
     or with openssl 3:
       openssl pkeyutl -sign -inkey ed25519.pem -rawin -in token.bin -out sig.bin
       openssl dgst -sha256 -sign rsa.pem -out sig.bin token.bin
  3. gohsm quorum approve --token ID --user alice --signature sig.bin
  4. the operation, given --quorum-token ID, runs once within 10 minutes.

Operations: user.create name=N role=CO|CU, user.delete name=N, user.passwd
name=N, backup.restore sha256=<file digest>, key.destroy object=K,
key.set object=K attributes=CKA_A,CKA_B, key.share object=K user=N,
key.unshare object=K user=N, key.share object=K users=A,B (a whole set),
key.use object=K, quorum.set [object=K] service=S m=M.
K is the key's CKA_UNIQUE_ID (its store ID).`

func newQuorumCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quorum",
		Short: "M-of-N approval of sensitive operations",
		Long:  quorumLong,
		Args:  noArgs,
		RunE:  showHelp,
	}
	cmd.AddCommand(newQuorumRegisterCmd(a), newQuorumSetCmd(a), newQuorumPoliciesCmd(a), newQuorumRequestCmd(a),
		newQuorumShowCmd(a), newQuorumSignCmd(a), newQuorumApproveCmd(a))
	return cmd
}

// withLogin opens the module, picks the token and runs fn logged in.
func withLogin(a *app, cmd *cobra.Command, sel *tokenSelector, l *quorumLogin, fn func(*provider.Module, ck.SessionHandle) error) error {
	m, _, err := a.openModule()
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := sel.pick(cmd, m)
	if err != nil {
		return err
	}
	return l.run(a, m, s.slot, func(h ck.SessionHandle) error { return fn(m, h) })
}

func newQuorumRegisterCmd(a *app) *cobra.Command {
	var sel tokenSelector
	var login quorumLogin
	var keyFile string
	cmd := &cobra.Command{
		Use:   "register-key",
		Short: "Register the logged-in user's approval public key",
		Long: `Register (or replace) the public key with which the user approves quorum
tokens: a PEM "PUBLIC KEY" (SubjectPublicKeyInfo), Ed25519 or RSA of 2048
bits or more. Make one with openssl:
  openssl genpkey -algorithm ed25519 -out alice.pem
  openssl pkey -in alice.pem -pubout -out alice.pub.pem`,
		Example: `  GOHSM_CO_PASSWORD=... gohsm quorum register-key --user o2 --public-key o2.pub.pem
  GOHSM_USER_PASSWORD=... gohsm quorum register-key --user alice --role CU --public-key alice.pub.pem`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyFile == "" {
				return usagef("--public-key is required")
			}
			pemBytes, err := os.ReadFile(keyFile)
			if err != nil {
				return err
			}
			return withLogin(a, cmd, &sel, &login, func(m *provider.Module, h ck.SessionHandle) error {
				if err := m.RegisterQuorumKey(h, pemBytes); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Registered the quorum key of %s.\n", login.user)
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	login.addFlags(cmd, "CO")
	cmd.Flags().StringVar(&keyFile, "public-key", "", "PEM public key file")
	return cmd
}

// keySelector names a key by --key-id (CKA_UNIQUE_ID) or --key-label.
type keySelector struct {
	id    string
	label string
}

func (k *keySelector) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&k.id, "key-id", "", "the key's CKA_UNIQUE_ID (store ID), for key services")
	cmd.Flags().StringVar(&k.label, "key-label", "", "the label of a private or secret key, for key services")
}

func (k *keySelector) given() bool { return k.id != "" || k.label != "" }

// find returns the one key named, as seen by the session's user.
func (k *keySelector) find(m *provider.Module, h ck.SessionHandle) (ck.ObjectHandle, error) {
	var tmpl ck.Template
	switch {
	case k.id != "" && k.label != "":
		return 0, usagef("give --key-id or --key-label, not both")
	case k.id != "":
		if _, err := strconv.ParseInt(k.id, 10, 64); err != nil {
			return 0, usagef("--key-id %q is not a number", k.id)
		}
		tmpl = ck.Template{{Type: ck.CKA_UNIQUE_ID, Value: []byte(k.id)}}
	default:
		tmpl = ck.Template{{Type: ck.CKA_LABEL, Value: []byte(k.label)}}
	}
	if err := m.FindObjectsInit(h, tmpl); err != nil {
		return 0, err
	}
	found, err := m.FindObjects(h, 16)
	m.FindObjectsFinal(h)
	if err != nil {
		return 0, err
	}
	var keys []ck.ObjectHandle
	for _, oh := range found {
		res, err := m.GetAttributeValue(h, oh, []ck.AttributeType{ck.CKA_CLASS})
		if err != nil || res[0].Err != ck.CKR_OK {
			continue
		}
		v, err := ck.DecodeULong(res[0].Value)
		if err != nil {
			continue
		}
		if c := ck.ObjectClass(v); k.id != "" || c == ck.CKO_PRIVATE_KEY || c == ck.CKO_SECRET_KEY {
			keys = append(keys, oh)
		}
	}
	switch len(keys) {
	case 0:
		return 0, fmt.Errorf("no such key visible to this user")
	case 1:
		return keys[0], nil
	}
	return 0, fmt.Errorf("%d keys match; use --key-id", len(keys))
}

func newQuorumSetCmd(a *app) *cobra.Command {
	var sel tokenSelector
	var login quorumLogin
	var key keySelector
	var service, token string
	var m int
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Turn quorum on or off for a service, or change its M",
		Long: `Set the number of approvals (2 to 8; 0 turns quorum off) a service needs.
"user" and "backup" are set by a Crypto Officer; "key-management" and
"key-usage" by the key's owner (--role CU, with --key-id or --key-label).
Once quorum is on, changing it needs a token approved for
"quorum.set [object=K] service=S m=M".`,
		Example: `  gohsm quorum set --service user --m 2
  gohsm quorum set --service key-usage --key-label signing --m 2 --user alice --role CU
  gohsm quorum set --service user --m 0 --quorum-token 5f0c3e2a9b1d7c44`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("m") || service == "" {
				return usagef("--service and --m are required")
			}
			return withLogin(a, cmd, &sel, &login, func(mod *provider.Module, h ck.SessionHandle) error {
				var oh ck.ObjectHandle
				if key.given() {
					var err error
					if oh, err = key.find(mod, h); err != nil {
						return err
					}
				}
				if token != "" {
					if err := mod.UseQuorumToken(h, token); err != nil {
						return err
					}
				}
				if err := mod.SetQuorum(h, service, oh, m); err != nil {
					return err
				}
				if m == 0 {
					fmt.Fprintf(a.stdout, "Quorum for %s is off.\n", service)
				} else {
					fmt.Fprintf(a.stdout, "Quorum for %s needs %d approvals.\n", service, m)
				}
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	login.addFlags(cmd, "CO")
	key.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&service, "service", "", "user, backup, key-management or key-usage")
	f.IntVar(&m, "m", 0, "approvals needed, 2 to 8 (0: off)")
	f.StringVar(&token, "quorum-token", "", "an approved quorum token, when quorum is already on")
	return cmd
}

func newQuorumPoliciesCmd(a *app) *cobra.Command {
	var sel tokenSelector
	var login quorumLogin
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "policies",
		Short:   "List the token's quorum policies",
		Example: `  gohsm quorum policies --json`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withLogin(a, cmd, &sel, &login, func(m *provider.Module, h ck.SessionHandle) error {
				ps, err := m.QuorumPolicies(h)
				if err != nil {
					return err
				}
				type view struct {
					Service string `json:"service"`
					Object  int64  `json:"object,omitempty"`
					M       int    `json:"m"`
				}
				vs := make([]view, len(ps))
				for i, p := range ps {
					vs[i] = view{p.Service, p.Object, p.M}
				}
				if asJSON {
					return printJSON(a.stdout, vs)
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "SERVICE\tKEY\tM")
				for _, v := range vs {
					obj := "-"
					if v.Object != 0 {
						obj = strconv.FormatInt(v.Object, 10)
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\n", v.Service, obj, v.M)
				}
				return tw.Flush()
			})
		},
	}
	sel.addFlags(cmd)
	login.addFlags(cmd, "CO")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// tokenView is a quorum token for people and --json.
type quorumTokenView struct {
	ID        string    `json:"id"`
	Serial    string    `json:"token_serial"`
	Service   string    `json:"service"`
	Operation string    `json:"operation"`
	Requester string    `json:"requester"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	Consumed  bool      `json:"consumed"`
	M         int       `json:"m"`
	Approvers []string  `json:"approvers"`
}

func newQuorumTokenView(i provider.QuorumTokenInfo) quorumTokenView {
	return quorumTokenView{i.ID, i.Serial, i.Service, i.Op, i.Requester, i.Created, i.Expires, i.Consumed, i.M, i.Approvers}
}

func printQuorumToken(w io.Writer, v quorumTokenView) error {
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	fmt.Fprintf(tw, "Token:\t%s\n", v.ID)
	fmt.Fprintf(tw, "Operation:\t%s\n", v.Operation)
	fmt.Fprintf(tw, "Service:\t%s (token %s)\n", v.Service, v.Serial)
	fmt.Fprintf(tw, "Requested by:\t%s at %s\n", v.Requester, v.Created.Format(time.RFC3339))
	fmt.Fprintf(tw, "Expires:\t%s\n", v.Expires.Format(time.RFC3339))
	fmt.Fprintf(tw, "Approvals:\t%d of %d (%s)\n", len(v.Approvers), v.M, strings.Join(v.Approvers, ", "))
	fmt.Fprintf(tw, "Used:\t%v\n", v.Consumed)
	return tw.Flush()
}

// writeTokenBytes writes the canonical bytes approvers sign.
func writeTokenBytes(path string, b []byte) error {
	if path == "" {
		return nil
	}
	return os.WriteFile(path, b, 0o644)
}

func newQuorumRequestCmd(a *app) *cobra.Command {
	var sel tokenSelector
	var login quorumLogin
	var op, out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "request",
		Short: "Get a quorum token for an operation",
		Long: `Make a quorum token for one operation (see 'gohsm quorum --help' for their
form); it expires in 10 minutes. -o writes the bytes approvers sign.`,
		Example: `  gohsm quorum request --op "user.delete name=bob" -o token.bin
  gohsm quorum request --op "key.use object=1234" --user alice --role CU --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if op == "" {
				return usagef("--op is required")
			}
			return withLogin(a, cmd, &sel, &login, func(m *provider.Module, h ck.SessionHandle) error {
				info, err := m.RequestQuorum(h, op)
				if err != nil {
					return err
				}
				if err := writeTokenBytes(out, info.Bytes); err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, newQuorumTokenView(info))
				}
				return printQuorumToken(a.stdout, newQuorumTokenView(info))
			})
		},
	}
	sel.addFlags(cmd)
	login.addFlags(cmd, "CO")
	f := cmd.Flags()
	f.StringVar(&op, "op", "", `the operation, such as "user.delete name=bob"`)
	f.StringVarP(&out, "out", "o", "", "write the token's bytes to sign to this file")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newQuorumShowCmd(a *app) *cobra.Command {
	var id, out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "show",
		Short:   "Show a quorum token and its approvals",
		Example: `  gohsm quorum show --token 5f0c3e2a9b1d7c44 -o token.bin`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				return usagef("--token is required")
			}
			m, _, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			info, err := m.QuorumTokenStatus(id)
			if err != nil {
				return err
			}
			if err := writeTokenBytes(out, info.Bytes); err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.stdout, newQuorumTokenView(info))
			}
			return printQuorumToken(a.stdout, newQuorumTokenView(info))
		},
	}
	f := cmd.Flags()
	f.StringVar(&id, "token", "", "the quorum token's ID")
	f.StringVarP(&out, "out", "o", "", "write the token's bytes to sign to this file")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newQuorumSignCmd(a *app) *cobra.Command {
	var keyFile, token, out string
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Sign a quorum token with an approver's private key (locally)",
		Long: `Sign a quorum token's bytes with the approver's private key file (PEM PKCS#8,
or PKCS#1 for RSA), as openssl would: Ed25519 signs the bytes, RSA signs
them with PKCS#1 v1.5 and SHA-256. --token is the file written by
'quorum request -o' or 'quorum show -o', or a token ID (read from the store).
The key never leaves this process and is not stored.`,
		Example: `  gohsm quorum sign --key alice.pem --token token.bin -o alice.sig`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyFile == "" || token == "" || out == "" {
				return usagef("--key, --token and -o are required")
			}
			keyPEM, err := os.ReadFile(keyFile)
			if err != nil {
				return err
			}
			msg, err := os.ReadFile(token)
			if os.IsNotExist(err) {
				m, _, oerr := a.openModule()
				if oerr != nil {
					return oerr
				}
				info, serr := m.QuorumTokenStatus(token)
				m.Close()
				if serr != nil {
					return serr
				}
				msg, err = info.Bytes, nil
			}
			if err != nil {
				return err
			}
			sig, err := provider.SignQuorumToken(keyPEM, msg)
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, sig, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Wrote the signature to %s.\n", out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "key", "", "the approver's private key (PEM)")
	f.StringVar(&token, "token", "", "the token's bytes (a file) or its ID")
	f.StringVarP(&out, "out", "o", "", "write the signature to this file")
	return cmd
}

func newQuorumApproveCmd(a *app) *cobra.Command {
	var token, user, sigFile string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "approve",
		Short: "Attach an approver's signature to a quorum token",
		Long: `Attach a signature to a quorum token. No password is needed: the signature,
checked against the key the user registered, is the approval.`,
		Example: `  gohsm quorum approve --token 5f0c3e2a9b1d7c44 --user alice --signature alice.sig`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" || user == "" || sigFile == "" {
				return usagef("--token, --user and --signature are required")
			}
			sig, err := os.ReadFile(sigFile)
			if err != nil {
				return err
			}
			m, _, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			if err := m.ApproveQuorum(token, user, sig); err != nil {
				return err
			}
			info, err := m.QuorumTokenStatus(token)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.stdout, newQuorumTokenView(info))
			}
			fmt.Fprintf(a.stdout, "Approved by %s: %d of %d approvals.\n", user, len(info.Approvers), info.M)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&token, "token", "", "the quorum token's ID")
	f.StringVar(&user, "user", "", "the approving user")
	f.StringVar(&sigFile, "signature", "", "the signature file")
	f.BoolVar(&asJSON, "json", false, "print the token's state as JSON")
	return cmd
}

// envCUPassword holds a Crypto User's password for scripts.
const envCUPassword = "GOHSM_USER_PASSWORD"

// quorumLogin are --user, --role and --password-file: who logs in to run a
// command. The password comes from the file, else $GOHSM_CO_PASSWORD (an
// officer) or $GOHSM_USER_PASSWORD (a crypto user), else the terminal.
type quorumLogin struct {
	user, role, passwordFile string
}

func (l *quorumLogin) addFlags(cmd *cobra.Command, defaultRole string) {
	f := cmd.Flags()
	f.StringVar(&l.user, "user", defaultCOName, "name of the user who logs in")
	f.StringVar(&l.role, "role", defaultRole, "role of that user: CO (Crypto Officer) or CU (Crypto User)")
	f.StringVar(&l.passwordFile, "password-file", "", "read the password from the first line of this file")
}

func (l *quorumLogin) userType() (ck.UserType, string, error) {
	switch strings.ToUpper(l.role) {
	case "CO":
		return ck.CKU_SO, envCOPassword, nil
	case "CU":
		return ck.CKU_USER, envCUPassword, nil
	}
	return 0, "", usagef("--role %q: CO or CU", l.role)
}

// run logs the user in on the token in slot (a R/W session) and runs fn,
// then logs out and closes the session whatever fn returned.
func (l *quorumLogin) run(a *app, m *provider.Module, slot ck.SlotID, fn func(ck.SessionHandle) error) (err error) {
	if !validUserName.MatchString(l.user) {
		return usagef("--user %q: a user name is 1 to 31 letters, digits, '_', '.' or '-'", l.user)
	}
	ut, env, err := l.userType()
	if err != nil {
		return err
	}
	pw, err := secretSource{"password of " + l.user, env, l.passwordFile}.read(a.stdin, a.stderr, false)
	if err != nil {
		return err
	}
	h, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("opening a session: %w", err)
	}
	defer func() { err = errors.Join(err, ignoreRV(m.CloseSession(h), ck.CKR_SESSION_HANDLE_INVALID)) }()
	if err := m.LoginUser(h, ut, pw, []byte(l.user)); err != nil {
		return fmt.Errorf("login of %s: %w", l.user, err)
	}
	defer func() { err = errors.Join(err, ignoreRV(m.Logout(h), ck.CKR_USER_NOT_LOGGED_IN)) }()
	return fn(h)
}
