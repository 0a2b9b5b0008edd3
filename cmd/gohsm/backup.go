package main

// backup.go: `gohsm backup create|restore|list` (store/backup).

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gohsm/gohsm/audit"
	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/backup"
)

const backupLong = `A backup is one file holding the whole store: every token, user (with its
wrapped master key), object (with its sealed values, owner and shares), quorum
state and the audit log. It is encrypted and authenticated with AES-256-GCM
under a random key, which is wrapped under the installation secret
(<store dir>/hsm.secret). A backup therefore restores only into the
installation it came from, or into a directory given the same secret on
purpose: copy hsm.secret there (mode 0600), or give 'restore --secret-file'.
Keep hsm.secret apart from the backups: whoever holds both holds the store
(still sealed under each user's password).

Non-extractable keys leave the store only this way, inside such a file.`

func newBackupCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Encrypted backups of the whole store",
		Long:  backupLong,
		Args:  noArgs,
		RunE:  showHelp,
	}
	cmd.AddCommand(newBackupCreateCmd(a), newBackupRestoreCmd(a), newBackupListCmd(a))
	return cmd
}

// backupView is a backup's header for people and --json.
type backupView struct {
	File         string         `json:"file,omitempty"`
	Size         int64          `json:"size,omitempty"`
	Format       int            `json:"format"`
	Installation string         `json:"installation"`
	Created      time.Time      `json:"created"`
	Tokens       []backup.Token `json:"tokens"`
	Users        int            `json:"users"`
	Objects      int            `json:"objects"`
	Error        string         `json:"error,omitempty"`
}

func newBackupView(path string, size int64, h backup.Header) backupView {
	return backupView{File: path, Size: size, Format: h.Format, Installation: h.Installation, Created: h.Created,
		Tokens: h.Tokens, Users: h.Users, Objects: h.Objects}
}

func (a *app) storeDirOnly() (string, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return "", err
	}
	return cfg.StoreDir, nil
}

// recordBackupEvent appends an audit record to the store in dir.
func (a *app) recordBackupEvent(op, user, target string, result error) {
	m, _, err := a.openModule()
	if err != nil {
		return
	}
	defer m.Close()
	slots, err := allSlots(m)
	if err != nil {
		return
	}
	var role store.Role
	if user != "" {
		role = store.RoleCO
	}
	for _, s := range slots {
		if !s.initialized() {
			continue
		}
		m.RecordAudit(audit.Event{Serial: trim(s.info.SerialNumber), User: user, Role: role, Op: op, Target: target, Result: result})
	}
}

