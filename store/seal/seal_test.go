package seal

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var testKDF = KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}

type vectors struct {
	MasterKey  string `json:"master_key"`
	Attributes []struct {
		ObjectID  int64  `json:"object_id"`
		Type      uint64 `json:"type"`
		Plaintext string `json:"plaintext"`
		Sealed    string `json:"sealed"`
	} `json:"attributes"`
	PIN struct {
		PIN              string `json:"pin"`
		Time             uint32 `json:"time"`
		MemoryKiB        uint32 `json:"memory_kib"`
		Threads          uint8  `json:"threads"`
		Salt             string `json:"salt"`
		Verifier         string `json:"verifier"`
		WrappedMasterKey string `json:"wrapped_master_key"`
	} `json:"pin"`
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKnownAnswers opens values sealed by an independent implementation
// (testdata/gen_vectors.py), so the on-disk format cannot drift unnoticed.
func TestKnownAnswers(t *testing.T) {
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	mk := unhex(t, v.MasterKey)
	s, err := NewSealer(mk)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Attributes) == 0 {
		t.Fatal("no attribute vectors")
	}
	for _, a := range v.Attributes {
		pt, err := s.Open(a.ObjectID, ck.AttributeType(a.Type), unhex(t, a.Sealed))
		if err != nil || !bytes.Equal(pt, unhex(t, a.Plaintext)) {
			t.Errorf("vector id %d type %#x: Open = %x, %v; want %s", a.ObjectID, a.Type, pt, err, a.Plaintext)
		}
	}
	p := v.PIN
	secret := PINSecret{KDF: KDFParams{Time: p.Time, MemoryKiB: p.MemoryKiB, Threads: p.Threads},
		Salt: unhex(t, p.Salt), Verifier: unhex(t, p.Verifier), WrappedMasterKey: unhex(t, p.WrappedMasterKey)}
	got, err := secret.Unwrap([]byte(p.PIN))
	if err != nil || !bytes.Equal(got, mk) {
		t.Fatalf("Unwrap(vector PIN) = %x, %v; want the master key", got, err)
	}
	if _, err := secret.Unwrap([]byte(p.PIN + "5")); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("Unwrap(wrong PIN) = %v, want ErrWrongPIN", err)
	}
}

func TestWrapUnwrap(t *testing.T) {
	for _, tc := range []struct {
		name string
		pin  []byte
	}{
		{"digits", []byte("1234")},
		{"empty", []byte{}},
		{"long binary", bytes.Repeat([]byte{0, 0xff}, 200)},
		{"name:password", []byte("alice:correct horse battery staple")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mk := NewMasterKey()
			s, err := WrapForPIN(tc.pin, mk, testKDF)
			if err != nil {
				t.Fatal(err)
			}
			if s.KDF != testKDF || len(s.Salt) != 16 || len(s.Verifier) != 32 || bytes.Contains(s.WrappedMasterKey, mk) {
				t.Fatalf("secret %+v: want params kept, 16-byte salt, 32-byte verifier, master key not in clear", s)
			}
			got, err := s.Unwrap(tc.pin)
			if err != nil || !bytes.Equal(got, mk) {
				t.Fatalf("Unwrap = %v; want the master key", err)
			}
			wrong := append(bytes.Clone(tc.pin), 'x')
			if _, err := s.Unwrap(wrong); !errors.Is(err, ErrWrongPIN) {
				t.Fatalf("Unwrap(wrong PIN) = %v, want ErrWrongPIN", err)
			}
			again, _ := WrapForPIN(tc.pin, mk, testKDF)
			if bytes.Equal(again.Salt, s.Salt) || bytes.Equal(again.Verifier, s.Verifier) {
				t.Fatal("two wraps share salt or verifier")
			}
		})
	}
}

