package provider

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// TestFindQuerySplit: indexed attributes go to the store query; the rest,
// and indexed values the columns cannot tell apart, are matched in memory.
func TestFindQuerySplit(t *testing.T) {
	cases := []struct {
		name                      string
		tmpl                      ck.Template
		class, keyType, id, label bool
		residual                  []ck.AttributeType
		ok                        bool
	}{
		{"libp11 key lookup", tb(ck.CKA_CLASS, ck.CKO_PRIVATE_KEY, ck.CKA_ID, []byte{1}, ck.CKA_LABEL, "k"), true, false, true, true, nil, true},
		{"key type and sign", tb(ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_SIGN, true), false, true, false, false, []ck.AttributeType{ck.CKA_SIGN}, true},
		{"empty id is checked in memory", tb(ck.CKA_ID, []byte{}), false, false, true, false, []ck.AttributeType{ck.CKA_ID}, true},
		{"unavailable key type is checked in memory", tb(ck.CKA_KEY_TYPE, ck.KeyType(ck.UnavailableInformation)), false, true, false, false, []ck.AttributeType{ck.CKA_KEY_TYPE}, true},
		{"token is not residual", tb(ck.CKA_TOKEN, true, ck.CKA_PRIVATE, false), false, false, false, false, []ck.AttributeType{ck.CKA_PRIVATE}, true},
		{"malformed class", tb(ck.CKA_CLASS, []byte{1}), false, false, false, false, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm, err := attrMap(c.tmpl)
			must(t, err)
			q, residual, ok := findQuery(7, tm, nil)
			if ok != c.ok {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			if q.TokenID != 7 || q.Viewer != 0 {
				t.Errorf("token %d viewer %d", q.TokenID, q.Viewer)
			}
			if (q.Class != nil) != c.class || (q.KeyType != nil) != c.keyType || (q.CKAID != nil) != c.id || (q.Label != nil) != c.label {
				t.Errorf("query %+v", q)
			}
			if len(residual) != len(c.residual) {
				t.Fatalf("residual %v, want %v", residual, c.residual)
			}
			for i, a := range residual {
				if a.Type != c.residual[i] {
					t.Errorf("residual %v, want %v", residual, c.residual)
				}
			}
		})
	}
}

func TestFindObjects(t *testing.T) {
	m, _, h := userSession(t)
	ids := map[string]ck.ObjectHandle{}
	for i := 0; i < 30; i++ {
		label := fmt.Sprintf("obj%02d", i)
		tmpl := tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, i%3 != 0, ck.CKA_LABEL, label, ck.CKA_APPLICATION, fmt.Sprintf("app%d", i%5))
		if i%2 == 0 {
			tmpl = append(tmpl, tb(ck.CKA_PRIVATE, true)...)
		}
		ids[label] = create(t, m, h, tmpl)
	}
	key := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_VALUE, aesKey128,
		ck.CKA_TOKEN, true, ck.CKA_ID, []byte("kid"), ck.CKA_LABEL, "key"))
	open := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET, ck.CKA_VALUE, []byte("open"),
		ck.CKA_TOKEN, true, ck.CKA_SENSITIVE, false, ck.CKA_LABEL, "open"))

	cases := []struct {
		name string
		tmpl ck.Template
		want int
	}{
		{"all", nil, 32},
		{"data", tb(ck.CKA_CLASS, ck.CKO_DATA), 30},
		{"token data", tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true), 20},
		{"session data", tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, false), 10},
		{"by label", tb(ck.CKA_LABEL, "obj07"), 1},
		{"label and residual application", tb(ck.CKA_LABEL, "obj07", ck.CKA_APPLICATION, "app2"), 1},
		{"label and wrong application", tb(ck.CKA_LABEL, "obj07", ck.CKA_APPLICATION, "app3"), 0},
		{"application only", tb(ck.CKA_APPLICATION, "app1"), 6},
		{"private ones", tb(ck.CKA_PRIVATE, true, ck.CKA_CLASS, ck.CKO_DATA), 15},
		{"class+id+label", tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_ID, []byte("kid"), ck.CKA_LABEL, "key"), 1},
		{"key type", tb(ck.CKA_KEY_TYPE, ck.CKK_AES), 1},
		{"no such label", tb(ck.CKA_LABEL, "nope"), 0},
		{"unknown attribute", tb(ck.CKA_VENDOR_DEFINED, "x"), 0},
		{"CKA_ID on data objects", tb(ck.CKA_ID, []byte{}, ck.CKA_CLASS, ck.CKO_DATA), 0},
		{"conflicting duplicate", tb(ck.CKA_LABEL, "obj01", ck.CKA_LABEL, "obj02"), 0},
		{"malformed class", tb(ck.CKA_CLASS, []byte{1, 2}), 0},
		// Key material never matches, whether sensitive or not: a search must
		// not confirm a guessed key. (The open key is readable, so it matches.)
		{"sensitive value", tb(ck.CKA_VALUE, aesKey128), 0},
		{"readable value", tb(ck.CKA_VALUE, []byte("open"), ck.CKA_CLASS, ck.CKO_SECRET_KEY), 1},
	}
	for _, c := range cases {
		if n := countFound(t, m, h, c.tmpl); n != c.want {
			t.Errorf("%s: found %d, want %d", c.name, n, c.want)
		}
	}
	_ = key
	_ = open

	// Without a login, private objects are not found.
	must(t, m.Logout(h))
	if n := countFound(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA)); n != 15 {
		t.Errorf("without login found %d data objects, want the 15 public ones", n)
	}
}

