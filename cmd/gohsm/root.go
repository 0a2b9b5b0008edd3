package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/config"
	"github.com/gohsm/gohsm/provider"
)

// app is what every command shares: the streams and the global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	configPath string // --config: overrides $GOHSM_CONF
	storeDir   string // --dir: overrides $GOHSM_DIR and store_dir
	command    string // the command being run ("gohsm token init"), for audit records
}

const rootLong = `gohsm administers the tokens of gohsm, a software HSM that applications load
as the PKCS#11 library libgohsm.so. It works on the same store as the library.

Configuration: the file named by $GOHSM_CONF (or --config), else
/etc/gohsm/gohsm.toml when it exists; $GOHSM_DIR (or --dir) names the store
directory and is enough on its own.

Exit codes: 0 success, 1 error, 2 usage error.`

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "gohsm",
		Short: "Administer gohsm tokens",
		Long:  rootLong,
		Example: `  export GOHSM_DIR=$HOME/hsm
  GOHSM_CO_PASSWORD=secret gohsm token init --label demo
  GOHSM_CO_PASSWORD=secret GOHSM_USER_PIN=1234 gohsm token init-pin --label demo
  gohsm token list`,
		Version:       provider.Version.String(),
		SilenceUsage:  true, // errors are reported once, by reportError
		SilenceErrors: true,
		Args:          noArgs,
		RunE:          showHelp,
	}
	root.SetVersionTemplate("gohsm {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err.Error()} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "configuration file (default $GOHSM_CONF, else "+config.DefaultPath+" if present)")
	pf.StringVar(&a.storeDir, "dir", "", "store directory (default $GOHSM_DIR, else store_dir from the configuration)")

	// Each group lives in its own file; issue 6 adds user, key, quorum, audit and backup here.
	root.AddCommand(
		newTokenCmd(a),
		newStatusCmd(a),
		newVersionCmd(a),
		newAuditCmd(a),
		newQuorumCmd(a),
		newBackupCmd(a),
		newUserCmd(a),
		newKeyCmd(a),
		newCryptoCmd(a),
	)
	addTokenDelete(a, root) // token_delete.go
	return root
}

// noArgs rejects positional arguments as a usage error (exit 2).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		if cmd.HasSubCommands() {
			return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
		}
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// showHelp is the action of a command group called without a subcommand.
func showHelp(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// loadConfig applies --config and --dir over the environment (config.Load).
func (a *app) loadConfig() (config.Config, error) {
	var cfg config.Config
	var err error
	if a.configPath != "" {
		cfg, err = config.LoadFile(a.configPath, true)
	} else {
		cfg, err = config.Load()
	}
	if err != nil {
		return cfg, err
	}
	if a.storeDir != "" {
		cfg.StoreDir = a.storeDir
		err = cfg.Validate()
	}
	return cfg, err
}

// openModule loads the configuration and opens the store, as C_Initialize would.
func (a *app) openModule() (*provider.Module, config.Config, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, cfg, err
	}
	m, err := provider.New(provider.Options{Config: &cfg})
	if err != nil {
		return nil, cfg, fmt.Errorf("cannot open the store in %s: %w", cfg.StoreDir, err)
	}
	m.SetAuditCommand(a.command)
	return m, cfg, nil
}
