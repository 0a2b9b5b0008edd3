package provider

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// TestFindOneAmong100000: libp11's lookup (CKA_CLASS, CKA_ID, CKA_LABEL)
// finds one key among 100,000 token objects through the index. The objects
// are written straight into the store in one transaction (making them one
// by one through C_CreateObject would only test SQLite's commit rate).
func TestFindOneAmong100000(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 objects")
	}
	m, _, h := userSession(t)
	b, ok := m.store.(batchCreator)
	if !ok {
		t.Skip("store cannot create objects in a batch")
	}
	s, err := m.session(h)
	must(t, err)
	const n = 100000
	objs := make([]*store.Object, n)
	for i := range objs {
		objs[i] = &store.Object{
			TokenID: s.token.id, Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC,
			CKAID: []byte(fmt.Sprintf("id-%06d", i)), Label: []byte("bulk"),
			Public: map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: p256Params, ck.CKA_EC_POINT: p256Point, ck.CKA_VERIFY: vTrue},
		}
	}
	start := time.Now()
	must(t, b.CreateObjects(objs, nil))
	t.Logf("stored %d objects in %v", n, time.Since(start))

	start = time.Now()
	must(t, m.FindObjectsInit(h, tb(ck.CKA_CLASS, ck.CKO_PUBLIC_KEY, ck.CKA_ID, []byte("id-054321"), ck.CKA_LABEL, "bulk")))
	got, err := m.FindObjects(h, 10)
	must(t, err)
	must(t, m.FindObjectsFinal(h))
	took := time.Since(start)
	t.Logf("found %v in %v", got, took)
	if len(got) != 1 {
		t.Fatalf("found %d, want 1", len(got))
	}
	if !bytes.Equal(mustAttr(t, m, h, got[0], ck.CKA_ID), []byte("id-054321")) {
		t.Error("wrong object")
	}
	// That the search uses the index, not a scan, is asserted on the query
	// plan in store/sqlite (TestFindUsesIndex); speed is measured by
	// the benchmarks, never asserted in a test.
}