func TestFindOperationState(t *testing.T) {
	m, _, h := userSession(t)
	_, err := m.FindObjects(h, 1)
	wantRV(t, "FindObjects without init", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	wantRV(t, "Final without init", m.FindObjectsFinal(h), ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.FindObjectsInit(h, nil))
	wantRV(t, "init twice", m.FindObjectsInit(h, nil), ck.CKR_OPERATION_ACTIVE)
	must(t, m.FindObjectsFinal(h))
	wantRV(t, "bad session", m.FindObjectsInit(12345, nil), ck.CKR_SESSION_HANDLE_INVALID)

	// Results come in pieces of at most max, each once.
	for i := 0; i < 10; i++ {
		create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, i%2 == 0, ck.CKA_LABEL, "p"))
	}
	must(t, m.FindObjectsInit(h, tb(ck.CKA_LABEL, "p")))
	seen := map[ck.ObjectHandle]bool{}
	for {
		got, err := m.FindObjects(h, 3)
		must(t, err)
		if len(got) > 3 {
			t.Fatalf("got %d > max", len(got))
		}
		if len(got) == 0 {
			break
		}
		for _, o := range got {
			if seen[o] {
				t.Fatalf("handle %d twice", o)
			}
			seen[o] = true
		}
	}
	must(t, m.FindObjectsFinal(h))
	if len(seen) != 10 {
		t.Errorf("found %d, want 10", len(seen))
	}
}

// TestFindAmongMany: one object among many is found through the index, and
// its handle is the one it was created with.
func TestFindAmongMany(t *testing.T) {
	m, _, h := userSession(t)
	const n = 300
	var want ck.ObjectHandle
	for i := 0; i < n; i++ {
		o := create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_KEY_TYPE, ck.CKK_EC, ck.CKA_TOKEN, true,
			ck.CKA_EC_PARAMS, p256Params, ck.CKA_EC_POINT, p256Point, ck.CKA_ID, []byte(fmt.Sprintf("id-%d", i)), ck.CKA_LABEL, "many"))
		if i == n/2 {
			want = o
		}
	}
	must(t, m.FindObjectsInit(h, tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_ID, []byte(fmt.Sprintf("id-%d", n/2)), ck.CKA_LABEL, "many")))
	got, err := m.FindObjects(h, 10)
	must(t, err)
	must(t, m.FindObjectsFinal(h))
	if len(got) != 1 || got[0] != want {
		t.Fatalf("found %v, want [%d]", got, want)
	}
	if !bytes.Equal(mustAttr(t, m, h, got[0], ck.CKA_ID), []byte(fmt.Sprintf("id-%d", n/2))) {
		t.Error("wrong object")
	}
}

// p256Point is CKA_EC_POINT of the P-256 base point: a DER OCTET STRING
// holding the uncompressed point.
var p256Point = mustHex("044104" +
	"6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296" +
	"4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// countingStore counts per-object reads (cached or not), to show what a search loads.
type countingStore struct {
	store.Store
	mu    sync.Mutex
	reads int
}

func (c *countingStore) Object(tokenID, id int64, s *seal.Sealer) (*store.Object, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.Store.Object(tokenID, id, s)
}

func (c *countingStore) ObjectVersion(tokenID, id int64) (int64, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.Store.ObjectVersion(tokenID, id)
}

func (c *countingStore) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// TestFindLoadsOnlyCandidates: a template of indexed attributes loads no
// object at all; a residual attribute loads only what the index selected.
func TestFindLoadsOnlyCandidates(t *testing.T) {
	m, _, h := userSession(t)
	for i := 0; i < 40; i++ {
		create(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true, ck.CKA_LABEL, fmt.Sprintf("l%d", i%4),
			ck.CKA_APPLICATION, fmt.Sprintf("a%d", i%8)))
	}
	cs := &countingStore{Store: m.store}
	m.store = cs
	if n := countFound(t, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_LABEL, "l1")); n != 10 {
		t.Fatalf("found %d, want 10", n)
	}
	if r := cs.count(); r != 0 {
		t.Errorf("an indexed search read %d objects, want 0", r)
	}
	if n := countFound(t, m, h, tb(ck.CKA_LABEL, "l1", ck.CKA_APPLICATION, "a5")); n != 5 {
		t.Fatalf("found %d, want 5", n)
	}
	if r := cs.count(); r != 10 {
		t.Errorf("a search with a residual read %d objects, want the 10 the index selected", r)
	}
	// Without a login nothing is cached: the same search reads the same 10.
	must(t, m.Logout(h))
	if n := countFound(t, m, h, tb(ck.CKA_LABEL, "l1", ck.CKA_APPLICATION, "a5")); n != 5 {
		t.Fatalf("found %d without login, want 5", n)
	}
	if r := cs.count(); r != 20 {
		t.Errorf("reads %d, want 20", r)
	}
}
