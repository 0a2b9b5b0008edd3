package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// slotMap is label -> "slotID serial" of every initialised token.
func slotMap(t testing.TB, p *pkcs11.Ctx) map[string]string {
	t.Helper()
	slots, err := p.GetSlotList(true)
	hsmtest.Must(t, err, "C_GetSlotList(true)")
	m := map[string]string{}
	for _, s := range slots {
		ti, err := p.GetTokenInfo(s)
		hsmtest.Must(t, err, "C_GetTokenInfo")
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
			m[strings.TrimRight(ti.Label, " ")] = fmt.Sprintf("%d %s", s, strings.TrimRight(ti.SerialNumber, " "))
		}
	}
	return m
}

// The "slots" role prints the slot map as seen by a second process.
var _ = hsmtest.Role("slots", func([]string) int {
	t := hsmtest.RoleT()
	p := hsmtest.Load(t)
	for label, v := range slotMap(t, p) {
		fmt.Printf("%s %s\n", label, v)
	}
	return 0
})

func TestSlotListAndFreeSlot(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	p := hsmtest.Load(t)
	all, err := p.GetSlotList(false)
	hsmtest.Must(t, err, "C_GetSlotList(false)")
	present, err := p.GetSlotList(true)
	hsmtest.Must(t, err, "C_GetSlotList(true)")
	if len(all) != 1 || len(present) != 1 || all[0] != present[0] {
		t.Fatalf("empty store: want exactly the one free slot in both lists, got all=%v present=%v", all, present)
	}
	si, err := p.GetSlotInfo(all[0])
	hsmtest.Must(t, err, "C_GetSlotInfo(free)")
	if si.Flags&pkcs11.CKF_TOKEN_PRESENT == 0 {
		t.Errorf("free slot: CKF_TOKEN_PRESENT clear (flags %#x); SoftHSMv2 reports its free slot's token present", si.Flags)
	}
	ti, err := p.GetTokenInfo(all[0])
	hsmtest.Must(t, err, "C_GetTokenInfo(free)")
	if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
		t.Errorf("free slot's token has CKF_TOKEN_INITIALIZED (flags %#x)", ti.Flags)
	}
	_, err = p.GetSlotInfo(0xdeadbeef)
	hsmtest.WantRV(t, err, "C_GetSlotInfo(bad slot)", pkcs11.CKR_SLOT_ID_INVALID)
	_, err = p.GetTokenInfo(0xdeadbeef)
	hsmtest.WantRV(t, err, "C_GetTokenInfo(bad slot)", pkcs11.CKR_SLOT_ID_INVALID)
}

func TestSlotIDsAndSerialsStable(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	p := hsmtest.Load(t)
	labels := []string{"alpha", "beta", "gamma"}
	for _, l := range labels {
		hsmtest.InitToken(t, p, l)
	}
	before := slotMap(t, p)
	if len(before) != len(labels) {
		t.Fatalf("want %d tokens, got %v", len(labels), before)
	}
	ids, serials := map[string]bool{}, map[string]bool{}
	for l, v := range before {
		var id uint
		var serial string
		fmt.Sscanf(v, "%d %s", &id, &serial)
		if serial == "" || ids[fmt.Sprint(id)] || serials[serial] {
			t.Errorf("token %s: slot/serial %q empty or not distinct (%v)", l, v, before)
		}
		ids[fmt.Sprint(id)], serials[serial] = true, true
	}
	// A free slot is still there for the next C_InitToken.
	hsmtest.FreeSlot(t, p)

	// The same IDs and serials after C_Finalize/C_Initialize ...
	hsmtest.Must(t, p.Finalize(), "C_Finalize")
	hsmtest.Must(t, p.Initialize(), "C_Initialize again")
	if after := slotMap(t, p); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("after Finalize/Initialize: %v, before: %v", after, before)
	}
	// ... and in another process.
	out, err := hsmtest.RoleCmd("slots").Output()
	if err != nil {
		t.Fatalf("second process: %v", err)
	}
	other := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 2)
		if len(f) == 2 {
			other[f[0]] = f[1]
		}
	}
	if fmt.Sprint(other) != fmt.Sprint(before) {
		t.Errorf("second process sees %v, first %v", other, before)
	}
}

