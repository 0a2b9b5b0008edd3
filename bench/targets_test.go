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

// TestRatiosPaired: with the same rounds, the ratio is the median of the
// per-round ratios (load drift between rounds cancels out); otherwise the
// ratio of the medians.
func TestRatiosPaired(t *testing.T) {
	for _, c := range []struct {
		name    string
		a, b    Cell
		want    float64
		present bool
	}{
		{"paired", Cell{Column: "a", OpsPerSec: 300, Rounds: []float64{100, 300, 310}}, Cell{Column: "b", OpsPerSec: 110, Rounds: []float64{100, 110, 290}}, 310.0 / 290, true},
		{"steady", Cell{Column: "a", OpsPerSec: 200, Rounds: []float64{200, 200}}, Cell{Column: "b", OpsPerSec: 100, Rounds: []float64{100, 100}}, 2, true},
		{"no rounds", Cell{Column: "a", OpsPerSec: 300}, Cell{Column: "b", OpsPerSec: 100}, 3, true},
		{"uneven rounds", Cell{Column: "a", OpsPerSec: 300, Rounds: []float64{300}}, Cell{Column: "b", OpsPerSec: 100, Rounds: []float64{100, 50}}, 3, true},
		{"n/a", Cell{Column: "a", OpsPerSec: 300}, Cell{Column: "b", NA: "x"}, 0, false},
	} {
		got, ok := ratios([]Cell{c.a, c.b})["a/b"]
		if ok != c.present || (ok && (got < c.want-1e-9 || got > c.want+1e-9)) {
			t.Errorf("%s: %v %v, want %v", c.name, got, ok, c.want)
		}
	}
}
