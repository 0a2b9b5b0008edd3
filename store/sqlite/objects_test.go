package sqlite

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

func TestObjectRoundTrip(t *testing.T) {
	f := newFixture(t)
	value := bytes.Repeat([]byte{0x42}, 32)
	o := keyObject(f.tok.ID, f.co.ID, "k", true, value)
	o.KeyType = ck.KeyType(ck.UnavailableInformation) // all 64 bits survive
	o.Class = ck.ObjectClass(ck.CKO_VENDOR_DEFINED | 5)
	o.Secret[ck.CKA_PRIVATE_EXPONENT] = []byte{} // an empty secret value
	id := f.create(t, o)
	if id <= 0 || o.Version != 1 {
		t.Fatalf("CreateObject set ID %d version %d; want positive, 1", id, o.Version)
	}

	got, err := f.d.Object(f.tok.ID, id, f.sealer)
	if err != nil {
		t.Fatalf("Object: %v", err)
	}
	if got.ID != id || got.TokenID != f.tok.ID || got.Owner != f.co.ID || got.Version != 1 || got.Class != o.Class ||
		got.KeyType != o.KeyType || !bytes.Equal(got.CKAID, o.CKAID) || !bytes.Equal(got.Label, o.Label) || !got.Private ||
		!equalAttrs(got.Public, o.Public) || !equalAttrs(got.Secret, o.Secret) {
		t.Fatalf("Object = %+v\nwant %+v", got, o)
	}
	noSeal, err := f.d.Object(f.tok.ID, id, nil)
	if err != nil || noSeal.Secret != nil || !equalAttrs(noSeal.Public, o.Public) {
		t.Fatalf("Object without sealer = %+v, %v; want Secret nil, Public intact", noSeal, err)
	}
	other := sealerFor(t, seal.NewMasterKey())
	if _, err := f.d.Object(f.tok.ID, id, other); !errors.Is(err, seal.ErrCorrupt) {
		t.Fatalf("Object with another token's sealer = %v, want ErrCorrupt", err)
	}
	if v, err := f.d.ObjectVersion(f.tok.ID, id); err != nil || v != 1 {
		t.Fatalf("ObjectVersion = %d, %v", v, err)
	}
	// Distinct objects get distinct random IDs.
	ids := map[int64]bool{id: true}
	for range 20 {
		ids[f.create(t, keyObject(f.tok.ID, 0, "x", false, value))] = true
	}
	if len(ids) != 21 {
		t.Fatalf("21 creations gave %d distinct IDs", len(ids))
	}
}

func TestObjectErrors(t *testing.T) {
	f := newFixture(t)
	id := f.create(t, keyObject(f.tok.ID, 0, "k", false, []byte("v")))
	other := f.addToken(t, 2)
	missing := []struct {
		name        string
		tokenID, id int64
	}{
		{"missing id", f.tok.ID, id + 1},
		{"other token", other.ID, id},
	}
	for _, tc := range missing {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.d.Object(tc.tokenID, tc.id, f.sealer); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Object = %v, want ErrNotFound", err)
			}
			if _, err := f.d.ObjectVersion(tc.tokenID, tc.id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ObjectVersion = %v, want ErrNotFound", err)
			}
			if err := f.d.DestroyObject(tc.tokenID, tc.id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("DestroyObject = %v, want ErrNotFound", err)
			}
			o := keyObject(tc.tokenID, 0, "k", false, []byte("v"))
			o.ID = tc.id
			if err := f.d.UpdateObject(o, f.sealer); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UpdateObject = %v, want ErrNotFound", err)
			}
		})
	}

	noSealer := keyObject(f.tok.ID, 0, "k", false, []byte("v"))
	if err := f.d.CreateObject(noSealer, nil); !errors.Is(err, ErrNoSealer) || noSealer.ID != 0 {
		t.Errorf("CreateObject with secrets and no sealer = %v (ID %d), want ErrNoSealer", err, noSealer.ID)
	}
	upd := keyObject(f.tok.ID, 0, "k", false, []byte("v"))
	upd.ID = id
	if err := f.d.UpdateObject(upd, nil); !errors.Is(err, ErrNoSealer) {
		t.Errorf("UpdateObject with secrets and no sealer = %v, want ErrNoSealer", err)
	}
	orphan := keyObject(999, 0, "k", false, []byte("v"))
	if err := f.d.CreateObject(orphan, f.sealer); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateObject on a missing token = %v, want ErrNotFound", err)
	}
	public := &store.Object{TokenID: f.tok.ID, Class: ck.CKO_DATA, Label: []byte("d")}
	if err := f.d.CreateObject(public, nil); err != nil {
		t.Errorf("CreateObject without secrets or sealer: %v", err)
	}
	if n, _ := f.d.CountObjects(f.tok.ID); n != 2 {
		t.Errorf("CountObjects = %d, want 2", n)
	}
}

