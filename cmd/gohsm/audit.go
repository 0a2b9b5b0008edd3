package main

// audit.go: `gohsm audit show|verify|export`, reading the tamper-evident
// audit log of the store (package audit). Reading needs access to the store
// directory, nothing more; verify needs its hsm.secret too.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gohsm/gohsm/audit"
	"github.com/gohsm/gohsm/provider"
	"github.com/gohsm/gohsm/store"
)

func newAuditCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show, verify and export the audit log",
		Long: `Every login and failed login, user change, key creation, import, copy,
destruction, attribute change, share, wrap, unwrap and derivation is recorded
in the store's audit log, with the time (UTC), token, user and role, process,
function or command, object and result; with [audit] key_use = true in the
configuration, every use of a key too. No PIN, password or key byte is ever
recorded.

Each token's records form a chain: every record carries an HMAC-SHA256 over
the previous record's MAC and its own content, under a key derived from the
installation secret (hsm.secret in the store directory). 'gohsm audit verify'
recomputes the chains and names the first record that was edited, deleted,
inserted or reordered.`,
		Example: `  gohsm audit show --since 24h
  gohsm audit verify
  gohsm audit export --follow | logger -t gohsm-audit`,
		Args: noArgs,
		RunE: showHelp,
	}
	cmd.AddCommand(newAuditShowCmd(a), newAuditVerifyCmd(a), newAuditExportCmd(a))
	return cmd
}

// auditFilter is the selection flags that show and export share.
type auditFilter struct {
	token, user, since string
}

func (f *auditFilter) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.token, "token", "", "records of one token: its serial number or label")
	cmd.Flags().StringVar(&f.user, "user", "", "records of one user (who acted, or whom a login tried)")
	cmd.Flags().StringVar(&f.since, "since", "", "records from this time on: RFC 3339 (2026-11-25T08:00:00Z), a date (2026-11-25), or an age (90m, 24h)")
}

// query turns the flags into a store query.
func (f *auditFilter) query(m *provider.Module, now time.Time) (store.AuditQuery, error) {
	var q store.AuditQuery
	q.User = f.user
	if f.token != "" {
		serial := f.token
		if slots, err := allSlots(m); err == nil {
			for _, s := range slots {
				if s.initialized() && (strings.TrimSpace(s.info.SerialNumber) == f.token || s.label() == f.token) {
					serial = strings.TrimSpace(s.info.SerialNumber)
					break
				}
			}
		}
		q.Serial = &serial // an unknown name may be a deleted token's serial
	}
	if f.since != "" {
		t, err := parseSince(f.since, now)
		if err != nil {
			return q, err
		}
		q.Since = t
	}
	return q, nil
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usagef("--since %q is not a time (2026-11-25T08:00:00Z, 2026-11-25) or an age (90m, 24h)", s)
}

