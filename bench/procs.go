package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/miekg/pkcs11"
)

// ProcResult is the many-processes row of one module: Procs processes start
// at once on one token, each C_Initialize, C_Login and one ECDSA signature.
type ProcResult struct {
	Module   string   `json:"module"`
	Procs    int      `json:"procs"`
	Failures int      `json:"failures"`
	WallMs   float64  `json:"wall_ms"` // from the first start to the last exit
	Errors   []string `json:"errors,omitempty"`
	NA       string   `json:"na,omitempty"`
}

const procTimeout = 2 * time.Minute

func runProcs(cfg Config, cols []column, logw io.Writer) []ProcResult {
	var out []ProcResult
	for _, c := range cols {
		if c.name == rawColumn {
			continue
		}
		r := ProcResult{Module: c.name, Procs: cfg.Procs}
		if c.t == nil {
			r.NA = "module not loaded"
			out = append(out, r)
			continue
		}
		if _, err := ecKey(c.t, "bench-p256", oidP256); err != nil {
			r.NA = err.Error()
			out = append(out, r)
			continue
		}
		fmt.Fprintf(logw, "procs: %d %s processes at once ...", cfg.Procs, c.name)
		startProcs(cfg, c.t, &r)
		fmt.Fprintf(logw, " %d failed, %.0f ms\n", r.Failures, r.WallMs)
		out = append(out, r)
	}
	return out
}

func startProcs(cfg Config, t *Target, r *ProcResult) {
	mod, _ := json.Marshal(t.Module)
	cmds := make([]*exec.Cmd, cfg.Procs)
	outs := make([]bytes.Buffer, cfg.Procs)
	for i := range cmds {
		cmd, err := childCmd("proc", cfg, envModule+"="+string(mod), envDir+"="+t.Dir)
		if err != nil {
			r.NA = err.Error()
			return
		}
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		cmds[i] = cmd
	}
	start := time.Now()
	errs := make([]error, len(cmds))
	for i, cmd := range cmds {
		errs[i] = cmd.Start()
	}
	timer := time.AfterFunc(procTimeout, func() {
		for _, cmd := range cmds {
			if cmd.Process != nil {
				cmd.Process.Kill()
			}
		}
	})
	for i, cmd := range cmds {
		if errs[i] == nil {
			errs[i] = cmd.Wait()
		}
	}
	timer.Stop()
	r.WallMs = float64(time.Since(start).Microseconds()) / 1e3
	for i, err := range errs {
		if err != nil {
			r.Failures++
			r.Errors = append(r.Errors, fmt.Sprintf("%v: %s", err, strings.TrimSpace(outs[i].String())))
		}
	}
}

// procChild is one of the processes: load, log in on the parent's token, sign.
func procChild() int {
	var m Module
	if err := json.Unmarshal([]byte(os.Getenv(envModule)), &m); err != nil {
		fmt.Println(err)
		return 2
	}
	t, err := Open(m, os.Getenv(envDir), false)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer t.Close()
	s := t.Session()
	k, err := findKey(t, s, "bench-p256")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	if err := t.P.SignInit(s, mech(pkcs11.CKM_ECDSA, nil), k); err != nil {
		fmt.Println("C_SignInit:", err)
		return 1
	}
	if _, err := t.P.Sign(s, digest32[:]); err != nil {
		fmt.Println("C_Sign:", err)
		return 1
	}
	return 0
}

func writeProcs(w io.Writer, procs []ProcResult) {
	for _, p := range procs {
		if p.NA != "" {
			fmt.Fprintf(w, "%d processes at once (C_Initialize, C_Login, ECDSA sign), %s: n/a (%s)\n", p.Procs, p.Module, p.NA)
			continue
		}
		fmt.Fprintf(w, "%d processes at once (C_Initialize, C_Login, ECDSA sign), %s: %d failed, all done in %.0f ms\n", p.Procs, p.Module, p.Failures, p.WallMs)
		for _, e := range p.Errors {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}
