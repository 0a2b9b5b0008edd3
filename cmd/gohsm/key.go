package main

// key.go: `gohsm key ...`, the keys of a Crypto User: the login, finding keys
// by label or store ID, and the list/info/share/unshare/delete/set commands.
// Generation is in key_generate.go, import in key_import.go.

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/provider"
)

// cuLogin are --user and --pin-file: the Crypto User who runs a key command.
// With no --user, the token's default Crypto User logs in with a bare PIN.
type cuLogin struct {
	user, pinFile string
}

func (c *cuLogin) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.user, "user", "", "the Crypto User who logs in (default: the token's default user, with a bare PIN)")
	f.StringVar(&c.pinFile, "pin-file", "", "read the user's password from the first line of this file (else $"+envUserPIN+" or $"+envCUPassword+", else the terminal)")
}

func (c *cuLogin) who() string {
	if c.user == "" {
		return "the default user"
	}
	return c.user
}

// withCU opens the module, picks the token and runs fn with the Crypto User
// logged in, in a R/W session that is closed afterwards.
func withCU(a *app, cmd *cobra.Command, sel *tokenSelector, c *cuLogin, fn func(*provider.Module, ck.SessionHandle) error) (err error) {
	if c.user != "" && !validUserName.MatchString(c.user) {
		return usagef("--user %q: a user name is 1 to 31 letters, digits, '_', '.' or '-'", c.user)
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
	src := secretSource{"password of " + c.who(), envUserPIN, c.pinFile}
	if c.pinFile == "" && os.Getenv(envUserPIN) == "" && os.Getenv(envCUPassword) != "" {
		src.envVar = envCUPassword
	}
	pw, err := src.read(a.stdin, a.stderr, false)
	if err != nil {
		return err
	}
	h, err := m.OpenSession(s.slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("opening a session: %w", err)
	}
	defer func() { err = errors.Join(err, ignoreRV(m.CloseSession(h), ck.CKR_SESSION_HANDLE_INVALID)) }()
	if c.user == "" {
		err = m.Login(h, ck.CKU_USER, pw)
	} else {
		err = m.LoginUser(h, ck.CKU_USER, pw, []byte(c.user))
	}
	if errors.Is(err, ck.CKR_USER_TYPE_INVALID) {
		return fmt.Errorf("%s is not a Crypto User of this token; only Crypto Users own and use keys (%w)", c.who(), err)
	}
	if err != nil {
		return fmt.Errorf("login of %s: %w", c.who(), err)
	}
	defer func() { err = errors.Join(err, ignoreRV(m.Logout(h), ck.CKR_USER_NOT_LOGGED_IN)) }()
	return fn(m, h)
}

// keyRef names keys by --key (label) or --key-id (CKA_UNIQUE_ID, the store ID).
type keyRef struct {
	label, id string
}

func (k *keyRef) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&k.label, "key", "", "the label of the key (or key pair)")
	cmd.Flags().StringVar(&k.id, "key-id", "", "the key's store ID (UNIQUE ID in 'gohsm key list')")
}

func (k *keyRef) check() error {
	switch {
	case k.label != "" && k.id != "":
		return usagef("give --key or --key-id, not both")
	case k.label == "" && k.id == "":
		return usagef("name the key with --key LABEL or --key-id ID")
	case k.id != "":
		if _, err := strconv.ParseInt(k.id, 10, 64); err != nil {
			return usagef("--key-id %q is not a number", k.id)
		}
	}
	return nil
}

func (k *keyRef) String() string {
	if k.id != "" {
		return "key " + k.id
	}
	return fmt.Sprintf("key %q", k.label)
}

// keyObj is one key object found for a user.
type keyObj struct {
	h     ck.ObjectHandle
	class ck.ObjectClass
}

// find returns the key objects named (a pair gives two), keeping those whose
// class is in classes (all key classes when none is given).
func (k *keyRef) find(m *provider.Module, h ck.SessionHandle, classes ...ck.ObjectClass) ([]keyObj, error) {
	tmpl := ck.Template{{Type: ck.CKA_LABEL, Value: []byte(k.label)}}
	if k.id != "" {
		tmpl = ck.Template{{Type: ck.CKA_UNIQUE_ID, Value: []byte(k.id)}}
	}
	all, err := findKeys(m, h, tmpl)
	if err != nil {
		return nil, err
	}
	var out []keyObj
	for _, o := range all {
		if len(classes) == 0 || hasClass(classes, o.class) {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		if len(all) > 0 {
			return nil, fmt.Errorf("%s has no %s visible to this user", k, classNames(classes))
		}
		return nil, fmt.Errorf("no %s visible to this user (see 'gohsm key list')", k)
	}
	return out, nil
}

// one is find for commands that need exactly one object.
func (k *keyRef) one(m *provider.Module, h ck.SessionHandle, classes ...ck.ObjectClass) (ck.ObjectHandle, error) {
	objs, err := k.find(m, h, classes...)
	if err != nil {
		return 0, err
	}
	if len(objs) > 1 {
		return 0, fmt.Errorf("%d keys match %s; name one with --key-id (see 'gohsm key list')", len(objs), k)
	}
	return objs[0].h, nil
}

func hasClass(cs []ck.ObjectClass, c ck.ObjectClass) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

func classNames(cs []ck.ObjectClass) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += " or "
		}
		s += className(c) + " key"
	}
	return s
}