func newAuditShowCmd(a *app) *cobra.Command {
	var f auditFilter
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show audit records, oldest first",
		Long: `Show the newest audit records (--limit, default 50; 0 for all) that match the
filters, oldest first, as a table or as a JSON array.`,
		Example: `  gohsm audit show
  gohsm audit show --user alice --since 24h
  gohsm audit show --token 3f2a9c0e1b4d5a6f --limit 0 --json | jq '.[] | select(.result != "CKR_OK")'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return usagef("--limit must be 0 (all) or more")
			}
			m, _, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			q, err := f.query(m, time.Now())
			if err != nil {
				return err
			}
			q.Limit = limit
			entries := []audit.Entry{}
			if err := m.AuditRecords(q, func(r store.AuditRecord) error {
				entries = append(entries, audit.EntryOf(r))
				return nil
			}); err != nil {
				return fmt.Errorf("reading the audit log: %w", err)
			}
			if asJSON {
				return printJSON(a.stdout, entries)
			}
			return printAuditTable(a.stdout, entries)
		},
	}
	f.addFlags(cmd)
	cmd.Flags().IntVar(&limit, "limit", 50, "show at most this many of the newest records (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func printAuditTable(w io.Writer, es []audit.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME (UTC)\tTOKEN\tUSER\tROLE\tPROCESS\tOPERATION\tOBJECT\tRESULT")
	for _, e := range es {
		t, _ := time.Parse(time.RFC3339Nano, e.Time)
		op := e.Op
		if e.Command != "" {
			op += " (" + e.Command + ")"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s[%d]\t%s\t%s\t%s\n", e.ID, t.Format("2006-01-02 15:04:05.000"),
			dash(e.Token), dash(e.User), dash(e.Role), e.Exe, e.PID, op, dash(objectText(e)), e.Result)
	}
	return tw.Flush()
}

// objectText sums up a record's object and target for the table.
func objectText(e audit.Entry) string {
	var parts []string
	if e.Object != 0 {
		parts = append(parts, fmt.Sprintf("%d", e.Object))
	}
	if e.Class != "" {
		parts = append(parts, e.Class)
	}
	if e.Label != "" {
		parts = append(parts, fmt.Sprintf("%q", e.Label))
	}
	if e.Target != "" {
		parts = append(parts, "["+e.Target+"]")
	}
	return strings.Join(parts, " ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newAuditVerifyCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that no audit record was edited, deleted, inserted or reordered",
		Long: `Recompute every chain of the audit log with the installation secret and name
the first bad record of each damaged chain. Exit code 0 when every chain is
intact, 1 when one is not (or the log cannot be read).`,
		Example: `  gohsm audit verify
  gohsm audit verify --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, _, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			rep, err := m.VerifyAudit()
			if err != nil {
				return fmt.Errorf("verifying the audit log: %w", err)
			}
			if asJSON {
				if err := printJSON(a.stdout, rep); err != nil {
					return err
				}
			} else if rep.OK() {
				fmt.Fprintf(a.stdout, "audit log intact: %d records in %d chains\n", rep.Records, rep.Chains)
			} else {
				for _, p := range rep.Problems {
					fmt.Fprintln(a.stdout, p.String())
				}
				if allFirstRecords(rep) {
					fmt.Fprintf(a.stdout, "every chain fails at its first record: is %s/hsm.secret the installation secret this log was written with?\n", m.StoreDir())
				}
			}
			if !rep.OK() {
				return fmt.Errorf("audit log damaged: %d of %d chains fail verification (first: %s)", len(rep.Problems), rep.Chains, rep.Problems[0])
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// allFirstRecords reports whether every chain failed at its first record:
// the sign of a replaced or foreign hsm.secret rather than of edits.
func allFirstRecords(rep audit.Report) bool {
	if len(rep.Problems) == 0 || len(rep.Problems) != rep.Chains {
		return false
	}
	for _, p := range rep.Problems {
		if p.Seq != 1 || p.Kind != audit.KindEdited {
			return false
		}
	}
	return true
}

func newAuditExportCmd(a *app) *cobra.Command {
	var f auditFilter
	var follow bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write audit records as JSON lines (and follow new ones)",
		Long: `Write every audit record that matches the filters to standard output, one JSON
object a line, oldest first: for syslog, a SIEM or a file. With --follow, keep
polling the store and print new records as they are written, like tail -f,
until interrupted (SIGINT, SIGTERM).`,
		Example: `  gohsm audit export > audit.jsonl
  gohsm audit export --since 2026-11-25 --user alice
  gohsm audit export --follow | logger -t gohsm-audit`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if interval <= 0 {
				return usagef("--interval must be positive")
			}
			m, _, err := a.openModule()
			if err != nil {
				return err
			}
			defer m.Close()
			q, err := f.query(m, time.Now())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return exportAudit(ctx, m, q, a.stdout, follow, interval)
		},
	}
	f.addFlags(cmd)
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new records as they are written")
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "with --follow, how often to look for new records")
	return cmd
}

// exportAudit writes the selected records as JSON lines; with follow it polls
// for records with a higher ID until ctx ends.
func exportAudit(ctx context.Context, m *provider.Module, q store.AuditQuery, w io.Writer, follow bool, interval time.Duration) error {
	enc := json.NewEncoder(w)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := m.AuditRecords(q, func(r store.AuditRecord) error {
			q.AfterID = r.ID
			return enc.Encode(audit.EntryOf(r))
		})
		if err != nil {
			return fmt.Errorf("exporting the audit log: %w", err)
		}
		if !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
