package tests

// CloudHSM users and key sharing through the C ABI (DESIGN.md rule 6,
// provider/share.go): alice owns keys in the test process, bob is a helper
// process on the same store driven line by line over a pipe, so that one
// process keeps its handles and its key cache while the other shares and
// takes the share back.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// Vendor and 3.1 values miekg/pkcs11 does not name.
const (
	ckaGohsmSharedWith       = 0x80474801 // CKA_VENDOR_DEFINED | 0x474801
	ckrTokenResourceExceeded = 0x201
)

// userPIN is the C_Login PIN of a named Crypto User made by namedUsers.
func userPIN(name string) string { return name + ":" + name + "-password" }

// namedUsers creates Crypto Users with C_InitPIN("name:password") as the SO.
func namedUsers(t testing.TB, p *pkcs11.Ctx, slot uint, names ...string) {
	t.Helper()
	s := hsmtest.OpenRW(t, p, slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "C_Login(SO)")
	for _, n := range names {
		hsmtest.Must(t, p.InitPIN(s, userPIN(n)), "C_InitPIN "+n)
	}
	hsmtest.Must(t, p.Logout(s), "C_Logout(SO)")
	hsmtest.Must(t, p.CloseSession(s), "C_CloseSession")
}

func sharesAttr(v string) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{pkcs11.NewAttribute(ckaGohsmSharedWith, []byte(v))}
}

// sharedWith reads CKA_GOHSM_SHARED_WITH, or the error.
func sharedWith(p *pkcs11.Ctx, s pkcs11.SessionHandle, o pkcs11.ObjectHandle) (string, error) {
	a, err := p.GetAttributeValue(s, o, []*pkcs11.Attribute{pkcs11.NewAttribute(ckaGohsmSharedWith, nil)})
	if err != nil {
		return "", err
	}
	return string(a[0].Value), nil
}

// peer is a helper process logged in as another Crypto User.
type peer struct {
	in  io.WriteCloser
	out *bufio.Scanner
}

func startPeer(t *testing.T, name string) *peer {
	t.Helper()
	cmd := hsmtest.RoleCmd("cloudhsm-user", name)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	hsmtest.Must(t, err, "stdin pipe")
	out, err := cmd.StdoutPipe()
	hsmtest.Must(t, err, "stdout pipe")
	hsmtest.Must(t, cmd.Start(), "start the "+name+" process")
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	pr := &peer{in: in, out: bufio.NewScanner(out)}
	pr.do(t, "ready")
	return pr
}

// do runs one step in the peer and fails the test with the peer's findings.
func (pr *peer) do(t *testing.T, step string) {
	t.Helper()
	fmt.Fprintln(pr.in, step)
	if !pr.out.Scan() {
		t.Fatalf("peer step %q: no answer (%v)", step, pr.out.Err())
	}
	if line := pr.out.Text(); line != "ok" {
		t.Fatalf("peer step %q: %s", step, line)
	}
}

// peerState is what the cloudhsm-user role keeps between steps.
type peerState struct {
	p        *pkcs11.Ctx
	s        pkcs11.SessionHandle
	ec, aes  pkcs11.ObjectHandle // alice's keys, once found
	pub      pkcs11.ObjectHandle // alice's public key (never private)
	own      pkcs11.ObjectHandle // the peer's own wrapping key
	failures []string
}

func (st *peerState) want(what string, err error, code uint) {
	if got := hsmtest.Code(err); got != code {
		st.failures = append(st.failures, fmt.Sprintf("%s: got %s, want %s", what, hsmtest.RVName(got), hsmtest.RVName(code)))
	}
}

func (st *peerState) check(ok bool, format string, a ...any) {
	if !ok {
		st.failures = append(st.failures, fmt.Sprintf(format, a...))
	}
}

func (st *peerState) find(label string, class uint) []pkcs11.ObjectHandle {
	tmpl := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, label), pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)}
	if err := st.p.FindObjectsInit(st.s, tmpl); err != nil {
		st.want("C_FindObjectsInit", err, pkcs11.CKR_OK)
		return nil
	}
	hs, _, err := st.p.FindObjects(st.s, 100)
	st.want("C_FindObjects", err, pkcs11.CKR_OK)
	st.want("C_FindObjectsFinal", st.p.FindObjectsFinal(st.s), pkcs11.CKR_OK)
	return hs
}