// findKeys returns the key objects matching tmpl that the session sees.
func findKeys(m *provider.Module, h ck.SessionHandle, tmpl ck.Template) ([]keyObj, error) {
	if err := m.FindObjectsInit(h, tmpl); err != nil {
		return nil, err
	}
	var found []ck.ObjectHandle
	for {
		hs, err := m.FindObjects(h, 256)
		if err != nil {
			m.FindObjectsFinal(h)
			return nil, err
		}
		if len(hs) == 0 {
			break
		}
		found = append(found, hs...)
	}
	if err := m.FindObjectsFinal(h); err != nil {
		return nil, err
	}
	var out []keyObj
	for _, oh := range found {
		res, err := m.GetAttributeValue(h, oh, []ck.AttributeType{ck.CKA_CLASS})
		if err != nil || res[0].Err != ck.CKR_OK {
			continue
		}
		v, err := ck.DecodeULong(res[0].Value)
		if err != nil {
			continue
		}
		if c := ck.ObjectClass(v); c == ck.CKO_PRIVATE_KEY || c == ck.CKO_PUBLIC_KEY || c == ck.CKO_SECRET_KEY {
			out = append(out, keyObj{oh, c})
		}
	}
	return out, nil
}

func className(c ck.ObjectClass) string {
	switch c {
	case ck.CKO_PRIVATE_KEY:
		return "private"
	case ck.CKO_PUBLIC_KEY:
		return "public"
	case ck.CKO_SECRET_KEY:
		return "secret"
	}
	return c.String()
}

func newKeyCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Generate, import, list, share and delete a Crypto User's keys",
		Long: `Manage keys as a Crypto User. --user names the user (default: the token's
default user, who logs in with a bare PIN); the password comes from --pin-file,
else $GOHSM_USER_PIN (or $GOHSM_USER_PASSWORD), else the terminal without echo.
Name a key with --key LABEL (a key pair shares its label) or --key-id ID,
the store ID that 'gohsm key list' shows.`,
		Args: noArgs,
		RunE: showHelp,
	}
	cmd.AddCommand(newKeyGenerateCmd(a), newKeyImportCmd(a), newKeyListCmd(a), newKeyInfoCmd(a),
		newKeySetCmd(a), newKeyShareCmd(a, true), newKeyShareCmd(a, false), newKeyDeleteCmd(a))
	return cmd
}

// keyView is one key as `key list` shows it.
type keyView struct {
	UniqueID   string   `json:"unique_id"`
	Label      string   `json:"label"`
	ID         string   `json:"id"`
	Class      string   `json:"class"`
	KeyType    string   `json:"key_type"`
	Size       int      `json:"size_bits,omitempty"`
	Owner      string   `json:"owner"`
	SharedWith []string `json:"shared_with"`
}

