// Command gohsm-bench compares PKCS#11 modules side by side (issue 7):
// libgohsm.so, SoftHSMv2 and Go's crypto called directly, by default.
//
//	gohsm-bench -quick               about 5 minutes on 2 cores
//	gohsm-bench                      the full run
//	gohsm-bench -rows p256,scale-find -json
//	gohsm-bench -module gohsm=./libgohsm.so -module other=/path/lib.so
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/gohsm/gohsm/bench"
)

type moduleFlags []bench.Module

func (m *moduleFlags) String() string { return fmt.Sprint(*m) }
func (m *moduleFlags) Set(s string) error {
	name, path, ok := strings.Cut(s, "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("want name=path, got %q", s)
	}
	*m = append(*m, bench.Module{Name: name, Path: path})
	return nil
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func main() {
	if code, ok := bench.ChildMain(); ok {
		os.Exit(code)
	}
	var mods moduleFlags
	quick := flag.Bool("quick", false, "a run that fits in about 5 minutes on 2 cores (7 rounds of 150 ms, objects up to 10,000)")
	asJSON := flag.Bool("json", false, "print the report as JSON")
	rows := flag.String("rows", "", "only rows whose ID contains one of these comma-separated strings (e.g. rsa,p256-sign,scale-find,procs)")
	rounds := flag.Int("rounds", 0, "rounds per row (0: the mode's)")
	slice := flag.Duration("slice", 0, "time per column per round (0: the mode's)")
	sessions := flag.String("sessions", "", "parallel session counts (default 1,2,4,8)")
	objects := flag.String("objects", "", "object counts of the scale rows (default 100,1000,10000,100000; quick: up to 10000)")
	maxObjects := flag.Int("max-objects", 0, "most objects made through C_CreateObject for modules other than gohsm (default 10000)")
	fillTime := flag.Duration("fill-time", 0, "longest time spent making objects one by one per store (default 5m; quick: 150s)")
	procs := flag.Int("procs", 0, "processes started at once (default 8)")
	list := flag.Bool("list", false, "list the row IDs and exit")
	harness := flag.String("harness", "c", "how the timed calls of the sign, verify, cipher, digest, random and floor rows are made: c (straight through the function list, as a C application) or miekg (through miekg/pkcs11, whose own cost is then in every module column)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process's Go code to the file (the harness, miekg/pkcs11 and the raw column; libgohsm.so runs its own Go runtime, which this profile does not see: use perf for it)")
	flag.Var(&mods, "module", "name=path of a PKCS#11 module, repeatable (default gohsm=./libgohsm.so softhsm=/usr/lib/softhsm/libsofthsm2.so); the first is compared with the others")
	flag.Parse()

	cfg := bench.DefaultConfig()
	if *quick {
		cfg = bench.QuickConfig()
	}
	if *list {
		for _, id := range bench.RowIDs() {
			fmt.Println(id)
		}
		return
	}
	if len(mods) > 0 {
		cfg.Modules = mods
	}
	cfg.Rows = *rows
	if *harness != "c" && *harness != "miekg" {
		fail(fmt.Errorf("-harness: want c or miekg, got %q", *harness))
	}
	cfg.Harness = *harness
	if *rounds > 0 {
		cfg.Rounds = *rounds
	}
	if *slice > 0 {
		cfg.Slice = *slice
	}
	if *maxObjects > 0 {
		cfg.SoftHSMMaxObjects = *maxObjects
	}
	if *fillTime > 0 {
		cfg.FillTime = *fillTime
	}
	if *procs > 0 {
		cfg.Procs = *procs
	}
	var err error
	if *sessions != "" {
		if cfg.Sessions, err = ints(*sessions); err != nil {
			fail(err)
		}
	}
	if *objects != "" {
		if cfg.ScaleCounts, err = ints(*objects); err != nil {
			fail(err)
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer f.Close()
	}
	start := time.Now()
	rep, err := bench.Run(cfg, os.Stderr)
	pprof.StopCPUProfile() // a no-op without -cpuprofile
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "done in %v\n", time.Since(start).Round(time.Second))
	if *asJSON {
		err = rep.WriteJSON(os.Stdout)
	} else {
		err = rep.WriteTable(os.Stdout)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gohsm-bench:", err)
	os.Exit(2)
}
