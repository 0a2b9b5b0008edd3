package mechanisms

import (
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// Project Wycheproof's vectors (testdata/wycheproof, see its README.md) run
// through the registry as provider would call it. Each file's vectors are
// counted: every one is run or skipped for a stated reason, and the total
// must equal the file's numberOfTests, so a vector cannot go missing.

// wpHex is a hex string of a Wycheproof file.
type wpHex []byte

func (h *wpHex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

// wpTest is what every Wycheproof test case has.
type wpTest struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	Flags   []string `json:"flags"`
	Result  string   `json:"result"` // valid, invalid or acceptable
}

func (tc wpTest) hasFlag(f string) bool {
	for _, x := range tc.Flags {
		if x == f {
			return true
		}
	}
	return false
}

type wpFile struct {
	Algorithm     string            `json:"algorithm"`
	NumberOfTests int               `json:"numberOfTests"`
	TestGroups    []json.RawMessage `json:"testGroups"`
}

// wpGroups reads testdata/wycheproof/<name>_test.json.gz and decodes its
// test groups into G; it also returns the file's declared vector count.
func wpGroups[G any](t *testing.T, name string) ([]G, int) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "wycheproof", name+"_test.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var file wpFile
	if err := json.NewDecoder(zr).Decode(&file); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	groups := make([]G, len(file.TestGroups))
	for i, raw := range file.TestGroups {
		if err := json.Unmarshal(raw, &groups[i]); err != nil {
			t.Fatalf("%s group %d: %v", name, i, err)
		}
	}
	return groups, file.NumberOfTests
}

// errMismatch marks an output that differs from the vector's, errPanic a
// mechanism that panicked.
var (
	errMismatch = errors.New("output differs from the vector's")
	errPanic    = errors.New("panic")
)

// wpRun checks one file's vectors and counts the outcomes.
type wpRun struct {
	t      *testing.T
	file   string
	want   int
	counts map[string]int
	every  int // run one vector in every (1: all)
	seen   int
	allow  map[ck.RV]bool // the codes an invalid vector may get (nil: any)
}

func newWPRun(t *testing.T, file string, want int) *wpRun {
	return &wpRun{t: t, file: file, want: want, counts: map[string]int{}, every: 1}
}

// allowing restricts the codes an invalid vector may be refused with to
// those PKCS#11 gives for the fault (a bad signature is
// CKR_SIGNATURE_INVALID or CKR_SIGNATURE_LEN_RANGE, not any error).
func (r *wpRun) allowing(codes ...ck.RV) *wpRun {
	r.allow = map[ck.RV]bool{}
	for _, c := range codes {
		r.allow[c] = true
	}
	return r
}

// sampleUnderRace makes a slow family (big-curve and RSA private operations,
// 10-20x slower under the race detector) run one vector in k with -race or
// -short; a plain go test runs them all.
func (r *wpRun) sampleUnderRace(k int) *wpRun {
	if raceEnabled || testing.Short() {
		r.every = k
	}
	return r
}

// check runs one vector. A valid vector must give nil; an invalid one must be
// refused with a PKCS#11 code (a ck.RV), not a mismatch; an acceptable one
// may be refused with a code or accepted with the vector's output. None may
// panic.
func (r *wpRun) check(tc wpTest, run func() error) {
	r.t.Helper()
	r.seen++
	if r.seen%r.every != 0 {
		r.counts["sampled out (-race or -short)"]++
		return
	}
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: %v", errPanic, p)
			}
		}()
		return run()
	}()
	var rv ck.RV
	isRV := errors.As(err, &rv)
	where := fmt.Sprintf("%s tcId %d (%s; %s)", r.file, tc.TcID, tc.Comment, strings.Join(tc.Flags, ","))
	switch {
	case errors.Is(err, errPanic):
		r.t.Errorf("%s: %v", where, err)
	case tc.Result == "valid" && err != nil:
		r.t.Errorf("%s: valid vector failed: %v", where, err)
	case tc.Result == "invalid" && err == nil:
		r.t.Errorf("%s: invalid vector accepted", where)
	case tc.Result == "invalid" && !isRV:
		r.t.Errorf("%s: invalid vector not refused with a PKCS#11 code: %v", where, err)
	case tc.Result == "invalid" && r.allow != nil && !r.allow[rv]:
		r.t.Errorf("%s: invalid vector refused with %v", where, rv)
	case tc.Result == "acceptable" && err != nil && !isRV:
		// Accepted with a wrong output, or refused without a code.
		r.t.Errorf("%s: acceptable vector: %v", where, err)
	case tc.Result == "acceptable" && err != nil:
		r.counts["acceptable (refused)"]++
		return
	case tc.Result == "acceptable":
		r.counts["acceptable (accepted)"]++
		return
	}
	if tc.Result == "invalid" && isRV {
		r.counts["invalid ("+rv.String()+")"]++
		return
	}
	r.counts[tc.Result]++
}

// skip counts a vector that is not run, with the reason.
func (r *wpRun) skip(tc wpTest, reason string) {
	r.counts["skipped: "+reason]++
}

// done checks that every vector of the file was run or skipped, and logs the
// counts (go test -v shows them).
func (r *wpRun) done() {
	r.t.Helper()
	n := 0
	var parts []string
	for k, v := range r.counts {
		n += v
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	if n != r.want {
		r.t.Errorf("%s: %d vectors seen, the file has %d", r.file, n, r.want)
	}
	r.t.Logf("%s: %s", r.file, strings.Join(parts, ", "))
}

// wpVerifySingle verifies single-part only (where multipart would repeat a
// slow computation, or the mechanism has none).
func wpVerifySingle(mech ck.MechanismType, key *Key, param any, msg, sig []byte) error {
	m, _ := Lookup(mech)
	v, err := m.(Verifier).VerifyInit(key, param)
	if err != nil {
		return err
	}
	return v.Verify(msg, sig)
}

// wpVerify verifies single-part and, where the mechanism is multipart, in
// 5-byte pieces too (C_VerifyUpdate, C_VerifyFinal): both must agree.
func wpVerify(mech ck.MechanismType, key *Key, param any, msg, sig []byte) error {
	m, _ := Lookup(mech)
	v, err := m.(Verifier).VerifyInit(key, param)
	if err != nil {
		return err
	}
	err = v.Verify(msg, sig)
	v, _ = m.(Verifier).VerifyInit(key, param)
	mv, ok := v.(MultipartVerify)
	if !ok {
		return err
	}
	var err2 error
	for i := 0; i < len(msg) && err2 == nil; i += 5 {
		err2 = mv.Update(msg[i:min(i+5, len(msg))])
	}
	if err2 == nil {
		err2 = mv.Final(sig)
	}
	if err2 != err {
		return fmt.Errorf("single-part %v, multipart %v", err, err2)
	}
	return err
}
