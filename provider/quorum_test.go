package provider

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// approver is a quorum approver's key pair, as PEM, the way it would sit in
// the approver's files.
type approver struct {
	name            string
	privPEM, pubPEM []byte
}

var testRSAKey *rsa.PrivateKey // one 2048-bit key for the whole package (slow to make)

func newApprover(t testing.TB, name string, useRSA bool) approver {
	t.Helper()
	var priv, pub any
	if useRSA {
		if testRSAKey == nil {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			must(t, err)
			testRSAKey = k
		}
		priv, pub = testRSAKey, &testRSAKey.PublicKey
	} else {
		p, k, err := ed25519.GenerateKey(rand.Reader)
		must(t, err)
		priv, pub = k, p
	}
	pk, err := x509.MarshalPKCS8PrivateKey(priv)
	must(t, err)
	spki, err := x509.MarshalPKIXPublicKey(pub)
	must(t, err)
	return approver{name: name,
		privPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}),
		pubPEM:  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})}
}

func (a approver) sign(t testing.TB, msg []byte) []byte {
	t.Helper()
	sig, err := SignQuorumToken(a.privPEM, msg)
	must(t, err)
	return sig
}

// register logs the user in on slot, registers its key and logs out.
func (a approver) register(t testing.TB, m *Module, slot ck.SlotID, ut ck.UserType, password string) {
	t.Helper()
	h := openRW(t, m, slot)
	must(t, m.Login(h, ut, []byte(a.name+":"+password)))
	must(t, m.RegisterQuorumKey(h, a.pubPEM))
	must(t, m.Logout(h))
	must(t, m.CloseSession(h))
}

func wantQuorumErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %v", what, err, want)
	}
}

// quorumFixture: a token with officers admin (Ed25519), o2 (RSA), o3
// (Ed25519), o4 (no key), Crypto Users user (the default) and alice.
type quorumFixture struct {
	m             *Module
	slot          ck.SlotID
	admin, o2, o3 approver
	bob           string
}

func newQuorumFixture(t *testing.T) *quorumFixture {
	m := newTestModule(t)
	slot := initTestToken(t, m)
	f := &quorumFixture{m: m, slot: slot, admin: newApprover(t, "admin", false), o2: newApprover(t, "o2", true), o3: newApprover(t, "o3", false)}
	so := officerSession(t, m, slot)
	for _, n := range []string{"o2", "o3", "o4"} {
		must(t, m.CreateUser(so, n, RoleCO, []byte(n+"-password")))
	}
	for _, n := range []string{"alice", "bob"} {
		must(t, m.CreateUser(so, n, RoleCU, []byte(n+"-password")))
	}
	must(t, m.Logout(so))
	f.admin.register(t, m, slot, ck.CKU_SO, testSOPIN)
	f.o2.register(t, m, slot, ck.CKU_SO, "o2-password")
	f.o3.register(t, m, slot, ck.CKU_SO, "o3-password")
	return f
}

// approvedToken requests a token for op in session h and has each approver sign it.
func (f *quorumFixture) approvedToken(t *testing.T, h ck.SessionHandle, op string, by ...approver) QuorumTokenInfo {
	t.Helper()
	info, err := f.m.RequestQuorum(h, op)
	must(t, err)
	for _, a := range by {
		must(t, f.m.ApproveQuorum(info.ID, a.name, a.sign(t, info.Bytes)))
	}
	return info
}

