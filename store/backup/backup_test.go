package backup_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/config"
	"github.com/gohsm/gohsm/provider"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/backup"
	"github.com/gohsm/gohsm/store/installsecret"
	"github.com/gohsm/gohsm/store/seal"
	"github.com/gohsm/gohsm/store/sqlite"
)

const (
	soPIN    = "so-password"
	alicePIN = "alice-password"
)

var p256 = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func openModule(t testing.TB, dir string) *provider.Module {
	t.Helper()
	cfg := config.Default()
	cfg.StoreDir = dir
	cfg.Log.Level = "error"
	cfg.KDF = config.KDF{Time: 1, MemoryKiB: 64, Threads: 1}
	m, err := provider.New(provider.Options{Config: &cfg})
	must(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func tmpl(pairs ...any) ck.Template {
	var tm ck.Template
	for i := 0; i < len(pairs); i += 2 {
		var v []byte
		switch x := pairs[i+1].(type) {
		case bool:
			v = ck.EncodeBool(x)
		case int:
			v = ck.EncodeULong(ck.ULong(x))
		case []byte:
			v = x
		case string:
			v = []byte(x)
		}
		tm = append(tm, ck.Attribute{Type: pairs[i].(ck.AttributeType), Value: v})
	}
	return tm
}

func slotOf(t testing.TB, m *provider.Module) ck.SlotID {
	t.Helper()
	ids, err := m.SlotList(true)
	must(t, err)
	for _, id := range ids {
		ti, err := m.TokenInfo(id)
		if err == nil && ti.Flags&ck.CKF_TOKEN_INITIALIZED != 0 {
			return id
		}
	}
	t.Fatal("no initialised token")
	return 0
}

// source makes a store with a token, officer, two Crypto Users, a
// non-extractable P-256 pair and an AES key of alice, the private key
// shared with bob. It returns the module (left open) and the public key.
func source(t *testing.T, dir string) (*provider.Module, ck.ObjectHandle) {
	m := openModule(t, dir)
	ids, err := m.SlotList(false)
	must(t, err)
	slot := ids[len(ids)-1]
	must(t, m.InitToken(slot, []byte("admin:"+soPIN), "backup me"))
	h, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
	must(t, err)
	must(t, m.Login(h, ck.CKU_SO, []byte("admin:"+soPIN)))
	must(t, m.CreateUser(h, "alice", provider.RoleCU, []byte(alicePIN)))
	must(t, m.CreateUser(h, "bob", provider.RoleCU, []byte("bob-password")))
	must(t, m.Logout(h))
	must(t, m.Login(h, ck.CKU_USER, []byte("alice:"+alicePIN)))
	pub, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
		tmpl(ck.CKA_TOKEN, true, ck.CKA_LABEL, "sig", ck.CKA_EC_PARAMS, p256, ck.CKA_VERIFY, true),
		tmpl(ck.CKA_TOKEN, true, ck.CKA_LABEL, "sig", ck.CKA_SIGN, true, ck.CKA_EXTRACTABLE, false, ck.CKA_SENSITIVE, true))
	must(t, err)
	_, err = m.GenerateKey(h, ck.Mechanism{Type: ck.CKM_AES_KEY_GEN},
		tmpl(ck.CKA_TOKEN, true, ck.CKA_LABEL, "aes", ck.CKA_VALUE_LEN, 32, ck.CKA_ENCRYPT, true))
	must(t, err)
	must(t, m.ShareObject(h, priv, "bob"))
	return m, pub
}

// dump is everything a store holds, read through the store API; secrets
// are unsealed with each token's master key (from the officer's password).
type dump struct {
	Tokens  []store.Token
	Users   map[string][]store.User
	Objects map[string][]store.Object
	Shares  map[string][][]int64
}

func dumpStore(t *testing.T, dir string) dump {
	t.Helper()
	d, err := sqlite.OpenWith(dir, sqlite.Options{})
	must(t, err)
	defer d.Close()
	out := dump{Users: map[string][]store.User{}, Objects: map[string][]store.Object{}, Shares: map[string][][]int64{}}
	toks, err := d.Tokens()
	must(t, err)
	out.Tokens = toks
	for _, tok := range toks {
		us, err := d.Users(tok.ID)
		must(t, err)
		out.Users[tok.Serial] = us
		co, err := d.UserByName(tok.ID, "admin")
		must(t, err)
		mk, err := co.Secret.Unwrap([]byte(soPIN))
		must(t, err)
		sl, err := seal.NewSealer(mk)
		must(t, err)
		ids := map[int64]bool{}
		for _, u := range append(us, store.User{}) {
			found, err := d.FindObjects(store.Query{TokenID: tok.ID, Viewer: u.ID})
			must(t, err)
			for _, id := range found {
				ids[id] = true
			}
		}
		var sorted []int64
		for id := range ids {
			sorted = append(sorted, id)
		}
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		for _, id := range sorted {
			o, err := d.Object(tok.ID, id, sl)
			must(t, err)
			out.Objects[tok.Serial] = append(out.Objects[tok.Serial], *o)
			sh, err := d.Shares(tok.ID, id)
			must(t, err)
			out.Shares[tok.Serial] = append(out.Shares[tok.Serial], sh)
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "restored")
	m, pub := source(t, src)
	file := filepath.Join(t.TempDir(), "b"+backup.Ext)
	var calls int
	h, err := backup.CreateFile(src, file, func(done, total int64) { calls++ })
	must(t, err)
	if len(h.Tokens) != 1 || h.Users != 3 || h.Objects != 3 || h.Installation == "" || calls == 0 {
		t.Fatalf("header %+v, %d progress calls", h, calls)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(file)
	if bytes.Contains(raw, []byte("alice")) || bytes.Contains(raw, []byte("SQLite format")) {
		t.Error("the backup holds plaintext of the store")
	}

	// A fresh directory needs the source's secret.
	_, err = backup.Restore(backup.RestoreOptions{File: file, Dir: dst, Officer: "admin", Password: []byte(soPIN)})
	if !errors.Is(err, backup.ErrNoSecret) {
		t.Fatalf("without a secret: %v", err)
	}
	_, err = backup.Restore(backup.RestoreOptions{File: file, Dir: dst, SecretFile: filepath.Join(src, installsecret.FileName), Officer: "admin", Password: []byte("wrong-password")})
	if !errors.Is(err, backup.ErrNotOfficer) {
		t.Fatalf("wrong officer password: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, installsecret.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused restore installed the secret: %v", err)
	}
	_, err = backup.Restore(backup.RestoreOptions{File: file, Dir: dst, SecretFile: filepath.Join(src, installsecret.FileName), Officer: "admin", Password: []byte(soPIN)})
	must(t, err)

	a, b := dumpStore(t, src), dumpStore(t, dst)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("restored store differs:\nsource   %+v\nrestored %+v", a, b)
	}
	if len(a.Objects[a.Tokens[0].Serial]) != 3 {
		t.Fatalf("source dump has %d objects", len(a.Objects[a.Tokens[0].Serial]))
	}

	// The non-extractable key signs in the restored store; the original
	// public key verifies the signature.
	r := openModule(t, dst)
	slot := slotOf(t, r)
	hs, err := r.OpenSession(slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
	must(t, err)
	must(t, r.Login(hs, ck.CKU_USER, []byte("alice:"+alicePIN)))
	must(t, r.FindObjectsInit(hs, tmpl(ck.CKA_CLASS, int(ck.CKO_PRIVATE_KEY), ck.CKA_LABEL, "sig")))
	found, err := r.FindObjects(hs, 10)
	must(t, err)
	must(t, r.FindObjectsFinal(hs))
	if len(found) != 1 {
		t.Fatalf("found %d private keys in the restored store", len(found))
	}
	msg := bytes.Repeat([]byte{0x5a}, 32)
	must(t, r.SignInit(hs, ck.Mechanism{Type: ck.CKM_ECDSA}, found[0]))
	sig := make([]byte, 64)
	n, err := r.Sign(hs, msg, sig)
	must(t, err)
	slotA := slotOf(t, m)
	ha, err := m.OpenSession(slotA, ck.CKF_SERIAL_SESSION)
	must(t, err)
	must(t, m.VerifyInit(ha, ck.Mechanism{Type: ck.CKM_ECDSA}, pub))
	if err := m.Verify(ha, msg, sig[:n]); err != nil {
		t.Fatalf("the original public key does not verify the restored key's signature: %v", err)
	}

	// A second restore over the now non-empty store needs force.
	_, err = backup.Restore(backup.RestoreOptions{File: file, Dir: dst, Officer: "admin", Password: []byte(soPIN)})
	if !errors.Is(err, backup.ErrTargetNotEmpty) {
		t.Fatalf("restore over tokens without force: %v", err)
	}
}

// TestTamperAndOtherInstallation: any flipped byte, a truncation or an
// appended byte is refused and the target stays as it was; a backup made
// elsewhere is refused by its secret.
func TestTamperAndOtherInstallation(t *testing.T) {
	src := t.TempDir()
	source(t, src)
	file := filepath.Join(t.TempDir(), "b"+backup.Ext)
	_, err := backup.CreateFile(src, file, nil)
	must(t, err)
	good, _ := os.ReadFile(file)

	// The target: the same installation (same secret), with another token.
	dst := t.TempDir()
	sec, _ := os.ReadFile(filepath.Join(src, installsecret.FileName))
	must(t, backup.InstallSecret(dst, sec))
	tm := openModule(t, dst)
	ids, _ := tm.SlotList(false)
	must(t, tm.InitToken(ids[len(ids)-1], []byte("admin:"+soPIN), "target"))
	tm.Close()
	before := dumpStore(t, dst)

	hl := int(uint32(good[8])<<24 | uint32(good[9])<<16 | uint32(good[10])<<8 | uint32(good[11]))
	body := 12 + hl + 60
	cases := []struct {
		name string
		mut  func([]byte) []byte
		want []error
	}{
		{"magic", flip(0), []error{backup.ErrNotBackup}},
		{"header length", flip(11), []error{backup.ErrTampered}},
		{"header JSON", flip(12), []error{backup.ErrTampered}},
		{"header installation", flipAt(good, `"installation":"`), []error{backup.ErrOtherInstallation}},
		{"header created", flipAt(good, `"created":"20`), []error{backup.ErrTampered}},
		{"wrapped key nonce", flip(12 + hl), []error{backup.ErrTampered}},
		{"wrapped key", flip(12 + hl + 30), []error{backup.ErrTampered}},
		{"chunk length", flip(body + 3), []error{backup.ErrTampered}},
		{"body", flip(body + 100), []error{backup.ErrTampered}},
		{"tag", flip(len(good) - 1), []error{backup.ErrTampered}},
		{"truncated", func(b []byte) []byte { return b[:len(b)-1] }, []error{backup.ErrTampered}},
		{"appended", func(b []byte) []byte { return append(b, 0) }, []error{backup.ErrTampered}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad"+backup.Ext)
			must(t, os.WriteFile(bad, c.mut(append([]byte(nil), good...)), 0o600))
			_, err := backup.Restore(backup.RestoreOptions{File: bad, Dir: dst, Force: true, Officer: "admin", Password: []byte(soPIN)})
			ok := false
			for _, w := range c.want {
				ok = ok || errors.Is(err, w)
			}
			if !ok {
				t.Fatalf("restore of a file with a changed %s: %v, want %v", c.name, err, c.want)
			}
			if after := dumpStore(t, dst); !reflect.DeepEqual(before, after) {
				t.Fatal("a refused restore changed the target")
			}
			leftovers, _ := filepath.Glob(filepath.Join(dst, ".restore-*"))
			if len(leftovers) != 0 {
				t.Fatalf("left behind %v", leftovers)
			}
		})
	}

	// The good file restores over it with force.
	_, err = backup.Restore(backup.RestoreOptions{File: file, Dir: dst, Force: true, Officer: "admin", Password: []byte(soPIN)})
	must(t, err)
	if after := dumpStore(t, dst); after.Tokens[0].Label != "backup me" {
		t.Fatalf("forced restore: tokens %+v", after.Tokens)
	}

	// Another installation: its own hsm.secret.
	other := t.TempDir()
	if _, err := installsecret.Load(other); err != nil {
		t.Fatal(err)
	}
	_, err = backup.Restore(backup.RestoreOptions{File: file, Dir: other, Officer: "admin", Password: []byte(soPIN)})
	if !errors.Is(err, backup.ErrOtherInstallation) {
		t.Fatalf("restore into another installation: %v", err)
	}
	_, err = backup.Restore(backup.RestoreOptions{File: file, Dir: other, SecretFile: filepath.Join(src, installsecret.FileName), Officer: "admin", Password: []byte(soPIN)})
	if !errors.Is(err, backup.ErrSecretMismatch) {
		t.Fatalf("--secret-file over another secret: %v", err)
	}
	if has, _ := backup.TargetHasTokens(other); has {
		t.Fatal("the other installation got tokens")
	}
}

func flip(i int) func([]byte) []byte {
	return func(b []byte) []byte { b[i] ^= 0x01; return b }
}

// flipAt flips the byte after marker (a character of the header's value).
func flipAt(b []byte, marker string) func([]byte) []byte {
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		panic("marker " + marker)
	}
	return flip(i + len(marker))
}

func TestScheduleAndList(t *testing.T) {
	src := t.TempDir()
	source(t, src)
	out := filepath.Join(t.TempDir(), "backups")
	must(t, os.MkdirAll(out, 0o700))
	must(t, os.WriteFile(filepath.Join(out, "keep-me"+backup.Ext), []byte("x"), 0o600)) // not a scheduled name
	var made []string
	err := backup.Schedule(context.Background(), src, out, 20*time.Millisecond, 2, 3, func(p string, h backup.Header) { made = append(made, p) })
	must(t, err)
	if len(made) != 3 {
		t.Fatalf("made %v", made)
	}
	es, err := backup.List(out)
	must(t, err)
	var names []string
	for _, e := range es {
		names = append(names, filepath.Base(e.Path))
	}
	// The newest two scheduled ones stay, newest first, and the foreign file.
	if len(es) != 3 || es[0].Path != made[2] || es[1].Path != made[1] || es[2].Err == nil || es[0].Header.Objects != 3 {
		t.Fatalf("List = %v", names)
	}
	if !strings.HasPrefix(names[0], "gohsm-") {
		t.Fatalf("names %v", names)
	}
}