func TestTokenFlags(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{MaxLoginFailures: 3}) {
		return
	}
	p := hsmtest.Load(t)
	slot := hsmtest.InitToken(t, p, hsmtest.Label)
	flags := func() uint {
		ti, err := p.GetTokenInfo(slot)
		hsmtest.Must(t, err, "C_GetTokenInfo")
		return ti.Flags
	}
	want := func(what string, set, clear uint) {
		t.Helper()
		f := flags()
		if f&set != set || f&clear != 0 {
			t.Errorf("%s: token flags %#x, want set %#x and clear %#x", what, f, set, clear)
		}
	}
	const pinFlags = pkcs11.CKF_USER_PIN_COUNT_LOW | pkcs11.CKF_USER_PIN_FINAL_TRY | pkcs11.CKF_USER_PIN_LOCKED |
		pkcs11.CKF_SO_PIN_COUNT_LOW | pkcs11.CKF_SO_PIN_FINAL_TRY | pkcs11.CKF_SO_PIN_LOCKED
	base := uint(pkcs11.CKF_TOKEN_INITIALIZED | pkcs11.CKF_LOGIN_REQUIRED | pkcs11.CKF_RNG)
	want("after C_InitToken", base, pkcs11.CKF_USER_PIN_INITIALIZED|pinFlags)

	s := hsmtest.OpenRW(t, p, slot)
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_SO, "wrong-so"), "SO login, wrong PIN", pkcs11.CKR_PIN_INCORRECT)
	want("after a wrong SO PIN", base|pkcs11.CKF_SO_PIN_COUNT_LOW, pkcs11.CKF_SO_PIN_LOCKED)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "C_Login(SO)")
	want("after a good SO PIN", base, pkcs11.CKF_SO_PIN_COUNT_LOW|pkcs11.CKF_SO_PIN_FINAL_TRY)
	hsmtest.Must(t, p.InitPIN(s, hsmtest.UserPIN), "C_InitPIN")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	want("after C_InitPIN", base|pkcs11.CKF_USER_PIN_INITIALIZED, pinFlags)

	// max_login_failures = 3: low after one, final try after two, locked after three.
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, "bad-1"), "user login 1", pkcs11.CKR_PIN_INCORRECT)
	want("one wrong user PIN", base|pkcs11.CKF_USER_PIN_COUNT_LOW, pkcs11.CKF_USER_PIN_LOCKED)
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, "bad-2"), "user login 2", pkcs11.CKR_PIN_INCORRECT)
	want("two wrong user PINs", base|pkcs11.CKF_USER_PIN_FINAL_TRY, pkcs11.CKF_USER_PIN_LOCKED)
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, "bad-3"), "user login 3", pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_LOCKED)
	want("three wrong user PINs", base|pkcs11.CKF_USER_PIN_LOCKED, 0)
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "right PIN after lockout", pkcs11.CKR_PIN_LOCKED)

	ti, err := p.GetTokenInfo(slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	if ti.SessionCount != 1 || ti.RwSessionCount != 1 {
		t.Errorf("session counts %d/%d, want 1/1", ti.SessionCount, ti.RwSessionCount)
	}
	if ti.MaxPinLen == 0 || ti.MinPinLen > ti.MaxPinLen {
		t.Errorf("PIN lengths min %d max %d", ti.MinPinLen, ti.MaxPinLen)
	}
	if strings.TrimRight(ti.ManufacturerID, " ") != "gohsm" {
		t.Errorf("token manufacturer %q, want gohsm", ti.ManufacturerID)
	}
}

func TestInitTokenWipesObjects(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p := tok.P
	_, err := p.CreateObject(tok.Session, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "doomed"),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("x")),
	})
	hsmtest.Must(t, err, "C_CreateObject")
	hsmtest.WantRV(t, p.InitToken(tok.Slot, hsmtest.SOPIN, hsmtest.Label), "C_InitToken with a session open", pkcs11.CKR_SESSION_EXISTS)
	hsmtest.Must(t, p.CloseAllSessions(tok.Slot), "C_CloseAllSessions")
	hsmtest.WantRV(t, p.InitToken(tok.Slot, "not-the-so-pin", hsmtest.Label), "C_InitToken wrong SO PIN", pkcs11.CKR_PIN_INCORRECT)
	hsmtest.Must(t, p.InitToken(tok.Slot, hsmtest.SOPIN, "reborn"), "C_InitToken again")

	slot := hsmtest.SlotByLabel(t, p, "reborn")
	ti, err := p.GetTokenInfo(slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	if ti.Flags&pkcs11.CKF_USER_PIN_INITIALIZED != 0 {
		t.Errorf("re-initialised token keeps the user PIN (flags %#x)", ti.Flags)
	}
	s := hsmtest.OpenRW(t, p, slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "C_Login(SO)")
	hsmtest.Must(t, p.InitPIN(s, hsmtest.UserPIN), "C_InitPIN")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login(USER)")
	if got := findAll(t, p, s, nil); len(got) != 0 {
		t.Errorf("after re-init the token still holds %d objects", len(got))
	}
}

