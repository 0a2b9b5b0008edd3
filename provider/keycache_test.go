package provider

import (
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// genCountingStore counts the per-object queries of the key cache and
// passes the store's change signal through.
type genCountingStore struct {
	store.Store
	mu      sync.Mutex
	queries int
}

func (c *genCountingStore) Generation() (uint64, bool) {
	return c.Store.(generationer).Generation()
}

func (c *genCountingStore) Object(tokenID, id int64, s *seal.Sealer) (*store.Object, error) {
	c.count()
	return c.Store.Object(tokenID, id, s)
}

func (c *genCountingStore) ObjectVersion(tokenID, id int64) (int64, error) {
	c.count()
	return c.Store.ObjectVersion(tokenID, id)
}

func (c *genCountingStore) count() {
	c.mu.Lock()
	c.queries++
	c.mu.Unlock()
}

func (c *genCountingStore) take() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.queries
	c.queries = 0
	return n
}

// hmacOnce runs C_SignInit + C_Sign with an HMAC key and returns SignInit's error.
func hmacOnce(t *testing.T, m *Module, h ck.SessionHandle, k ck.ObjectHandle) error {
	t.Helper()
	if err := m.SignInit(h, ck.Mechanism{Type: ck.CKM_SHA256_HMAC}, k); err != nil {
		return err
	}
	_, err := m.Sign(h, []byte("data"), make([]byte, 32))
	must(t, err)
	return nil
}

// TestHotPathNoStoreQuery: with nothing changed in the store, using a cached
// token key asks the store nothing; a change by another module (another
// process's view of the same store) makes the next use ask, and see it.
func TestHotPathNoStoreQuery(t *testing.T) {
	m, slot, h := userSession(t)
	k := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET, ck.CKA_TOKEN, true,
		ck.CKA_SIGN, true, ck.CKA_ID, []byte{7}, ck.CKA_VALUE, []byte("0123456789abcdef0123456789abcdef")))
	cs := &genCountingStore{Store: m.store}
	m.store = cs
	must(t, hmacOnce(t, m, h, k)) // first use: checked against the store, tagged
	if n := cs.take(); n == 0 {
		t.Fatal("the first use of a key created by this module asked the store nothing")
	}
	for i := 0; i < 5; i++ {
		must(t, hmacOnce(t, m, h, k))
	}
	if n := cs.take(); n != 0 {
		t.Fatalf("5 uses with nothing changed asked the store %d times, want 0", n)
	}

	m2 := openTestModule(t, m.cfg.StoreDir)
	h2 := openRW(t, m2, slot)
	must(t, m2.Login(h2, ck.CKU_USER, []byte(testUserPIN)))
	must(t, m2.FindObjectsInit(h2, tb(ck.CKA_ID, []byte{7})))
	found, err := m2.FindObjects(h2, 2)
	must(t, err)
	must(t, m2.FindObjectsFinal(h2))
	if len(found) != 1 {
		t.Fatalf("second module finds %d", len(found))
	}
	must(t, m2.SetAttributeValue(h2, found[0], tb(ck.CKA_SIGN, false)))
	wantRV(t, "use after CKA_SIGN cleared elsewhere", hmacOnce(t, m, h, k), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	if n := cs.take(); n == 0 {
		t.Fatal("a change by another module was not checked against the store")
	}
	must(t, m2.DestroyObject(h2, found[0]))
	wantRV(t, "use after destroy elsewhere", hmacOnce(t, m, h, k), ck.CKR_KEY_HANDLE_INVALID)
}

// TestKeyCacheSeesOtherProcess: a child process (this test binary) destroys
// a token key that this process has cached and used; the next C_SignInit
// here fails. The child opens the store as a separate process would.
func TestKeyCacheSeesOtherProcess(t *testing.T) {
	if os.Getenv("GOHSM_KEYCACHE_CHILD") != "" {
		return // the child's work is in TestKeyCacheChild
	}
	m, _, h := userSession(t)
	k := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET, ck.CKA_TOKEN, true,
		ck.CKA_SIGN, true, ck.CKA_VALUE, []byte("0123456789abcdef0123456789abcdef")))
	for i := 0; i < 3; i++ {
		must(t, hmacOnce(t, m, h, k))
	}
	id := storeID(t, m, h, k)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKeyCacheChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOHSM_KEYCACHE_CHILD="+m.cfg.StoreDir, "GOHSM_KEYCACHE_ID="+strconv.FormatInt(id, 10))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	wantRV(t, "use after another process destroyed the key", hmacOnce(t, m, h, k), ck.CKR_KEY_HANDLE_INVALID)
}

// TestKeyCacheChild is the child of TestKeyCacheSeesOtherProcess: it
// destroys the object through the store API of its own process.
func TestKeyCacheChild(t *testing.T) {
	dir := os.Getenv("GOHSM_KEYCACHE_CHILD")
	if dir == "" {
		t.Skip("run by TestKeyCacheSeesOtherProcess")
	}
	id, err := strconv.ParseInt(os.Getenv("GOHSM_KEYCACHE_ID"), 10, 64)
	must(t, err)
	m := openTestModule(t, dir)
	toks, err := m.store.Tokens()
	must(t, err)
	for _, tok := range toks {
		if err := m.store.DestroyObject(tok.ID, id); err == nil {
			return
		}
	}
	t.Fatal("object not found in any token")
}
