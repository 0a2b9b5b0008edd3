package provider

import (
	"fmt"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestObjectsConcurrently runs sessions that create, find, read, change,
// use and destroy objects at once (run with -race); every goroutine must
// find exactly what it made, and the handles must all differ.
func TestObjectsConcurrently(t *testing.T) {
	m, slot, h := userSession(t)
	shared := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128, ck.CKA_TOKEN, true))
	const workers, rounds = 6, 15
	var mu sync.Mutex
	handles := map[ck.ObjectHandle]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			sh, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
			if err != nil {
				errs <- err
				return
			}
			s, _ := m.session(sh)
			label := fmt.Sprintf("worker-%d", w)
			for r := 0; r < rounds; r++ {
				o, err := m.CreateObject(sh, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, r%2 == 0, ck.CKA_LABEL, label, ck.CKA_VALUE, "v"))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if handles[o] {
					errs <- fmt.Errorf("handle %d given twice", o)
				}
				handles[o] = true
				mu.Unlock()
				if err := m.SetAttributeValue(sh, o, tb(ck.CKA_COPYABLE, false)); err != nil {
					errs <- err
					return
				}
				if _, _, err := m.keyForUse(s, shared, ck.CKA_ENCRYPT); err != nil {
					errs <- err
					return
				}
				if err := m.FindObjectsInit(sh, tb(ck.CKA_LABEL, label)); err != nil {
					errs <- err
					return
				}
				found, err := m.FindObjects(sh, 100)
				if err != nil {
					errs <- err
					return
				}
				if err := m.FindObjectsFinal(sh); err != nil {
					errs <- err
					return
				}
				if len(found) != 1 || found[0] != o {
					errs <- fmt.Errorf("%s round %d: found %v, want [%d]", label, r, found, o)
					return
				}
				if err := m.DestroyObject(sh, o); err != nil {
					errs <- err
					return
				}
			}
			errs <- m.CloseSession(sh)
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if len(handles) != workers*rounds {
		t.Errorf("%d distinct handles, want %d", len(handles), workers*rounds)
	}
}
