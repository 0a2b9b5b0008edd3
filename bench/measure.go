package bench

import (
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/miekg/pkcs11"
)

// Op is one benchmarked call on a session. After, when set, runs after
// each Run untimed (destroying a generated key, C_Finalize).
type Op struct {
	Run   func(s pkcs11.SessionHandle) error
	After func(s pkcs11.SessionHandle) error
}

// clockEvery is how long a batch of calls runs between two clock reads at
// least (measure).
const clockEvery = 50 * time.Microsecond

// sample is one timed slice: workers sessions running op for about slice.
type sample struct {
	OpsPerSec float64
	UsPerOp   float64
}

// measure runs op on each session in its own goroutine locked to an OS
// thread for at least slice (each worker finishes at least one call). Work
// counts per worker: ops/s is the sum of each worker's rate, µs/op is a
// call's mean latency.
func measure(op Op, sessions []pkcs11.SessionHandle, slice time.Duration) (sample, error) {
	type result struct {
		ops  int
		busy time.Duration
		err  error
	}
	res := make([]result, len(sessions))
	var start, done sync.WaitGroup
	start.Add(1)
	for i, s := range sessions {
		done.Add(1)
		go func() {
			defer done.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			r := &res[i]
			start.Wait()
			begin := time.Now()
			deadline := begin.Add(slice)
			if op.After != nil {
				for {
					t0 := time.Now()
					if err := op.Run(s); err != nil {
						r.err = err
						return
					}
					r.ops++
					r.busy += time.Since(t0)
					if err := op.After(s); err != nil {
						r.err = err
						return
					}
					if time.Now().After(deadline) {
						break
					}
				}
				return
			}
			// Without After, the clock is read once per batch, not twice per
			// call: a read costs about 50 ns here, as much as a cheap call.
			// The batch doubles while it takes under clockEvery, so a slice
			// overshoots by at most about that.
			batch, last := 1, begin
			for {
				for range batch {
					if err := op.Run(s); err != nil {
						r.err = err
						return
					}
				}
				r.ops += batch
				now := time.Now()
				if now.After(deadline) {
					break
				}
				if now.Sub(last) < clockEvery {
					batch *= 2
				}
				last = now
			}
			r.busy = time.Since(begin)
		}()
	}
	start.Done()
	done.Wait()
	var out sample
	var ops int
	var busy time.Duration
	for _, r := range res {
		if r.err != nil {
			return sample{}, r.err
		}
		out.OpsPerSec += float64(r.ops) / r.busy.Seconds()
		ops += r.ops
		busy += r.busy
	}
	out.UsPerOp = float64(busy.Nanoseconds()) / 1e3 / float64(ops)
	return out, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