func describeKey(m *provider.Module, h ck.SessionHandle, o keyObj) keyView {
	res, _ := m.GetAttributeValue(h, o.h, []ck.AttributeType{ck.CKA_UNIQUE_ID, ck.CKA_LABEL, ck.CKA_ID, ck.CKA_KEY_TYPE,
		ck.CKA_MODULUS_BITS, ck.CKA_MODULUS, ck.CKA_VALUE_LEN, ck.CKA_EC_PARAMS})
	get := func(i int) []byte {
		if i < len(res) && res[i].Err == ck.CKR_OK {
			return res[i].Value
		}
		return nil
	}
	v := keyView{UniqueID: string(get(0)), Label: string(get(1)), ID: hex.EncodeToString(get(2)), Class: className(o.class), SharedWith: []string{}}
	kt := ck.KeyType(^uint64(0))
	if n, err := ck.DecodeULong(get(3)); err == nil {
		kt = ck.KeyType(n)
		v.KeyType = keyTypeName(kt)
	}
	switch {
	case kt == ck.CKK_RSA && get(4) != nil:
		n, _ := ck.DecodeULong(get(4))
		v.Size = int(n)
	case kt == ck.CKK_RSA && get(5) != nil:
		v.Size = len(trimZeros(get(5))) * 8
	case get(6) != nil:
		n, _ := ck.DecodeULong(get(6))
		v.Size = int(n) * 8
	case get(7) != nil:
		v.Size = curveBits(get(7))
	}
	if info, err := m.Shares(h, o.h); err == nil {
		v.Owner, v.SharedWith = info.Owner, info.SharedWith
	}
	return v
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

func keyTypeName(kt ck.KeyType) string {
	switch kt {
	case ck.CKK_RSA:
		return "RSA"
	case ck.CKK_EC:
		return "EC"
	case ck.CKK_EC_EDWARDS:
		return "EdDSA"
	case ck.CKK_AES:
		return "AES"
	case ck.CKK_GENERIC_SECRET:
		return "generic secret"
	}
	s := kt.String()
	if len(s) > 4 && s[:4] == "CKK_" {
		return s[4:]
	}
	return s
}

func newKeyListCmd(a *app) *cobra.Command {
	var (
		sel    tokenSelector
		cu     cuLogin
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the keys the user owns or that are shared with it",
		Example: `  GOHSM_USER_PIN=alice-pass gohsm key list --user alice
  gohsm key list --user alice --json | jq -r '.[] | select(.class=="private") | .label'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				objs, err := findKeys(m, h, nil)
				if err != nil {
					return fmt.Errorf("key list: %w", err)
				}
				vs := make([]keyView, len(objs))
				for i, o := range objs {
					vs[i] = describeKey(m, h, o)
				}
				if asJSON {
					return printJSON(a.stdout, vs)
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "UNIQUE ID\tLABEL\tID\tCLASS\tTYPE\tSIZE\tOWNER\tSHARED WITH")
				for _, v := range vs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.UniqueID, dash(v.Label), dash(v.ID), v.Class,
						dash(v.KeyType), sizeText(v.Size), dash(v.Owner), dash(joinNames(v.SharedWith)))
				}
				return tw.Flush()
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func sizeText(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func joinNames(ns []string) string {
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += ","
		}
		s += n
	}
	return s
}

func newKeyShareCmd(a *app, share bool) *cobra.Command {
	var (
		sel               tokenSelector
		cu                cuLogin
		key               keyRef
		with, quorumToken string
	)
	verb, use, op := "Share", "share", "key.share object=K user=N"
	if !share {
		verb, use, op = "Take back the share of", "unshare", "key.unshare object=K user=N"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: verb + " a key (both halves of a pair) with another Crypto User",
		Long: `Only the key's owner shares a key or takes a share back. A user a key is
shared with can find and use it within its usage flags, and cannot change,
copy, destroy, share, wrap or export it.`,
		Example: fmt.Sprintf(`  GOHSM_USER_PIN=alice-pass gohsm key %s --user alice --key signing --with bob
  gohsm key %s --user alice --key-id 12 --with bob --quorum-token 5f0c3e2a9b1d7c44`, use, use),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := key.check(); err != nil {
				return err
			}
			if err := checkUserName("--with", with); err != nil {
				return err
			}
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				objs, err := key.find(m, h)
				if err != nil {
					return err
				}
				for _, o := range objs {
					if err := attachQuorum(m, h, quorumToken); err != nil {
						return err
					}
					if share {
						err = m.ShareObject(h, o.h, with)
					} else {
						err = m.UnshareObject(h, o.h, with)
					}
					if err != nil {
						return fmt.Errorf("key %s: %w", use, err)
					}
				}
				if share {
					fmt.Fprintf(a.stdout, "Shared %s (%d objects) with %q.\n", &key, len(objs), with)
				} else {
					fmt.Fprintf(a.stdout, "Took back the share of %s (%d objects) from %q.\n", &key, len(objs), with)
				}
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	key.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&with, "with", "", "the Crypto User (required)")
	f.StringVar(&quorumToken, "quorum-token", "", fmt.Sprintf("an approved quorum token for %q", op))
	return cmd
}

func newKeyDeleteCmd(a *app) *cobra.Command {
	var (
		sel         tokenSelector
		cu          cuLogin
		key         keyRef
		quorumToken string
	)
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Destroy a key (both halves of a pair named by label)",
		Example: `  GOHSM_USER_PIN=alice-pass gohsm key delete --user alice --key old-signing
  gohsm key delete --user alice --key-id 12 --quorum-token 5f0c3e2a9b1d7c44`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := key.check(); err != nil {
				return err
			}
			return withCU(a, cmd, &sel, &cu, func(m *provider.Module, h ck.SessionHandle) error {
				objs, err := key.find(m, h)
				if err != nil {
					return err
				}
				for _, o := range objs {
					if err := attachQuorum(m, h, quorumToken); err != nil {
						return err
					}
					if err := m.DestroyObject(h, o.h); err != nil {
						return fmt.Errorf("key delete (%s key): %w", className(o.class), err)
					}
				}
				fmt.Fprintf(a.stdout, "Destroyed %s (%d objects).\n", &key, len(objs))
				return nil
			})
		},
	}
	sel.addFlags(cmd)
	cu.addFlags(cmd)
	key.addFlags(cmd)
	cmd.Flags().StringVar(&quorumToken, "quorum-token", "", `an approved quorum token for "key.destroy object=K"`)
	return cmd
}
