package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/provider"
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print gohsm's version and the PKCS#11 version it implements",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(a.stdout, "gohsm %s (PKCS#11 %s)\n", provider.Version, provider.CryptokiVersion)
			return nil
		},
	}
}

// statusView is what `gohsm status` reports.
type statusView struct {
	Version         string `json:"version"`
	CryptokiVersion string `json:"cryptoki_version"`
	ConfigFile      string `json:"config_file"` // "" when only defaults are in use
	StoreDir        string `json:"store_dir"`
	LogLevel        string `json:"log_level"`
	LogFile         string `json:"log_file"`
	Slots           int    `json:"slots"`
	Tokens          int    `json:"tokens"` // initialised tokens
}

func newStatusCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the configuration in use and the store's tokens",
		Long: `Show which configuration file is in use, where the store is, and how many
tokens it holds. A bad configuration is reported here with exit code 1.`,
		Example: `  gohsm status
  GOHSM_CONF=/etc/gohsm/test.toml gohsm status --json`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			m, cfg, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			slots, err := allSlots(m)
			if err != nil {
				return err
			}
			v := statusView{
				Version:         provider.Version.String(),
				CryptokiVersion: provider.CryptokiVersion.String(),
				ConfigFile:      cfg.Source,
				StoreDir:        cfg.StoreDir,
				LogLevel:        cfg.Log.Level,
				LogFile:         cfg.Log.File,
				Slots:           len(slots),
			}
			for _, s := range slots {
				if s.initialized() {
					v.Tokens++
				}
			}
			if asJSON {
				return printJSON(a.stdout, v)
			}
			conf := v.ConfigFile
			if conf == "" {
				conf = "none (built-in defaults)"
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 1, ' ', 0)
			fmt.Fprintf(tw, "Version:\tgohsm %s (PKCS#11 %s)\n", v.Version, v.CryptokiVersion)
			fmt.Fprintf(tw, "Configuration:\t%s\n", conf)
			fmt.Fprintf(tw, "Store:\t%s\n", v.StoreDir)
			fmt.Fprintf(tw, "Log:\t%s to %s\n", v.LogLevel, v.LogFile)
			fmt.Fprintf(tw, "Tokens:\t%d initialised, %d slots\n", v.Tokens, v.Slots)
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