func TestQuorumUserManagement(t *testing.T) {
	f := newQuorumFixture(t)
	m := f.m
	so := officerSession(t, m, f.slot)

	wantQuorumErr(t, "M=1", m.SetQuorum(so, QuorumUsers, 0, 1), ErrQuorumBadM)
	wantQuorumErr(t, "M=9", m.SetQuorum(so, QuorumUsers, 0, 9), ErrQuorumBadM)
	wantQuorumErr(t, "unknown service", m.SetQuorum(so, "coffee", 0, 2), ErrQuorumBadService)
	must(t, m.SetQuorum(so, QuorumUsers, 0, 2))
	ps, err := m.QuorumPolicies(so)
	if err != nil || len(ps) != 1 || ps[0] != (QuorumPolicyInfo{Service: QuorumUsers, M: 2}) {
		t.Fatalf("QuorumPolicies = %+v, %v", ps, err)
	}

	// Without a token: refused, CKR_FUNCTION_REJECTED.
	_, err = m.DeleteUser(so, "bob", false)
	wantQuorumErr(t, "delete without token", err, ErrQuorumRequired)
	wantCode(t, "delete without token", err, ck.CKR_FUNCTION_REJECTED)
	wantQuorumErr(t, "create without token", m.CreateUser(so, "carol", RoleCU, []byte("carol-password")), ErrQuorumRequired)
	wantCode(t, "C_InitPIN resetting the default user", m.InitPIN(so, []byte("new-user-pin")), ck.CKR_FUNCTION_REJECTED)
	wantCode(t, "C_InitPIN creating a user", m.InitPIN(so, []byte("dave:dave-password")), ck.CKR_FUNCTION_REJECTED)

	// Approvals: each refusal, then two good ones.
	info, err := m.RequestQuorum(so, "user.delete name=bob")
	must(t, err)
	if info.M != 2 || info.Service != QuorumUsers || info.Requester != "admin" || time.Until(info.Expires) > QuorumTokenLifetime || time.Until(info.Expires) < QuorumTokenLifetime-time.Minute {
		t.Fatalf("token info %+v", info)
	}
	wantQuorumErr(t, "signature of other bytes", m.ApproveQuorum(info.ID, "admin", f.admin.sign(t, append([]byte(nil), append(info.Bytes, 'x')...))), ErrQuorumBadSignature)
	wantQuorumErr(t, "someone else's signature", m.ApproveQuorum(info.ID, "o3", f.admin.sign(t, info.Bytes)), ErrQuorumBadSignature)
	wantQuorumErr(t, "officer without key", m.ApproveQuorum(info.ID, "o4", f.admin.sign(t, info.Bytes)), ErrQuorumNoKey)
	wantQuorumErr(t, "crypto user", m.ApproveQuorum(info.ID, "alice", f.admin.sign(t, info.Bytes)), ErrQuorumNotApprover)
	wantQuorumErr(t, "unknown token", m.ApproveQuorum("00000000deadbeef", "admin", f.admin.sign(t, info.Bytes)), ErrQuorumUnknownToken)
	must(t, m.ApproveQuorum(info.ID, "admin", f.admin.sign(t, info.Bytes)))
	wantQuorumErr(t, "twice", m.ApproveQuorum(info.ID, "admin", f.admin.sign(t, info.Bytes)), ErrQuorumDuplicate)

	// One approval of two: not enough (and the attachment is used up).
	must(t, m.UseQuorumToken(so, info.ID))
	_, err = m.DeleteUser(so, "bob", false)
	wantQuorumErr(t, "1 of 2", err, ErrQuorumNotEnough)
	_, err = m.DeleteUser(so, "bob", false)
	wantQuorumErr(t, "attachment used", err, ErrQuorumRequired)

	must(t, m.ApproveQuorum(info.ID, "o2", f.o2.sign(t, info.Bytes))) // RSA
	st, err := m.QuorumTokenStatus(info.ID)
	if err != nil || len(st.Approvers) != 2 || st.Approvers[0] != "admin" || st.Approvers[1] != "o2" || st.Consumed {
		t.Fatalf("status %+v, %v", st, err)
	}

	// A token for another operation does not do.
	other := f.approvedToken(t, so, "user.delete name=alice", f.admin, f.o3)
	must(t, m.UseQuorumToken(so, other.ID))
	_, err = m.DeleteUser(so, "bob", false)
	wantQuorumErr(t, "other arguments", err, ErrQuorumWrongOp)

	// The right one runs once.
	must(t, m.UseQuorumToken(so, info.ID))
	if _, err := m.DeleteUser(so, "bob", false); err != nil {
		t.Fatalf("delete with 2 approvals: %v", err)
	}
	pw := f.approvedToken(t, so, "user.passwd name=alice", f.o2, f.o3)
	must(t, m.UseQuorumToken(so, pw.ID))
	must(t, m.ChangePassword(so, "alice", []byte("alice-new-password")))
	must(t, m.UseQuorumToken(so, pw.ID))
	wantQuorumErr(t, "reused", m.ChangePassword(so, "alice", []byte("alice-newer-password")), ErrQuorumConsumed)
	wantQuorumErr(t, "approve a used token", m.ApproveQuorum(pw.ID, "admin", f.admin.sign(t, pw.Bytes)), ErrQuorumConsumed)

	// Expired: a token made 11 minutes ago, fully approved in the store.
	tok := mustToken(t, m, f.slot)
	old := time.Now().Add(-11 * time.Minute).UTC()
	exp := store.QuorumToken{ID: "00000000000000aa", TokenID: tok.ID, Service: QuorumUsers, Op: "user.passwd name=alice",
		Nonce: make([]byte, 32), Created: old, Expires: old.Add(QuorumTokenLifetime)}
	must(t, m.store.CreateQuorumToken(exp))
	msg := canonicalQuorumBytes(exp, tok.Serial)
	for _, a := range []approver{f.admin, f.o2} {
		u, _ := m.store.UserByName(tok.ID, a.name)
		must(t, m.store.AddQuorumApproval(store.QuorumApproval{TokenID: exp.ID, UserID: u.ID, Signature: a.sign(t, msg), Time: old}))
	}
	wantQuorumErr(t, "approve expired", m.ApproveQuorum(exp.ID, "o3", f.o3.sign(t, msg)), ErrQuorumExpired)
	must(t, m.UseQuorumToken(so, exp.ID))
	wantQuorumErr(t, "use expired", m.ChangePassword(so, "alice", []byte("alice-newer-password")), ErrQuorumExpired)

	// Changing the policy needs the policy's quorum; then it is off.
	wantQuorumErr(t, "turn off alone", m.SetQuorum(so, QuorumUsers, 0, 0), ErrQuorumRequired)
	off := f.approvedToken(t, so, "quorum.set service=user m=0", f.o2, f.o3)
	must(t, m.UseQuorumToken(so, off.ID))
	must(t, m.SetQuorum(so, QuorumUsers, 0, 0))
	must(t, m.CreateUser(so, "carol", RoleCU, []byte("carol-password")))

	// Quorum events are in the audit log, refusals with their code.
	ops := map[string][]string{}
	must(t, m.AuditRecords(store.AuditQuery{}, func(r store.AuditRecord) error {
		ops[r.Op] = append(ops[r.Op], r.Result)
		return nil
	}))
	for _, op := range []string{"quorum set", "quorum request", "quorum approve", "quorum use", "quorum register-key"} {
		if len(ops[op]) == 0 {
			t.Errorf("no %q audit record (have %v)", op, ops)
		}
	}
	if !slices.Contains(ops["quorum approve"], "CKR_SIGNATURE_INVALID") || !slices.Contains(ops["quorum use"], "CKR_FUNCTION_REJECTED") {
		t.Errorf("refusals not audited with their codes: %v", ops)
	}
}

