package sqlite

import (
	"fmt"
	"testing"

	"github.com/gohsm/gohsm/store"
	"github.com/gohsm/gohsm/store/seal"
)

// benchStore opens a store with the given sync mode, a token and n objects.
func benchStore(b *testing.B, sync Sync, n int) *fixture {
	b.Helper()
	d, err := OpenWith(b.TempDir(), Options{Sync: sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	f := &fixture{d: d, mk: seal.NewMasterKey()}
	f.sealer = sealerFor(b, f.mk)
	f.tok = f.addToken(b, 1)
	if f.co, err = d.UserByName(f.tok.ID, "admin"); err != nil {
		b.Fatal(err)
	}
	if n > 0 {
		bulkTokenObjects(b, f, n)
	}
	return f
}

var syncModes = []struct {
	name string
	s    Sync
}{{"FULL", SyncFull}, {"NORMAL", SyncNormal}}

// BenchmarkCreateObject: one sealed key object per transaction.
func BenchmarkCreateObject(b *testing.B) {
	for _, m := range syncModes {
		b.Run(m.name, func(b *testing.B) {
			f := benchStore(b, m.s, 0)
			for i := 0; b.Loop(); i++ {
				if err := f.d.CreateObject(keyObject(f.tok.ID, 0, fmt.Sprint(i), true, valueFor(fmt.Sprint(i))), f.sealer); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReads(b *testing.B) {
	f := benchStore(b, SyncDefault, 100_000)
	id := f.create(b, keyObject(f.tok.ID, f.co.ID, "needle", true, valueFor("needle")))
	b.Run("Object", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.d.Object(f.tok.ID, id, f.sealer); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ObjectVersion", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.d.ObjectVersion(f.tok.ID, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FindByLabelAmong100k", func(b *testing.B) {
		for b.Loop() {
			if ids, err := f.d.FindObjects(store.Query{TokenID: f.tok.ID, Viewer: f.co.ID, Label: []byte("needle")}); err != nil || len(ids) != 1 {
				b.Fatal(ids, err)
			}
		}
	})
}
