package sqlite

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// testKDF keeps Argon2 cheap in tests.
var testKDF = seal.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

func openTemp(t testing.TB) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	d, err := OpenWith(dir, Options{})
	if err != nil {
		t.Fatalf("OpenWith: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d, dir
}

func pinSecret(t testing.TB, pin string, mk []byte) seal.PINSecret {
	t.Helper()
	s, err := seal.WrapForPIN([]byte(pin), mk, testKDF)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sealerFor(t testing.TB, mk []byte) *seal.Sealer {
	t.Helper()
	s, err := seal.NewSealer(mk)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fixture is a store with one token, its CO and a sealer for its master key.
type fixture struct {
	d      *DB
	dir    string
	tok    store.Token
	co     store.User
	mk     []byte
	sealer *seal.Sealer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	d, dir := openTemp(t)
	f := &fixture{d: d, dir: dir, mk: seal.NewMasterKey()}
	f.sealer = sealerFor(t, f.mk)
	f.tok = f.addToken(t, 1)
	co, err := d.UserByName(f.tok.ID, "admin")
	if err != nil {
		t.Fatalf("CO of new token: %v", err)
	}
	f.co = co
	return f
}

func (f *fixture) addToken(t testing.TB, slot uint64) store.Token {
	t.Helper()
	tok, err := f.d.CreateToken(
		store.Token{SlotID: slot, Serial: fmt.Sprintf("%016x", slot), Label: fmt.Sprintf("token %d", slot)},
		store.User{Name: "admin", Secret: pinSecret(t, "so-pin", f.mk)})
	if err != nil {
		t.Fatalf("CreateToken(slot %d): %v", slot, err)
	}
	return tok
}

func (f *fixture) addUser(t testing.TB, name string, def bool) store.User {
	t.Helper()
	u, err := f.d.CreateUser(store.User{TokenID: f.tok.ID, Name: name, Role: store.RoleCU, Default: def, Secret: pinSecret(t, name+"-pin", f.mk)})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func ptr[T any](v T) *T { return &v }

// keyObject is a secret key object with one sealed value.
func keyObject(tokenID, owner int64, label string, private bool, value []byte) *store.Object {
	return &store.Object{
		TokenID: tokenID, Owner: owner,
		Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_AES,
		CKAID: []byte("id-" + label), Label: []byte(label), Private: private,
		Public: map[ck.AttributeType][]byte{ck.CKA_LABEL: []byte(label), ck.CKA_TOKEN: {1}},
		Secret: map[ck.AttributeType][]byte{ck.CKA_VALUE: value},
	}
}

func (f *fixture) create(t testing.TB, o *store.Object) int64 {
	t.Helper()
	if err := f.d.CreateObject(o, f.sealer); err != nil {
		t.Fatalf("CreateObject: %v", err)
	}
	return o.ID
}

func equalAttrs(a, b map[ck.AttributeType][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}