func TestQuorumKeys(t *testing.T) {
	m, slot, h := userSession(t) // the default Crypto User "user"
	owner := newApprover(t, defaultCUName, false)
	alice := newApprover(t, "alice", true)
	h2 := openRW(t, m, slot)
	// make alice (needs an officer; the login is per token, so log the user out first)
	must(t, m.Logout(h))
	must(t, m.Login(h2, ck.CKU_SO, []byte(testSOPIN)))
	must(t, m.CreateUser(h2, "alice", RoleCU, []byte("alice-password")))
	must(t, m.CreateUser(h2, "bob", RoleCU, []byte("bob-password")))
	wantCode(t, "key policy without a key", m.SetQuorum(h2, QuorumKeyUsage, 0, 2), ck.CKR_OBJECT_HANDLE_INVALID)
	must(t, m.Logout(h2))
	owner.register(t, m, slot, ck.CKU_USER, testUserPIN)
	alice.register(t, m, slot, ck.CKU_USER, "alice-password")
	newApprover(t, "bob", false).register(t, m, slot, ck.CKU_USER, "bob-password")

	must(t, m.Login(h, ck.CKU_USER, []byte(testUserPIN)))
	pub, priv := genTokenP256(t, m, h, "quorum key")
	must(t, m.ShareObject(h, priv, "alice"))
	must(t, m.SetQuorum(h, QuorumKeyUsage, priv, 2))
	must(t, m.SetQuorum(h, QuorumKeyManagement, priv, 2))
	wantQuorumErr(t, "user policy by a CU", m.SetQuorum(h, QuorumUsers, 0, 2), ErrQuorumNotPolicyUser)
	ref := mustRef(t, m, priv)

	// Key use without a token: CKR_FUNCTION_REJECTED, as PKCS#11 callers see it.
	err := m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, priv)
	wantCode(t, "sign without token", err, ck.CKR_FUNCTION_REJECTED)
	h3 := openRW(t, m, slot)
	wantCode(t, "verify with the public key (no policy)", m.VerifyInit(h3, ck.Mechanism{Type: ck.CKM_ECDSA}, pub), ck.CKR_OK)

	use := QuorumOp("key.use", ref.dbID)
	info, err := m.RequestQuorum(h, use)
	must(t, err)
	wantQuorumErr(t, "bob holds no share", m.ApproveQuorum(info.ID, "bob", owner.sign(t, info.Bytes)), ErrQuorumNotApprover)
	must(t, m.ApproveQuorum(info.ID, defaultCUName, owner.sign(t, info.Bytes)))
	must(t, m.ApproveQuorum(info.ID, "alice", alice.sign(t, info.Bytes)))
	must(t, m.UseQuorumToken(h, info.ID))
	must(t, m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, priv))
	sig := make([]byte, 64)
	if _, err := m.Sign(h, make([]byte, 32), sig); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	wantCode(t, "second use", m.SignInit(h, ck.Mechanism{Type: ck.CKM_ECDSA}, priv), ck.CKR_FUNCTION_REJECTED)

	// Key management: destroy and attribute change refused without a token.
	wantCode(t, "destroy", m.DestroyObject(h, priv), ck.CKR_FUNCTION_REJECTED)
	wantCode(t, "set label", m.SetAttributeValue(h, priv, crTmpl(ck.CKA_LABEL, []byte("x"))), ck.CKR_FUNCTION_REJECTED)
	wantCode(t, "unshare", m.UnshareObject(h, priv, "alice"), ck.CKR_FUNCTION_REJECTED)
	del := QuorumOp("key.destroy", ref.dbID)
	d := approveKeyOp(t, m, h, del, owner, alice)
	must(t, m.UseQuorumToken(h, d.ID))
	must(t, m.DestroyObject(h, priv))
}

