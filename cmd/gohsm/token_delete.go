package main

// token_delete.go: `gohsm token delete`, removing a token for good
// (provider.Module.DeleteToken). root.go calls addTokenDelete, so that
// token.go (another owner's file) needs no change.

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newTokenDeleteCmd(a *app) *cobra.Command {
	var (
		sel                  tokenSelector
		coName, passwordFile string
		yes                  bool
	)
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete a token with all its users and keys",
		Long: `Delete a token for good: every user, key, share and quorum setting on it. A
Crypto Officer's password authorises it (--co-name, default admin; from
--password-file, else $GOHSM_CO_PASSWORD, else the terminal), and --yes
confirms it. The token's audit records stay. Keys that were backed up come back
only through 'gohsm backup restore'. Applications must have closed their
sessions on the token.`,
		Example: `  GOHSM_CO_PASSWORD=secret gohsm token delete --label old --yes
  gohsm token delete --slot 2 --co-name officer2 --password-file co.txt --yes`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("slot") && !cmd.Flags().Changed("label") {
				return usagef("name the token to delete with --slot or --label")
			}
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
			if !s.initialized() {
				return fmt.Errorf("slot %d holds no initialised token", s.slot)
			}
			if !yes {
				return fmt.Errorf("deleting token %q (slot %d, serial %s) destroys all its users and keys: add --yes to confirm",
					s.label(), s.slot, trim(s.info.SerialNumber))
			}
			pw, err := secretSource{"Crypto Officer password", envCOPassword, passwordFile}.read(a.stdin, a.stderr, false)
			if err != nil {
				return err
			}
			if err := m.DeleteToken(s.slot, namedPIN(coName, pw)); err != nil {
				return fmt.Errorf("token delete: %w", err)
			}
			fmt.Fprintf(a.stdout, "Deleted token %q (slot %d, serial %s).\n", s.label(), s.slot, trim(s.info.SerialNumber))
			return nil
		},
	}
	sel.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&coName, "co-name", defaultCOName, "name of the Crypto Officer who authorises the deletion")
	f.StringVar(&passwordFile, "password-file", "", "read the Crypto Officer password from the first line of this file")
	f.BoolVar(&yes, "yes", false, "confirm the deletion")
	return cmd
}

// addTokenDelete adds `delete` to the token group built in token.go.
func addTokenDelete(a *app, root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() == "token" {
			c.AddCommand(newTokenDeleteCmd(a))
		}
	}
}