func TestUpdateObject(t *testing.T) {
	f := newFixture(t)
	o := keyObject(f.tok.ID, f.co.ID, "old", true, []byte("old value"))
	id := f.create(t, o)

	o.Label, o.CKAID, o.Private, o.Owner = []byte("new"), []byte{}, false, 0
	o.Public = map[ck.AttributeType][]byte{ck.CKA_LABEL: []byte("new")}
	o.Secret = map[ck.AttributeType][]byte{ck.CKA_VALUE: []byte("new value")}
	if err := f.d.UpdateObject(o, f.sealer); err != nil || o.Version != 2 {
		t.Fatalf("UpdateObject = %v, version %d; want nil, 2", err, o.Version)
	}
	got, err := f.d.Object(f.tok.ID, id, f.sealer)
	if err != nil || got.Version != 2 || string(got.Label) != "new" || len(got.CKAID) != 0 || got.Private || got.Owner != 0 ||
		!equalAttrs(got.Public, o.Public) || string(got.Secret[ck.CKA_VALUE]) != "new value" {
		t.Fatalf("after update: %+v, %v", got, err)
	}

	// Read without a sealer, change a public attribute: the sealed value stays.
	pub, _ := f.d.Object(f.tok.ID, id, nil)
	pub.Label = []byte("renamed")
	if err := f.d.UpdateObject(pub, nil); err != nil || pub.Version != 3 {
		t.Fatalf("public-only update = %v, version %d", err, pub.Version)
	}
	got, _ = f.d.Object(f.tok.ID, id, f.sealer)
	if string(got.Label) != "renamed" || string(got.Secret[ck.CKA_VALUE]) != "new value" {
		t.Fatalf("public-only update lost data: label %q secret kept %v", got.Label, string(got.Secret[ck.CKA_VALUE]) == "new value")
	}
	// An empty non-nil map clears the secrets.
	got.Secret = map[ck.AttributeType][]byte{}
	if err := f.d.UpdateObject(got, f.sealer); err != nil {
		t.Fatal(err)
	}
	if again, _ := f.d.Object(f.tok.ID, id, f.sealer); len(again.Secret) != 0 || again.Version != 4 {
		t.Fatalf("after clearing secrets: %+v", again)
	}
	if v, _ := f.d.ObjectVersion(f.tok.ID, id); v != 4 {
		t.Fatalf("ObjectVersion = %d, want 4", v)
	}
}

func TestDestroyObject(t *testing.T) {
	f := newFixture(t)
	cu := f.addUser(t, "alice", false)
	id := f.create(t, keyObject(f.tok.ID, cu.ID, "k", true, []byte("v")))
	if _, err := f.d.db.Exec(`INSERT INTO shares (object_id, user_id) VALUES (?, ?)`, id, f.co.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.d.DestroyObject(f.tok.ID, id); err != nil {
		t.Fatalf("DestroyObject: %v", err)
	}
	if _, err := f.d.Object(f.tok.ID, id, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("destroyed object still readable: %v", err)
	}
	var n int
	f.d.db.QueryRow(`SELECT count(*) FROM shares`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d shares outlived their object", n)
	}
	if err := f.d.DestroyObject(f.tok.ID, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second DestroyObject = %v, want ErrNotFound", err)
	}
}

// TestSealedValueBoundToObject moves a sealed value to another object's row
// and another attribute type: both must fail to unseal.
func TestSealedValueBoundToObject(t *testing.T) {
	f := newFixture(t)
	a := f.create(t, keyObject(f.tok.ID, 0, "a", false, []byte("secret a")))
	b := f.create(t, keyObject(f.tok.ID, 0, "b", false, []byte("secret b")))
	if _, err := f.d.db.Exec(`UPDATE objects SET secret = (SELECT secret FROM objects WHERE id = ?) WHERE id = ?`, a, b); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.Object(f.tok.ID, b, f.sealer); !errors.Is(err, seal.ErrCorrupt) {
		t.Fatalf("value moved to another object: %v, want ErrCorrupt", err)
	}
	var sec []byte
	f.d.db.QueryRow(`SELECT secret FROM objects WHERE id = ?`, a).Scan(&sec)
	m, err := decodeAttrs(sec)
	if err != nil {
		t.Fatal(err)
	}
	moved, _ := encodeAttrs(map[ck.AttributeType][]byte{ck.CKA_PRIVATE_EXPONENT: m[ck.CKA_VALUE]})
	f.d.db.Exec(`UPDATE objects SET secret = ? WHERE id = ?`, moved, a)
	if _, err := f.d.Object(f.tok.ID, a, f.sealer); !errors.Is(err, seal.ErrCorrupt) {
		t.Fatalf("value moved to another attribute type: %v, want ErrCorrupt", err)
	}
	f.d.db.Exec(`UPDATE objects SET secret = x'0102' WHERE id = ?`, a)
	if _, err := f.d.Object(f.tok.ID, a, f.sealer); !errors.Is(err, seal.ErrCorrupt) {
		t.Fatalf("garbled secret column: %v, want ErrCorrupt", err)
	}
	f.d.db.Exec(`UPDATE objects SET public = x'0102' WHERE id = ?`, a)
	if _, err := f.d.Object(f.tok.ID, a, nil); !errors.Is(err, errBadAttrs) {
		t.Fatalf("garbled public column: %v, want errBadAttrs", err)
	}
}

func TestCreateObjectsBatch(t *testing.T) {
	f := newFixture(t)
	objs := []*store.Object{
		keyObject(f.tok.ID, 0, "a", false, []byte("1")),
		keyObject(f.tok.ID, 0, "b", false, []byte("2")),
	}
	if err := f.d.CreateObjects(objs, f.sealer); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		got, err := f.d.Object(f.tok.ID, o.ID, f.sealer)
		if err != nil || !equalAttrs(got.Secret, o.Secret) {
			t.Fatalf("batch object %d: %v", o.ID, err)
		}
	}
	// One bad object fails the whole batch and leaves no IDs set.
	bad := []*store.Object{keyObject(f.tok.ID, 0, "c", false, []byte("3")), keyObject(999, 0, "d", false, []byte("4"))}
	if err := f.d.CreateObjects(bad, f.sealer); !errors.Is(err, store.ErrNotFound) || bad[0].ID != 0 {
		t.Fatalf("bad batch = %v, first ID %d", err, bad[0].ID)
	}
	if n, _ := f.d.CountObjects(f.tok.ID); n != 2 {
		t.Fatalf("%d objects after a failed batch, want 2", n)
	}
}
