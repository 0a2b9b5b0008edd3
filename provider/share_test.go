package provider

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// shareFixture: alice and bob are Crypto Users of one token, each logged in
// in a Module of their own on the same store (two processes, two key caches);
// carol is a third Crypto User, not logged in.
type shareFixture struct {
	slot   ck.SlotID
	ma, mb *Module
	a, b   ck.SessionHandle
}

func newShareFixture(t *testing.T) *shareFixture {
	t.Helper()
	dir := t.TempDir()
	ma := openTestModule(t, dir)
	slot := initTestToken(t, ma)
	so := officerSession(t, ma, slot)
	for _, n := range []string{"alice", "bob", "carol"} {
		must(t, ma.CreateUser(so, n, RoleCU, []byte(n+"-password")))
	}
	must(t, ma.CloseSession(so))
	mb := openTestModule(t, dir)
	return &shareFixture{slot: slot, ma: ma, mb: mb, a: loginAs(t, ma, slot, "alice"), b: loginAs(t, mb, slot, "bob")}
}

// handleInB is bob's handle for alice's token object oh, as if bob had
// guessed or remembered it: the same store object, a handle of bob's process.
func (f *shareFixture) handleInB(t *testing.T, oh ck.ObjectHandle) ck.ObjectHandle {
	t.Helper()
	ref, ok := f.ma.handles.lookup(oh)
	if !ok || ref.dbID == 0 {
		t.Fatalf("handle %d is not a token object of alice's", oh)
	}
	return f.mb.handles.forToken(ref.tokenID, ref.dbID)
}

func findAll(t testing.TB, m *Module, h ck.SessionHandle, tmpl ck.Template) []ck.ObjectHandle {
	t.Helper()
	must(t, m.FindObjectsInit(h, tmpl))
	defer m.FindObjectsFinal(h)
	hs, err := m.FindObjects(h, 1000)
	must(t, err)
	return hs
}

func attrRV(t testing.TB, m *Module, h ck.SessionHandle, oh ck.ObjectHandle, at ck.AttributeType) ([]byte, ck.RV) {
	t.Helper()
	rs, err := m.GetAttributeValue(h, oh, []ck.AttributeType{at})
	if err != nil {
		return nil, rvOfErr(err)
	}
	return rs[0].Value, rs[0].Err
}

