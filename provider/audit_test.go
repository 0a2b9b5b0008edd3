package provider

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/sqlite"
)

// auditLog returns every audit record of m's store, oldest first.
func auditLog(t testing.TB, m *Module) []store.AuditRecord {
	t.Helper()
	var rs []store.AuditRecord
	must(t, m.store.AuditRecords(store.AuditQuery{}, func(r store.AuditRecord) error { rs = append(rs, r); return nil }))
	return rs
}

// lastRecord is the newest record whose op is op.
func lastRecord(t testing.TB, m *Module, op string) store.AuditRecord {
	t.Helper()
	rs := auditLog(t, m)
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Op == op {
			return rs[i]
		}
	}
	t.Fatalf("no %s record in %d records", op, len(rs))
	return store.AuditRecord{}
}

func countOp(rs []store.AuditRecord, op string) int {
	n := 0
	for _, r := range rs {
		if r.Op == op {
			n++
		}
	}
	return n
}

// recordWant is what a hook's record must say.
type recordWant struct {
	op, user, role, result, class, target string
	object                                bool // names a store object
}

func checkRecord(t *testing.T, r store.AuditRecord, w recordWant) {
	t.Helper()
	if r.Op != w.op || r.User != w.user || r.Role != w.role || r.Result != w.result || r.Class != w.class ||
		(r.Object != 0) != w.object || (w.target != "" && r.Target != w.target) {
		t.Fatalf("record %+v\nwant %+v", r, w)
	}
	if r.Serial == "" || r.TokenID == 0 || r.PID == 0 || r.Exe == "" || r.Time.IsZero() || len(r.MAC) != 32 {
		t.Fatalf("record lacks token, process, time or MAC: %+v", r)
	}
}