// The "cloudhsm-user" role (args: user name) logs in as that Crypto User and
// runs the steps read from stdin, answering "ok" or what failed, one line each.
var _ = hsmtest.Role("cloudhsm-user", func(args []string) int {
	t := hsmtest.RoleT()
	p := hsmtest.Load(t)
	s := hsmtest.OpenRW(t, p, hsmtest.SlotByLabel(t, p, hsmtest.Label))
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, userPIN(args[0])), "C_Login "+args[0])
	st := &peerState{p: p, s: s}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		st.failures = nil
		step, ok := peerSteps[in.Text()]
		if !ok {
			fmt.Printf("unknown step %q\n", in.Text())
			continue
		}
		step(st)
		if len(st.failures) == 0 {
			fmt.Println("ok")
		} else {
			fmt.Println(strings.Join(st.failures, "; "))
		}
	}
	return 0
})

var ecdsaMech = []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}

var peerSteps = map[string]func(st *peerState){
	"ready": func(st *peerState) {},

	// Before sharing: alice's private keys are not found; her public key is,
	// but not who holds it.
	"unshared": func(st *peerState) {
		st.check(len(st.find("alice-ec", pkcs11.CKO_PRIVATE_KEY)) == 0, "alice's private EC key found before sharing")
		st.check(len(st.find("alice-aes", pkcs11.CKO_SECRET_KEY)) == 0, "alice's AES key found before sharing")
		pubs := st.find("alice-ec", pkcs11.CKO_PUBLIC_KEY)
		st.check(len(pubs) == 1, "alice's public key found %d times, want 1", len(pubs))
		if len(pubs) == 1 {
			st.pub = pubs[0]
			_, err := sharedWith(st.p, st.s, st.pub)
			st.want("CKA_GOHSM_SHARED_WITH of a public key not shared with me", err, pkcs11.CKR_ATTRIBUTE_SENSITIVE)
		}
		// Handles this process never got from a search are invalid, whatever their number.
		for h := pkcs11.ObjectHandle(1); h < 64; h++ {
			if h == st.pub {
				continue
			}
			_, err := st.p.GetAttributeValue(st.s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
			st.want(fmt.Sprintf("C_GetAttributeValue of guessed handle %d", h), err, pkcs11.CKR_OBJECT_HANDLE_INVALID)
		}
	},

	// Shared: found, usable within the usage flags, and nothing else.
	"shared": func(st *peerState) {
		ecs, aess := st.find("alice-ec", pkcs11.CKO_PRIVATE_KEY), st.find("alice-aes", pkcs11.CKO_SECRET_KEY)
		if len(ecs) != 1 || len(aess) != 1 {
			st.check(false, "shared keys found %d and %d times, want 1 each", len(ecs), len(aess))
			return
		}
		st.ec, st.aes = ecs[0], aess[0]
		p, s := st.p, st.s
		// Use: sign (verified with alice's public key), encrypt and decrypt.
		digest := bytes.Repeat([]byte{3}, 32)
		st.want("C_SignInit", p.SignInit(s, ecdsaMech, st.ec), pkcs11.CKR_OK)
		sig, err := p.Sign(s, digest)
		st.want("C_Sign", err, pkcs11.CKR_OK)
		st.want("C_VerifyInit (alice's public key)", p.VerifyInit(s, ecdsaMech, st.pub), pkcs11.CKR_OK)
		st.want("C_Verify", p.Verify(s, digest, sig), pkcs11.CKR_OK)
		ecb := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_ECB, nil)}
		st.want("C_EncryptInit", p.EncryptInit(s, ecb, st.aes), pkcs11.CKR_OK)
		ct, err := p.Encrypt(s, make([]byte, 16))
		st.want("C_Encrypt", err, pkcs11.CKR_OK)
		st.want("C_DecryptInit", p.DecryptInit(s, ecb, st.aes), pkcs11.CKR_OK)
		pt, err := p.Decrypt(s, ct)
		st.want("C_Decrypt", err, pkcs11.CKR_OK)
		st.check(bytes.Equal(pt, make([]byte, 16)), "decrypt(encrypt(0)) = %x", pt)
		v, err := sharedWith(p, s, st.aes)
		st.want("read CKA_GOHSM_SHARED_WITH as a sharer", err, pkcs11.CKR_OK)
		st.check(v == "bob", "CKA_GOHSM_SHARED_WITH = %q, want bob", v)

		// Refusals.
		st.want("C_SetAttributeValue(CKA_LABEL)", p.SetAttributeValue(s, st.aes, byLabel("bob's now")), pkcs11.CKR_ACTION_PROHIBITED)
		st.want("C_SetAttributeValue(CKA_GOHSM_SHARED_WITH)", p.SetAttributeValue(s, st.aes, sharesAttr("bob,carol")), pkcs11.CKR_ACTION_PROHIBITED)
		_, err = p.CopyObject(s, st.aes, nil)
		st.want("C_CopyObject", err, pkcs11.CKR_ACTION_PROHIBITED)
		_, err = p.CopyObject(s, st.ec, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false)})
		st.want("C_CopyObject to a session object", err, pkcs11.CKR_ACTION_PROHIBITED)
		st.want("C_DestroyObject", p.DestroyObject(s, st.aes), pkcs11.CKR_ACTION_PROHIBITED)
		st.want("C_DestroyObject (EC)", p.DestroyObject(s, st.ec), pkcs11.CKR_ACTION_PROHIBITED)
		_, err = p.GetAttributeValue(s, st.aes, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		st.want("C_GetAttributeValue(CKA_VALUE) of an extractable shared key", err, pkcs11.CKR_ATTRIBUTE_SENSITIVE)
		own, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)}, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 32), pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true)})
		st.want("C_GenerateKey (own wrapping key)", err, pkcs11.CKR_OK)
		st.own = own
		wrap := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_WRAP, nil)}
		_, err = p.WrapKey(s, wrap, own, st.aes)
		st.want("C_WrapKey of the shared key", err, pkcs11.CKR_KEY_NOT_WRAPPABLE)
		_, err = p.WrapKey(s, wrap, st.aes, own)
		st.want("C_WrapKey of my key under the shared key (a use)", err, pkcs11.CKR_OK)
		derive := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDH1_DERIVE,
			pkcs11.NewECDH1DeriveParams(pkcs11.CKD_NULL, nil, attrOrNil(p, s, st.pub, pkcs11.CKA_EC_POINT)))}
		_, err = p.DeriveKey(s, derive, st.ec, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 32)})
		st.want("C_DeriveKey from the shared EC key", err, pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED)
	},

	// After alice took the shares back: the same handles, in this process
	// that cached the keys, are invalid now.
	"revoked": func(st *peerState) {
		p, s := st.p, st.s
		st.want("C_SignInit after unshare", p.SignInit(s, ecdsaMech, st.ec), pkcs11.CKR_KEY_HANDLE_INVALID)
		st.want("C_EncryptInit after unshare", p.EncryptInit(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_ECB, nil)}, st.aes), pkcs11.CKR_KEY_HANDLE_INVALID)
		_, err := p.GetAttributeValue(s, st.aes, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
		st.want("C_GetAttributeValue after unshare", err, pkcs11.CKR_OBJECT_HANDLE_INVALID)
		st.check(len(st.find("alice-aes", pkcs11.CKO_SECRET_KEY)) == 0, "alice's AES key still found after unshare")
		st.check(len(st.find("alice-ec", pkcs11.CKO_PRIVATE_KEY)) == 0, "alice's EC key still found after unshare")
	},
}

