package provider

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestDeleteToken(t *testing.T) {
	dir := t.TempDir()
	m := openTestModule(t, dir)
	first := initTestToken(t, m)
	second := initTestToken(t, m)
	free := freeSlot(t, m)

	h := openRW(t, m, second)
	wantRV(t, "with a session open", m.DeleteToken(second, []byte(testSOPIN)), ck.CKR_SESSION_EXISTS)
	must(t, m.CloseSession(h))
	wantRV(t, "free slot", m.DeleteToken(free, []byte(testSOPIN)), ck.CKR_TOKEN_NOT_RECOGNIZED)
	wantRV(t, "no such slot", m.DeleteToken(free+10, []byte(testSOPIN)), ck.CKR_SLOT_ID_INVALID)
	wantRV(t, "wrong password", m.DeleteToken(second, []byte("wrong-pin")), ck.CKR_PIN_INCORRECT)
	wantRV(t, "the user's PIN", m.DeleteToken(second, []byte(testUserPIN)), ck.CKR_PIN_INCORRECT)
	must(t, m.DeleteToken(second, []byte(testSOPIN)))

	ids, err := m.SlotList(true)
	must(t, err)
	for _, id := range ids {
		if id == second {
			if ti, err := m.TokenInfo(id); err != nil || ti.Flags&ck.CKF_TOKEN_INITIALIZED != 0 {
				t.Fatalf("slot %d after delete: %v %+v", id, err, ti)
			}
		}
	}
	// Another process sees it gone; the first token is untouched.
	other := openTestModule(t, dir)
	if _, err := other.TokenInfo(first); err != nil {
		t.Fatalf("first token: %v", err)
	}
	h = openRW(t, other, first)
	must(t, other.Login(h, ck.CKU_USER, []byte(testUserPIN)))
	report, err := other.VerifyAudit()
	must(t, err)
	if !report.OK() {
		t.Fatalf("audit after delete: %+v", report)
	}
}
