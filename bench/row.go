package bench

import (
	"errors"
	"strings"
)

// Row is one line of the table: a PKCS#11 operation prepared on each
// target, and the same work done with Go's crypto directly (Raw, optional).
type Row struct {
	ID       string // for -rows
	Name     string
	Parallel bool // hot-path row: measured with N = 1, 2, 4, 8 sessions in quick mode too
	Serial   bool // one session only (it finalizes the module, or is a one-off)
	Prep     func(t *Target) (Op, error)
	Raw      func() (Op, error)
}

// errNA marks a row a column does not offer (the reason is in the note).
var errNA = errors.New("n/a")

// cryptoRows are the rows measured in the main process, in table order.
func cryptoRows() []Row {
	var rows []Row
	rows = append(rows, signRows()...)
	rows = append(rows, cipherRows()...)
	rows = append(rows, digestRows()...)
	rows = append(rows, keygenRows()...)
	rows = append(rows, floorRows()...)
	return rows
}

// match reports whether a row ID is selected by a -rows filter: a
// comma-separated list of substrings, empty for all.
func match(filter, id string) bool {
	if filter == "" {
		return true
	}
	for _, f := range strings.Split(filter, ",") {
		if f = strings.TrimSpace(f); f != "" && strings.Contains(id, f) {
			return true
		}
	}
	return false
}

// RowIDs lists every row ID (the scale rows once per object count, as scale-find-N).
func RowIDs() []string {
	var ids []string
	for _, r := range cryptoRows() {
		ids = append(ids, r.ID)
	}
	for _, id := range scaleRowIDs {
		ids = append(ids, id+"-N")
	}
	return append(ids, "procs")
}
