package bench

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/miekg/pkcs11"
)

const (
	kib = 1 << 10
	mib = 1 << 20
)

var (
	data1K = make([]byte, kib)
	data1M = make([]byte, mib)
	rawAES = func() []byte { k := make([]byte, 32); rand.Read(k); return k }()
)

func aesEnc(t *Target) ([]pkcs11.ObjectHandle, error) { return aesKey(t, "bench-aes", false) }

// gcmPrep encrypts data with AES-256-GCM, a fresh 12-byte IV each call (a
// counter: GCM must never reuse an IV under one key).
func gcmPrep(data []byte) func(*Target) (Op, error) {
	return func(t *Target) (Op, error) {
		h, err := aesEnc(t)
		if err != nil {
			return Op{}, err
		}
		if !useMiekg {
			return checked(t, directOp(t, cCall{op: cEncrypt, mech: pkcs11.CKM_AES_GCM, gcm: true, key: h[0], in: data, outLen: len(data) + 16}))
		}
		var ctr atomic.Uint64
		ctr.Store(uint64(nowNanos()))
		return checked(t, Op{Run: func(s pkcs11.SessionHandle) error {
			iv := make([]byte, 12)
			binary.BigEndian.PutUint64(iv[4:], ctr.Add(1))
			p := pkcs11.NewGCMParams(iv, nil, 128)
			defer p.Free()
			if err := t.P.EncryptInit(s, mech(pkcs11.CKM_AES_GCM, p), h[0]); err != nil {
				return err
			}
			_, err := t.P.Encrypt(s, data)
			return err
		}})
	}
}

func gcmRaw(data []byte) func() (Op, error) {
	return func() (Op, error) {
		b, err := aes.NewCipher(rawAES)
		if err != nil {
			return Op{}, err
		}
		a, err := cipher.NewGCM(b)
		if err != nil {
			return Op{}, err
		}
		var ctr atomic.Uint64
		bufs := rawBuffers(len(data) + a.Overhead())
		return rawOp(func() error {
			var iv [12]byte
			binary.BigEndian.PutUint64(iv[4:], ctr.Add(1))
			b := bufs.Get().(*[]byte)
			a.Seal((*b)[:0], iv[:], data, nil)
			bufs.Put(b)
			return nil
		})()
	}
}

// rawBuffers hands the raw column's workers output buffers of n bytes to
// reuse, as the module columns write into a buffer made once per session.
func rawBuffers(n int) *sync.Pool {
	return &sync.Pool{New: func() any { b := make([]byte, n); return &b }}
}

func cbcPadPrep(data []byte) func(*Target) (Op, error) {
	return func(t *Target) (Op, error) {
		h, err := aesEnc(t)
		if err != nil {
			return Op{}, err
		}
		iv := make([]byte, 16)
		if !useMiekg {
			return checked(t, directOp(t, cCall{op: cEncrypt, mech: pkcs11.CKM_AES_CBC_PAD, param: iv, key: h[0], in: data, outLen: len(data) + 16}))
		}
		return checked(t, Op{Run: func(s pkcs11.SessionHandle) error {
			if err := t.P.EncryptInit(s, mech(pkcs11.CKM_AES_CBC_PAD, iv), h[0]); err != nil {
				return err
			}
			_, err := t.P.Encrypt(s, data)
			return err
		}})
	}
}

func cbcPadRaw(data []byte) func() (Op, error) {
	return func() (Op, error) {
		b, err := aes.NewCipher(rawAES)
		if err != nil {
			return Op{}, err
		}
		iv := make([]byte, 16)
		pad := 16 - len(data)%16
		bufs := rawBuffers(len(data) + pad)
		return rawOp(func() error {
			p := bufs.Get().(*[]byte)
			buf := (*p)[:len(data)+pad]
			copy(buf, data)
			for i := len(data); i < len(buf); i++ {
				buf[i] = byte(pad)
			}
			cipher.NewCBCEncrypter(b, iv).CryptBlocks(buf, buf)
			bufs.Put(p)
			return nil
		})()
	}
}

func wrapPrep(t *Target) (Op, error) {
	kek, err := aesEnc(t)
	if err != nil {
		return Op{}, err
	}
	k, err := aesKey(t, "bench-aes-extractable", true)
	if err != nil {
		return Op{}, err
	}
	return checked(t, Op{Run: func(s pkcs11.SessionHandle) error {
		_, err := t.P.WrapKey(s, mech(pkcs11.CKM_AES_KEY_WRAP, nil), kek[0], k[0])
		return err
	}})
}

// kwWrap is RFC 3394's wrapping function (the raw column of the key-wrap
// row; Go's standard library has none).
func kwWrap(b cipher.Block, key []byte) []byte {
	n := len(key) / 8
	a := [8]byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}
	r := append([]byte(nil), key...)
	var buf [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			copy(buf[:8], a[:])
			copy(buf[8:], r[(i-1)*8:i*8])
			b.Encrypt(buf[:], buf[:])
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(buf[:8])^uint64(n*j+i))
			copy(r[(i-1)*8:], buf[8:])
		}
	}
	return append(a[:], r...)
}

func wrapRaw() (Op, error) {
	key := make([]byte, 32)
	rand.Read(key)
	return rawOp(func() error {
		b, err := aes.NewCipher(rawAES)
		if err != nil {
			return err
		}
		kwWrap(b, key)
		return nil
	})()
}

func cipherRows() []Row {
	return []Row{
		{ID: "aes256-gcm-enc-1k", Name: "AES-256-GCM encrypt 1 KiB", Parallel: true, Prep: gcmPrep(data1K), Raw: gcmRaw(data1K)},
		{ID: "aes256-gcm-enc-1m", Name: "AES-256-GCM encrypt 1 MiB", Prep: gcmPrep(data1M), Raw: gcmRaw(data1M)},
		{ID: "aes256-cbcpad-enc-1m", Name: "AES-256-CBC-PAD encrypt 1 MiB", Prep: cbcPadPrep(data1M), Raw: cbcPadRaw(data1M)},
		{ID: "aes256-keywrap", Name: "AES key wrap (AES-256 key)", Prep: wrapPrep, Raw: wrapRaw},
	}
}
