package mechanisms

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20"

	"github.com/gohsm/gohsm/ck"
)

func chachaKeyObj(v []byte) *Key { return secretKey(ck.CKK_CHACHA20, v) }

func chachaParam(ctr, nonce []byte) *ck.ChaCha20Params {
	return &ck.ChaCha20Params{BlockCounter: ctr, CounterBits: ck.ULong(8 * len(ctr)), Nonce: nonce, NonceBits: ck.ULong(8 * len(nonce))}
}

// runChaCha encrypts (or decrypts) in with CKM_CHACHA20, single-part when
// piece is 0, else in Update calls of piece bytes and a Final.
func runChaCha(t *testing.T, encrypt bool, key *Key, p *ck.ChaCha20Params, in []byte, piece int) ([]byte, error) {
	t.Helper()
	m := mustLookup(t, ck.CKM_CHACHA20)
	var c CipherContext
	var err error
	if encrypt {
		c, err = m.(Encrypter).EncryptInit(key, p)
	} else {
		c, err = m.(Decrypter).DecryptInit(key, p)
	}
	if err != nil {
		return nil, err
	}
	if piece == 0 {
		if c.OutputLen(len(in)) != len(in) {
			t.Errorf("OutputLen(%d) = %d", len(in), c.OutputLen(len(in)))
		}
		return c.Do(in)
	}
	mc := c.(MultipartCipher)
	var out []byte
	for len(in) > 0 {
		n := min(piece, len(in))
		if mc.UpdateLen(n) != n {
			t.Errorf("UpdateLen(%d) = %d", n, mc.UpdateLen(n))
		}
		o, err := mc.Update(in[:n])
		if err != nil {
			return nil, err
		}
		out, in = append(out, o...), in[n:]
	}
	f, err := mc.Final()
	if err != nil || len(f) != 0 || mc.FinalLen() != 0 {
		t.Fatalf("Final: %x, %v", f, err)
	}
	return out, nil
}

// TestChaCha20Vectors: RFC 8439 section 2.4.2 and openssl enc -chacha20
// outputs (testdata/chacha20.txt: the IETF layout, and the original layout
// across a carry into the counter's high word and at its very end), and
// draft-irtf-cfrg-xchacha's XChaCha20 vectors (testdata/xchacha20.txt, with
// 32- and 64-bit counters), single-part and in pieces, both directions.
func TestChaCha20Vectors(t *testing.T) {
	vectors := append(readVectors(t, "testdata/chacha20.txt"), readVectors(t, "testdata/xchacha20.txt")...)
	for i, v := range vectors {
		key, nonce, ctr := unhex(t, v["Key"]), unhex(t, v["Nonce"]), unhex(t, v["Counter"])
		pt, ct := unhex(t, v["PT"]), unhex(t, v["CT"])
		p := chachaParam(ctr, nonce)
		if want := map[string]int{"ietf": 12, "djb": 8, "xchacha": 24}[v["Variant"]]; len(nonce) != want {
			t.Fatalf("vector %d: %s with a %d-byte nonce", i, v["Variant"], len(nonce))
		}
		for _, piece := range []int{0, 1, 7, 64, 100} {
			got, err := runChaCha(t, true, chachaKeyObj(key), p, pt, piece)
			if err != nil || !bytes.Equal(got, ct) {
				t.Errorf("vector %d (%s) encrypt in pieces of %d: %v", i, v["Variant"], piece, err)
			}
			got, err = runChaCha(t, false, chachaKeyObj(key), p, ct, piece)
			if err != nil || !bytes.Equal(got, pt) {
				t.Errorf("vector %d (%s) decrypt in pieces of %d: %v", i, v["Variant"], piece, err)
			}
		}
	}
}

// TestXChaCha20: a 192-bit nonce with a 32-bit counter is x/crypto's own
// XChaCha20; with a 64-bit counter it is the same stream while the high
// word is 0, and the original layout under the HChaCha20 subkey after.
func TestXChaCha20(t *testing.T) {
	key := bytes.Repeat([]byte{0x42}, 32)
	nonce := []byte("a twenty-four byte nonce")
	pt := bytes.Repeat([]byte("xchacha "), 40)
	for _, ctr := range []uint32{0, 1, 1000} {
		c, err := chacha20.NewUnauthenticatedCipher(key, nonce)
		if err != nil {
			t.Fatal(err)
		}
		c.SetCounter(ctr)
		want := make([]byte, len(pt))
		c.XORKeyStream(want, pt)
		got32, err := runChaCha(t, true, chachaKeyObj(key), chachaParam(binary.LittleEndian.AppendUint32(nil, ctr), nonce), pt, 0)
		if err != nil || !bytes.Equal(got32, want) {
			t.Errorf("192/32 counter %d: %v", ctr, err)
		}
		got64, err := runChaCha(t, true, chachaKeyObj(key), chachaParam(binary.LittleEndian.AppendUint64(nil, uint64(ctr)), nonce), pt, 13)
		if err != nil || !bytes.Equal(got64, want) {
			t.Errorf("192/64 counter %d: %v", ctr, err)
		}
	}
	// High word 1: the original layout under the subkey.
	sub, _ := chacha20.HChaCha20(key, nonce[:16])
	ctr := binary.LittleEndian.AppendUint64(nil, 1<<32|7)
	want, err := runChaCha(t, true, chachaKeyObj(sub), chachaParam(ctr, nonce[16:]), pt, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := runChaCha(t, true, chachaKeyObj(key), chachaParam(ctr, nonce), pt, 0)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("192/64 with high word 1: %v", err)
	}
}

