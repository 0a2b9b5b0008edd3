package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/miekg/pkcs11"
)

// The object-scale rows run in one child process per object count: each
// child loads every module with a fresh token, fills the stores, and
// measures the modules interleaved, as the main process does.
var scaleRowIDs = []string{"scale-find", "scale-getattr", "scale-login"}

type scaleOut struct {
	Results []Result `json:"results"`
	Notes   []string `json:"notes"`
}

const needleLabel = "needle"

func wantScale(filter string) bool {
	for _, id := range scaleRowIDs {
		if match(filter, id+"-") {
			return true
		}
	}
	return false
}

func runScaleChildren(cfg Config, logw io.Writer) ([]Result, []string) {
	if !wantScale(cfg.Rows) {
		return nil, nil
	}
	var res []Result
	var notes []string
	for _, n := range cfg.ScaleCounts {
		fmt.Fprintf(logw, "scale: %d objects (child process)\n", n)
		cmd, err := childCmd("scale", cfg, fmt.Sprintf("%s=%d", envN, n))
		if err != nil {
			notes = append(notes, fmt.Sprintf("scale %d: %v", n, err))
			continue
		}
		var stdout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, logw
		if err := cmd.Run(); err != nil {
			notes = append(notes, fmt.Sprintf("object scale with %d objects: the child process failed: %v", n, err))
			continue
		}
		var out scaleOut
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			notes = append(notes, fmt.Sprintf("object scale with %d objects: bad child output: %v", n, err))
			continue
		}
		res = append(res, out.Results...)
		for _, s := range out.Notes {
			if !contains(notes, s) {
				notes = append(notes, s)
			}
		}
	}
	return res, notes
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func scaleChild() int {
	cfg, err := childConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	n, err := childInt(envN)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	out := runScale(cfg, n, os.Stderr)
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		return 1
	}
	return 0
}

func runScale(cfg Config, n int, logw io.Writer) scaleOut {
	var out scaleOut
	var cols []column
	needles := map[string]pkcs11.ObjectHandle{}
	na := map[string]string{}
	for _, m := range cfg.Modules {
		t, err := Open(m, filepath.Join(cfg.WorkDir, fmt.Sprintf("scale-%d", n), m.Name), true)
		if err != nil {
			cols = append(cols, column{name: m.Name, na: err.Error()})
			continue
		}
		defer t.Close()
		cols = append(cols, column{name: m.Name, t: t})
		start := time.Now()
		note, why, err := populate(t, n, cfg)
		switch {
		case err != nil:
			na[m.Name] = fmt.Sprintf("filling the store failed: %v", err)
		case why != "":
			na[m.Name] = why
		default:
			fmt.Fprintf(logw, "  %s: %d objects in %.1f s\n", m.Name, n, time.Since(start).Seconds())
			out.Notes = append(out.Notes, note)
			if needles[m.Name], err = findNeedle(t, t.Session()); err != nil {
				na[m.Name] = err.Error()
			}
		}
	}
	rows := []Row{
		{ID: fmt.Sprintf("scale-find-%d", n), Name: fmt.Sprintf("C_FindObjects by label, 1 of %d objects", n),
			Prep: func(t *Target) (Op, error) {
				return checked(t, Op{Run: func(s pkcs11.SessionHandle) error { _, err := findNeedle(t, s); return err }})
			}},
		{ID: fmt.Sprintf("scale-getattr-%d", n), Name: fmt.Sprintf("C_GetAttributeValue, %d objects", n),
			Prep: func(t *Target) (Op, error) {
				h := needles[t.Name]
				return checked(t, Op{Run: func(s pkcs11.SessionHandle) error {
					_, err := t.P.GetAttributeValue(s, h, []*pkcs11.Attribute{attr(pkcs11.CKA_LABEL, nil), attr(pkcs11.CKA_VALUE, nil)})
					return err
				}})
			}},
		{ID: fmt.Sprintf("scale-login-%d", n), Name: fmt.Sprintf("C_Initialize+slot lookup+C_OpenSession+C_Login, %d objects", n),
			Prep: loginPrep},
	}
	for _, r := range rows {
		if !match(cfg.Rows, r.ID) {
			continue
		}
		rowCols := make([]column, len(cols))
		for i, c := range cols {
			rowCols[i] = c
			if why := na[c.name]; why != "" && c.na == "" {
				rowCols[i].na = why
			}
		}
		out.Results = append(out.Results, runRowCols(cfg, r, rowCols, logw))
	}
	return out
}