func TestSharedKeyRules(t *testing.T) {
	f := newShareFixture(t)
	ma, mb := f.ma, f.mb
	pub, priv := genTokenP256(t, ma, f.a, "ec")
	aes := genAES(t, ma, f.a, ck.CKA_TOKEN, true, ck.CKA_LABEL, []byte("aes"), ck.CKA_SENSITIVE, false,
		ck.CKA_EXTRACTABLE, true, ck.CKA_DERIVE, true, ck.CKA_WRAP, true)
	aesValue := attrOf(t, ma, f.a, aes, ck.CKA_VALUE)
	bPriv, bAES := f.handleInB(t, priv), f.handleInB(t, aes)
	ecdsa := ck.Mechanism{Type: ck.CKM_ECDSA}
	ecb := ck.Mechanism{Type: ck.CKM_AES_ECB}

	// Not shared: bob finds neither private object, their handles are invalid.
	if hs := findAll(t, mb, f.b, crTmpl(ck.CKA_LABEL, []byte("aes"))); len(hs) != 0 {
		t.Fatalf("bob finds an unshared private key: %v", hs)
	}
	_, rv := attrRV(t, mb, f.b, bAES, ck.CKA_LABEL)
	wantRV(t, "bob reads an unshared key", rv, ck.CKR_OBJECT_HANDLE_INVALID)
	wantRV(t, "bob signs with an unshared key", mb.SignInit(f.b, ecdsa, bPriv), ck.CKR_KEY_HANDLE_INVALID)
	wantCode(t, "bob shares alice's key", mb.ShareObject(f.b, bAES, "carol"), ck.CKR_OBJECT_HANDLE_INVALID)

	must(t, ma.ShareObject(f.a, priv, "bob"))
	must(t, ma.ShareObject(f.a, aes, "bob"))
	must(t, ma.ShareObject(f.a, aes, "bob")) // twice: no error

	// Shared: bob finds and uses them within their usage flags.
	if hs := findAll(t, mb, f.b, crTmpl(ck.CKA_LABEL, []byte("aes"))); len(hs) != 1 || hs[0] != bAES {
		t.Fatalf("bob finds the shared AES key as %v, want [%d]", hs, bAES)
	}
	if hs := findAll(t, mb, f.b, crTmpl(ck.CKA_CLASS, int(ck.CKO_PRIVATE_KEY), ck.CKA_SIGN, true)); len(hs) != 1 || hs[0] != bPriv {
		t.Fatalf("bob finds the shared EC key as %v (residual match), want [%d]", hs, bPriv)
	}
	must(t, mb.SignInit(f.b, ecdsa, bPriv))
	digest := bytes.Repeat([]byte{7}, 32)
	sig := make([]byte, 64)
	_, err := mb.Sign(f.b, digest, sig)
	must(t, err)
	must(t, ma.VerifyInit(f.a, ecdsa, pub))
	must(t, ma.Verify(f.a, digest, sig))
	must(t, mb.EncryptInit(f.b, ecb, bAES))
	ct := make([]byte, 16)
	_, err = mb.Encrypt(f.b, make([]byte, 16), ct)
	must(t, err)
	must(t, ma.DecryptInit(f.a, ecb, aes))
	pt := make([]byte, 16)
	_, err = ma.Decrypt(f.a, ct, pt)
	if err != nil || !bytes.Equal(pt, make([]byte, 16)) {
		t.Fatalf("alice decrypts what bob encrypted with the shared key: %x %v", pt, err)
	}
	if v, rv := attrRV(t, mb, f.b, bAES, ck.CKA_LABEL); rv != ck.CKR_OK || string(v) != "aes" {
		t.Fatalf("bob reads the label: %q %v", v, rv)
	}
	// Wrapping bob's own key under the shared key is a use of it.
	own := genAES(t, mb, f.b, ck.CKA_TOKEN, true, ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true, ck.CKA_WRAP, true)
	out := make([]byte, 64)
	if _, err := mb.WrapKey(f.b, ck.Mechanism{Type: ckmFakeWrap}, bAES, own, out); err != nil {
		t.Fatalf("bob wraps his key with the shared key: %v", err)
	}

	// ... but cannot change, copy, destroy, share, wrap, derive from or export them.
	for _, tc := range []struct {
		name string
		err  error
		want ck.RV
	}{
		{"set label", mb.SetAttributeValue(f.b, bAES, crTmpl(ck.CKA_LABEL, []byte("mine"))), ck.CKR_ACTION_PROHIBITED},
		{"set usage", mb.SetAttributeValue(f.b, bPriv, crTmpl(ck.CKA_SIGN, false)), ck.CKR_ACTION_PROHIBITED},
		{"copy", func() error { _, err := mb.CopyObject(f.b, bAES, nil); return err }(), ck.CKR_ACTION_PROHIBITED},
		{"copy as a session object", func() error {
			_, err := mb.CopyObject(f.b, bPriv, crTmpl(ck.CKA_TOKEN, false))
			return err
		}(), ck.CKR_ACTION_PROHIBITED},
		{"destroy", mb.DestroyObject(f.b, bAES), ck.CKR_ACTION_PROHIBITED},
		{"share on", mb.ShareObject(f.b, bAES, "carol"), ck.CKR_ACTION_PROHIBITED},
		{"unshare", mb.UnshareObject(f.b, bAES, "bob"), ck.CKR_ACTION_PROHIBITED},
		{"share through the attribute", mb.SetAttributeValue(f.b, bAES, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob,carol"))), ck.CKR_ACTION_PROHIBITED},
		{"wrap it", func() error {
			_, err := mb.WrapKey(f.b, ck.Mechanism{Type: ckmFakeWrap}, own, bAES, out)
			return err
		}(), ck.CKR_KEY_NOT_WRAPPABLE},
		{"derive from it", func() error {
			_, err := mb.DeriveKey(f.b, ck.Mechanism{Type: ckmFakeUnwrap}, bAES, nil)
			return err
		}(), ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"derive from the EC key", func() error {
			_, err := mb.DeriveKey(f.b, ck.Mechanism{Type: ckmFakeUnwrap}, bPriv, nil)
			return err
		}(), ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
	} {
		wantCode(t, "bob: "+tc.name, tc.err, tc.want)
	}
	if _, rv := attrRV(t, mb, f.b, bAES, ck.CKA_VALUE); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Fatalf("bob reads an extractable shared key's value: %v, want CKR_ATTRIBUTE_SENSITIVE", rv)
	}
	if _, rv := attrRV(t, mb, f.b, bPriv, ck.CKA_VALUE); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Fatalf("bob reads the EC private value: %v", rv)
	}
	// A search cannot test guesses of the value either; alice's can.
	if hs := findAll(t, mb, f.b, crTmpl(ck.CKA_VALUE, aesValue)); len(hs) != 0 {
		t.Fatalf("bob's search by CKA_VALUE matched %v", hs)
	}
	if hs := findAll(t, ma, f.a, crTmpl(ck.CKA_VALUE, aesValue)); len(hs) != 1 {
		t.Fatalf("alice's search by CKA_VALUE matched %v", hs)
	}
	// The owner still does everything (the shared user's refusals changed nothing).
	if v, rv := attrRV(t, ma, f.a, aes, ck.CKA_LABEL); rv != ck.CKR_OK || string(v) != "aes" {
		t.Fatalf("label after bob's attempts: %q %v", v, rv)
	}
	if _, err := ma.WrapKey(f.a, ck.Mechanism{Type: ckmFakeWrap}, aes, aes, out); err != nil {
		t.Fatalf("the owner wraps her key: %v", err)
	}

	// Who holds the keys: owner and sharers see it, through the Go API and the attribute.
	for _, who := range []struct {
		m  *Module
		h  ck.SessionHandle
		oh ck.ObjectHandle
	}{{ma, f.a, aes}, {mb, f.b, bAES}} {
		info, err := who.m.Shares(who.h, who.oh)
		if err != nil || info.Owner != "alice" || len(info.SharedWith) != 1 || info.SharedWith[0] != "bob" {
			t.Fatalf("Shares = %+v, %v", info, err)
		}
		if v, rv := attrRV(t, who.m, who.h, who.oh, ck.CKA_GOHSM_SHARED_WITH); rv != ck.CKR_OK || string(v) != "bob" {
			t.Fatalf("CKA_GOHSM_SHARED_WITH = %q, %v", v, rv)
		}
	}

	// Unshare takes effect at bob's next use, although his process cached the keys.
	must(t, mb.SignInit(f.b, ecdsa, bPriv))
	_, err = mb.Sign(f.b, digest, sig)
	must(t, err)
	must(t, ma.UnshareObject(f.a, priv, "bob"))
	must(t, ma.SetAttributeValue(f.a, aes, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte{})))
	wantRV(t, "bob signs after unshare", mb.SignInit(f.b, ecdsa, bPriv), ck.CKR_KEY_HANDLE_INVALID)
	wantRV(t, "bob encrypts after unshare", mb.EncryptInit(f.b, ecb, bAES), ck.CKR_KEY_HANDLE_INVALID)
	_, rv = attrRV(t, mb, f.b, bAES, ck.CKA_LABEL)
	wantRV(t, "bob reads after unshare", rv, ck.CKR_OBJECT_HANDLE_INVALID)
	if hs := findAll(t, mb, f.b, crTmpl(ck.CKA_LABEL, []byte("aes"))); len(hs) != 0 {
		t.Fatalf("bob still finds the key: %v", hs)
	}
	must(t, ma.UnshareObject(f.a, priv, "bob")) // not shared any more: no error
	if info, err := ma.Shares(f.a, aes); err != nil || len(info.SharedWith) != 0 {
		t.Fatalf("Shares after unshare = %+v, %v", info, err)
	}
}

