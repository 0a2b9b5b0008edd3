package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

// WriteTable writes the machine, one table of every row and the notes.
func (r *Report) WriteTable(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "machine: %s, %d cores, %s, %s\n", m.CPU, m.Cores, m.Go, m.Kernel)
	fmt.Fprintf(w, "         %s; softhsm2 package %s; load average at start %s\n", m.OpenSSL, m.SoftHSM, m.LoadAvg)
	for _, mi := range m.Modules {
		fmt.Fprintf(w, "module %s: %s (%s)\n", mi.Name, mi.Info, mi.Path)
	}
	mode := "full"
	if r.Config.Quick {
		mode = "quick"
	}
	fmt.Fprintf(w, "mode: %s, %d rounds of %v per column, %.0f s in all\n\n", mode, r.Config.Rounds, r.Config.Slice, r.Seconds)
	if len(r.Results) > 0 {
		writeResults(w, r.Results)
	}
	if len(r.Procs) > 0 {
		fmt.Fprintln(w)
		writeProcs(w, r.Procs)
	}
	if len(r.Checks) > 0 {
		fmt.Fprintln(w)
		writeChecks(w, r.Checks)
	}
	fmt.Fprintln(w)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	return nil
}

func writeResults(w io.Writer, res []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	cols := res[0].Cells
	head := []string{"row", "N"}
	for _, c := range cols {
		head = append(head, c.Column+" ops/s", "µs/op")
	}
	var ratioKeys []string
	for _, c := range cols[1:] {
		ratioKeys = append(ratioKeys, cols[0].Column+"/"+c.Column)
		head = append(head, cols[0].Column+"÷"+c.Column)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, r := range res {
		line := []string{r.Name, fmt.Sprint(r.Sessions)}
		for _, c := range r.Cells {
			if c.NA != "" {
				line = append(line, "n/a", "")
				continue
			}
			line = append(line, num(c.OpsPerSec), num(c.UsPerOp))
		}
		for _, k := range ratioKeys {
			if v, ok := r.Ratios[k]; ok {
				line = append(line, fmt.Sprintf("%.2f", v))
			} else {
				line = append(line, "")
			}
		}
		fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
	}
	tw.Flush()
	// Why a cell is n/a, once per row and column.
	seen := map[string]bool{}
	for _, r := range res {
		for _, c := range r.Cells {
			if c.NA == "" || c.NA == "no raw equivalent" {
				continue
			}
			k := r.ID + c.Column + c.NA
			if !seen[k] {
				seen[k] = true
				fmt.Fprintf(w, "  n/a %s, %s: %s\n", r.Name, c.Column, c.NA)
			}
		}
	}
}

// num prints three significant digits or all the integer digits.
func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}
