// Package bench is gohsm's side-by-side benchmark (issue 7): it loads
// PKCS#11 modules through their C ABI, each with a fresh token in its own
// directory, runs the same operations on each, interleaved in rounds, and
// compares the medians with each other and with Go's crypto called directly.
package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/miekg/pkcs11"
)

// Config is one run's settings (also handed to child processes as JSON).
type Config struct {
	Modules           []Module      `json:"modules"`
	Rows              string        `json:"rows,omitempty"` // filter: comma-separated substrings of row IDs
	Quick             bool          `json:"quick"`
	Rounds            int           `json:"rounds"`
	Slice             time.Duration `json:"slice_ns"` // time per round per column
	Sessions          []int         `json:"sessions"` // N for parallel rows
	ParallelAll       bool          `json:"parallel_all"`
	ScaleCounts       []int         `json:"scale_counts"`
	Harness           string        `json:"harness"`           // "c" (cabi.go) or "miekg": how the timed calls of the crypto rows are made
	SoftHSMMaxObjects int           `json:"other_max_objects"` // objects made through C_CreateObject, at most
	FillTime          time.Duration `json:"fill_time_ns"`      // and for at most this long per store
	Procs             int           `json:"procs"`
	WorkDir           string        `json:"work_dir"`
}

// DefaultConfig is the full run; QuickConfig fits in about 5 minutes on 2 cores.
func DefaultConfig() Config {
	return Config{
		Modules: []Module{
			{Name: "gohsm", Path: "./libgohsm.so"},
			{Name: "softhsm", Path: "/usr/lib/softhsm/libsofthsm2.so"},
		},
		Rounds: 7, Slice: time.Second, Sessions: []int{1, 2, 4, 8}, ParallelAll: true,
		ScaleCounts: []int{100, 1000, 10000, 100000}, SoftHSMMaxObjects: 10000, FillTime: 5 * time.Minute, Procs: 8,
	}
}

func QuickConfig() Config {
	c := DefaultConfig()
	c.Quick, c.Rounds, c.Slice, c.ParallelAll = true, 7, 150*time.Millisecond, false
	c.ScaleCounts, c.SoftHSMMaxObjects, c.FillTime = []int{100, 1000, 10000}, 10000, 150*time.Second
	return c
}

// Cell is one column's median for a row.
type Cell struct {
	Column    string    `json:"column"`
	OpsPerSec float64   `json:"ops_per_s,omitempty"`
	UsPerOp   float64   `json:"us_per_op,omitempty"`
	Rounds    []float64 `json:"rounds_ops_per_s,omitempty"`
	NA        string    `json:"na,omitempty"` // why there is no number
}

// Result is one row of the table at one session count.
type Result struct {
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	Sessions int                `json:"sessions"`
	Cells    []Cell             `json:"cells"`
	Ratios   map[string]float64 `json:"ratios,omitempty"` // "gohsm/softhsm": first module's ops/s ÷ the other's
}

// Report is everything a run found.
type Report struct {
	Machine Machine      `json:"machine"`
	Config  Config       `json:"config"`
	Results []Result     `json:"results"`
	Procs   []ProcResult `json:"procs,omitempty"`
	Checks  []Check      `json:"checks"`
	Notes   []string     `json:"notes"`
	Seconds float64      `json:"seconds"`
}

// column is a table column: a loaded module, or the raw Go crypto (t nil).
type column struct {
	name string
	t    *Target
	na   string // the module could not be loaded
}

const rawColumn = "raw"