func TestSetPIN(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	_, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "before-pin-change"),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("sealed before")),
	})
	hsmtest.Must(t, err, "C_CreateObject(private)")
	ro := hsmtest.OpenRO(t, p, tok.Slot)
	hsmtest.WantRV(t, p.SetPIN(ro, hsmtest.UserPIN, "x-new-user-pin"), "C_SetPIN in a R/O session", pkcs11.CKR_SESSION_READ_ONLY)
	hsmtest.WantRV(t, p.SetPIN(s, "not-my-pin", "x-new-user-pin"), "C_SetPIN wrong old PIN", pkcs11.CKR_PIN_INCORRECT)
	hsmtest.Must(t, p.SetPIN(s, hsmtest.UserPIN, "new-user-pin"), "C_SetPIN(user)")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	// In a R/W public session C_SetPIN changes the normal user's PIN.
	hsmtest.Must(t, p.SetPIN(s, "new-user-pin", "public-set-pin"), "C_SetPIN in a public session")
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, "new-user-pin"), "login with the PIN changed away", pkcs11.CKR_PIN_INCORRECT)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, "public-set-pin"), "login with the PIN set in a public session")
	hsmtest.Must(t, p.SetPIN(s, "public-set-pin", "new-user-pin"), "C_SetPIN back")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "login with the old user PIN", pkcs11.CKR_PIN_INCORRECT)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, "new-user-pin"), "login with the new user PIN")
	hsmtest.Must(t, p.Logout(s), "C_Logout")

	hsmtest.Must(t, p.CloseSession(ro), "C_CloseSession(RO)")
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "C_Login(SO)")
	hsmtest.Must(t, p.SetPIN(s, hsmtest.SOPIN, "new-so-pin"), "C_SetPIN(SO)")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.WantRV(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "login with the old SO PIN", pkcs11.CKR_PIN_INCORRECT)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, "new-so-pin"), "login with the new SO PIN")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	// The user's secrets are still readable: the PIN changes rewrapped, not replaced, the master key.
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, "new-user-pin"), "user login after the SO PIN change")
	got := findAll(t, p, s, byLabel("before-pin-change"))
	if len(got) != 1 {
		t.Fatalf("%d objects labelled before-pin-change", len(got))
	}
	if v := string(attr(t, p, s, got[0], pkcs11.CKA_VALUE)); v != "sealed before" {
		t.Errorf("private value after the PIN changes: %q", v)
	}
}

func TestGetInfo(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	p := hsmtest.Load(t)
	info, err := p.GetInfo()
	hsmtest.Must(t, err, "C_GetInfo")
	if info.CryptokiVersion.Major < 3 {
		t.Errorf("cryptoki version %d.%d, want >= 3.0", info.CryptokiVersion.Major, info.CryptokiVersion.Minor)
	}
	if m := strings.TrimRight(info.ManufacturerID, " "); m != "gohsm" {
		t.Errorf("manufacturer %q, want gohsm", m)
	}
	if info.LibraryVersion.Major == 0 && info.LibraryVersion.Minor == 0 {
		t.Error("library version 0.0")
	}
	if info.Flags != 0 {
		t.Errorf("C_GetInfo flags %#x, the specification reserves them (0)", info.Flags)
	}
}

// TestWaitForSlotEventFinalize: a C_WaitForSlotEvent blocked in one thread
// returns CKR_CRYPTOKI_NOT_INITIALIZED when another thread calls C_Finalize.
func TestWaitForSlotEventFinalize(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := openRaw(t)
	e.must("C_Initialize", 0)
	e.want("C_WaitForSlotEvent(CKF_DONT_BLOCK) on a fresh store", e.call("C_WaitForSlotEvent", uint64(ck.CKF_DONT_BLOCK), e.a.ULong(0), 0), codes(ck.CKR_NO_EVENT))
	done := make(chan uint64, 1)
	go func() { done <- e.call("C_WaitForSlotEvent", 0, e.a.ULong(0), 0) }()
	select {
	case rv := <-done:
		t.Fatalf("a blocking C_WaitForSlotEvent returned %s with nothing happening", rvName(rv))
	case <-time.After(300 * time.Millisecond):
	}
	e.must("C_Finalize", 0)
	select {
	case rv := <-done:
		e.want("blocked C_WaitForSlotEvent after C_Finalize", rv, codes(ck.CKR_CRYPTOKI_NOT_INITIALIZED))
	case <-time.After(5 * time.Second):
		t.Fatal("C_WaitForSlotEvent still blocked 5 s after C_Finalize")
	}
}