func approveKeyOp(t *testing.T, m *Module, h ck.SessionHandle, op string, by ...approver) QuorumTokenInfo {
	t.Helper()
	info, err := m.RequestQuorum(h, op)
	must(t, err)
	for _, a := range by {
		must(t, m.ApproveQuorum(info.ID, a.name, a.sign(t, info.Bytes)))
	}
	return info
}

// TestQuorumOpenSSL: the documented openssl commands make signatures that
// ApproveQuorum accepts (Ed25519 and RSA PKCS#1 v1.5 with SHA-256).
func TestQuorumOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	f := newQuorumFixture(t)
	so := officerSession(t, f.m, f.slot)
	must(t, f.m.SetQuorum(so, QuorumUsers, 0, 2))
	info, err := f.m.RequestQuorum(so, "user.delete name=bob")
	must(t, err)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, b, 0o600))
		return p
	}
	tokenFile := write("token.bin", info.Bytes)
	edKey := write("ed.pem", f.admin.privPEM)
	rsaKey := write("rsa.pem", f.o2.privPEM)
	run := func(args ...string) []byte {
		out, err := exec.Command("openssl", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
		b, err := os.ReadFile(filepath.Join(dir, "sig.bin"))
		must(t, err)
		return b
	}
	edSig := run("pkeyutl", "-sign", "-inkey", edKey, "-rawin", "-in", tokenFile, "-out", filepath.Join(dir, "sig.bin"))
	must(t, f.m.ApproveQuorum(info.ID, "admin", edSig))
	rsaSig := run("dgst", "-sha256", "-sign", rsaKey, "-out", filepath.Join(dir, "sig.bin"), tokenFile)
	must(t, f.m.ApproveQuorum(info.ID, "o2", rsaSig))
	must(t, f.m.UseQuorumToken(so, info.ID))
	if _, err := f.m.DeleteUser(so, "bob", false); err != nil {
		t.Fatalf("delete with openssl approvals: %v", err)
	}
}

func TestQuorumKeyParsing(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	must(t, err)
	smallDER, _ := x509.MarshalPKIXPublicKey(&small.PublicKey)
	cases := []struct {
		name string
		pem  []byte
	}{
		{"garbage", []byte("not pem")},
		{"private key block", newApprover(t, "x", false).privPEM},
		{"RSA-1024", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: smallDER})},
		{"bad DER", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}})},
	}
	for _, c := range cases {
		if _, err := ParseQuorumPublicKey(c.pem); !errors.Is(err, ErrQuorumBadKey) {
			t.Errorf("%s: %v, want ErrQuorumBadKey", c.name, err)
		}
	}
	if _, err := SignQuorumToken(newApprover(t, "x", false).privPEM, []byte("not a token")); !errors.Is(err, ErrQuorumUnknownToken) {
		t.Errorf("signing something else: %v", err)
	}
	for _, op := range []string{"", "rm -rf", "user.delete  name=bob", "key.destroy", "key.use object=x", "user.delete object=3", "user.delete bob"} {
		if _, _, err := parseQuorumOp(op); !errors.Is(err, ErrQuorumBadOp) {
			t.Errorf("op %q: %v, want ErrQuorumBadOp", op, err)
		}
	}
}