func TestSharesAttribute(t *testing.T) {
	f := newShareFixture(t)
	ma := f.ma
	pub, priv := genTokenP256(t, ma, f.a, "ec")
	set := func(oh ck.ObjectHandle, v string) error {
		return ma.SetAttributeValue(f.a, oh, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte(v)))
	}
	get := func(oh ck.ObjectHandle) string {
		t.Helper()
		v, rv := attrRV(t, ma, f.a, oh, ck.CKA_GOHSM_SHARED_WITH)
		if rv != ck.CKR_OK {
			t.Fatalf("get CKA_GOHSM_SHARED_WITH: %v", rv)
		}
		return string(v)
	}
	if get(priv) != "" {
		t.Fatal("a new key is shared")
	}
	must(t, set(priv, " carol , bob,carol"))
	if got := get(priv); got != "bob,carol" {
		t.Fatalf("shared with %q, want bob,carol (sorted, no duplicates)", got)
	}
	data, err := ma.CreateObject(f.a, crTmpl(ck.CKA_CLASS, int(ck.CKO_DATA), ck.CKA_TOKEN, true))
	must(t, err)
	sessKey := genAES(t, ma, f.a)
	ro, err := ma.OpenSession(f.slot, ck.CKF_SERIAL_SESSION)
	must(t, err)

	for _, tc := range []struct {
		name string
		oh   ck.ObjectHandle
		tmpl ck.Template
		want ck.RV
	}{
		{"unknown user", priv, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob,nobody")), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"an officer", priv, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("admin")), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"the owner", priv, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("alice")), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"empty name", priv, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob,,carol")), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"bad name", priv, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob;carol")), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"with another attribute", priv, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob"), ck.CKA_LABEL, []byte("x")), ck.CKR_TEMPLATE_INCONSISTENT},
		{"data object", data, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob")), ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"session key", sessKey, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob")), ck.CKR_ATTRIBUTE_TYPE_INVALID},
	} {
		wantRV(t, tc.name, ma.SetAttributeValue(f.a, tc.oh, tc.tmpl), tc.want)
	}
	wantRV(t, "R/O session", ma.SetAttributeValue(ro, priv, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob"))), ck.CKR_SESSION_READ_ONLY)
	if got := get(priv); got != "bob,carol" {
		t.Fatalf("refused sets changed the shares to %q", got)
	}
	for _, oh := range []ck.ObjectHandle{data, sessKey} {
		if _, rv := attrRV(t, ma, f.a, oh, ck.CKA_GOHSM_SHARED_WITH); rv != ck.CKR_ATTRIBUTE_TYPE_INVALID {
			t.Fatalf("get on a non-shareable object: %v", rv)
		}
	}
	// Not an attribute to create, copy or generate with; a search on it matches nothing.
	_, err = ma.CreateObject(f.a, crTmpl(ck.CKA_CLASS, int(ck.CKO_SECRET_KEY), ck.CKA_KEY_TYPE, int(ck.CKK_AES),
		ck.CKA_TOKEN, true, ck.CKA_VALUE, make([]byte, 16), ck.CKA_GOHSM_SHARED_WITH, []byte("bob")))
	wantRV(t, "create with shares", err, ck.CKR_ATTRIBUTE_TYPE_INVALID)
	_, err = ma.CopyObject(f.a, priv, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob")))
	wantRV(t, "copy with shares", err, ck.CKR_ATTRIBUTE_TYPE_INVALID)
	_, err = ma.GenerateKey(f.a, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN}, crTmpl(ck.CKA_VALUE_LEN, 16, ck.CKA_GOHSM_SHARED_WITH, []byte("bob")))
	wantRV(t, "generate with shares", err, ck.CKR_ATTRIBUTE_TYPE_INVALID)
	if hs := findAll(t, ma, f.a, crTmpl(ck.CKA_GOHSM_SHARED_WITH, []byte("bob,carol"))); len(hs) != 0 {
		t.Fatalf("search by CKA_GOHSM_SHARED_WITH matched %v", hs)
	}

	// Sharing does not need CKA_MODIFIABLE.
	fixed := genAES(t, ma, f.a, ck.CKA_TOKEN, true, ck.CKA_MODIFIABLE, false)
	must(t, set(fixed, "bob"))
	wantRV(t, "set a label of an unmodifiable key", ma.SetAttributeValue(f.a, fixed, crTmpl(ck.CKA_LABEL, []byte("x"))), ck.CKR_ACTION_PROHIBITED)

	// The Go API's refusals.
	wantCode(t, "share with unknown", ma.ShareObject(f.a, priv, "nobody"), ck.CKR_ARGUMENTS_BAD)
	wantCode(t, "share with officer", ma.ShareObject(f.a, priv, "admin"), ck.CKR_ARGUMENTS_BAD)
	wantCode(t, "share with self", ma.ShareObject(f.a, priv, "alice"), ck.CKR_ARGUMENTS_BAD)
	if err := ma.ShareObject(f.a, data, "bob"); !errors.Is(err, ErrNotShareable) {
		t.Fatalf("share a data object: %v", err)
	}
	wantCode(t, "share a session key", ma.ShareObject(f.a, sessKey, "bob"), ck.CKR_ACTION_PROHIBITED)
	wantCode(t, "share in a R/O session", ma.ShareObject(ro, priv, "bob"), ck.CKR_SESSION_READ_ONLY)
	wantCode(t, "share a bad handle", ma.ShareObject(f.a, 999999, "bob"), ck.CKR_OBJECT_HANDLE_INVALID)
	wantCode(t, "bad session", ma.ShareObject(999999, priv, "bob"), ck.CKR_SESSION_HANDLE_INVALID)
	must(t, ma.SetShares(f.a, priv, []string{"carol"}))
	if info, err := ma.Shares(f.a, priv); err != nil || len(info.SharedWith) != 1 || info.SharedWith[0] != "carol" {
		t.Fatalf("after SetShares(carol): %+v %v", info, err)
	}

	// Bob (not shared any more) sees the public key, but not who holds the pair;
	// an officer cannot share.
	bPub := f.handleInB(t, pub)
	if _, rv := attrRV(t, f.mb, f.b, bPub, ck.CKA_GOHSM_SHARED_WITH); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Fatalf("bob reads the shares of a public key not shared with him: %v", rv)
	}
	if _, err := f.mb.Shares(f.b, bPub); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("bob asks Shares of alice's public key: %v", err)
	}
	mc := openTestModule(t, f.ma.cfg.StoreDir)
	so := officerSession(t, mc, f.slot)
	cPub := mc.handles.forToken(mustToken(t, mc, f.slot).ID, mustRef(t, ma, pub).dbID)
	wantCode(t, "officer shares", mc.ShareObject(so, cPub, "bob"), ck.CKR_USER_NOT_LOGGED_IN)
}