func attrOrNil(p *pkcs11.Ctx, s pkcs11.SessionHandle, o pkcs11.ObjectHandle, typ uint) []byte {
	a, err := p.GetAttributeValue(s, o, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
	if err != nil {
		return nil
	}
	return a[0].Value
}

// TestKeySharing: alice shares an EC key pair and an AES key with bob
// through CKA_GOHSM_SHARED_WITH; bob, in another process, may use them and
// nothing more; the share taken back is seen at bob's next call.
func TestKeySharing(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	p := hsmtest.Load(t)
	slot := hsmtest.InitToken(t, p, hsmtest.Label)
	namedUsers(t, p, slot, "alice", "bob", "carol")
	s := hsmtest.OpenRW(t, p, slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, userPIN("alice")), "C_Login alice")
	pub, priv, err := p.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "alice-ec"),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256), pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true)},
		[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "alice-ec"),
			pkcs11.NewAttribute(pkcs11.CKA_SIGN, true), pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true)})
	hsmtest.Must(t, err, "C_GenerateKeyPair")
	aes, err := p.GenerateKey(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)}, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "alice-aes"),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 32), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true), pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true), pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, true)})
	hsmtest.Must(t, err, "C_GenerateKey")
	data, err := p.CreateObject(s, tokenData("alice-data", "test"))
	hsmtest.Must(t, err, "C_CreateObject")

	bob := startPeer(t, "bob")
	bob.do(t, "unshared")

	// The owner's refusals change nothing.
	for _, tc := range []struct {
		name string
		o    pkcs11.ObjectHandle
		tmpl []*pkcs11.Attribute
		want uint
	}{
		{"unknown user", aes, sharesAttr("bob,nobody"), pkcs11.CKR_ATTRIBUTE_VALUE_INVALID},
		{"the officer", aes, sharesAttr("admin"), pkcs11.CKR_ATTRIBUTE_VALUE_INVALID},
		{"the owner", aes, sharesAttr("alice"), pkcs11.CKR_ATTRIBUTE_VALUE_INVALID},
		{"an empty name", aes, sharesAttr("bob,"), pkcs11.CKR_ATTRIBUTE_VALUE_INVALID},
		{"with another attribute", aes, append(sharesAttr("bob"), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "x")), pkcs11.CKR_TEMPLATE_INCONSISTENT},
		{"a data object", data, sharesAttr("bob"), pkcs11.CKR_ATTRIBUTE_TYPE_INVALID},
	} {
		hsmtest.WantRV(t, p.SetAttributeValue(s, tc.o, tc.tmpl), "share with "+tc.name, tc.want)
	}
	_, err = sharedWith(p, s, data)
	hsmtest.WantRV(t, err, "CKA_GOHSM_SHARED_WITH of a data object", pkcs11.CKR_ATTRIBUTE_TYPE_INVALID)
	ro := hsmtest.OpenRO(t, p, slot)
	hsmtest.WantRV(t, p.SetAttributeValue(ro, aes, sharesAttr("bob")), "share in a R/O session", pkcs11.CKR_SESSION_READ_ONLY)
	if v, err := sharedWith(p, s, aes); err != nil || v != "" {
		t.Fatalf("shares after refusals: %q %v", v, err)
	}

	hsmtest.Must(t, p.SetAttributeValue(s, aes, sharesAttr("bob")), "share the AES key with bob")
	hsmtest.Must(t, p.SetAttributeValue(s, priv, sharesAttr("bob")), "share the EC key with bob")
	hsmtest.Must(t, p.SetAttributeValue(s, pub, sharesAttr("bob")), "share the EC public key with bob")
	bob.do(t, "shared")

	// The owner still reads, changes and wraps her key.
	if v, err := sharedWith(p, s, aes); err != nil || v != "bob" {
		t.Fatalf("owner reads CKA_GOHSM_SHARED_WITH: %q %v", v, err)
	}
	if v := attr(t, p, s, aes, pkcs11.CKA_LABEL); string(v) != "alice-aes" {
		t.Fatalf("label after bob's attempts: %q", v)
	}
	if v := attr(t, p, s, aes, pkcs11.CKA_VALUE); len(v) != 32 {
		t.Fatalf("owner reads her extractable key: %d bytes", len(v))
	}
	hsmtest.Must(t, p.SetAttributeValue(s, aes, sharesAttr("carol, bob")), "share with carol too")
	if v, _ := sharedWith(p, s, aes); v != "bob,carol" {
		t.Fatalf("shared with %q, want bob,carol", v)
	}

	// Take the shares back: bob's process sees it at its next call.
	hsmtest.Must(t, p.SetAttributeValue(s, aes, sharesAttr("carol")), "unshare the AES key")
	hsmtest.Must(t, p.SetAttributeValue(s, priv, sharesAttr("")), "unshare the EC key")
	bob.do(t, "revoked")
}

