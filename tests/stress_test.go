package tests

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// allowed fails the test unless err's code is one of want.
func allowed(t *testing.T, what string, err error, want ...uint) {
	t.Helper()
	got := hsmtest.Code(err)
	for _, w := range want {
		if got == w {
			return
		}
	}
	t.Errorf("%s: %s", what, hsmtest.RVName(got))
}

// TestMisbehavingThreads: an application that shares one session between
// threads, logs in and out from many threads at once and closes a session
// another thread is using gets error codes, never a crash or a hang.
func TestMisbehavingThreads(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session
	_, priv := genEC(t, p, s, "shared", false)
	sha := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256, nil)}
	var wg sync.WaitGroup

	// One session, four threads.
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				allowed(t, "shared C_DigestInit", p.DigestInit(s, sha), pkcs11.CKR_OK, pkcs11.CKR_OPERATION_ACTIVE)
				_, err := p.Digest(s, []byte("x"))
				allowed(t, "shared C_Digest", err, pkcs11.CKR_OK, pkcs11.CKR_OPERATION_NOT_INITIALIZED)
				allowed(t, "shared C_FindObjectsInit", p.FindObjectsInit(s, nil), pkcs11.CKR_OK, pkcs11.CKR_OPERATION_ACTIVE)
				_, _, err = p.FindObjects(s, 2)
				allowed(t, "shared C_FindObjects", err, pkcs11.CKR_OK, pkcs11.CKR_OPERATION_NOT_INITIALIZED)
				allowed(t, "shared C_FindObjectsFinal", p.FindObjectsFinal(s), pkcs11.CKR_OK, pkcs11.CKR_OPERATION_NOT_INITIALIZED)
				_, err = p.GetSessionInfo(s)
				allowed(t, "shared C_GetSessionInfo", err, pkcs11.CKR_OK)
			}
		}()
	}
	wg.Wait()

	// Logins and logouts from eight sessions at once.
	sessions := make([]pkcs11.SessionHandle, 8)
	for i := range sessions {
		sessions[i] = hsmtest.OpenRW(t, p, tok.Slot)
	}
	for _, x := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				allowed(t, "concurrent C_Login", p.Login(x, pkcs11.CKU_USER, hsmtest.UserPIN), pkcs11.CKR_OK, pkcs11.CKR_USER_ALREADY_LOGGED_IN)
				allowed(t, "concurrent C_Logout", p.Logout(x), pkcs11.CKR_OK, pkcs11.CKR_USER_NOT_LOGGED_IN)
			}
		}()
	}
	wg.Wait()
	// Whatever the interleaving, every session agrees on the end state.
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, hsmtest.UserPIN), "C_Login after the storm")
	for _, x := range sessions {
		wantState(t, p, x, "after the login storm", pkcs11.CKS_RW_USER_FUNCTIONS)
	}

	// A session closed while another thread signs in it.
	victim := sessions[0]
	ecdsa := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			err := p.SignInit(victim, ecdsa, priv)
			if err == nil {
				_, err = p.Sign(victim, make([]byte, 32))
			}
			allowed(t, "signing in a session being closed", err, pkcs11.CKR_OK, pkcs11.CKR_SESSION_HANDLE_INVALID, pkcs11.CKR_SESSION_CLOSED)
			if err != nil {
				return
			}
		}
	}()
	hsmtest.Must(t, p.CloseSession(victim), "C_CloseSession under use")
	wg.Wait()
	_, err := p.GetSessionInfo(victim)
	hsmtest.WantRV(t, err, "the closed session", pkcs11.CKR_SESSION_HANDLE_INVALID)
}

// TestLargeValues: big inputs and many sessions work or get a clean error.
func TestLargeValues(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	tok := hsmtest.NewToken(t)
	p, s := tok.P, tok.Session

	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	h, err := p.CreateObject(s, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, big),
	})
	if err == nil {
		if got := attr(t, p, s, h, pkcs11.CKA_VALUE); !bytes.Equal(got, big) {
			t.Errorf("1 MiB value read back as %d bytes", len(got))
		}
	} else {
		hsmtest.WantRV(t, err, "1 MiB CKA_VALUE", pkcs11.CKR_ATTRIBUTE_VALUE_INVALID, pkcs11.CKR_DEVICE_MEMORY)
	}

	huge := bytes.Repeat([]byte{0xab}, 16<<20) // 16 MiB through C_Digest and C_DigestUpdate
	want := sha256.Sum256(huge)
	sha := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256, nil)}
	hsmtest.Must(t, p.DigestInit(s, sha), "C_DigestInit")
	d, err := p.Digest(s, huge)
	hsmtest.Must(t, err, "C_Digest(16 MiB)")
	if !bytes.Equal(d, want[:]) {
		t.Error("C_Digest of 16 MiB is wrong")
	}
	hsmtest.Must(t, p.DigestInit(s, sha), "C_DigestInit")
	for off := 0; off < len(huge); off += 1 << 20 {
		hsmtest.Must(t, p.DigestUpdate(s, huge[off:off+1<<20]), "C_DigestUpdate")
	}
	d, err = p.DigestFinal(s)
	hsmtest.Must(t, err, "C_DigestFinal")
	if !bytes.Equal(d, want[:]) {
		t.Error("C_DigestUpdate x16 + C_DigestFinal is wrong")
	}

	// A template of 2,000 different labels: inconsistent, and no trouble to say so.
	tmpl := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA)}
	for i := 0; i < 2000; i++ {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_LABEL, fmt.Sprint(i)))
	}
	_, err = p.CreateObject(s, tmpl)
	hsmtest.WantRV(t, err, "2,000 different CKA_LABELs", pkcs11.CKR_TEMPLATE_INCONSISTENT, pkcs11.CKR_ARGUMENTS_BAD)

	// 500 sessions, counted, then closed at once.
	for i := 0; i < 500; i++ {
		if _, err := p.OpenSession(tok.Slot, pkcs11.CKF_SERIAL_SESSION); err != nil {
			hsmtest.WantRV(t, err, "session 500", pkcs11.CKR_SESSION_COUNT)
			break
		}
	}
	ti, err := p.GetTokenInfo(tok.Slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	if ti.SessionCount < 2 || ti.RwSessionCount != 1 {
		t.Errorf("session counts %d/%d with 1 R/W and up to 500 R/O sessions", ti.SessionCount, ti.RwSessionCount)
	}
	hsmtest.Must(t, p.CloseAllSessions(tok.Slot), "C_CloseAllSessions")
	ti, err = p.GetTokenInfo(tok.Slot)
	hsmtest.Must(t, err, "C_GetTokenInfo")
	if ti.SessionCount != 0 {
		t.Errorf("%d sessions after C_CloseAllSessions", ti.SessionCount)
	}
}