func TestAuditHooks(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	checkRecord(t, lastRecord(t, m, "C_InitToken"), recordWant{op: "C_InitToken", user: defaultCOName, role: "CO", result: "CKR_OK", target: "label test token"})
	checkRecord(t, lastRecord(t, m, "C_InitPIN"), recordWant{op: "C_InitPIN", user: defaultCOName, role: "CO", result: "CKR_OK", target: defaultCUName})

	h := openRW(t, m, slot)
	wantRV(t, "wrong PIN", m.Login(h, ck.CKU_USER, []byte("wrong-pin")), ck.CKR_PIN_INCORRECT)
	checkRecord(t, lastRecord(t, m, "C_Login"), recordWant{op: "C_Login", user: defaultCUName, role: "CU", result: "CKR_PIN_INCORRECT"})
	wantRV(t, "unknown user", m.LoginUser(h, ck.CKU_USER, []byte("pw"), []byte("nobody")), ck.CKR_PIN_INCORRECT)
	checkRecord(t, lastRecord(t, m, "C_LoginUser"), recordWant{op: "C_LoginUser", user: "nobody", role: "CU", result: "CKR_PIN_INCORRECT"})

	must(t, m.Login(h, ck.CKU_USER, []byte(testUserPIN)))
	checkRecord(t, lastRecord(t, m, "C_Login"), recordWant{op: "C_Login", user: defaultCUName, role: "CU", result: "CKR_OK"})

	k, err := m.GenerateKey(h, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN},
		crTmpl(ck.CKA_VALUE_LEN, 32, ck.CKA_TOKEN, true, ck.CKA_LABEL, []byte("audited")))
	must(t, err)
	r := lastRecord(t, m, "C_GenerateKey")
	checkRecord(t, r, recordWant{op: "C_GenerateKey", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_SECRET_KEY", object: true, target: "CKM_AES_KEY_GEN"})
	if r.Object != storeID(t, m, h, k) || r.Label != "audited" {
		t.Fatalf("generate record names object %d %q, want %d", r.Object, r.Label, storeID(t, m, h, k))
	}
	kid := r.Object

	pub, priv := genP256(t, m, h, ck.CKA_TOKEN, true)
	rs := auditLog(t, m)
	if n := countOp(rs, "C_GenerateKeyPair"); n != 2 {
		t.Fatalf("%d key pair records, want one per key", n)
	}
	checkRecord(t, rs[len(rs)-1], recordWant{op: "C_GenerateKeyPair", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_PRIVATE_KEY", object: true})
	_ = pub

	wantRV(t, "bad template", func() error {
		_, err := m.GenerateKey(h, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN}, crTmpl(ck.CKA_VALUE_LEN, 7))
		return err
	}(), ck.CKR_ATTRIBUTE_VALUE_INVALID)
	checkRecord(t, lastRecord(t, m, "C_GenerateKey"), recordWant{op: "C_GenerateKey", user: defaultCUName, role: "CU", result: "CKR_ATTRIBUTE_VALUE_INVALID"})

	imported, err := m.CreateObject(h, crTmpl(ck.CKA_CLASS, int(ck.CKO_SECRET_KEY), ck.CKA_KEY_TYPE, int(ck.CKK_AES),
		ck.CKA_TOKEN, true, ck.CKA_VALUE, bytes.Repeat([]byte{0x5a}, 16)))
	must(t, err)
	checkRecord(t, lastRecord(t, m, "C_CreateObject"), recordWant{op: "C_CreateObject", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_SECRET_KEY", object: true, target: "import"})

	must(t, m.SetAttributeValue(h, k, crTmpl(ck.CKA_LABEL, []byte("renamed"))))
	checkRecord(t, lastRecord(t, m, "C_SetAttributeValue"), recordWant{op: "C_SetAttributeValue", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_SECRET_KEY", object: true, target: "CKA_LABEL"})

	c, err := m.CopyObject(h, imported, crTmpl(ck.CKA_LABEL, []byte("copy")))
	must(t, err)
	r = lastRecord(t, m, "C_CopyObject")
	checkRecord(t, r, recordWant{op: "C_CopyObject", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_SECRET_KEY", object: true, target: fmt.Sprintf("from object %d", storeID(t, m, h, imported))})
	if r.Object != storeID(t, m, h, c) || r.Label != "copy" {
		t.Fatalf("copy record %+v", r)
	}

	must(t, m.DestroyObject(h, k))
	r = lastRecord(t, m, "C_DestroyObject")
	checkRecord(t, r, recordWant{op: "C_DestroyObject", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_SECRET_KEY", object: true})
	if r.Object != kid || r.Label != "renamed" {
		t.Fatalf("destroy record names %d %q, want %d", r.Object, r.Label, kid)
	}
	wantRV(t, "destroy twice", m.DestroyObject(h, k), ck.CKR_OBJECT_HANDLE_INVALID)
	checkRecord(t, lastRecord(t, m, "C_DestroyObject"), recordWant{op: "C_DestroyObject", user: defaultCUName, role: "CU", result: "CKR_OBJECT_HANDLE_INVALID"})

	// Key use is off by default: signing leaves no record.
	before := len(auditLog(t, m))
	must(t, m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, priv))
	d := sha256.Sum256([]byte("m"))
	if _, err := m.Sign(h, d[:], make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
	if n := len(auditLog(t, m)); n != before {
		t.Fatalf("signing with key_use off wrote %d records", n-before)
	}

	must(t, m.SetPIN(h, []byte(testUserPIN), []byte("new-user-pin")))
	checkRecord(t, lastRecord(t, m, "C_SetPIN"), recordWant{op: "C_SetPIN", user: defaultCUName, role: "CU", result: "CKR_OK", target: defaultCUName})
	must(t, m.Logout(h))
	checkRecord(t, lastRecord(t, m, "C_Logout"), recordWant{op: "C_Logout", user: defaultCUName, role: "CU", result: "CKR_OK"})

	rep, err := m.audit.Verify()
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

func TestAuditKeyUse(t *testing.T) {
	m, _, h := userSession(t)
	m.cfg.Audit.KeyUse = true
	_, priv := genP256(t, m, h, ck.CKA_TOKEN, true, ck.CKA_LABEL, []byte("signer"))
	must(t, m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, priv))
	m.audit.Flush() // key use is written in the background
	r := lastRecord(t, m, "C_SignInit")
	checkRecord(t, r, recordWant{op: "C_SignInit", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_PRIVATE_KEY", object: true, target: "CKM_ECDSA"})
	if r.Label != "signer" || r.Object != storeID(t, m, h, priv) {
		t.Fatalf("%+v", r)
	}
	// A refused use is recorded too.
	m.SessionCancel(h, ck.CKF_SIGN)
	wantRV(t, "encrypt with a signing key", m.EncryptInit(h, ck.Mechanism{Type: ck.CKM_AES_ECB}, priv), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	m.audit.Flush()
	checkRecord(t, lastRecord(t, m, "C_EncryptInit"), recordWant{op: "C_EncryptInit", user: defaultCUName, role: "CU", result: "CKR_KEY_FUNCTION_NOT_PERMITTED", class: "CKO_PRIVATE_KEY", object: true, target: "CKM_AES_ECB"})
}

// TestAuditHoldsNoSecret runs every audited function with known PINs and
// key bytes, then scans the whole audit table (every column, as stored)
// for them.
func TestAuditHoldsNoSecret(t *testing.T) {
	const soPIN, userPIN, newPIN, wrongPIN = "so-Secret-4711", "user-Secret-0815", "new-Secret-2342", "wrong-Secret-1234"
	key := []byte("KEYBYTES-0123456789abcdef-KEY!!!")
	m := newTestModule(t)
	m.cfg.Audit.KeyUse = true
	slot := freeSlot(t, m)
	must(t, m.InitToken(slot, []byte("boss:"+soPIN), "secret scan"))
	h := openRW(t, m, slot)
	wantRV(t, "wrong SO PIN", m.Login(h, ck.CKU_SO, []byte("boss:"+wrongPIN)), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(h, ck.CKU_SO, []byte("boss:"+soPIN)))
	must(t, m.InitPIN(h, []byte(userPIN)))
	must(t, m.InitPIN(h, []byte("carol:"+userPIN)))
	must(t, m.Logout(h))
	wantRV(t, "wrong PIN", m.Login(h, ck.CKU_USER, []byte(wrongPIN)), ck.CKR_PIN_INCORRECT)
	wantRV(t, "wrong PIN with colon", m.Login(h, ck.CKU_USER, []byte("not:"+wrongPIN)), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(h, ck.CKU_USER, []byte(userPIN)))
	must(t, m.SetPIN(h, []byte(userPIN), []byte(newPIN)))
	k, err := m.CreateObject(h, crTmpl(ck.CKA_CLASS, int(ck.CKO_SECRET_KEY), ck.CKA_KEY_TYPE, int(ck.CKK_AES),
		ck.CKA_TOKEN, true, ck.CKA_VALUE, key, ck.CKA_ENCRYPT, true, ck.CKA_EXTRACTABLE, true))
	must(t, err)
	wk := genAES(t, m, h, ck.CKA_WRAP, true, ck.CKA_TOKEN, true)
	n, err := m.WrapKey(h, ck.Mechanism{Type: ck.CKM_AES_KEY_WRAP}, wk, k, nil)
	must(t, err)
	wrapped := make([]byte, n)
	_, err = m.WrapKey(h, ck.Mechanism{Type: ck.CKM_AES_KEY_WRAP}, wk, k, wrapped)
	must(t, err)
	must(t, m.EncryptInit(h, ck.Mechanism{Type: ck.CKM_AES_ECB}, k))
	wantRV(t, "set a sensitive value", m.SetAttributeValue(h, k, crTmpl(ck.CKA_VALUE, key)), ck.CKR_ATTRIBUTE_READ_ONLY)
	must(t, m.DestroyObject(h, k))
	m.audit.Flush()

	rs := auditLog(t, m)
	if countOp(rs, "C_EncryptInit") != 1 {
		t.Fatalf("%d key-use records of C_EncryptInit, want 1", countOp(rs, "C_EncryptInit"))
	}
	if countOp(rs, "C_WrapKey") != 1 {
		t.Fatalf("%d wrap records: the length query must not count", countOp(rs, "C_WrapKey"))
	}
	db, err := sql.Open("sqlite3", filepath.Join(m.cfg.StoreDir, sqlite.FileName))
	must(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT * FROM audit`)
	must(t, err)
	defer rows.Close()
	cols, _ := rows.Columns()
	var dump bytes.Buffer
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		fmt.Fprintln(&dump, vals...)
	}
	if dump.Len() == 0 || !strings.Contains(dump.String(), "carol") {
		t.Fatalf("audit table dump is empty or lacks the user carol: %q", dump.String())
	}
	for _, secret := range [][]byte{[]byte(soPIN), []byte(userPIN), []byte(newPIN), []byte(wrongPIN), key, key[:12], wrapped} {
		if bytes.Contains(dump.Bytes(), secret) {
			t.Fatalf("the audit table holds a secret: %q", secret)
		}
	}
	for _, r := range rs {
		if r.User == "not" {
			t.Fatal("a PIN's text before a colon was recorded as a user name")
		}
	}
}

// BenchmarkSignECDSAKeyUseAudit is C_SignInit+C_Sign with a token key, with
// [audit] key_use off (the default) and on: the cost of recording each use,
// including the background writer's group commits (flushed inside the timing).
func BenchmarkSignECDSAKeyUseAudit(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("key_use=%v", on), func(b *testing.B) {
			m, _, h := userSession(b)
			m.cfg.Audit.KeyUse = on
			_, priv := genP256(b, m, h, ck.CKA_TOKEN, true)
			digest := sha256.Sum256([]byte("x"))
			sig := make([]byte, 64)
			mech := ck.Mechanism{Type: ck.CKM_ECDSA}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := m.SignInit(h, mech, priv); err != nil {
					b.Fatal(err)
				}
				if _, err := m.Sign(h, digest[:], sig); err != nil {
					b.Fatal(err)
				}
			}
			m.audit.Flush() // the queued records' writing is part of the cost
		})
	}
}

func TestAuditWrapUnwrapDerive(t *testing.T) {
	m, _, h := userSession(t)
	wrapper := genAES(t, m, h, ck.CKA_WRAP, true, ck.CKA_UNWRAP, true, ck.CKA_TOKEN, true)
	target := genAES(t, m, h, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true, ck.CKA_TOKEN, true, ck.CKA_LABEL, []byte("wrapped"))
	wrapperRef := fmt.Sprintf("with object %d", storeID(t, m, h, wrapper))
	wrapped := make([]byte, 32)
	_, err := m.WrapKey(h, ck.Mechanism{Type: ckmFakeWrap}, wrapper, target, wrapped)
	must(t, err)
	r := lastRecord(t, m, "C_WrapKey")
	checkRecord(t, r, recordWant{op: "C_WrapKey", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_SECRET_KEY", object: true,
		target: ckmFakeWrap.String() + " " + wrapperRef})
	if r.Object != storeID(t, m, h, target) || r.Label != "wrapped" {
		t.Fatalf("wrap record names %d %q", r.Object, r.Label)
	}

	tmpl := crTmpl(ck.CKA_CLASS, int(ck.CKO_SECRET_KEY), ck.CKA_KEY_TYPE, int(ck.CKK_AES), ck.CKA_TOKEN, true)
	nk, err := m.UnwrapKey(h, ck.Mechanism{Type: ckmFakeUnwrap}, wrapper, wrapped, tmpl)
	must(t, err)
	r = lastRecord(t, m, "C_UnwrapKey")
	checkRecord(t, r, recordWant{op: "C_UnwrapKey", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_SECRET_KEY", object: true,
		target: ckmFakeUnwrap.String() + " " + wrapperRef})
	if r.Object != storeID(t, m, h, nk) {
		t.Fatalf("unwrap record names %d, want the new key", r.Object)
	}

	base := genAES(t, m, h, ck.CKA_DERIVE, true, ck.CKA_TOKEN, true)
	dk, err := m.DeriveKey(h, ck.Mechanism{Type: ckmFakeUnwrap}, base, crTmpl(ck.CKA_TOKEN, true))
	must(t, err)
	r = lastRecord(t, m, "C_DeriveKey")
	checkRecord(t, r, recordWant{op: "C_DeriveKey", user: defaultCUName, role: "CU", result: "CKR_OK", class: "CKO_SECRET_KEY", object: true,
		target: fmt.Sprintf("%s with object %d", ckmFakeUnwrap, storeID(t, m, h, base))})
	if r.Object != storeID(t, m, h, dk) {
		t.Fatalf("derive record names %d, want the new key", r.Object)
	}
	_, err = m.DeriveKey(h, ck.Mechanism{Type: ckmFakeUnwrap}, 999999, nil)
	wantRV(t, "bad base key", err, ck.CKR_KEY_HANDLE_INVALID)
	checkRecord(t, lastRecord(t, m, "C_DeriveKey"), recordWant{op: "C_DeriveKey", user: defaultCUName, role: "CU", result: "CKR_KEY_HANDLE_INVALID", target: ckmFakeUnwrap.String()})
}
