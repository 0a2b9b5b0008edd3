package sqlite

import (
	"context"
	"testing"

	"github.com/gohsm/gohsm/store"
)

// TestAppendAuditNoSync: the record joins its chain like any other, the
// connection goes back to the pool with the store's synchronous setting
// (FULL = 2), and audit-only writes do not move the change signal.
func TestAppendAuditNoSync(t *testing.T) {
	d, err := OpenWith(t.TempDir(), Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	g0, _ := d.Generation()
	a := store.AuditRecord{Op: "C_Login", Result: "CKR_OK"}
	b := store.AuditRecord{Op: "C_WrapKey", Result: "CKR_OK"}
	if err := d.AppendAudit(&a, fakeSeal); err != nil {
		t.Fatal(err)
	}
	if err := d.AppendAuditNoSync(&b, fakeSeal); err != nil {
		t.Fatal(err)
	}
	if b.Seq != a.Seq+1 || b.ID == 0 {
		t.Fatalf("no-sync record: seq %d id %d after seq %d", b.Seq, b.ID, a.Seq)
	}
	if rs := collect(t, d, store.AuditQuery{}); len(rs) != 2 || rs[1].Op != "C_WrapKey" {
		t.Fatalf("records %+v", rs)
	}
	ctx := context.Background()
	for i := 0; i < 2; i++ { // both pooled connections, held at once
		c, err := d.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var sync int
		if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if sync != 2 {
			t.Fatalf("a pooled connection kept synchronous=%d, want 2 (FULL)", sync)
		}
	}
	if g, settled := d.Generation(); g != g0 || !settled {
		t.Fatalf("audit writes moved the generation %d -> %d (settled %v)", g0, g, settled)
	}
}