func newBackupCreateCmd(a *app) *cobra.Command {
	var out, outDir string
	var every time.Duration
	var keep, count int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Write a backup of the store (once, or on a schedule)",
		Long: `Write a backup of the whole store to -o FILE (written to a temporary file,
then renamed). The store is read in one consistent snapshot while
applications keep running. No login is needed: the file holds only what the
store already holds sealed, and only this installation's secret opens it.

With --every, run as a scheduler (for a daemon, or a cron job with --count 1):
a backup into --out-dir at once and then every interval, named
gohsm-<UTC time>.gohsmbak, keeping the newest --keep of them. --count stops
after that many backups; SIGINT or SIGTERM stop it between backups.`,
		Example: `  gohsm backup create -o /var/backups/gohsm.gohsmbak
  gohsm backup create --every 24h --keep 90 --out-dir /var/backups/gohsm
  gohsm backup create --every 1h --count 1 --keep 24 --out-dir /var/backups/gohsm   # from cron`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := a.storeDirOnly()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("every") {
				if outDir == "" || out != "" {
					return usagef("--every writes into --out-dir (and not -o)")
				}
				if every <= 0 || keep < 0 || count < 0 {
					return usagef("--every must be positive, --keep and --count not negative")
				}
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				return backup.Schedule(ctx, dir, outDir, every, keep, count, func(p string, h backup.Header) {
					a.recordBackupEvent("backup create", "", filepath.Base(p), nil)
					if asJSON {
						printJSON(a.stdout, newBackupView(p, 0, h))
					} else {
						fmt.Fprintf(a.stdout, "%s  %s: %d tokens, %d users, %d objects\n", time.Now().UTC().Format(time.RFC3339), p, len(h.Tokens), h.Users, h.Objects)
					}
				})
			}
			if out == "" {
				return usagef("-o FILE (or --every with --out-dir) is required")
			}
			if cmd.Flags().Changed("keep") || cmd.Flags().Changed("count") || outDir != "" {
				return usagef("--keep, --count and --out-dir go with --every")
			}
			bar := newBackupProgress(a.stderr, "backup")
			h, err := backup.CreateFile(dir, out, bar.update)
			bar.finish()
			a.recordBackupEvent("backup create", "", filepath.Base(out), err)
			if err != nil {
				return fmt.Errorf("backup create: %w", err)
			}
			st, _ := os.Stat(out)
			var size int64
			if st != nil {
				size = st.Size()
			}
			if asJSON {
				return printJSON(a.stdout, newBackupView(out, size, h))
			}
			fmt.Fprintf(a.stdout, "Wrote %s: %d tokens, %d users, %d objects (installation %s).\n", out, len(h.Tokens), h.Users, h.Objects, h.Installation)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "", "the backup file to write")
	f.DurationVar(&every, "every", 0, "scheduled mode: the interval between backups (such as 24h)")
	f.StringVar(&outDir, "out-dir", "", "scheduled mode: the directory of the backups")
	f.IntVar(&keep, "keep", 90, "scheduled mode: how many of the newest backups to keep (0: all)")
	f.IntVar(&count, "count", 0, "scheduled mode: stop after this many backups (0: never)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newBackupRestoreCmd(a *app) *cobra.Command {
	var in, secretFile, coName, passwordFile, quorumToken string
	var force, asJSON bool
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Restore a backup into the store directory",
		Long: `Restore a backup into the store directory (--dir, $GOHSM_DIR or store_dir).

First the whole file is authenticated (a damaged or modified file, or one of
another installation, is refused and nothing changes), and the Crypto
Officer given (--co-name, password from --password-file, $GOHSM_CO_PASSWORD or
the terminal) must be an officer of a token in the backup. The target must
hold no token, or --force replaces its whole store in one transaction; then
the same officer must also log in to each of the target's tokens, and a token
with quorum on for "backup" needs --quorum-token approved for
"backup.restore sha256=<the backup file's SHA-256>".

A fresh directory has no hsm.secret: give --secret-file with a copy of the
source installation's hsm.secret (it is installed there), or copy it
yourself. Stop applications using the store before a forced restore: their
cached state predates it.`,
		Example: `  gohsm --dir /srv/hsm-new backup restore -i hsm.gohsmbak --secret-file /secure/hsm.secret
  GOHSM_CO_PASSWORD=... gohsm backup restore -i hsm.gohsmbak --force --quorum-token 5f0c3e2a9b1d7c44`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" {
				return usagef("-i FILE is required")
			}
			if err := checkCOName(coName); err != nil {
				return err
			}
			dir, err := a.storeDirOnly()
			if err != nil {
				return err
			}
			if _, err := os.Stat(in); err != nil {
				return err
			}
			pw, err := secretSource{"Crypto Officer password", envCOPassword, passwordFile}.read(a.stdin, a.stderr, false)
			if err != nil {
				return err
			}
			bar := newBackupProgress(a.stderr, "restore")
			h, err := backup.Restore(backup.RestoreOptions{
				File: in, Dir: dir, SecretFile: secretFile, Force: force, Officer: coName, Password: pw,
				Progress: bar.update,
				Authorize: func(o *backup.Opened, has bool) error {
					bar.finish()
					if !has {
						return nil
					}
					return a.authorizeRestore(coName, pw, quorumToken, o.SHA256)
				},
			})
			bar.finish()
			if err != nil {
				return fmt.Errorf("backup restore: %w", err)
			}
			a.recordBackupEvent("backup restore", coName, filepath.Base(in), nil)
			if asJSON {
				return printJSON(a.stdout, newBackupView(in, 0, h))
			}
			fmt.Fprintf(a.stdout, "Restored %s into %s: %d tokens, %d users, %d objects (backup of %s).\n",
				in, dir, len(h.Tokens), h.Users, h.Objects, h.Created.Format(time.RFC3339))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&in, "in", "i", "", "the backup file")
	f.StringVar(&secretFile, "secret-file", "", "a copy of the source installation's hsm.secret, for a directory without one")
	f.BoolVar(&force, "force", false, "replace a store that holds tokens")
	f.StringVar(&coName, "co-name", defaultCOName, "a Crypto Officer of the backup's tokens")
	f.StringVar(&passwordFile, "password-file", "", "read the Crypto Officer password from the first line of this file")
	f.StringVar(&quorumToken, "quorum-token", "", "an approved quorum token, when the target's tokens have backup quorum on")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// authorizeRestore logs the officer in to every token of the target store