// TestChaCha20CounterEnd: the counter may not wrap within its bits; what
// would need it is refused, single- or multi-part, and nothing panics.
func TestChaCha20CounterEnd(t *testing.T) {
	key := chachaKeyObj(bytes.Repeat([]byte{1}, 32))
	for _, tc := range []struct {
		name  string
		p     *ck.ChaCha20Params
		fits  int
		piece int
	}{
		{"IETF last block", chachaParam([]byte{0xff, 0xff, 0xff, 0xff}, make([]byte, 12)), 64, 0},
		{"IETF last two blocks in pieces", chachaParam([]byte{0xfe, 0xff, 0xff, 0xff}, make([]byte, 12)), 128, 50},
		{"original last block", chachaParam(bytes.Repeat([]byte{0xff}, 8), make([]byte, 8)), 64, 0},
		{"XChaCha20/32 last block", chachaParam([]byte{0xff, 0xff, 0xff, 0xff}, make([]byte, 24)), 64, 0},
	} {
		if _, err := runChaCha(t, true, key, tc.p, make([]byte, tc.fits), tc.piece); err != nil {
			t.Errorf("%s: %d bytes: %v", tc.name, tc.fits, err)
		}
		if _, err := runChaCha(t, true, key, tc.p, make([]byte, tc.fits+1), tc.piece); err != ck.CKR_DATA_LEN_RANGE {
			t.Errorf("%s: %d bytes encrypt: %v, want CKR_DATA_LEN_RANGE", tc.name, tc.fits+1, err)
		}
		if _, err := runChaCha(t, false, key, tc.p, make([]byte, tc.fits+1), tc.piece); err != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
			t.Errorf("%s: %d bytes decrypt: %v, want CKR_ENCRYPTED_DATA_LEN_RANGE", tc.name, tc.fits+1, err)
		}
	}
	if got := chacha20Limit(0, 64); got != -1 {
		t.Errorf("limit of a fresh 64-bit counter = %d, want none", got)
	}
	if got := chacha20Limit(0, 32); got != 1<<38 {
		t.Errorf("limit of a fresh 32-bit counter = %d, want 2^38", got)
	}
}

func TestChaCha20Errors(t *testing.T) {
	m := mustLookup(t, ck.CKM_CHACHA20).(Encrypter)
	key := chachaKeyObj(bytes.Repeat([]byte{1}, 32))
	ok := chachaParam(make([]byte, 4), make([]byte, 12))
	for _, tc := range []struct {
		name  string
		key   *Key
		param any
		want  error
	}{
		{"no parameter", key, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"raw bytes", key, make([]byte, 16), ck.CKR_MECHANISM_PARAM_INVALID},
		{"64-bit nonce, 32-bit counter", key, chachaParam(make([]byte, 4), make([]byte, 8)), ck.CKR_MECHANISM_PARAM_INVALID},
		{"96-bit nonce, 64-bit counter", key, chachaParam(make([]byte, 8), make([]byte, 12)), ck.CKR_MECHANISM_PARAM_INVALID},
		{"128-bit nonce", key, chachaParam(make([]byte, 4), make([]byte, 16)), ck.CKR_MECHANISM_PARAM_INVALID},
		{"bits disagree with bytes", key, &ck.ChaCha20Params{BlockCounter: make([]byte, 4), CounterBits: 32, Nonce: make([]byte, 12), NonceBits: 64}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"AES key", secretKey(ck.CKK_AES, bytes.Repeat([]byte{1}, 32)), ok, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"16-byte ChaCha20 key", chachaKeyObj(make([]byte, 16)), ok, ck.CKR_KEY_SIZE_RANGE},
		{"value parameter", key, *ok, nil},
	} {
		if _, err := m.EncryptInit(tc.key, tc.param); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// Wrapping encrypts the key value like data; unwrapping with the same
// parameter gives it back as the template's key type.
func TestChaCha20Wrap(t *testing.T) {
	m := mustLookup(t, ck.CKM_CHACHA20)
	kek := chachaKeyObj(bytes.Repeat([]byte{7}, 32))
	target := secretKey(ck.CKK_AES, []byte("0123456789abcdef"))
	p := chachaParam([]byte{1, 0, 0, 0}, []byte("twelve bytes"))
	wrapped, err := m.(KeyWrapper).WrapKey(kek, target, p)
	if err != nil || len(wrapped) != 16 || bytes.Equal(wrapped, target.Attrs[ck.CKA_VALUE]) {
		t.Fatalf("wrap: %x, %v", wrapped, err)
	}
	attrs, err := m.(KeyUnwrapper).UnwrapKey(kek, p, wrapped, ck.Template{keyTypeAttr(ck.CKK_AES)})
	if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], target.Attrs[ck.CKA_VALUE]) {
		t.Fatalf("unwrap: %v", err)
	}
}

func init() {
	k := func(*testing.T) *Key { return chachaKeyObj(bytes.Repeat([]byte{3}, 32)) }
	addFixture(fixture{encKey: k, decKey: k, wrapKey: k, unwrapKey: k,
		wrapTarget: func(*testing.T) *Key { return secretKey(ck.CKK_AES, []byte("fedcba9876543210")) },
		param:      func() any { return chachaParam([]byte{1, 0, 0, 0}, []byte("twelve bytes")) }},
		ck.CKM_CHACHA20)
}

// The self-test's vectors are records of testdata/chacha20.txt, and the
// self-test catches a broken carry.
func TestChaCha20SelfTestVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/chacha20.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{katChaCha20Key, katChaCha20Nonce, katChaCha20Ctr, katChaCha20PT, katChaCha20CT,
		katChaCha20DJBNonce, katChaCha20DJBCtr, katChaCha20DJBCT} {
		if !strings.Contains(string(b), "= "+h+"\n") {
			t.Errorf("testdata/chacha20.txt has no value %s", h)
		}
	}
	if err := katChaCha20(); err != nil {
		t.Fatal(err)
	}
}