func TestUnwrapTampered(t *testing.T) {
	mk := NewMasterKey()
	good, err := WrapForPIN([]byte("1234"), mk, testKDF)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 1; return c }
	for _, tc := range []struct {
		name   string
		change func(s *PINSecret)
		want   error
	}{
		{"wrapped key body", func(s *PINSecret) { s.WrappedMasterKey = flip(s.WrappedMasterKey, 20) }, ErrCorrupt},
		{"wrapped key nonce", func(s *PINSecret) { s.WrappedMasterKey = flip(s.WrappedMasterKey, 0) }, ErrCorrupt},
		{"wrapped key truncated", func(s *PINSecret) { s.WrappedMasterKey = s.WrappedMasterKey[:20] }, ErrCorrupt},
		{"wrapped key empty", func(s *PINSecret) { s.WrappedMasterKey = nil }, ErrCorrupt},
		{"verifier", func(s *PINSecret) { s.Verifier = flip(s.Verifier, 3) }, ErrWrongPIN},
		{"salt", func(s *PINSecret) { s.Salt = flip(s.Salt, 3) }, ErrWrongPIN},
		{"KDF cost", func(s *PINSecret) { s.KDF.Time = 2 }, ErrWrongPIN},
		{"KDF zero time", func(s *PINSecret) { s.KDF.Time = 0 }, ErrCorrupt},
		{"KDF zero threads", func(s *PINSecret) { s.KDF.Threads = 0 }, ErrCorrupt},
		{"KDF absurd memory", func(s *PINSecret) { s.KDF.MemoryKiB = 1 << 31 }, ErrCorrupt},
		{"all zero", func(s *PINSecret) { *s = PINSecret{} }, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good
			tc.change(&s)
			if mk2, err := s.Unwrap([]byte("1234")); !errors.Is(err, tc.want) || mk2 != nil {
				t.Fatalf("Unwrap = %x, %v; want %v", mk2, err, tc.want)
			}
		})
	}
}

func TestWrapForPINRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    KDFParams
		mk   []byte
	}{
		{"zero time", KDFParams{Time: 0, MemoryKiB: 64, Threads: 1}, NewMasterKey()},
		{"zero threads", KDFParams{Time: 1, MemoryKiB: 64, Threads: 0}, NewMasterKey()},
		{"tiny memory", KDFParams{Time: 1, MemoryKiB: 7, Threads: 1}, NewMasterKey()},
		{"huge memory", KDFParams{Time: 1, MemoryKiB: maxKDFMemoryKiB + 1, Threads: 1}, NewMasterKey()},
		{"short master key", testKDF, make([]byte, 16)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := WrapForPIN([]byte("1234"), tc.mk, tc.p); err == nil {
				t.Fatal("WrapForPIN succeeded")
			}
		})
	}
}

func TestSealOpen(t *testing.T) {
	s, err := NewSealer(NewMasterKey())
	if err != nil {
		t.Fatal(err)
	}
	pt := []byte("GOHSM-KNOWN-AES-KEY-0123456789!!")
	sealed := s.Seal(7, ck.CKA_VALUE, pt)
	if bytes.Contains(sealed, pt) || len(sealed) != 12+len(pt)+16 {
		t.Fatalf("sealed value %x: plaintext visible or wrong size", sealed)
	}
	if got, err := s.Open(7, ck.CKA_VALUE, sealed); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if again := s.Seal(7, ck.CKA_VALUE, pt); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are identical: nonce reused")
	}
	other, _ := NewSealer(NewMasterKey())
	for _, tc := range []struct {
		name   string
		s      *Sealer
		id     int64
		typ    ck.AttributeType
		sealed []byte
	}{
		{"another object id", s, 8, ck.CKA_VALUE, sealed},
		{"negative of the id", s, -7, ck.CKA_VALUE, sealed},
		{"another attribute type", s, 7, ck.CKA_PRIVATE_EXPONENT, sealed},
		{"another master key", other, 7, ck.CKA_VALUE, sealed},
		{"truncated to the tag", s, 7, ck.CKA_VALUE, sealed[:27]},
		{"empty", s, 7, ck.CKA_VALUE, nil},
		{"extra byte", s, 7, ck.CKA_VALUE, append(bytes.Clone(sealed), 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := tc.s.Open(tc.id, tc.typ, tc.sealed); !errors.Is(err, ErrCorrupt) || got != nil {
				t.Fatalf("Open = %x, %v; want ErrCorrupt", got, err)
			}
		})
	}
	// Every single flipped bit anywhere (nonce, ciphertext, tag) is caught.
	for i := range sealed {
		c := bytes.Clone(sealed)
		c[i] ^= 0x80
		if _, err := s.Open(7, ck.CKA_VALUE, c); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("flipped byte %d: Open = %v, want ErrCorrupt", i, err)
		}
	}
}

func TestNewSealerKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := NewSealer(make([]byte, n)); err == nil {
			t.Errorf("NewSealer accepted a %d-byte key", n)
		}
	}
}

func TestWipe(t *testing.T) {
	b := []byte("secret")
	Wipe(b)
	if !bytes.Equal(b, make([]byte, 6)) {
		t.Fatalf("Wipe left %q", b)
	}
	if k1, k2 := NewMasterKey(), NewMasterKey(); len(k1) != 32 || bytes.Equal(k1, k2) {
		t.Fatal("NewMasterKey: want 32 fresh random bytes")
	}
}
