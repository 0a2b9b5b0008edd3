package provider

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestCreationAuditInObjectTransaction: a token key (or key pair) and the
// records of its creation are written in one store transaction (one write
// ticket of the store's change signal, one sync), and the chain verifies.
func TestCreationAuditInObjectTransaction(t *testing.T) {
	m, _, h := userSession(t)
	g, ok := m.store.(generationer)
	if !ok {
		t.Fatal("the sqlite store has no change signal")
	}
	writes := func(f func()) uint64 {
		before, _ := g.Generation()
		f()
		after, _ := g.Generation()
		return after - before
	}
	cases := []struct {
		name string
		op   string
		recs int
		call func() error
	}{
		{"AES token key", "C_GenerateKey", 1, func() error {
			_, err := m.GenerateKey(h, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN}, crTmpl(ck.CKA_VALUE_LEN, 32, ck.CKA_TOKEN, true))
			return err
		}},
		{"P-256 token pair", "C_GenerateKeyPair", 2, func() error {
			_, _, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
				crTmpl(ck.CKA_TOKEN, true, ck.CKA_EC_PARAMS, crP256Params), crTmpl(ck.CKA_TOKEN, true, ck.CKA_SIGN, true))
			return err
		}},
		{"imported token key", "C_CreateObject", 1, func() error {
			_, err := m.CreateObject(h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_AES, ck.CKA_TOKEN, true,
				ck.CKA_VALUE, aesKey128))
			return err
		}},
	}
	for _, c := range cases {
		n0 := countOp(auditLog(t, m), c.op)
		var err error
		if w := writes(func() { err = c.call() }); w != 1 {
			t.Errorf("%s: %d write transactions, want 1", c.name, w)
		}
		must(t, err)
		if n := countOp(auditLog(t, m), c.op) - n0; n != c.recs {
			t.Errorf("%s: %d %s records, want %d", c.name, n, c.op, c.recs)
		}
	}
	if r := lastRecord(t, m, "C_CreateObject"); r.Target != "import" || r.Object == 0 || r.Class != "CKO_SECRET_KEY" {
		t.Errorf("import record %+v", r)
	}
	rep, err := m.VerifyAudit()
	must(t, err)
	if !rep.OK() {
		t.Fatalf("audit chain: %+v", rep)
	}
}