// TestCloudHSMUserLimit: a token holds 1,024 users; C_InitPIN of one more is
// CKR_TOKEN_RESOURCE_EXCEEDED, a reset of an existing user still works.
func TestCloudHSMUserLimit(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	p := hsmtest.Load(t)
	slot := hsmtest.InitToken(t, p, hsmtest.Label) // the officer is user 1
	s := hsmtest.OpenRW(t, p, slot)
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_SO, hsmtest.SOPIN), "C_Login(SO)")
	for i := 2; i <= 1024; i++ {
		hsmtest.Must(t, p.InitPIN(s, fmt.Sprintf("u%d:password", i)), fmt.Sprintf("C_InitPIN of user %d", i))
	}
	hsmtest.WantRV(t, p.InitPIN(s, "u1025:password"), "C_InitPIN of user 1025", ckrTokenResourceExceeded)
	hsmtest.Must(t, p.InitPIN(s, "u2:new-password"), "C_InitPIN resets an existing user")
	hsmtest.Must(t, p.Logout(s), "C_Logout")
	hsmtest.Must(t, p.Login(s, pkcs11.CKU_USER, "u2:new-password"), "login with the reset password")
	hsmtest.WantRV(t, p.InitPIN(s, "u1025:password"), "a Crypto User calls C_InitPIN", pkcs11.CKR_USER_NOT_LOGGED_IN)
}