// Run runs the benchmark; progress goes to logw.
func Run(cfg Config, logw io.Writer) (*Report, error) {
	start := time.Now()
	if cfg.WorkDir == "" {
		dir, err := os.MkdirTemp("", "gohsm-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		cfg.WorkDir = dir
	}
	if cfg.Harness == "" {
		cfg.Harness = "c"
	}
	useMiekg = cfg.Harness == "miekg"
	rep := &Report{Config: cfg, Machine: machine()}
	cols := loadColumns(cfg, logw, rep)
	defer func() {
		for _, c := range cols {
			if c.t != nil {
				c.t.Close()
			}
		}
	}()
	for _, r := range cryptoRows() {
		if !match(cfg.Rows, r.ID) {
			continue
		}
		ns := []int{1}
		if (r.Parallel || cfg.ParallelAll) && !r.Serial {
			ns = cfg.Sessions
		}
		rep.Results = append(rep.Results, runRow(cfg, r, cols, ns, logw)...)
	}
	if match(cfg.Rows, "procs") {
		rep.Procs = runProcs(cfg, cols, logw)
	}
	if wantScale(cfg.Rows) {
		res, notes := runScaleChildren(cfg, logw)
		rep.Results = append(rep.Results, res...)
		rep.Notes = append(rep.Notes, notes...)
	}
	for i := range rep.Results {
		rep.Results[i].Ratios = ratios(rep.Results[i].Cells)
	}
	rep.Checks = checks(rep)
	rep.Notes = append(rep.Notes, standardNotes(cfg)...)
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// loadColumns loads every module with a fresh token; one that fails is a
// column of n/a, never the end of the run.
func loadColumns(cfg Config, logw io.Writer, rep *Report) []column {
	var cols []column
	for _, m := range cfg.Modules {
		t, err := Open(m, filepath.Join(cfg.WorkDir, m.Name), true)
		if err != nil {
			fmt.Fprintf(logw, "%s: %v (its column is n/a)\n", m.Name, err)
			cols = append(cols, column{name: m.Name, na: err.Error()})
			continue
		}
		rep.Machine.Modules = append(rep.Machine.Modules, ModuleInfo{Name: m.Name, Path: m.Path, Info: t.Info})
		cols = append(cols, column{name: m.Name, t: t})
	}
	return append(cols, column{name: rawColumn})
}

// runRow prepares r on every column and measures it at each session count,
// the columns interleaved in every round (the first column rotating) so that
// drift in the machine's speed hits them all alike.
func runRow(cfg Config, r Row, cols []column, ns []int, logw io.Writer) []Result {
	ops := make([]Op, len(cols))
	na := make([]string, len(cols))
	for i, c := range cols {
		var err error
		switch {
		case c.na != "":
			na[i] = "module not loaded"
		case c.t == nil && r.Raw == nil:
			na[i] = "no raw equivalent"
		case c.t == nil:
			ops[i], err = r.Raw()
		default:
			ops[i], err = r.Prep(c.t)
		}
		if err != nil {
			na[i] = err.Error()
		}
	}
	var out []Result
	for _, n := range ns {
		fmt.Fprintf(logw, "%-28s N=%d ...", r.ID, n)
		res := measureRow(cfg, r, cols, ops, append([]string(nil), na...), n)
		for _, c := range res.Cells {
			if c.NA != "" {
				fmt.Fprintf(logw, " %s n/a", c.Column)
			} else {
				fmt.Fprintf(logw, " %s %.0f/s", c.Column, c.OpsPerSec)
			}
		}
		fmt.Fprintln(logw)
		out = append(out, res)
	}
	return out
}

func measureRow(cfg Config, r Row, cols []column, ops []Op, na []string, n int) Result {
	samples := make([][]sample, len(cols))
	for round := range cfg.Rounds {
		for k := range cols {
			i := (k + round) % len(cols)
			if na[i] != "" {
				continue
			}
			sessions := make([]pkcs11.SessionHandle, n)
			if t := cols[i].t; t != nil {
				copy(sessions, t.pool[:n])
			}
			s, err := measure(ops[i], sessions, cfg.Slice)
			if err != nil {
				na[i] = fmt.Sprintf("failed: %v", err)
				continue
			}
			samples[i] = append(samples[i], s)
		}
	}
	res := Result{ID: r.ID, Name: r.Name, Sessions: n}
	for i, c := range cols {
		res.Cells = append(res.Cells, cellOf(c.name, samples[i], na[i]))
	}
	return res
}

func cellOf(name string, ss []sample, na string) Cell {
	c := Cell{Column: name, NA: na}
	if na != "" || len(ss) == 0 {
		if c.NA == "" {
			c.NA = "no sample"
		}
		return c
	}
	var us []float64
	for _, s := range ss {
		c.Rounds = append(c.Rounds, s.OpsPerSec)
		us = append(us, s.UsPerOp)
	}
	c.OpsPerSec, c.UsPerOp = median(c.Rounds), median(us)
	return c
}

// ratios divide the first column's ops/s by each other column's: the
// median of the per-round ratios when both have the same rounds (the
// columns of a round ran within a second of each other, so a change in the
// machine's load between rounds cancels out), else the ratio of medians.
func ratios(cells []Cell) map[string]float64 {
	if len(cells) < 2 || cells[0].NA != "" {
		return nil
	}
	out := map[string]float64{}
	first := cells[0]
	for _, c := range cells[1:] {
		if c.NA != "" || c.OpsPerSec <= 0 {
			continue
		}
		if len(first.Rounds) > 0 && len(c.Rounds) == len(first.Rounds) {
			var rs []float64
			for i, v := range c.Rounds {
				if v > 0 {
					rs = append(rs, first.Rounds[i]/v)
				}
			}
			if len(rs) == len(c.Rounds) {
				out[first.Column+"/"+c.Column] = median(rs)
				continue
			}
		}
		out[first.Column+"/"+c.Column] = first.OpsPerSec / c.OpsPerSec
	}
	return out
}

func standardNotes(cfg Config) []string {
	notes := []string{
		"ops/s: calls per second summed over the N sessions (each on its own goroutine locked to an OS thread); µs/op: mean latency of one call; medians of the rounds, columns interleaved in each round; ratios: the median of the per-round ratios (a change of load between rounds cancels out).",
		"raw: Go's crypto called directly with the key schedule/parsed key/keyed HMAC state made once and outputs written into reused buffers (the floor a Go token can reach); AES key wrap's raw column is RFC 3394 over crypto/aes.",
		"sign rows sign a 64-byte message (CKM_ECDSA: its SHA-256/384 digest); keys are persistent token objects; key-generation rows make persistent objects and destroy them after each call, untimed.",
		"gohsm runs with its default Argon2id PIN cost (time 2, 19 MiB): it is in every C_Login.",
	}
	if cfg.Harness == "miekg" {
		notes = append(notes, "harness miekg: every timed call goes through miekg/pkcs11, whose own per-call cost (mechanisms copied to C memory it allocates and frees, outputs copied to new Go slices) is in every module column.")
	} else {
		notes = append(notes, "harness c: the timed calls of the sign, verify, cipher, digest, random and floor rows go straight through the module's CK_FUNCTION_LIST from C (XxxInit, the length query, the call; the mechanism on the C stack, one output buffer per session), as a C application makes them; key wrap, key generation and the object rows use miekg/pkcs11 (-harness miekg: all rows).")
	}
	return notes
}
