package sqlite

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// TestManyGoroutines shares one *DB among goroutines that create, find, read,
// update and destroy objects and count failed logins at the same time.
func TestManyGoroutines(t *testing.T) {
	f := newFixture(t)
	u := f.addUser(t, "alice", false)
	const workers, rounds = 16, 25
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				label := fmt.Sprintf("g%d-%d", w, i)
				o := childObject(f.tok.ID, label)
				if err := f.d.CreateObject(o, f.sealer); err != nil {
					errs <- err
					return
				}
				ids, err := f.d.FindObjects(store.Query{TokenID: f.tok.ID, Label: []byte(label)})
				if err != nil || len(ids) != 1 || ids[0] != o.ID {
					errs <- fmt.Errorf("find %s = %v, %v", label, ids, err)
					return
				}
				o.Secret[ck.CKA_VALUE] = valueFor(label + "'")
				if err := f.d.UpdateObject(o, f.sealer); err != nil || o.Version != 2 {
					errs <- fmt.Errorf("update: %v (version %d)", err, o.Version)
					return
				}
				got, err := f.d.Object(f.tok.ID, o.ID, f.sealer)
				if err != nil || !bytes.Equal(got.Secret[ck.CKA_VALUE], valueFor(label+"'")) {
					errs <- fmt.Errorf("read %d: %v", o.ID, err)
					return
				}
				if _, _, err := f.d.LoginFailed(u.ID, 0); err != nil {
					errs <- err
					return
				}
				if i%2 == 1 {
					if err := f.d.DestroyObject(f.tok.ID, o.ID); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := f.d.CountObjects(f.tok.ID); n != workers*(rounds+1)/2 {
		t.Errorf("CountObjects = %d, want %d", n, workers*(rounds+1)/2)
	}
	// Every concurrent increment counted once.
	if got, _ := f.d.UserByName(f.tok.ID, "alice"); got.FailedLogins != workers*rounds {
		t.Errorf("failed_logins = %d after %d concurrent LoginFailed calls", got.FailedLogins, workers*rounds)
	}
}
