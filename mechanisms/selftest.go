package mechanisms

import (
	"fmt"
	"sync"
)

// Known-answer self-tests, one per mechanism family, run once per process by
// provider.New (C_Initialize): a broken primitive must stop the token before
// it signs or encrypts anything, as a FIPS 140 module's power-up tests do.
// The vectors come from testdata/ (selftest_vectors_test.go checks that).

type selfTest struct {
	family string
	fn     func() error
}

var (
	selfTestMu   sync.Mutex
	selfTests    []selfTest
	selfTestOnce sync.Once
	selfTestErr  error
)

// SelfTestError names the family whose known-answer test failed.
type SelfTestError struct {
	Family string
	Err    error
}

func (e *SelfTestError) Error() string {
	return fmt.Sprintf("mechanisms: self-test of %s failed: %v", e.Family, e.Err)
}

func (e *SelfTestError) Unwrap() error { return e.Err }

// RegisterSelfTest adds fn as the known-answer test of family; fn returns an
// error when the output differs from the vector. Call it from init.
func RegisterSelfTest(family string, fn func() error) {
	selfTestMu.Lock()
	defer selfTestMu.Unlock()
	selfTests = append(selfTests, selfTest{family, fn})
}

// RunSelfTests runs every registered self-test the first time it is called
// and returns the same result (nil or a *SelfTestError) every later time: the
// tests are cheap, but C_Initialize may be called many times in a process.
func RunSelfTests() error {
	selfTestOnce.Do(func() { selfTestErr = runSelfTests() })
	return selfTestErr
}

// runSelfTests stops at the first failure; a panic in a test is a failure.
func runSelfTests() error {
	selfTestMu.Lock()
	list := append([]selfTest(nil), selfTests...)
	selfTestMu.Unlock()
	for _, t := range list {
		if err := runOne(t); err != nil {
			return &SelfTestError{Family: t.family, Err: err}
		}
	}
	return nil
}

func runOne(t selfTest) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return t.fn()
}

// resetSelfTests lets a test run the self-tests again (test-only hook).
func resetSelfTests() {
	selfTestOnce = sync.Once{}
	selfTestErr = nil
}
