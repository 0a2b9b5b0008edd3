package bench

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"hash"
	"time"

	"github.com/miekg/pkcs11"
)

func nowNanos() int64 { return time.Now().UnixNano() }

func digestPrep(data []byte) func(*Target) (Op, error) {
	return func(t *Target) (Op, error) {
		if !useMiekg {
			return checked(t, directOp(t, cCall{op: cDigest, mech: pkcs11.CKM_SHA256, in: data, outLen: 64}))
		}
		return checked(t, Op{Run: func(s pkcs11.SessionHandle) error {
			if err := t.P.DigestInit(s, mech(pkcs11.CKM_SHA256, nil)); err != nil {
				return err
			}
			_, err := t.P.Digest(s, data)
			return err
		}})
	}
}

func hmacPrep(data []byte) func(*Target) (Op, error) {
	return signPrep(hmacKey, mech(pkcs11.CKM_SHA256_HMAC, nil), data)
}

func randomPrep(n int) func(*Target) (Op, error) {
	return func(t *Target) (Op, error) {
		if !useMiekg {
			return checked(t, directOp(t, cCall{op: cRandom, outLen: n}))
		}
		return checked(t, Op{Run: func(s pkcs11.SessionHandle) error {
			_, err := t.P.GenerateRandom(s, n)
			return err
		}})
	}
}

func digestRows() []Row {
	sha := func(d []byte) func() (Op, error) {
		return rawOp(func() error { sha256.Sum256(d); return nil })
	}
	mac := func(d []byte) func() (Op, error) {
		// The keyed state is made once, as the key schedule of the other raw
		// rows (and as gohsm caches it per key): each call clones it.
		keyed := hmac.New(sha256.New, hmacKeyValue)
		keyed.Reset()
		sums := rawBuffers(sha256.Size)
		return rawOp(func() error {
			c, err := keyed.(hash.Cloner).Clone()
			if err != nil {
				return err
			}
			h := c.(hash.Hash)
			h.Write(d)
			b := sums.Get().(*[]byte)
			h.Sum((*b)[:0])
			sums.Put(b)
			return nil
		})
	}
	rnd := func(n int) func() (Op, error) {
		bufs := rawBuffers(n)
		return rawOp(func() error {
			b := bufs.Get().(*[]byte)
			_, err := rand.Read(*b)
			bufs.Put(b)
			return err
		})
	}
	return []Row{
		{ID: "sha256-1k", Name: "SHA-256 1 KiB", Prep: digestPrep(data1K), Raw: sha(data1K)},
		{ID: "sha256-1m", Name: "SHA-256 1 MiB", Prep: digestPrep(data1M), Raw: sha(data1M)},
		{ID: "hmac-sha256-1k", Name: "HMAC-SHA256 1 KiB", Parallel: true, Prep: hmacPrep(data1K), Raw: mac(data1K)},
		{ID: "hmac-sha256-1m", Name: "HMAC-SHA256 1 MiB", Prep: hmacPrep(data1M), Raw: mac(data1M)},
		{ID: "random-32", Name: "C_GenerateRandom 32 B", Prep: randomPrep(32), Raw: rnd(32)},
		{ID: "random-1m", Name: "C_GenerateRandom 1 MiB", Prep: randomPrep(mib), Raw: rnd(mib)},
	}
}

// floorRows measure the cost of a call that does no work.
func floorRows() []Row {
	return []Row{
		{ID: "floor-getinfo", Name: "C_GetInfo (per-call floor)", Prep: func(t *Target) (Op, error) {
			if !useMiekg {
				return checked(t, directOp(t, cCall{op: cGetInfo}))
			}
			return checked(t, Op{Run: func(pkcs11.SessionHandle) error { _, err := t.P.GetInfo(); return err }})
		}},
		{ID: "floor-getsessioninfo", Name: "C_GetSessionInfo (per-call floor)", Prep: func(t *Target) (Op, error) {
			if !useMiekg {
				return checked(t, directOp(t, cCall{op: cGetSessionInfo}))
			}
			return checked(t, Op{Run: func(s pkcs11.SessionHandle) error { _, err := t.P.GetSessionInfo(s); return err }})
		}},
	}
}
