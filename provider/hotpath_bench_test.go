package provider

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync/atomic"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/config"
)

// Benchmarks of the hot paths the gohsm-bench rows go through, below the C
// ABI (BenchmarkSignECDSA is in crypto_keys_test.go). Keys are token objects,
// as in the benchmark command. Profile one with
//
//	go test -run '^$' -bench HotRSASign -cpuprofile cpu.out ./provider

var benchData1K = make([]byte, 1024)

// check is must without t.Helper, whose stack walk would be 8% of a loop.
func check(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkHotRSASign(b *testing.B) {
	m, _, h := userSession(b)
	_, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_RSA_PKCS_KEY_PAIR_GEN},
		crTmpl(ck.CKA_TOKEN, true, ck.CKA_MODULUS_BITS, 2048, ck.CKA_VERIFY, true),
		crTmpl(ck.CKA_TOKEN, true, ck.CKA_SIGN, true))
	must(b, err)
	sig := make([]byte, 256)
	mech := ck.Mechanism{Type: ck.CKM_SHA256_RSA_PKCS}
	for b.Loop() {
		check(b, m.SignInit(h, mech, priv))
		if _, err := m.Sign(h, benchData1K[:64], sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHotGCMEncrypt1K(b *testing.B) {
	m, _, h := userSession(b)
	benchGCM1K(b, m, h)
}

// benchGCM1K times C_EncryptInit (a fresh IV) + C_Encrypt of 1 KiB with
// AES-256-GCM under a token key of h's user.
func benchGCM1K(b *testing.B, m *Module, h ck.SessionHandle) {
	k := genAES(b, m, h, ck.CKA_TOKEN, true, ck.CKA_ENCRYPT, true)
	out := make([]byte, len(benchData1K)+16)
	iv := make([]byte, 12)
	var n uint64
	for b.Loop() {
		n++
		binary.BigEndian.PutUint64(iv[4:], n)
		check(b, m.EncryptInit(h, ck.Mechanism{Type: ck.CKM_AES_GCM, Parameter: &ck.GCMParams{IV: iv, IVBits: 96, TagBits: 128}}, k))
		if _, err := m.Encrypt(h, benchData1K, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHotHMAC1K(b *testing.B) {
	m, _, h := userSession(b)
	k := create(b, m, h, tb(ck.CKA_CLASS, ck.CKO_SECRET_KEY, ck.CKA_KEY_TYPE, ck.CKK_GENERIC_SECRET, ck.CKA_TOKEN, true,
		ck.CKA_SIGN, true, ck.CKA_VALUE, []byte("0123456789abcdef0123456789abcdef")))
	mac := make([]byte, 32)
	mech := ck.Mechanism{Type: ck.CKM_SHA256_HMAC}
	for b.Loop() {
		check(b, m.SignInit(h, mech, k))
		if _, err := m.Sign(h, benchData1K, mac); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHotDigest1K(b *testing.B) {
	m, _, h := userSession(b)
	out := make([]byte, 32)
	for b.Loop() {
		check(b, m.DigestInit(h, ck.Mechanism{Type: ck.CKM_SHA256}))
		if _, err := m.Digest(h, benchData1K, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHotRandom32(b *testing.B) {
	m, _, h := userSession(b)
	out := make([]byte, 32)
	for b.Loop() {
		check(b, m.GenerateRandom(h, out))
	}
}

func BenchmarkHotGenerateP256Token(b *testing.B) {
	m, _, h := userSession(b)
	for b.Loop() {
		pub, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
			crTmpl(ck.CKA_TOKEN, true, ck.CKA_EC_PARAMS, crP256Params, ck.CKA_VERIFY, true),
			crTmpl(ck.CKA_TOKEN, true, ck.CKA_SIGN, true))
		check(b, err)
		b.StopTimer()
		check(b, m.DestroyObject(h, pub))
		check(b, m.DestroyObject(h, priv))
		b.StartTimer()
	}
}

func BenchmarkHotFindByLabel(b *testing.B) {
	m, _, h := userSession(b)
	create(b, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true, ck.CKA_LABEL, "needle", ck.CKA_VALUE, []byte("v")))
	for b.Loop() {
		check(b, m.FindObjectsInit(h, tb(ck.CKA_LABEL, "needle")))
		got, err := m.FindObjects(h, 10)
		check(b, err)
		if len(got) != 1 {
			b.Fatalf("found %d", len(got))
		}
		check(b, m.FindObjectsFinal(h))
	}
}

func BenchmarkHotGetAttributeValue(b *testing.B) {
	m, _, h := userSession(b)
	o := create(b, m, h, tb(ck.CKA_CLASS, ck.CKO_DATA, ck.CKA_TOKEN, true, ck.CKA_LABEL, "needle", ck.CKA_VALUE, []byte("v")))
	types := []ck.AttributeType{ck.CKA_LABEL, ck.CKA_VALUE}
	for b.Loop() {
		if _, err := m.GetAttributeValue(h, o, types); err != nil {
			b.Fatal(err)
		}
	}
}

var benchData1M = make([]byte, 1<<20)

func BenchmarkHotDigest1M(b *testing.B) {
	m, _, h := userSession(b)
	out := make([]byte, 32)
	b.SetBytes(int64(len(benchData1M)))
	for b.Loop() {
		check(b, m.DigestInit(h, ck.Mechanism{Type: ck.CKM_SHA256}))
		if _, err := m.Digest(h, benchData1M, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHotCBCPadEncrypt1M(b *testing.B) {
	m, _, h := userSession(b)
	k := genAES(b, m, h, ck.CKA_TOKEN, true, ck.CKA_ENCRYPT, true)
	out := make([]byte, len(benchData1M)+16)
	iv := make([]byte, 16)
	b.SetBytes(int64(len(benchData1M)))
	for b.Loop() {
		check(b, m.EncryptInit(h, ck.Mechanism{Type: ck.CKM_AES_CBC_PAD, Parameter: iv}, k))
		if _, err := m.Encrypt(h, benchData1M, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHotGCMEncrypt1M(b *testing.B) {
	m, _, h := userSession(b)
	k := genAES(b, m, h, ck.CKA_TOKEN, true, ck.CKA_ENCRYPT, true)
	out := make([]byte, len(benchData1M)+16)
	iv := make([]byte, 12)
	var n uint64
	b.SetBytes(int64(len(benchData1M)))
	for b.Loop() {
		n++
		binary.BigEndian.PutUint64(iv[4:], n)
		check(b, m.EncryptInit(h, ck.Mechanism{Type: ck.CKM_AES_GCM, Parameter: &ck.GCMParams{IV: iv, IVBits: 96, TagBits: 128}}, k))
		if _, err := m.Encrypt(h, benchData1M, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHotWrapAES(b *testing.B) {
	m, _, h := userSession(b)
	kek := genAES(b, m, h, ck.CKA_TOKEN, true, ck.CKA_WRAP, true)
	k := genAES(b, m, h, ck.CKA_TOKEN, true, ck.CKA_EXTRACTABLE, true, ck.CKA_SENSITIVE, false)
	out := make([]byte, 40)
	for b.Loop() {
		if _, err := m.WrapKey(h, ck.Mechanism{Type: ck.CKM_AES_KEY_WRAP}, kek, k, out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawGCMEncrypt1K is the floor of BenchmarkHotGCMEncrypt1K: Go's
// AES-GCM with the key schedule made once, as the gohsm-bench raw column.
func BenchmarkRawGCMEncrypt1K(b *testing.B) {
	blk, err := aes.NewCipher(make([]byte, 32))
	must(b, err)
	a, err := cipher.NewGCM(blk)
	must(b, err)
	out := make([]byte, len(benchData1K)+16)
	iv := make([]byte, 12)
	var n uint64
	for b.Loop() {
		n++
		binary.BigEndian.PutUint64(iv[4:], n)
		a.Seal(out[:0], iv, benchData1K, nil)
	}
}

// BenchmarkRawHMAC1K is the floor of BenchmarkHotHMAC1K: a clone of a
// keyed state made once, as the gohsm-bench raw column.
func BenchmarkRawHMAC1K(b *testing.B) {
	keyed := hmac.New(sha256.New, []byte("0123456789abcdef0123456789abcdef"))
	keyed.Reset()
	mac := make([]byte, 0, 32)
	for b.Loop() {
		c, err := keyed.(hash.Cloner).Clone()
		if err != nil {
			b.Fatal(err)
		}
		h := c.(hash.Hash)
		h.Write(benchData1K)
		h.Sum(mac)
	}
}

// BenchmarkRawSignECDSA is the floor of BenchmarkSignECDSA: Go's ECDSA
// P-256 with the parsed key, as the gohsm-bench raw column.
func BenchmarkRawSignECDSA(b *testing.B) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(b, err)
	digest := sha256.Sum256([]byte("x"))
	for b.Loop() {
		if _, err := ecdsa.SignASN1(rand.Reader, k, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHotGCMEncrypt1KParallel runs BenchmarkHotGCMEncrypt1K's calls on
// GOMAXPROCS sessions at once, one key: what the sessions share (locks on
// the login, the key, the registry) shows here and in -mutexprofile.
func BenchmarkHotGCMEncrypt1KParallel(b *testing.B) {
	m, slot, h := userSession(b)
	k := genAES(b, m, h, ck.CKA_TOKEN, true, ck.CKA_ENCRYPT, true)
	var next atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		s, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
		if err != nil {
			b.Error(err)
			return
		}
		out := make([]byte, len(benchData1K)+16)
		iv := make([]byte, 12)
		for pb.Next() {
			binary.BigEndian.PutUint64(iv[4:], next.Add(1))
			if err := m.EncryptInit(s, ck.Mechanism{Type: ck.CKM_AES_GCM, Parameter: &ck.GCMParams{IV: iv, IVBits: 96, TagBits: 128}}, k); err != nil {
				b.Error(err)
				return
			}
			if _, err := m.Encrypt(s, benchData1K, out); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkHotGCMEncrypt1KAudited is BenchmarkHotGCMEncrypt1K with
// [audit] key_use on: each C_EncryptInit queues a record for the
// group-committing writer.
func BenchmarkHotGCMEncrypt1KAudited(b *testing.B) {
	cfg := config.Default()
	cfg.StoreDir = b.TempDir()
	cfg.Log.Level = "error"
	cfg.KDF = config.KDF{Time: 1, MemoryKiB: 64, Threads: 1}
	cfg.Audit.KeyUse = true
	m, err := New(Options{Config: &cfg})
	must(b, err)
	b.Cleanup(func() { m.Close() })
	h := openRW(b, m, initTestToken(b, m))
	must(b, m.Login(h, ck.CKU_USER, []byte(testUserPIN)))
	benchGCM1K(b, m, h)
}

// BenchmarkHotEd25519Sign is C_SignInit + C_Sign with CKM_EDDSA on a token
// Ed25519 key and a 64-byte message (the gohsm-bench row).
func BenchmarkHotEd25519Sign(b *testing.B) {
	m, _, h := userSession(b)
	_, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_EDWARDS_KEY_PAIR_GEN},
		crTmpl(ck.CKA_TOKEN, true, ck.CKA_EC_PARAMS, ed25519Params, ck.CKA_VERIFY, true),
		crTmpl(ck.CKA_TOKEN, true, ck.CKA_SIGN, true))
	must(b, err)
	sig := make([]byte, 64)
	mech := ck.Mechanism{Type: ck.CKM_EDDSA}
	for b.Loop() {
		check(b, m.SignInit(h, mech, priv))
		if _, err := m.Sign(h, benchData1K[:64], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawEd25519Sign is its floor: Go's ed25519.Sign.
func BenchmarkRawEd25519Sign(b *testing.B) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	must(b, err)
	for b.Loop() {
		ed25519.Sign(k, benchData1K[:64])
	}
}
