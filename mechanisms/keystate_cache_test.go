package mechanisms

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestHMACKeyedStateShared: the keyed HMAC state cached on a Key is cloned
// per operation, so interleaved and concurrent operations under one key
// never see each other's input.
func TestHMACKeyedStateShared(t *testing.T) {
	kv := []byte("a key of some thirty-two bytes..")
	key := secretKey(ck.CKK_GENERIC_SECRET, kv)
	want := func(msg string) []byte {
		h := hmac.New(sha256.New, kv)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	m := mustLookup(t, ck.CKM_SHA256_HMAC).(Signer)
	a, _ := m.SignInit(key, nil)
	b, _ := m.SignInit(key, nil)
	noErr(t, a.(MultipartSign).Update([]byte("first ")))
	gotB, _ := b.Sign([]byte("other"))
	noErr(t, a.(MultipartSign).Update([]byte("second")))
	gotA, _ := a.(MultipartSign).Final()
	if !bytes.Equal(gotA, want("first second")) || !bytes.Equal(gotB, want("other")) {
		t.Fatalf("interleaved: %x %x", gotA, gotB)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			msg := string(rune('a' + i))
			for range 50 {
				c, err := m.SignInit(key, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if got, _ := c.Sign([]byte(msg)); !bytes.Equal(got, want(msg)) {
					t.Errorf("concurrent %q: %x", msg, got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestGCMCachedPerTag: the GCM cached on a Key is per tag length, and
// DoInto writes Do's result into the given buffer, in place too.
func TestGCMCachedPerTag(t *testing.T) {
	kv := bytes.Repeat([]byte{3}, 16)
	key := aesKey(kv)
	blk, _ := aes.NewCipher(kv)
	iv, msg := []byte("123456789012"), []byte("sixteen byte msg and more")
	gcm := mustLookup(t, ck.CKM_AES_GCM).(Encrypter)
	for _, tag := range []int{16, 12, 16, 13} {
		ref, _ := cipher.NewGCMWithTagSize(blk, tag)
		want := ref.Seal(nil, iv, msg, nil)
		c, err := gcm.EncryptInit(key, &ck.GCMParams{IV: iv, TagBits: ck.ULong(8 * tag)})
		noErr(t, err)
		if c.OutputLen(len(msg)) != len(want) {
			t.Fatalf("tag %d: OutputLen %d", tag, c.OutputLen(len(msg)))
		}
		buf := make([]byte, len(want))
		copy(buf, msg)
		n, err := c.(CipherInto).DoInto(buf, buf[:len(msg)])
		if err != nil || !bytes.Equal(buf[:n], want) {
			t.Fatalf("tag %d in place: %v %x want %x", tag, err, buf[:n], want)
		}
		if _, err := c.(CipherInto).DoInto(buf, msg); err != ck.CKR_OPERATION_NOT_INITIALIZED {
			t.Fatalf("tag %d: second message under one IV: %v", tag, err)
		}
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestGCMBadKeySize: a key of a length AES does not take is refused on both
// the cached (12-byte IV) and the uncached path, and the refusal is not cached.
func TestGCMBadKeySize(t *testing.T) {
	gcm := mustLookup(t, ck.CKM_AES_GCM).(Encrypter)
	key := aesKey(make([]byte, 20))
	for _, ivLen := range []int{12, 16, 12} {
		if _, err := gcm.EncryptInit(key, &ck.GCMParams{IV: make([]byte, ivLen), TagBits: 128}); err != ck.CKR_KEY_SIZE_RANGE {
			t.Errorf("%d-byte IV: %v, want CKR_KEY_SIZE_RANGE", ivLen, err)
		}
	}
}

// TestBlockModeDoInto: DoInto gives Do's result and Do's error for every
// block mode, length and layout (apart, in place), and leaves no plaintext
// in the buffer when CBC-PAD's padding is bad.
func TestBlockModeDoInto(t *testing.T) {
	aesK := aesKey(bytes.Repeat([]byte{9}, 16))
	iv := bytes.Repeat([]byte{1}, 16)
	for _, mt := range []ck.MechanismType{ck.CKM_AES_ECB, ck.CKM_AES_CBC, ck.CKM_AES_CBC_PAD} {
		var param any
		if mt != ck.CKM_AES_ECB {
			param = iv
		}
		m := mustLookup(t, mt)
		for n := 0; n <= 33; n++ {
			msg := bytes.Repeat([]byte{byte(n)}, n)
			for _, encrypt := range []bool{true, false} {
				mk := func() CipherContext {
					var c CipherContext
					var err error
					if encrypt {
						c, err = m.(Encrypter).EncryptInit(aesK, param)
					} else {
						c, err = m.(Decrypter).DecryptInit(aesK, param)
					}
					noErr(t, err)
					return c
				}
				want, wantErr := mk().Do(msg)
				for _, inPlace := range []bool{false, true} {
					c := mk()
					dst := make([]byte, c.OutputLen(n))
					in := msg
					if inPlace {
						dst = make([]byte, max(n, c.OutputLen(n)))
						copy(dst, msg)
						in = dst[:n]
					}
					got, err := c.(CipherInto).DoInto(dst, in)
					if err != wantErr || (err == nil && !bytes.Equal(dst[:got], want)) {
						t.Fatalf("%v n=%d encrypt=%v in place=%v: %x %v, want %x %v", mt, n, encrypt, inPlace, dst[:got], err, want, wantErr)
					}
				}
			}
		}
	}
	// A ciphertext whose last block decrypts to bad padding.
	dec, _ := mustLookup(t, ck.CKM_AES_CBC_PAD).(Decrypter).DecryptInit(aesK, iv)
	dst := make([]byte, 32)
	if _, err := dec.(CipherInto).DoInto(dst, bytes.Repeat([]byte{5}, 32)); err != ck.CKR_ENCRYPTED_DATA_INVALID {
		t.Fatalf("bad padding: %v", err)
	}
	if !bytes.Equal(dst, make([]byte, 32)) {
		t.Fatalf("plaintext left after bad padding: %x", dst)
	}
}

// TestParsedOncePerKind: concurrent Parsed calls make each kind once, all
// callers get that value, and a failed parse is not cached.
func TestParsedOncePerKind(t *testing.T) {
	k := aesKey(make([]byte, 16))
	var made [4]atomic.Int32
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				kind := (g + i) % len(made)
				v, err := k.Parsed(fmt.Sprint("kind", kind), func() (any, error) {
					made[kind].Add(1)
					return kind, nil
				})
				if err != nil || v.(int) != kind {
					t.Errorf("kind %d: %v %v", kind, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for i := range made {
		if n := made[i].Load(); n != 1 {
			t.Errorf("kind %d made %d times", i, n)
		}
	}
	fail := func() (any, error) { return nil, ck.CKR_KEY_SIZE_RANGE }
	for range 2 {
		if _, err := k.Parsed("bad", fail); err != ck.CKR_KEY_SIZE_RANGE {
			t.Fatalf("failed parse: %v", err)
		}
	}
	if v, err := k.Parsed("bad", func() (any, error) { return 7, nil }); err != nil || v.(int) != 7 {
		t.Fatalf("after a failure: %v %v", v, err)
	}
}

type lateMech struct{ t ck.MechanismType }

func (m lateMech) Type() ck.MechanismType { return m.t }
func (lateMech) Info() Info               { return Info{} }

// TestLookupAfterLateRegister: Lookup's lock-free snapshot sees a mechanism
// registered after earlier lookups, also when they run at the same time.
func TestLookupAfterLateRegister(t *testing.T) {
	if _, ok := Lookup(ck.CKM_SHA256); !ok {
		t.Fatal("CKM_SHA256 not registered")
	}
	base := ck.MechanismType(ck.CKM_VENDOR_DEFINED + 0x4711_0000)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				Lookup(ck.CKM_SHA256)
			}
		}
	})
	for i := range ck.MechanismType(50) {
		Register(lateMech{base + i})
		if _, ok := Lookup(base + i); !ok {
			t.Fatalf("mechanism %d not found right after Register", i)
		}
	}
	close(stop)
	wg.Wait()
	regMu.Lock()
	for i := range ck.MechanismType(50) {
		delete(registry, base+i)
	}
	regSnap.Store(nil)
	regMu.Unlock()
}

// TestHMACPooledStates: states given back at Final and taken again start
// from the keyed state (each MAC is right), a context used after its Final
// answers an error instead of touching a state another operation now owns.
func TestHMACPooledStates(t *testing.T) {
	kv := []byte("pooled key")
	key := secretKey(ck.CKK_GENERIC_SECRET, kv)
	m := mustLookup(t, ck.CKM_SHA256_HMAC).(Signer)
	v := mustLookup(t, ck.CKM_SHA256_HMAC).(Verifier)
	for i := range 20 {
		msg := bytes.Repeat([]byte{byte(i)}, i*7)
		ref := hmac.New(sha256.New, kv)
		ref.Write(msg)
		want := ref.Sum(nil)
		c, err := m.SignInit(key, nil)
		noErr(t, err)
		if i%3 == 0 { // an abandoned operation: its state is never given back
			noErr(t, c.(MultipartSign).Update([]byte("abandoned")))
			continue
		}
		got, err := c.Sign(msg)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("message %d: %x %v, want %x", i, got, err, want)
		}
		if err := c.(MultipartSign).Update([]byte("late")); err != ck.CKR_OPERATION_NOT_INITIALIZED {
			t.Fatalf("Update after Final: %v", err)
		}
		vc, err := v.VerifyInit(key, nil)
		noErr(t, err)
		if err := vc.Verify(msg, want); err != nil {
			t.Fatalf("verify %d: %v", i, err)
		}
	}
}

// TestCurveCachedPerKey: the curve of a key, now cached on the Key, is the
// same on every call, and the Edwards and Montgomery tables keep their own
// answers for one key.
func TestCurveCachedPerKey(t *testing.T) {
	der := func(oid asn1.ObjectIdentifier) []byte {
		b, err := asn1.Marshal(oid)
		noErr(t, err)
		return b
	}
	ecKey := func(oid asn1.ObjectIdentifier) *Key {
		return &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: der(oid)}}
	}
	k1, p256 := ecKey(curveK1.OID), ecKey(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})
	for range 2 {
		if !keyIsK1(k1) || keyIsK1(p256) {
			t.Fatal("secp256k1 detection changed between calls")
		}
	}
	ed448 := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: der(curveEd448.oid)}}
	for range 2 {
		if c, err := keyEdCurve(edwardsCurves, ed448); c != curveEd448 || err != nil {
			t.Fatalf("Edwards table: %v %v", c, err)
		}
		if c, err := keyEdCurve(montgomeryCurves, ed448); c != nil || err != ck.CKR_CURVE_NOT_SUPPORTED {
			t.Fatalf("Montgomery table: %v %v", c, err)
		}
	}
	bad := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: map[ck.AttributeType][]byte{ck.CKA_EC_PARAMS: {0x06, 0x7f}}}
	for range 2 {
		if _, err := keyEdCurve(edwardsCurves, bad); err != ck.CKR_KEY_TYPE_INCONSISTENT {
			t.Fatalf("bad parameters: %v", err)
		}
	}
}
