package sqlite

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

// Recognisable key material: an AES key spelled out in ASCII, and the P-256
// private scalar of RFC 6979 appendix A.2.5.
var (
	knownAESKey   = []byte("GOHSM-KNOWN-AES-KEY-0123456789!!")
	knownECScalar = mustHex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
	knownUpdated  = []byte("GOHSM-UPDATED-KEY-VALUE-ABCDEF!!")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// needles are the byte strings that must not appear in any store file.
func needles(secrets ...[]byte) map[string][]byte {
	n := map[string][]byte{}
	for _, s := range secrets {
		h := hex.EncodeToString(s)
		n["raw "+h] = s
		n["hex "+h] = []byte(h)
		n["HEX "+h] = []byte(strings.ToUpper(h))
		n["head "+h] = s[:12] // a partial copy is a leak too
		n["tail "+h] = s[len(s)-12:]
	}
	return n
}

// assertNoLeak reads every store file raw and fails if a needle is in one.
func assertNoLeak(t *testing.T, dir, when string, needles map[string][]byte) {
	t.Helper()
	seen := 0
	for _, name := range []string{"gohsm.db", "gohsm.db-wal", "gohsm.db-shm"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		seen += len(b)
		for what, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s: %s contains key bytes (%s)", when, name, what)
			}
		}
	}
	if seen == 0 {
		t.Fatalf("%s: no store files to inspect", when)
	}
}

func TestKeyBytesNeverWritten(t *testing.T) {
	f := newFixture(t)
	secret := keyObject(f.tok.ID, f.co.ID, "aes", true, knownAESKey)
	ec := &store.Object{TokenID: f.tok.ID, Owner: f.co.ID, Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC,
		Label: []byte("ec"), Private: true,
		Public: map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: mustHex("06082a8648ce3d030107")},
		Secret: map[ck.AttributeType][]byte{ck.CKA_VALUE: knownECScalar}}
	if err := f.d.CreateObjects([]*store.Object{secret, ec}, f.sealer); err != nil {
		t.Fatal(err)
	}
	secret.Secret[ck.CKA_VALUE] = knownUpdated
	if err := f.d.UpdateObject(secret, f.sealer); err != nil {
		t.Fatal(err)
	}
	// A canary stored in clear proves the scan would see a leak.
	canary := []byte("PUBLIC-CANARY-IN-CLEAR-0123456789")
	if err := f.d.CreateObject(&store.Object{TokenID: f.tok.ID, Class: ck.CKO_DATA, Label: canary}, nil); err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(filepath.Join(f.dir, "gohsm.db-wal"))
	if err != nil || !bytes.Contains(wal, canary) {
		t.Fatalf("the clear canary is not in the WAL before checkpoint (%v): the scan would prove nothing", err)
	}

	n := needles(knownAESKey, knownECScalar, knownUpdated, f.mk)
	assertNoLeak(t, f.dir, "open, before checkpoint", n)

	// Values still round-trip, then close (checkpoint into gohsm.db) and look again.
	got, err := f.d.Object(f.tok.ID, ec.ID, f.sealer)
	if err != nil || !bytes.Equal(got.Secret[ck.CKA_VALUE], knownECScalar) {
		t.Fatalf("EC scalar does not round-trip: %v", err)
	}
	if err := f.d.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(filepath.Join(f.dir, "gohsm.db"))
	if err != nil || !bytes.Contains(db, canary) {
		t.Fatalf("the clear canary is not in gohsm.db after close (%v)", err)
	}
	assertNoLeak(t, f.dir, "closed", n)
}