// TestBlankPaddedStrings: the fixed-size strings of CK_INFO, CK_SLOT_INFO and
// CK_TOKEN_INFO are padded with blanks, never NUL-terminated (PKCS#11 3.0 section 3.1).
func TestBlankPaddedStrings(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := openRaw(t)
	e.must("C_Initialize", 0)
	t.Cleanup(func() { e.call("C_Finalize", 0) })
	slot := e.initToken("padded")
	check := func(what string, b []byte) {
		t.Helper()
		if bytes.IndexByte(b, 0) >= 0 {
			t.Errorf("%s %q holds a NUL byte", what, b)
		}
		if len(bytes.TrimRight(b, " ")) == 0 {
			t.Errorf("%s is blank", what)
		}
	}
	info := e.a.Buf(256)
	e.must("C_GetInfo", info)
	check("CK_INFO.manufacturerID", capi.Read(info+2, 32))
	check("CK_INFO.libraryDescription", capi.Read(info+48, 32))
	for _, s := range []uint64{slot, e.freeSlot()} {
		si := e.a.Buf(256)
		e.must("C_GetSlotInfo", s, si)
		check("CK_SLOT_INFO.slotDescription", capi.Read(si, 64))
		check("CK_SLOT_INFO.manufacturerID", capi.Read(si+64, 32))
	}
	ti := e.a.Buf(512)
	e.must("C_GetTokenInfo", slot, ti)
	check("CK_TOKEN_INFO.label", capi.Read(ti, 32))
	check("CK_TOKEN_INFO.manufacturerID", capi.Read(ti+32, 32))
	check("CK_TOKEN_INFO.model", capi.Read(ti+64, 16))
	check("CK_TOKEN_INFO.serialNumber", capi.Read(ti+80, 16))
}

// TestPINLengths: PINs outside the token's ulMinPinLen..ulMaxPinLen get
// CKR_PIN_LEN_RANGE from C_InitToken, C_InitPIN and C_SetPIN; the limits work.
func TestPINLengths(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	p := hsmtest.Load(t)
	free := hsmtest.FreeSlot(t, p)
	ti, err := p.GetTokenInfo(free)
	hsmtest.Must(t, err, "C_GetTokenInfo(free)")
	lo, hi := int(ti.MinPinLen), int(ti.MaxPinLen)
	if lo < 1 || hi < lo || hi > 4096 {
		t.Fatalf("PIN lengths %d..%d", lo, hi)
	}
	pin := func(n int) string { return strings.Repeat("p", n) }
	if lo > 1 {
		hsmtest.WantRV(t, p.InitToken(free, pin(lo-1), "short"), "C_InitToken, SO PIN one too short", pkcs11.CKR_PIN_LEN_RANGE)
	}
	hsmtest.WantRV(t, p.InitToken(free, pin(hi+1), "long"), "C_InitToken, SO PIN one too long", pkcs11.CKR_PIN_LEN_RANGE)
	hsmtest.Must(t, p.InitToken(free, pin(hi), "lengths"), "C_InitToken with the longest SO PIN")
	slot := hsmtest.SlotByLabel(t, p, "lengths")
	s := hsmtest.OpenRW(t, p, slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, pin(hi)), "SO login with the longest PIN")
	if lo > 1 {
		hsmtest.WantRV(t, p.InitPIN(s, pin(lo-1)), "C_InitPIN one too short", pkcs11.CKR_PIN_LEN_RANGE)
	}
	hsmtest.WantRV(t, p.InitPIN(s, pin(hi+1)), "C_InitPIN one too long", pkcs11.CKR_PIN_LEN_RANGE)
	hsmtest.Must(t, p.InitPIN(s, pin(lo)), "C_InitPIN with the shortest PIN")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, pin(lo)), "user login with the shortest PIN")
	hsmtest.WantRV(t, p.SetPIN(s, pin(lo), pin(hi+1)), "C_SetPIN to one too long", pkcs11.CKR_PIN_LEN_RANGE)
	hsmtest.Must(t, p.SetPIN(s, pin(lo), pin(hi)), "C_SetPIN to the longest")
}
