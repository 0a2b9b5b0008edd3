package sqlite

// generation.go: a cross-process change signal that costs two atomic loads.
//
// Caches of token objects (provider's key cache) must see a change made by
// any process at their next use; asking SQLite for the object's version
// costs a query (about 5 µs) on every operation. Instead every store
// directory has a small file, gohsm.gen, mapped MAP_SHARED by every process
// that opens the store, holding two 8-byte counters:
//
//	started:  bumped by a writer once it holds SQLite's write lock (BEGIN
//	          IMMEDIATE), before anything is written: its ticket t;
//	finished: raised to t after the transaction committed or rolled back.
//
// Tickets are taken under the write lock, so ticket order is commit order,
// and raising finished to t says that every write up to t is over. A reader
// loads finished, then started: when they are equal (settled), no write is in
// flight and the database holds exactly the writes up to that generation. A
// cache entry read while the store was settled at g is current as long as
// the store is still settled at g.
//
// A writer killed between its ticket and raising finished leaves the pair
// unequal: readers then find the store unsettled and ask SQLite, as before,
// until the next writer's ticket (taken under the lock, so after the dead
// writer's transaction was committed or rolled back) raises finished past it.
// A reader that loaded the pair before a commit tagged its entry with the
// generation before it, so it asks SQLite at the next use. The file holds no
// secret; removing it while processes run makes them miss each other's
// changes, like removing the database would.

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// GenFileName is the change-signal file inside the store directory.
const GenFileName = "gohsm.gen"

const genFileSize = 64 // one cache line: started at 0, finished at 8

// genCounters is the mapped file.
type genCounters struct {
	started  *atomic.Uint64
	finished *atomic.Uint64
}

// genMaps holds every mapping this process made, by file identity, and never
// unmaps them: a reader may load a counter while another goroutine closes the
// store, and one 64-byte mapping per store file a process ever opens is cheap.
// Keeping the mapping also keeps the inode alive, so its number is not reused.
var genMaps struct {
	mu sync.Mutex
	m  map[[2]uint64]*genCounters
}

// openGen maps dir's change-signal file, creating it (0600) if needed.
func openGen(dir string) (*genCounters, error) {
	f, err := os.OpenFile(filepath.Join(dir, GenFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, fmt.Errorf("sqlite store: %s: no file identity", GenFileName)
	}
	id := [2]uint64{uint64(st.Dev), st.Ino}
	genMaps.mu.Lock()
	defer genMaps.mu.Unlock()
	if g := genMaps.m[id]; g != nil {
		return g, nil
	}
	if fi.Size() < genFileSize {
		// Growing zero-fills; two processes growing it at once agree.
		if err := f.Truncate(genFileSize); err != nil {
			return nil, fmt.Errorf("sqlite store: %w", err)
		}
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, genFileSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: mmap %s: %w", GenFileName, err)
	}
	g := &genCounters{
		started:  (*atomic.Uint64)(unsafe.Pointer(&mem[0])),
		finished: (*atomic.Uint64)(unsafe.Pointer(&mem[8])),
	}
	if genMaps.m == nil {
		genMaps.m = map[[2]uint64]*genCounters{}
	}
	genMaps.m[id] = g
	return g, nil
}

// ticket is called by a writer holding SQLite's write lock.
func (g *genCounters) ticket() uint64 { return g.started.Add(1) }

// done raises finished to t (never lowers it: a later writer may be done).
func (g *genCounters) done(t uint64) {
	for {
		f := g.finished.Load()
		if f >= t || g.finished.CompareAndSwap(f, t) {
			return
		}
	}
}

// signal marks a change made outside write (a restore): a ticket finished
// at once, after the change committed.
func (g *genCounters) signal() { g.done(g.ticket()) }

// Generation reports the store's write generation and whether it is settled
// (no write in flight, none left unfinished). Two settled reads with the same
// generation mean that no write committed between them, in any process.
func (d *DB) Generation() (gen uint64, settled bool) {
	f := d.gen.finished.Load() // finished first: see the comment at the top
	s := d.gen.started.Load()
	return s, s == f
}
