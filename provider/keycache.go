package provider

// keycache.go: for crypto.go, keyForUse(s, h, usage) resolves a key handle,
// checks usage and login, and returns the unsealed, parsed-once key.

import (
	"sync"
	"sync/atomic"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/mechanisms"
	"github.com/gohsm/gohsm/store"
)

// keyCache holds the token objects unsealed during one login, by store ID,
// with the store version they were read at. A mechanism's parsed key lives
// on the cached object, so a key is unsealed and parsed once per login and
// version. The zero value is ready; logout wipes it.
type keyCache struct {
	mu      sync.RWMutex // read-locked by every C_XxxInit of every session: no waiting between readers
	entries map[int64]*cacheEntry
}

// cacheEntry is one cached object and the store generation at which it was
// last known current (storeGen: 1 + the settled generation; 0 when unknown).
type cacheEntry struct {
	o   *object
	gen atomic.Uint64
}

// get returns the cached object for a store ID, or nil.
func (k *keyCache) get(dbID int64) *object {
	if e := k.entry(dbID); e != nil {
		return e.o
	}
	return nil
}

// entry returns the cache entry for a store ID, or nil.
func (k *keyCache) entry(dbID int64) *cacheEntry {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.entries[dbID]
}

// maxCachedKeys bounds a login's cache; past it an arbitrary entry goes
// (it is read again from the store when next used).
const maxCachedKeys = 4096

// put caches o (read with the login's sealer), replacing an older version;
// it is checked against the store at its first use. Only keys are cached:
// they are what operations use again and again.
func (k *keyCache) put(o *object) { k.putAt(o, 0) }

// putAt is put of an object known current at storeGen gen (0: unknown).
func (k *keyCache) putAt(o *object, gen uint64) {
	switch o.class {
	case ck.CKO_PUBLIC_KEY, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY:
	default:
		return
	}
	e := &cacheEntry{o: o}
	e.gen.Store(gen)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.entries == nil {
		k.entries = map[int64]*cacheEntry{}
	}
	if _, ok := k.entries[o.dbID]; !ok && len(k.entries) >= maxCachedKeys {
		for id := range k.entries {
			delete(k.entries, id)
			break
		}
	}
	k.entries[o.dbID] = e
}

// drop forgets one store ID (destroyed, or changed by this process).
func (k *keyCache) drop(dbID int64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.entries, dbID)
}

// wipe forgets everything at logout. Values are not zeroed in place: an
// operation of another session may still hold the object for a moment, and
// Go may have copied the bytes anyway; dropping every reference is what
// makes them unreachable.
func (k *keyCache) wipe() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.entries = nil
}

// generationer is a store that signals changes by any process without a
// query (store/sqlite: generation.go).
type generationer interface {
	Generation() (gen uint64, settled bool)
}

// storeGen is the store's settled generation plus one, or 0 when the store
// cannot tell (a write in flight, or a store without the signal): a cache
// entry tagged with a nonzero storeGen equal to the current one is current.
// It is read before the store is asked, so that a write committed after it
// makes the tag stale.
func (m *Module) storeGen() uint64 {
	if g, ok := m.store.(generationer); ok {
		if gen, settled := g.Generation(); settled {
			return gen + 1
		}
	}
	return 0
}

// keyForUse resolves a key handle for a cryptographic operation: the key
// must exist and be visible (else CKR_KEY_HANDLE_INVALID), be a key, allow
// usage (CKA_SIGN, CKA_VERIFY, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP,
// CKA_UNWRAP, CKA_DERIVE; 0 checks nothing) else CKR_KEY_FUNCTION_NOT_PERMITTED,
// and a private or secret key needs a Crypto User's login
// (CKR_USER_NOT_LOGGED_IN). It returns the key and CKA_ALWAYS_AUTHENTICATE.
// It does not take s.mu.
func (m *Module) keyForUse(s *Session, h ck.ObjectHandle, usage ck.AttributeType) (*mechanisms.Key, bool, error) {
	o, l, err := m.resolve(s, h)
	if err == ck.CKR_OBJECT_HANDLE_INVALID {
		return nil, false, ck.CKR_KEY_HANDLE_INVALID
	}
	if err != nil {
		return nil, false, err
	}
	switch o.class {
	case ck.CKO_PUBLIC_KEY:
	case ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY:
		if l == nil || l.user.Role != store.RoleCU {
			return nil, false, ck.CKR_USER_NOT_LOGGED_IN
		}
		if err := useAllowed(o, l, usage); err != nil { // share.go: owner or sharer
			return nil, false, err
		}
	default:
		return nil, false, ck.CKR_KEY_HANDLE_INVALID
	}
	if usage != 0 && !boolOf(o.attrs, usage) {
		return nil, false, ck.CKR_KEY_FUNCTION_NOT_PERMITTED
	}
	if err := m.keyUseQuorum(s, o); err != nil { // quorum.go: per-key usage quorum
		return nil, false, err
	}
	return o.mechKey(), boolOf(o.attrs, ck.CKA_ALWAYS_AUTHENTICATE), nil
}
