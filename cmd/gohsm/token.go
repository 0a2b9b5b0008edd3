package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newTokenCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and describe tokens",
		Args:  noArgs,
		RunE:  showHelp,
	}
	cmd.AddCommand(
		newTokenListCmd(a),
		newTokenInfoCmd(a),
		newTokenInitCmd(a),
		newTokenInitPINCmd(a),
	)
	return cmd
}

func newTokenListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the slots and their tokens",
		Long: `List every slot and its token, including the one slot that always holds an
uninitialised token for 'gohsm token init' (and C_InitToken).`,
		Example: `  gohsm token list
  gohsm token list --json | jq '.[] | select(.initialized) | .label'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, _, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			slots, err := allSlots(m)
			if err != nil {
				return err
			}
			views := make([]tokenView, 0, len(slots))
			for _, s := range slots {
				views = append(views, newTokenView(s, false))
			}
			if asJSON {
				return printJSON(a.stdout, views)
			}
			return printTokenTable(a.stdout, views)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printTokenTable(w io.Writer, views []tokenView) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLOT\tSERIAL\tLABEL\tSTATE")
	for _, v := range views {
		serial, label := v.Serial, v.Label
		if !v.Initialized {
			serial, label = "-", "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", v.Slot, serial, label, v.State)
	}
	return tw.Flush()
}

func newTokenInfoCmd(a *app) *cobra.Command {
	var sel tokenSelector
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Describe one token",
		Long: `Describe one token (C_GetTokenInfo). Name it with --slot or --label; with
neither, the only initialised token is described.`,
		Example: `  gohsm token info --label demo
  gohsm token info --slot 1 --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, _, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			s, err := sel.pick(cmd, m)
			if err != nil {
				return err
			}
			v := newTokenView(s, true)
			if asJSON {
				return printJSON(a.stdout, v)
			}
			return printTokenInfo(a.stdout, v)
		},
	}
	sel.addFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printTokenInfo(w io.Writer, v tokenView) error {
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	row := func(k, format string, a ...any) { fmt.Fprintf(tw, "%s:\t"+format+"\n", append([]any{k}, a...)...) }
	row("Slot", "%d", v.Slot)
	row("Label", "%s", v.Label)
	row("Serial", "%s", v.Serial)
	row("Manufacturer", "%s", v.Manufacturer)
	row("Model", "%s", v.Model)
	row("State", "%s", v.State)
	row("Flags", "%s", strings.Join(v.Flags, ", "))
	row("Sessions", "%s", countText(*v.Sessions))
	row("R/W sessions", "%s", countText(*v.RWSessions))
	row("PIN length", "%s to %s", numText(v.PINLength.Min), numText(v.PINLength.Max))
	row("Hardware version", "%s", v.Hardware)
	row("Firmware version", "%s", v.Firmware)
	return tw.Flush()
}

func numText(n int64) string {
	if n < 0 {
		return "unknown"
	}
	return fmt.Sprint(n)
}

func countText(p countPair) string {
	if p.Max == 0 { // CK_EFFECTIVELY_INFINITE
		return fmt.Sprintf("%s open (no limit)", numText(p.Current))
	}
	return fmt.Sprintf("%s open (max %s)", numText(p.Current), numText(p.Max))
}
