package bench

import (
	"fmt"
	"io"
	"strings"
)

// Check is one of issue 7's targets, judged on this run.
type Check struct {
	Target string `json:"target"`
	Got    string `json:"got"`
	Status string `json:"status"` // "ok", "MISS" or "n/a"
}

// ratioTargets: row ID (1 session) → minimum gohsm÷softhsm and gohsm÷raw (0: none).
var ratioTargets = []struct {
	id             string
	vsOther, vsRaw float64
}{
	{"rsa2048-sign-pkcs", 1.2, 0.95},
	{"p256-sign-ecdsa", 2, 0.9},
	{"ed25519-sign", 8, 0.9},
	{"aes256-gcm-enc-1k", 10, 0.5},
	{"aes256-gcm-enc-1m", 4, 0.9},
	{"hmac-sha256-1k", 10, 0.5},
	{"random-32", 4, 0},
	{"keygen-p256", 10, 0},
}

// checks judges the report against issue 7's targets. The first module is
// the subject, the second the reference (SoftHSMv2 by default).
func checks(r *Report) []Check {
	if len(r.Config.Modules) == 0 {
		return nil
	}
	subj := r.Config.Modules[0].Name
	other := ""
	if len(r.Config.Modules) > 1 {
		other = r.Config.Modules[1].Name
	}
	var out []Check
	for _, t := range ratioTargets {
		res := find(r.Results, t.id, 1)
		if res == nil {
			continue
		}
		if other != "" {
			out = append(out, ratioCheck(res, subj, other, t.vsOther))
		}
		if t.vsRaw > 0 {
			out = append(out, ratioCheck(res, subj, rawColumn, t.vsRaw))
		}
	}
	out = append(out, scaleChecks(r, subj, other)...)
	if c := parallelCheck(r, subj); c.Status != "" {
		out = append(out, c)
	}
	for _, p := range r.Procs {
		if p.Module != subj {
			continue
		}
		c := Check{Target: fmt.Sprintf("%d processes at once: 0 failures", p.Procs)}
		switch {
		case p.NA != "":
			c.Got, c.Status = p.NA, "n/a"
		default:
			c.Got, c.Status = fmt.Sprintf("%d failed", p.Failures), okIf(p.Failures == 0)
		}
		out = append(out, c)
	}
	return out
}

func find(res []Result, id string, sessions int) *Result {
	for i := range res {
		if res[i].ID == id && res[i].Sessions == sessions {
			return &res[i]
		}
	}
	return nil
}

func cell(r *Result, col string) *Cell {
	for i := range r.Cells {
		if r.Cells[i].Column == col && r.Cells[i].NA == "" {
			return &r.Cells[i]
		}
	}
	return nil
}

func okIf(b bool) string {
	if b {
		return "ok"
	}
	return "MISS"
}

func ratioCheck(res *Result, subj, other string, min float64) Check {
	c := Check{Target: fmt.Sprintf("%s: %s÷%s ≥ %g", res.Name, subj, other, min)}
	v, ok := res.Ratios[subj+"/"+other]
	if !ok {
		c.Got, c.Status = "no number", "n/a"
		return c
	}
	c.Got, c.Status = fmt.Sprintf("%.2f", v), okIf(v >= min)
	return c
}

// scaleChecks: find ≥ 100× the reference at 10,000 objects; find and login
// flat (slowest ≥ 2/3 of the fastest) over the object counts measured.
func scaleChecks(r *Report, subj, other string) []Check {
	var out []Check
	if res := find(r.Results, "scale-find-10000", 1); res != nil && other != "" {
		out = append(out, ratioCheck(res, subj, other, 100))
	}
	for _, base := range []string{"scale-find", "scale-login"} {
		var vals []string
		lo, hi := 0.0, 0.0
		for _, n := range r.Config.ScaleCounts {
			res := find(r.Results, fmt.Sprintf("%s-%d", base, n), 1)
			if res == nil {
				continue
			}
			if c := cell(res, subj); c != nil {
				vals = append(vals, fmt.Sprintf("%d: %s/s", n, num(c.OpsPerSec)))
				if lo == 0 || c.OpsPerSec < lo {
					lo = c.OpsPerSec
				}
				hi = max(hi, c.OpsPerSec)
			}
		}
		if len(vals) < 2 {
			continue
		}
		out = append(out, Check{Target: fmt.Sprintf("%s flat over the object counts (slowest ≥ 2/3 of fastest)", base),
			Got: strings.Join(vals, ", "), Status: okIf(lo >= hi*2/3)})
	}
	return out
}

// parallelCheck: 2 sessions ÷ 1 ≥ 1.7 on the best sign row (the raw
// column's own scaling is shown: it is what the machine allows). Status is
// empty when no sign row ran with 1 and 2 sessions.
func parallelCheck(r *Report, subj string) Check {
	c := Check{Target: "2 parallel sessions ÷ 1, best sign row ≥ 1.7"}
	best := 0.0
	for _, id := range []string{"rsa2048-sign-pkcs", "p256-sign-ecdsa", "ed25519-sign"} {
		one, two := find(r.Results, id, 1), find(r.Results, id, 2)
		if one == nil || two == nil {
			continue
		}
		a, b := cell(one, subj), cell(two, subj)
		if a == nil || b == nil {
			continue
		}
		s := b.OpsPerSec / a.OpsPerSec
		if s > best {
			best = s
			c.Got = fmt.Sprintf("%.2f (%s)", s, id)
			if ra, rb := cell(one, rawColumn), cell(two, rawColumn); ra != nil && rb != nil {
				c.Got += fmt.Sprintf("; raw Go on this machine: %.2f", rb.OpsPerSec/ra.OpsPerSec)
			}
			c.Status = okIf(s >= 1.7)
		}
	}
	return c
}

func writeChecks(w io.Writer, cs []Check) {
	fmt.Fprintln(w, "issue 7 targets:")
	for _, c := range cs {
		fmt.Fprintf(w, "  %-4s  %s: %s\n", c.Status, c.Target, c.Got)
	}
}