// and checks its backup quorum (provider.AuthorizeRestore).
func (a *app) authorizeRestore(coName string, pw []byte, quorumToken, digest string) error {
	m, _, err := a.openModule()
	if err != nil {
		return err
	}
	defer m.Close()
	slots, err := allSlots(m)
	if err != nil {
		return err
	}
	for _, s := range slots {
		if !s.initialized() {
			continue
		}
		err := asCO(m, s.slot, coName, pw, func(h ck.SessionHandle) error {
			if quorumToken != "" {
				if err := m.UseQuorumToken(h, quorumToken); err != nil {
					return err
				}
			}
			return m.AuthorizeRestore(h, digest)
		})
		if err != nil {
			return fmt.Errorf("token %q of the target: %w", s.label(), err)
		}
	}
	return nil
}

func newBackupListCmd(a *app) *cobra.Command {
	var in string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the backups in a directory",
		Long: `List the backup files (*.gohsmbak) of a directory, newest first, with what
their headers say. Headers are read, not authenticated: restore checks them.`,
		Example: `  gohsm backup list --in /var/backups/gohsm
  gohsm backup list --in /var/backups/gohsm --json | jq '.[0].file'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			es, err := backup.List(in)
			if err != nil {
				return err
			}
			vs := make([]backupView, 0, len(es))
			for _, e := range es {
				v := newBackupView(e.Path, e.Size, e.Header)
				if e.Err != nil {
					v.Error = e.Err.Error()
				}
				vs = append(vs, v)
			}
			if asJSON {
				return printJSON(a.stdout, vs)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CREATED\tFILE\tSIZE\tINSTALLATION\tTOKENS\tUSERS\tOBJECTS")
			for _, v := range vs {
				if v.Error != "" {
					fmt.Fprintf(tw, "-\t%s\t%d\t-\t-\t-\t- (%s)\n", v.File, v.Size, v.Error)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%d\n", v.Created.Format(time.RFC3339), v.File, v.Size, v.Installation, len(v.Tokens), v.Users, v.Objects)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&in, "in", ".", "the directory of the backups")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// backupProgress draws "[#####.....]  45%  12.0/27.0 MiB" on a terminal, at
// most ten times a second; on anything else it draws nothing.
type backupProgress struct {
	w     io.Writer
	what  string
	on    bool
	last  time.Time
	drawn bool
}

func newBackupProgress(w io.Writer, what string) *backupProgress {
	f, ok := w.(*os.File)
	return &backupProgress{w: w, what: what, on: ok && term.IsTerminal(int(f.Fd()))}
}

// update is a backup.Progress.
func (p *backupProgress) update(done, total int64) {
	if !p.on || (time.Since(p.last) < 100*time.Millisecond && done < total) {
		return
	}
	p.last = time.Now()
	const width = 30
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %.1f/%.1f MiB", p.what, strings.Repeat("#", n), strings.Repeat(".", width-n),
		int(frac*100), float64(done)/(1<<20), float64(total)/(1<<20))
	p.drawn = true
}

// finish ends the bar's line.
func (p *backupProgress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
