package provider

import (
	"sync"
	"time"

	"github.com/gohsm/gohsm/ck"
)

// slotEvents reports tokens that appear or disappear, whether this process or
// another one (the CLI, say) made the change: it compares the store's token
// list with the last one it saw.
type slotEvents struct {
	mu      sync.Mutex
	known   map[ck.SlotID]string // slot -> token serial
	pending []ck.SlotID
	wake    chan struct{}
	done    chan struct{}
}

// pollInterval is how often a blocking C_WaitForSlotEvent looks at the store.
const pollInterval = 250 * time.Millisecond

func (e *slotEvents) init() {
	e.wake = make(chan struct{}, 1)
	e.done = make(chan struct{})
}

// snapshot records the current tokens, so that only later changes are events.
func (e *slotEvents) snapshot(v slotView) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.known = map[ck.SlotID]string{}
	for _, t := range v.tokens {
		e.known[ck.SlotID(t.SlotID)] = t.Serial
	}
}

func (e *slotEvents) close() { close(e.done) }

func (e *slotEvents) isClosed() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// post reports a token this process made in slot id.
func (e *slotEvents) post(id ck.SlotID) {
	e.mu.Lock()
	e.pending = append(e.pending, id)
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// diff queues the slots whose token changed since the last look.
func (e *slotEvents) diff(v slotView) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := map[ck.SlotID]string{}
	for _, t := range v.tokens {
		id := ck.SlotID(t.SlotID)
		now[id] = t.Serial
		if e.known[id] != t.Serial && !e.isPending(id) {
			e.pending = append(e.pending, id)
		}
	}
	for id := range e.known {
		if _, ok := now[id]; !ok && !e.isPending(id) {
			e.pending = append(e.pending, id)
		}
	}
	e.known = now
}

func (e *slotEvents) isPending(id ck.SlotID) bool {
	for _, p := range e.pending {
		if p == id {
			return true
		}
	}
	return false
}

func (e *slotEvents) pop() (ck.SlotID, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.pending) == 0 {
		return 0, false
	}
	id := e.pending[0]
	e.pending = e.pending[1:]
	return id, true
}

// wait returns the next event, or CKR_NO_EVENT at once when dontBlock. A
// blocked wait ends with CKR_CRYPTOKI_NOT_INITIALIZED when the module closes.
func (e *slotEvents) wait(dontBlock bool, slots func() (slotView, error)) (ck.SlotID, error) {
	for {
		v, err := slots()
		if e.isClosed() {
			return 0, ck.CKR_CRYPTOKI_NOT_INITIALIZED
		}
		if err != nil {
			return 0, err
		}
		e.diff(v)
		if id, ok := e.pop(); ok {
			return id, nil
		}
		if dontBlock {
			return 0, ck.CKR_NO_EVENT
		}
		select {
		case <-e.done:
			return 0, ck.CKR_CRYPTOKI_NOT_INITIALIZED
		case <-e.wake:
		case <-time.After(pollInterval):
		}
	}
}