// runRowCols is runRow at one session with each column's own n/a reason.
func runRowCols(cfg Config, r Row, cols []column, logw io.Writer) Result {
	ops := make([]Op, len(cols))
	na := make([]string, len(cols))
	for i, c := range cols {
		if c.na != "" {
			na[i] = c.na
			continue
		}
		var err error
		if ops[i], err = r.Prep(c.t); err != nil {
			na[i] = err.Error()
		}
	}
	res := measureRow(cfg, r, cols, ops, na, 1)
	for _, c := range cols {
		if c.t != nil && r.ID[:len("scale-login")] == "scale-login" {
			c.t.reopen()
		}
	}
	fmt.Fprintf(logw, "  %s done\n", r.ID)
	return res
}

// loginPrep finalizes the module; each call then initializes it, opens a
// session and logs in, and C_Finalize follows untimed.
func loginPrep(t *Target) (Op, error) {
	if err := t.P.Finalize(); err != nil {
		return Op{}, fmt.Errorf("C_Finalize: %w", err)
	}
	return checked(t, Op{
		Run: func(pkcs11.SessionHandle) error {
			if err := t.initialize(); err != nil {
				return err
			}
			// SoftHSMv2 numbers its slots anew at each C_Initialize: find the token as clients do.
			slot, err := t.slotByLabel()
			if err != nil {
				return err
			}
			t.Slot = slot
			s, err := t.P.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
			if err != nil {
				return err
			}
			return t.P.Login(s, pkcs11.CKU_USER, userPIN)
		},
		After: func(pkcs11.SessionHandle) error { return t.P.Finalize() },
	})
}

func findNeedle(t *Target, s pkcs11.SessionHandle) (pkcs11.ObjectHandle, error) {
	if err := t.P.FindObjectsInit(s, []*pkcs11.Attribute{attr(pkcs11.CKA_LABEL, needleLabel)}); err != nil {
		return 0, err
	}
	h, _, err := t.P.FindObjects(s, 10)
	if ferr := t.P.FindObjectsFinal(s); err == nil {
		err = ferr
	}
	if err != nil {
		return 0, err
	}
	if len(h) != 1 {
		return 0, fmt.Errorf("found %d objects labelled %s, want 1", len(h), needleLabel)
	}
	return h[0], nil
}

func dataObject(label string) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{
		attr(pkcs11.CKA_CLASS, pkcs11.CKO_DATA), attr(pkcs11.CKA_TOKEN, true), attr(pkcs11.CKA_PRIVATE, false),
		attr(pkcs11.CKA_LABEL, label), attr(pkcs11.CKA_APPLICATION, "gohsm-bench"), attr(pkcs11.CKA_VALUE, digest32[:]),
	}
}

// populate fills t's token with n data objects, one labelled needleLabel.
// gohsm's are written in bulk through its Go store API; other modules'
// through C_CreateObject, up to cfg.SoftHSMMaxObjects. It returns a note
// saying how, or why (n/a) it did not.
func populate(t *Target, n int, cfg Config) (note, na string, err error) {
	if t.kind() != "gohsm" && n > cfg.SoftHSMMaxObjects {
		return "", fmt.Sprintf("not filled: objects are made one by one through C_CreateObject, capped at %d (-max-objects) to fit the time", cfg.SoftHSMMaxObjects), nil
	}
	s := t.Session()
	if _, err := t.P.CreateObject(s, dataObject(needleLabel)); err != nil {
		return "", "", fmt.Errorf("C_CreateObject: %w", err)
	}
	if t.kind() == "gohsm" {
		if err := t.P.Finalize(); err != nil {
			return "", "", err
		}
		if err := bulkGohsm(filepath.Join(t.Dir, "store"), tokenLabel, needleLabel, n-1); err != nil {
			return "", "", err
		}
		if err := t.reopen(); err != nil {
			return "", "", err
		}
		return fmt.Sprintf("%s: token objects written straight into the store in batches (store/sqlite (*DB).CreateObjects, while the module was finalized), copies of one data object made by C_CreateObject", t.Name), "", nil
	}
	start := time.Now()
	for i := 1; i < n; i++ {
		if _, err := t.P.CreateObject(s, dataObject(fmt.Sprintf("obj-%07d", i))); err != nil {
			return "", "", fmt.Errorf("C_CreateObject #%d: %w", i, err)
		}
		if cfg.FillTime > 0 && time.Since(start) > cfg.FillTime {
			return "", fmt.Sprintf("not filled: C_CreateObject made %d objects in %v (-fill-time)", i+1, cfg.FillTime), nil
		}
	}
	return fmt.Sprintf("%s: token data objects made one by one through C_CreateObject, up to %d", t.Name, cfg.SoftHSMMaxObjects), "", nil
}
