package provider

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestUserAndShareAudit: user management and sharing leave audit records
// with the actor, the target user and the result, refusals included.
func TestUserAndShareAudit(t *testing.T) {
	f := newShareFixture(t) // the officer made alice, bob and carol
	m := f.ma
	checkRecord(t, lastRecord(t, m, "user create"), recordWant{op: "user create", user: defaultCOName, role: "CO", result: "CKR_OK", target: "carol"})

	_, priv := genTokenP256(t, m, f.a, "ec")
	must(t, m.ShareObject(f.a, priv, "bob"))
	checkRecord(t, lastRecord(t, m, "share"), recordWant{op: "share", user: "alice", role: "CU", result: "CKR_OK", class: "CKO_PRIVATE_KEY", target: "bob", object: true})
	wantCode(t, "share with nobody", m.ShareObject(f.a, priv, "nobody"), ck.CKR_ARGUMENTS_BAD)
	checkRecord(t, lastRecord(t, m, "share"), recordWant{op: "share", user: "alice", role: "CU", result: "CKR_ARGUMENTS_BAD", class: "CKO_PRIVATE_KEY", target: "nobody", object: true})
	must(t, m.UnshareObject(f.a, priv, "bob"))
	checkRecord(t, lastRecord(t, m, "unshare"), recordWant{op: "unshare", user: "alice", role: "CU", result: "CKR_OK", class: "CKO_PRIVATE_KEY", target: "bob", object: true})
	must(t, m.SetAttributeValue(f.a, priv, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("carol,bob"))))
	checkRecord(t, lastRecord(t, m, "share set"), recordWant{op: "share set", user: "alice", role: "CU", result: "CKR_OK", class: "CKO_PRIVATE_KEY", target: "carol,bob", object: true})

	must(t, m.Logout(f.a))
	so := officerSession(t, m, f.slot)
	wantCode(t, "delete owner", func() error { _, err := m.DeleteUser(so, "alice", false); return err }(), ck.CKR_ACTION_PROHIBITED)
	checkRecord(t, lastRecord(t, m, "user delete"), recordWant{op: "user delete", user: defaultCOName, role: "CO", result: "CKR_ACTION_PROHIBITED", target: "alice"})
	must(t, m.ChangePassword(so, "bob", []byte("bob-new-password")))
	checkRecord(t, lastRecord(t, m, "user passwd"), recordWant{op: "user passwd", user: defaultCOName, role: "CO", result: "CKR_OK", target: "bob"})
	must(t, m.UnlockUser(so, "bob"))
	checkRecord(t, lastRecord(t, m, "user unlock"), recordWant{op: "user unlock", user: defaultCOName, role: "CO", result: "CKR_OK", target: "bob"})
	_, err := m.DeleteUser(so, "carol", false)
	must(t, err)
	checkRecord(t, lastRecord(t, m, "user delete"), recordWant{op: "user delete", user: defaultCOName, role: "CO", result: "CKR_OK", target: "carol"})
}