func mustRef(t testing.TB, m *Module, oh ck.ObjectHandle) objectRef {
	t.Helper()
	ref, ok := m.handles.lookup(oh)
	if !ok {
		t.Fatalf("no handle %d", oh)
	}
	return ref
}

// TestForeignPublicObjects: another user's non-private objects are visible;
// a non-private secret key is still not usable, readable or copyable by a
// user it is not shared with, while a public key may be used and copied.
func TestForeignPublicObjects(t *testing.T) {
	f := newShareFixture(t)
	pub, _ := genTokenP256(t, f.ma, f.a, "ec")
	open := genAES(t, f.ma, f.a, ck.CKA_TOKEN, true, ck.CKA_PRIVATE, false, ck.CKA_LABEL, []byte("open"),
		ck.CKA_SENSITIVE, false, ck.CKA_EXTRACTABLE, true)
	bPub, bOpen := f.handleInB(t, pub), f.handleInB(t, open)
	if hs := findAll(t, f.mb, f.b, crTmpl(ck.CKA_LABEL, []byte("open"))); len(hs) != 1 {
		t.Fatalf("bob finds alice's non-private key as %v", hs)
	}
	wantRV(t, "use", f.mb.EncryptInit(f.b, ck.Mechanism{Type: ck.CKM_AES_ECB}, bOpen), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	if _, rv := attrRV(t, f.mb, f.b, bOpen, ck.CKA_VALUE); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Fatalf("bob reads the value: %v", rv)
	}
	_, err := f.mb.CopyObject(f.b, bOpen, nil)
	wantRV(t, "copy", err, ck.CKR_ACTION_PROHIBITED)
	wantRV(t, "destroy", f.mb.DestroyObject(f.b, bOpen), ck.CKR_ACTION_PROHIBITED)
	must(t, f.mb.VerifyInit(f.b, ck.Mechanism{Type: ck.CKM_ECDSA}, bPub))
	must(t, f.mb.SessionCancel(f.b, ck.CKF_VERIFY))
	if _, err := f.mb.CopyObject(f.b, bPub, crTmpl(ck.CKA_LABEL, []byte("bobs copy"))); err != nil {
		t.Fatalf("bob copies alice's public key: %v", err)
	}
	// Shared, the non-private key becomes usable (but still not readable).
	must(t, f.ma.ShareObject(f.a, open, "bob"))
	must(t, f.mb.EncryptInit(f.b, ck.Mechanism{Type: ck.CKM_AES_ECB}, bOpen))
	if _, rv := attrRV(t, f.mb, f.b, bOpen, ck.CKA_VALUE); rv != ck.CKR_ATTRIBUTE_SENSITIVE {
		t.Fatalf("bob reads the shared value: %v", rv)
	}
}

// TestShareRace: bob signs in a loop while alice shares and unshares; every
// call is either a signature or CKR_KEY_HANDLE_INVALID. Run with -race.
func TestShareRace(t *testing.T) {
	f := newShareFixture(t)
	_, priv := genTokenP256(t, f.ma, f.a, "ec")
	bPriv := f.handleInB(t, priv)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for i := 0; i < 2; i++ {
		h := openRW(t, f.mb, f.slot)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sig := make([]byte, 64)
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := f.mb.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, bPriv)
				if err == nil {
					_, err = f.mb.Sign(h, make([]byte, 32), sig)
				}
				if err != nil && err != ck.CKR_KEY_HANDLE_INVALID {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < 40; i++ {
		must(t, f.ma.ShareObject(f.a, priv, "bob"))
		must(t, f.ma.UnshareObject(f.a, priv, "bob"))
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("bob's signing: %v", err)
	default:
	}
	wantRV(t, "after the last unshare", f.mb.SignInit(f.b, ck.Mechanism{Type: ck.CKM_ECDSA}, bPriv), ck.CKR_KEY_HANDLE_INVALID)
}
