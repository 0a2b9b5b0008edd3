package bench

import "testing"

func res(id string, n int, cells ...Cell) Result {
	r := Result{ID: id, Name: id, Sessions: n, Cells: cells}
	r.Ratios = ratios(r.Cells)
	return r
}

func TestChecks(t *testing.T) {
	cfg := QuickConfig()
	cfg.ScaleCounts = []int{100, 1000}
	rep := &Report{Config: cfg, Results: []Result{
		res("p256-sign-ecdsa", 1, Cell{Column: "gohsm", OpsPerSec: 300}, Cell{Column: "softhsm", OpsPerSec: 100}, Cell{Column: "raw", OpsPerSec: 400}),
		res("p256-sign-ecdsa", 2, Cell{Column: "gohsm", OpsPerSec: 540}, Cell{Column: "softhsm", OpsPerSec: 100}, Cell{Column: "raw", OpsPerSec: 800}),
		res("random-32", 1, Cell{Column: "gohsm", OpsPerSec: 300}, Cell{Column: "softhsm", NA: "x"}, Cell{Column: "raw", OpsPerSec: 400}),
		res("scale-find-100", 1, Cell{Column: "gohsm", OpsPerSec: 100}, Cell{Column: "softhsm", OpsPerSec: 1}),
		res("scale-find-1000", 1, Cell{Column: "gohsm", OpsPerSec: 50}, Cell{Column: "softhsm", OpsPerSec: 1}),
	}, Procs: []ProcResult{{Module: "gohsm", Procs: 8, Failures: 1}}}
	want := map[string]string{
		"p256-sign-ecdsa: gohsm÷softhsm ≥ 2":                                "ok",
		"p256-sign-ecdsa: gohsm÷raw ≥ 0.9":                                  "MISS",
		"random-32: gohsm÷softhsm ≥ 4":                                      "n/a",
		"scale-find flat over the object counts (slowest ≥ 2/3 of fastest)": "MISS",
		"2 parallel sessions ÷ 1, best sign row ≥ 1.7":                      "ok",
		"8 processes at once: 0 failures":                                   "MISS",
	}
	got := map[string]string{}
	for _, c := range checks(rep) {
		got[c.Target] = c.Status
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: status %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}
