package sqlite

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

func TestFindObjects(t *testing.T) {
	f := newFixture(t)
	alice := f.addUser(t, "alice", false)
	bob := f.addUser(t, "bob", false)
	other := f.addToken(t, 2)

	mk := func(owner int64, class ck.ObjectClass, kt ck.KeyType, id, label string, private bool) int64 {
		o := &store.Object{TokenID: f.tok.ID, Owner: owner, Class: class, KeyType: kt, CKAID: []byte(id), Label: []byte(label), Private: private}
		return f.create(t, o)
	}
	none := ck.KeyType(ck.UnavailableInformation)
	pubAES := mk(0, ck.CKO_SECRET_KEY, ck.CKK_AES, "1", "aes", false)
	aliceEC := mk(alice.ID, ck.CKO_PRIVATE_KEY, ck.CKK_EC, "2", "ec", true)
	aliceECPub := mk(alice.ID, ck.CKO_PUBLIC_KEY, ck.CKK_EC, "2", "ec", false)
	bobEC := mk(bob.ID, ck.CKO_PRIVATE_KEY, ck.CKK_EC, "2", "ec", true)
	sharedToAlice := mk(bob.ID, ck.CKO_SECRET_KEY, ck.CKK_AES, "3", "shared", true)
	emptyLabel := mk(0, ck.CKO_DATA, none, "", "", false)
	f.create(t, &store.Object{TokenID: other.ID, Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_AES, Label: []byte("aes")})
	if _, err := f.d.db.Exec(`INSERT INTO shares (object_id, user_id) VALUES (?, ?)`, sharedToAlice, alice.ID); err != nil {
		t.Fatal(err)
	}
	sorted := func(ids ...int64) []int64 { slices.Sort(ids); return ids }

	for _, tc := range []struct {
		name string
		q    store.Query
		want []int64
	}{
		{"public only", store.Query{TokenID: f.tok.ID}, sorted(pubAES, aliceECPub, emptyLabel)},
		{"alice sees hers and shared", store.Query{TokenID: f.tok.ID, Viewer: alice.ID}, sorted(pubAES, aliceEC, aliceECPub, sharedToAlice, emptyLabel)},
		{"bob sees his", store.Query{TokenID: f.tok.ID, Viewer: bob.ID}, sorted(pubAES, aliceECPub, bobEC, sharedToAlice, emptyLabel)},
		{"label ec for alice", store.Query{TokenID: f.tok.ID, Viewer: alice.ID, Label: []byte("ec")}, sorted(aliceEC, aliceECPub)},
		{"class+id+label (libp11)", store.Query{TokenID: f.tok.ID, Viewer: bob.ID, Class: ptr(ck.CKO_PRIVATE_KEY), CKAID: []byte("2"), Label: []byte("ec")}, []int64{bobEC}},
		{"key type", store.Query{TokenID: f.tok.ID, Viewer: alice.ID, KeyType: ptr(ck.CKK_AES)}, sorted(pubAES, sharedToAlice)},
		{"class and key type", store.Query{TokenID: f.tok.ID, Class: ptr(ck.CKO_PUBLIC_KEY), KeyType: ptr(ck.CKK_EC)}, []int64{aliceECPub}},
		{"empty label matches empty only", store.Query{TokenID: f.tok.ID, Label: []byte{}}, []int64{emptyLabel}},
		{"empty id matches empty only", store.Query{TokenID: f.tok.ID, CKAID: []byte{}}, []int64{emptyLabel}},
		{"no match", store.Query{TokenID: f.tok.ID, Label: []byte("nope")}, nil},
		{"unknown viewer sees public", store.Query{TokenID: f.tok.ID, Viewer: 12345, Label: []byte("ec")}, []int64{aliceECPub}},
		{"limit", store.Query{TokenID: f.tok.ID, Limit: 2}, sorted(pubAES, aliceECPub, emptyLabel)[:2]},
		{"missing token", store.Query{TokenID: 999}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.d.FindObjects(tc.q)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("FindObjects = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestFindUsesIndex asserts on SQLite's plan: the search by label or CKA_ID
// must SEARCH an index, never SCAN the objects table.
func TestFindUsesIndex(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		q     store.Query
		index string
	}{
		{"label", store.Query{TokenID: 1, Label: []byte("x")}, "objects_label"},
		{"label, viewer", store.Query{TokenID: 1, Viewer: 2, Label: []byte("x")}, "objects_label"},
		{"ckaid", store.Query{TokenID: 1, CKAID: []byte("x")}, "objects_ckaid"},
		{"ckaid, viewer, class", store.Query{TokenID: 1, Viewer: 2, Class: ptr(ck.CKO_PRIVATE_KEY), CKAID: []byte("x")}, "objects_"},
		{"class, key type", store.Query{TokenID: 1, Class: ptr(ck.CKO_PRIVATE_KEY), KeyType: ptr(ck.CKK_EC)}, "objects_class"},
		{"class+id+label (libp11)", store.Query{TokenID: 1, Viewer: 2, Class: ptr(ck.CKO_PRIVATE_KEY), CKAID: []byte("x"), Label: []byte("x")}, "objects_"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query, args := findArgs(tc.q)
			plan := queryPlan(t, f.d, query, args...)
			if !strings.Contains(plan, "SEARCH objects USING INDEX "+tc.index) || strings.Contains(plan, "SCAN objects") {
				t.Fatalf("plan does not search %s:\n%s", tc.index, plan)
			}
		})
	}
	for _, q := range []string{selectObjectSQL, objectVersionSQL} {
		if plan := queryPlan(t, f.d, q, 1, 1); !strings.Contains(plan, "SEARCH objects USING INTEGER PRIMARY KEY") {
			t.Fatalf("point read %q does not use the primary key:\n%s", q, plan)
		}
	}
}

func queryPlan(t *testing.T, d *DB, query string, args ...any) string {
	t.Helper()
	rows, err := d.db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

// bulkTokenObjects inserts n public objects labelled "obj-<i>" in one transaction.
func bulkTokenObjects(t testing.TB, f *fixture, n int) time.Duration {
	t.Helper()
	objs := make([]*store.Object, n)
	for i := range objs {
		objs[i] = &store.Object{TokenID: f.tok.ID, Class: ck.CKO_DATA, KeyType: ck.KeyType(ck.UnavailableInformation),
			CKAID: fmt.Appendf(nil, "%08x", i), Label: fmt.Appendf(nil, "obj-%d", i),
			Public: map[ck.AttributeType][]byte{ck.CKA_VALUE: fmt.Appendf(nil, "data %d", i)}}
	}
	start := time.Now()
	if err := f.d.CreateObjects(objs, f.sealer); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

func testFindAmong(t *testing.T, n int) {
	f := newFixture(t)
	took := bulkTokenObjects(t, f, n)
	target := f.create(t, keyObject(f.tok.ID, f.co.ID, "needle", true, []byte("k")))
	start := time.Now()
	const finds = 200
	for range finds {
		ids, err := f.d.FindObjects(store.Query{TokenID: f.tok.ID, Viewer: f.co.ID, Label: []byte("needle")})
		if err != nil || len(ids) != 1 || ids[0] != target {
			t.Fatalf("FindObjects(needle) = %v, %v; want [%d]", ids, err, target)
		}
	}
	perFind := time.Since(start) / finds
	ids, err := f.d.FindObjects(store.Query{TokenID: f.tok.ID, CKAID: fmt.Appendf(nil, "%08x", n/2)})
	if err != nil || len(ids) != 1 {
		t.Fatalf("FindObjects by CKA_ID = %v, %v", ids, err)
	}
	if c, _ := f.d.CountObjects(f.tok.ID); c != n+1 {
		t.Fatalf("CountObjects = %d, want %d", c, n+1)
	}
	t.Logf("%d objects: bulk insert %v (%v/object), find by label %v", n, took, took/time.Duration(n), perFind)
}

func TestFindAmong10k(t *testing.T) { testFindAmong(t, 10_000) }

func TestFindAmong100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k objects: skipped with -short")
	}
	testFindAmong(t, 100_000)
}
