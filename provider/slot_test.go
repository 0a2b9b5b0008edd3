package provider

import (
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func TestSlotsStableAcrossModules(t *testing.T) {
	dir := t.TempDir()
	m := openTestModule(t, dir)
	first := initTestToken(t, m)
	second := initTestToken(t, m)
	if first == second {
		t.Fatalf("two tokens share slot %d", first)
	}
	ids, err := m.SlotList(true)
	must(t, err)
	if len(ids) != 3 || ids[0] != first || ids[1] != second {
		t.Fatalf("slot list %v, want [%d %d free]", ids, first, second)
	}
	ti1, err := m.TokenInfo(first)
	must(t, err)

	// Another module on the same store (as another process would) sees the same slots and serials.
	m2 := openTestModule(t, dir)
	ids2, err := m2.SlotList(false)
	must(t, err)
	if len(ids2) != len(ids) || ids2[0] != ids[0] || ids2[1] != ids[1] || ids2[2] != ids[2] {
		t.Fatalf("second module slot list %v, first %v", ids2, ids)
	}
	ti2, err := m2.TokenInfo(first)
	must(t, err)
	if ti1.SerialNumber != ti2.SerialNumber || len(ti1.SerialNumber) != 16 {
		t.Fatalf("serials %q %q", ti1.SerialNumber, ti2.SerialNumber)
	}
}

func TestTokenInfoFlags(t *testing.T) {
	m := newTestModule(t)
	free := freeSlot(t, m)
	ti, err := m.TokenInfo(free)
	must(t, err)
	if ti.Flags&ck.CKF_TOKEN_INITIALIZED != 0 {
		t.Fatalf("free slot claims an initialised token: %#x", ti.Flags)
	}
	si, err := m.SlotInfo(free)
	must(t, err)
	if si.Flags&ck.CKF_TOKEN_PRESENT == 0 {
		t.Fatal("free slot has no token present")
	}

	must(t, m.InitToken(free, []byte(testSOPIN), "flags"))
	ti, err = m.TokenInfo(free)
	must(t, err)
	want := ck.CKF_TOKEN_INITIALIZED | ck.CKF_LOGIN_REQUIRED | ck.CKF_RNG
	if ti.Flags&want != want || ti.Flags&ck.CKF_USER_PIN_INITIALIZED != 0 {
		t.Fatalf("flags %#x after InitToken", ti.Flags)
	}
	if ti.Label != "flags" {
		t.Fatalf("label %q", ti.Label)
	}
	h := openRW(t, m, free)
	must(t, m.Login(h, ck.CKU_SO, []byte(testSOPIN)))
	must(t, m.InitPIN(h, []byte(testUserPIN)))
	must(t, m.Logout(h))
	ti, _ = m.TokenInfo(free)
	if ti.Flags&ck.CKF_USER_PIN_INITIALIZED == 0 {
		t.Fatalf("flags %#x after InitPIN", ti.Flags)
	}
	if ti.SessionCount != 1 || ti.RwSessionCount != 1 {
		t.Fatalf("session counts %d/%d", ti.SessionCount, ti.RwSessionCount)
	}

	// Wrong PINs: count low, then final try, then locked (default limit 5).
	steps := []ck.Flags{ck.CKF_USER_PIN_COUNT_LOW, ck.CKF_USER_PIN_COUNT_LOW, ck.CKF_USER_PIN_COUNT_LOW,
		ck.CKF_USER_PIN_COUNT_LOW | ck.CKF_USER_PIN_FINAL_TRY, ck.CKF_USER_PIN_LOCKED}
	mask := ck.CKF_USER_PIN_COUNT_LOW | ck.CKF_USER_PIN_FINAL_TRY | ck.CKF_USER_PIN_LOCKED
	for i, want := range steps {
		wantRV(t, "wrong PIN", m.Login(h, ck.CKU_USER, []byte("wrong-pin")), ck.CKR_PIN_INCORRECT)
		ti, _ = m.TokenInfo(free)
		if ti.Flags&mask != want {
			t.Fatalf("after %d failures flags %#x, want %#x", i+1, ti.Flags&mask, want)
		}
	}
	wantRV(t, "locked", m.Login(h, ck.CKU_USER, []byte(testUserPIN)), ck.CKR_PIN_LOCKED)

	// The officer resets the PIN, which unlocks the user.
	must(t, m.Login(h, ck.CKU_SO, []byte(testSOPIN)))
	must(t, m.InitPIN(h, []byte("new-user-pin")))
	must(t, m.Logout(h))
	must(t, m.Login(h, ck.CKU_USER, []byte("new-user-pin")))
	ti, _ = m.TokenInfo(free)
	if ti.Flags&mask != 0 {
		t.Fatalf("flags %#x after reset", ti.Flags&mask)
	}
}

func TestInitTokenErrors(t *testing.T) {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	wantRV(t, "bad slot", m.InitToken(slot+100, []byte(testSOPIN), "x"), ck.CKR_SLOT_ID_INVALID)
	wantRV(t, "short PIN", m.InitToken(freeSlot(t, m), []byte("abc"), "x"), ck.CKR_PIN_LEN_RANGE)
	h := openRW(t, m, slot)
	wantRV(t, "session open", m.InitToken(slot, []byte(testSOPIN), "x"), ck.CKR_SESSION_EXISTS)
	must(t, m.CloseSession(h))
	wantRV(t, "wrong SO PIN", m.InitToken(slot, []byte("wrong-so"), "x"), ck.CKR_PIN_INCORRECT)
	must(t, m.InitToken(slot, []byte(testSOPIN), "again"))
	ti, _ := m.TokenInfo(slot)
	if ti.Label != "again" || ti.Flags&ck.CKF_USER_PIN_INITIALIZED != 0 {
		t.Fatalf("re-init: label %q flags %#x", ti.Label, ti.Flags)
	}
	h = openRW(t, m, slot)
	wantRV(t, "user gone", m.Login(h, ck.CKU_USER, []byte(testUserPIN)), ck.CKR_USER_PIN_NOT_INITIALIZED)
	must(t, m.Login(h, ck.CKU_SO, []byte(testSOPIN)))
}

func TestWaitForSlotEvent(t *testing.T) {
	dir := t.TempDir()
	m := openTestModule(t, dir)
	_, err := m.WaitForSlotEvent(ck.CKF_DONT_BLOCK)
	wantRV(t, "no event", err, ck.CKR_NO_EVENT)
	slot := initTestToken(t, m)
	got, err := m.WaitForSlotEvent(ck.CKF_DONT_BLOCK)
	must(t, err)
	if got != slot {
		t.Fatalf("event for slot %d, want %d", got, slot)
	}
	_, err = m.WaitForSlotEvent(ck.CKF_DONT_BLOCK)
	wantRV(t, "event consumed", err, ck.CKR_NO_EVENT)

	// A token made by another module (process) is an event too; a blocking wait sees it.
	other := openTestModule(t, dir)
	done := make(chan ck.SlotID)
	go func() {
		id, err := m.WaitForSlotEvent(0)
		if err != nil {
			t.Error(err)
		}
		done <- id
	}()
	slot2 := initTestToken(t, other)
	if id := <-done; id != slot2 {
		t.Fatalf("blocking wait got %d, want %d", id, slot2)
	}

	// Closing the module ends a blocked wait.
	go func() {
		_, err := m.WaitForSlotEvent(0)
		if err != ck.CKR_CRYPTOKI_NOT_INITIALIZED {
			t.Errorf("wait after close: %v", err)
		}
		done <- ck.SlotID(0)
	}()
	m.Close()
	<-done
}

func TestMechanismListMatchesInfo(t *testing.T) {
	m := newTestModule(t)
	slot := freeSlot(t, m)
	list, err := m.MechanismList(slot)
	must(t, err)
	for _, mt := range list {
		info, err := m.MechanismInfo(slot, mt)
		must(t, err)
		if info.Flags == 0 {
			t.Errorf("%v offers no operation", mt)
		}
	}
	_, err = m.MechanismInfo(slot, ck.CKM_VENDOR_DEFINED+0x7777)
	wantRV(t, "unknown mechanism", err, ck.CKR_MECHANISM_INVALID)
	_, err = m.MechanismList(slot + 5)
	wantRV(t, "bad slot", err, ck.CKR_SLOT_ID_INVALID)
}
