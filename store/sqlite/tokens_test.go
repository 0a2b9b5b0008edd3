package sqlite

import (
	"errors"
	"testing"
	"time"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/store"
)

func TestCreateToken(t *testing.T) {
	f := newFixture(t)
	if f.tok.ID == 0 || f.tok.MaxLoginFailures != 5 || f.tok.Created.IsZero() {
		t.Fatalf("created token %+v: want ID, default max 5 and a creation time", f.tok)
	}
	if f.co.Role != store.RoleCO || f.co.Default || f.co.TokenID != f.tok.ID {
		t.Fatalf("CO %+v: want role CO, not default, on the token", f.co)
	}
	high := f.addToken(t, 1<<63|7) // slot IDs use all 64 bits
	got, err := f.d.Token(high.ID)
	if err != nil || got.SlotID != 1<<63|7 || got.Serial != high.Serial || got.Label != high.Label || !got.Created.Equal(high.Created) {
		t.Fatalf("Token = %+v, %v; want %+v", got, err, high)
	}
	ts, err := f.d.Tokens()
	if err != nil || len(ts) != 2 || ts[0].ID != f.tok.ID || ts[1].ID != high.ID {
		t.Fatalf("Tokens = %+v, %v", ts, err)
	}

	for _, tc := range []struct {
		name string
		tok  store.Token
		want error
	}{
		{"duplicate slot", store.Token{SlotID: 1, Serial: "other"}, store.ErrExists},
		{"duplicate serial", store.Token{SlotID: 99, Serial: f.tok.Serial}, store.ErrExists},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.d.CreateToken(tc.tok, store.User{Name: "admin", Secret: f.co.Secret})
			if !errors.Is(err, tc.want) {
				t.Fatalf("CreateToken = %v, want %v", err, tc.want)
			}
		})
	}
	// The failed creations left nothing behind, not even a half token.
	if ts, _ := f.d.Tokens(); len(ts) != 2 {
		t.Fatalf("%d tokens after failed creations, want 2", len(ts))
	}
	if _, err := f.d.Token(12345); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Token(missing) = %v, want ErrNotFound", err)
	}
}

func TestReinitToken(t *testing.T) {
	f := newFixture(t)
	cu := f.addUser(t, "alice", true)
	f.create(t, keyObject(f.tok.ID, cu.ID, "k1", true, []byte("0123456789abcdef")))
	f.create(t, keyObject(f.tok.ID, 0, "k2", false, []byte("0123456789abcdef")))
	other := f.addToken(t, 2)
	keep := f.create(t, keyObject(other.ID, 0, "other", false, []byte("0123456789abcdef")))
	if _, _, err := f.d.LoginFailed(f.co.ID, 5); err != nil {
		t.Fatal(err)
	}

	newSecret := pinSecret(t, "new-so-pin", f.mk)
	if err := f.d.ReinitToken(f.tok.ID, "fresh", store.User{ID: f.co.ID, Secret: newSecret}); err != nil {
		t.Fatalf("ReinitToken: %v", err)
	}
	if n, _ := f.d.CountObjects(f.tok.ID); n != 0 {
		t.Fatalf("%d objects left after reinit", n)
	}
	us, _ := f.d.Users(f.tok.ID)
	if len(us) != 1 || us[0].ID != f.co.ID {
		t.Fatalf("users after reinit = %+v, want only the CO", us)
	}
	if string(us[0].Secret.Verifier) != string(newSecret.Verifier) || us[0].FailedLogins != 0 {
		t.Fatalf("CO after reinit: secret updated %v, failed %d", string(us[0].Secret.Verifier) == string(newSecret.Verifier), us[0].FailedLogins)
	}
	if tok, _ := f.d.Token(f.tok.ID); tok.Label != "fresh" {
		t.Fatalf("label %q after reinit", tok.Label)
	}
	if _, err := f.d.Object(other.ID, keep, nil); err != nil {
		t.Fatalf("other token's object lost: %v", err)
	}

	// Errors roll everything back.
	for _, tc := range []struct {
		name    string
		tokenID int64
		coID    int64
	}{
		{"missing token", 999, f.co.ID},
		{"CO of another token", other.ID, f.co.ID},
		{"missing CO", f.tok.ID, 999},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.d.ReinitToken(tc.tokenID, "x", store.User{ID: tc.coID, Secret: newSecret})
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("ReinitToken = %v, want ErrNotFound", err)
			}
		})
	}
	if tok, _ := f.d.Token(other.ID); tok.Label != "token 2" {
		t.Fatalf("failed reinit changed the label to %q", tok.Label)
	}
	if n, _ := f.d.CountObjects(other.ID); n != 1 {
		t.Fatalf("failed reinit removed objects: %d left", n)
	}
}

func TestDeleteTokenCascades(t *testing.T) {
	f := newFixture(t)
	cu := f.addUser(t, "alice", false)
	id := f.create(t, keyObject(f.tok.ID, cu.ID, "k", true, []byte("0123456789abcdef")))
	if _, err := f.d.db.Exec(`INSERT INTO shares (object_id, user_id) VALUES (?, ?)`, id, cu.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.d.DeleteToken(f.tok.ID); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	for _, table := range []string{"tokens", "users", "objects", "shares"} {
		var n int
		if err := f.d.db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows left (%v), want 0", table, n, err)
		}
	}
	if err := f.d.DeleteToken(f.tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteToken(missing) = %v, want ErrNotFound", err)
	}
}

func TestTimesSurvive(t *testing.T) {
	f := newFixture(t)
	when := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	tok, err := f.d.CreateToken(store.Token{SlotID: 5, Serial: "s5", Created: when, MaxLoginFailures: 3}, store.User{Name: "co", Secret: f.co.Secret})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.d.Token(tok.ID)
	if !got.Created.Equal(when) || got.MaxLoginFailures != 3 {
		t.Fatalf("token read back %+v", got)
	}
	_ = ck.CKA_CLASS
}
