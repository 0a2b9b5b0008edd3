package audit

import (
	"fmt"
	"sync"

	"github.com/gohsm/gohsm/store"
)

// laterQueue bounds the records waiting for the background writer; a
// caller that finds it full waits (the log never drops a record).
const laterQueue = 4096

// laterBatch bounds one group commit.
const laterBatch = 1024

// writer is the background group-commit writer of Later.
type writer struct {
	mu     sync.RWMutex // held shared while sending, exclusively by Close
	closed bool
	ch     chan store.AuditRecord
	done   chan struct{}
}

// SetErrorHandler sets what is told when a background write fails (the
// records of that batch are lost); by default nothing is.
func (l *Logger) SetErrorHandler(f func(error)) {
	l.mu.Lock()
	l.onErr = f
	l.mu.Unlock()
}

// Later records e, stamped now, through a background writer that appends
// whatever has queued up in one transaction (group commit), for frequent
// events such as key use: the caller pays a channel send, not a disk sync.
// A record is durable once its batch is written, within one transaction's
// time of the call; records still queued when the process dies without
// Close are lost. After Close, Later appends at once.
func (l *Logger) Later(e Event) {
	r := l.record(e)
	w := l.startWriter()
	w.mu.RLock()
	if !w.closed {
		w.ch <- r
		w.mu.RUnlock()
		return
	}
	w.mu.RUnlock()
	if err := l.st.AppendAudit(&r, l.seal); err != nil {
		l.reportErr(err)
	}
}

func (l *Logger) startWriter() *writer {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		l.w = &writer{ch: make(chan store.AuditRecord, laterQueue), done: make(chan struct{})}
		go l.write(l.w)
	}
	return l.w
}

// write appends what is queued, a batch at a time, until the channel closes.
func (l *Logger) write(w *writer) {
	defer close(w.done)
	batch := make([]*store.AuditRecord, 0, laterBatch)
	for r := range w.ch {
		batch = append(batch[:0], &r)
	more:
		for len(batch) < laterBatch {
			select {
			case r2, ok := <-w.ch:
				if !ok {
					break more
				}
				batch = append(batch, &r2)
			default:
				break more
			}
		}
		if err := l.st.AppendAudits(batch, l.seal); err != nil {
			l.reportErr(fmt.Errorf("%d key-use records lost: %w", len(batch), err))
		}
	}
}

func (l *Logger) reportErr(err error) {
	l.mu.Lock()
	f := l.onErr
	l.mu.Unlock()
	if f != nil {
		f(fmt.Errorf("audit: %w", err))
	}
}

// Close writes every record queued by Later and stops the background
// writer. It is safe to call more than once, and on a Logger never used.
func (l *Logger) Close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	w := l.w
	l.mu.Unlock()
	if w == nil {
		return
	}
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ch)
	}
	w.mu.Unlock()
	<-w.done
}

// Flush writes every record queued by Later so far and returns when they
// are durable; a later Later starts a new background writer.
func (l *Logger) Flush() {
	l.Close()
	l.mu.Lock()
	if w := l.w; w != nil {
		w.mu.RLock()
		if w.closed {
			l.w = nil
		}
		w.mu.RUnlock()
	}
	l.mu.Unlock()
}
