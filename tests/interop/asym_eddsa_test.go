package interop

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"math/big"
	"slices"
	"testing"

	"github.com/cloudflare/circl/sign/ed448"
	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestEdDSAInterop: pure Ed25519 and Ed448 (CKM_EDDSA without parameters)
// with a key generated in the token and one made by openssl and imported.
// EdDSA is deterministic, so for messages of 0 to 4,000 bytes the token's
// signature must be libcrypto's byte for byte; libcrypto verifies the
// token's, the token verifies libcrypto's, a changed byte fails on both
// sides, and `openssl pkeyutl -rawin` agrees on a few. The pre-hash and
// context variants (CK_EDDSA_PARAMS) are checked by Go and circl.
func TestEdDSAInterop(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := newEnv(t)
	m := mech(uint(ck.CKM_EDDSA), nil)
	for _, a := range []alg{algEd25519, algEd448} {
		t.Run(a.name, func(t *testing.T) {
			for _, k := range []*keyPair{e.tokenKey(t, a), e.opensslKey(t, a)} {
				t.Run(k.origin, func(t *testing.T) {
					e := e.sub(t)
					msgs := make([][]byte, 40)
					ours, bad := make([][]byte, len(msgs)), make([][]byte, len(msgs))
					for i := range msgs {
						msgs[i] = make([]byte, i*i*5/2)
						rand.Read(msgs[i])
						ours[i] = e.sign(t, m, k.priv, msgs[i])
						if len(ours[i]) != 2*a.size {
							t.Fatalf("signature of %d bytes, want %d", len(ours[i]), 2*a.size)
						}
						bad[i] = flip(ours[i], i)
					}
					for i, ok := range batchVerify(t, e.dir, k.pubPEM, "none", msgs, ours) {
						if !ok {
							t.Errorf("libcrypto rejects the token's signature of %d bytes", len(msgs[i]))
						}
					}
					for i, ok := range batchVerify(t, e.dir, k.pubPEM, "none", msgs, bad) {
						if ok {
							t.Errorf("libcrypto accepts the token's signature of %d bytes with a changed byte", len(msgs[i]))
						}
					}
					for i, sig := range batchSign(t, e.dir, k.privPEM, "none", msgs) {
						if !bytes.Equal(sig, ours[i]) {
							t.Errorf("message of %d bytes: the token's signature differs from libcrypto's", len(msgs[i]))
						}
						hsmtest.Must(t, e.verify(t, m, k.pub, msgs[i], sig), "C_Verify of libcrypto's signature")
						hsmtest.WantRV(t, e.verify(t, m, k.pub, msgs[i], flip(sig, i+3)), "C_Verify of a changed signature", pkcs11.CKR_SIGNATURE_INVALID)
					}

					msg := e.file(t, "msg", msgs[7])
					if !osslVerify(t, "pkeyutl", "-verify", "-pubin", "-inkey", k.pubPEM, "-rawin", "-in", msg, "-sigfile", e.file(t, "sig", ours[7])) {
						t.Error("openssl pkeyutl -rawin rejects the token's signature")
					}
					if sig := openssl(t, nil, "pkeyutl", "-sign", "-inkey", k.privPEM, "-rawin", "-in", msg); !bytes.Equal(sig, ours[7]) {
						t.Error("openssl pkeyutl -sign -rawin makes another signature than the token")
					}
					e.eddsaVariants(t, k)
					if a.name == "Ed25519" {
						e.ed25519Malleable(t, k, msgs[5], ours[5])
					}
				})
			}
		})
	}
}

// eddsaParams lays out CK_EDDSA_PARAMS {phFlag, ulContextDataLen,
// pContextData}, the context in C memory from a.
func eddsaParams(a *capi.Arena, ph bool, ctx string) []byte {
	b := make([]byte, 24)
	if ph {
		b[0] = 1
	}
	binary.NativeEndian.PutUint64(b[8:], uint64(len(ctx)))
	if ctx != "" {
		binary.NativeEndian.PutUint64(b[16:], a.Bytes([]byte(ctx)))
	}
	return b
}

// eddsaVariants: CKM_EDDSA with a CK_EDDSA_PARAMS through the C ABI gives
// Ed25519ph, Ed25519ctx, Ed448 with a context and Ed448ph. OpenSSL 3.0
// cannot make these, so Go's crypto/ed25519 and circl's ed448 verify them;
// the token refuses its signature under another context or the other flag.
func (e *env) eddsaVariants(t *testing.T, k *keyPair) {
	var a capi.Arena
	defer a.Free()
	pub := rawPublic(t, k.spki)
	msg := []byte("EdDSA variants through CK_EDDSA_PARAMS")
	for _, c := range []struct {
		ph  bool
		ctx string
	}{{false, "gohsm context"}, {true, ""}, {true, "ph context"}, {false, string(bytes.Repeat([]byte{'c'}, 255))}} {
		if k.alg.name == "Ed25519" && !c.ph && c.ctx == "" {
			continue // Ed25519ctx needs a context (RFC 8032 §5.1)
		}
		m := mech(uint(ck.CKM_EDDSA), eddsaParams(&a, c.ph, c.ctx))
		sig := e.sign(t, m, k.priv, msg)
		var ok bool
		if k.alg.name == "Ed25519" {
			opts := &ed25519.Options{Context: c.ctx}
			in := msg
			if c.ph {
				opts.Hash = crypto.SHA512
				d := sha512.Sum512(msg)
				in = d[:]
			}
			ok = ed25519.VerifyWithOptions(ed25519.PublicKey(pub), in, sig, opts) == nil
		} else if c.ph {
			ok = ed448.VerifyPh(ed448.PublicKey(pub), msg, sig, c.ctx)
		} else {
			ok = ed448.Verify(ed448.PublicKey(pub), msg, sig, c.ctx)
		}
		if !ok {
			t.Errorf("ph %v, context of %d bytes: the token's signature does not verify outside", c.ph, len(c.ctx))
		}
		hsmtest.Must(t, e.verify(t, m, k.pub, msg, sig), "C_Verify with the same CK_EDDSA_PARAMS")
		other := "x"
		if c.ctx != "" {
			other = c.ctx[:len(c.ctx)-1] + "!"
		}
		hsmtest.WantRV(t, e.verify(t, mech(uint(ck.CKM_EDDSA), eddsaParams(&a, c.ph, other)), k.pub, msg, sig),
			"C_Verify under another context", pkcs11.CKR_SIGNATURE_INVALID)
		hsmtest.WantRV(t, e.verify(t, mech(uint(ck.CKM_EDDSA), eddsaParams(&a, !c.ph, c.ctx)), k.pub, msg, sig),
			"C_Verify with the other phFlag", pkcs11.CKR_SIGNATURE_INVALID)
	}
	long := mech(uint(ck.CKM_EDDSA), eddsaParams(&a, false, string(bytes.Repeat([]byte{'c'}, 256))))
	hsmtest.WantRV(t, e.p.SignInit(e.s, long, k.priv), "C_SignInit with a 256-byte context", pkcs11.CKR_MECHANISM_PARAM_INVALID)
}

// ed25519Malleable: S + L (the group order) is the same signature modulo L;
// RFC 8032 §5.1.7 requires S < L, and both sides refuse it.
func (e *env) ed25519Malleable(t *testing.T, k *keyPair, msg, sig []byte) {
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	le := func(b []byte) []byte { // little-endian <-> big-endian
		r := bytes.Clone(b)
		slices.Reverse(r)
		return r
	}
	sPlusL := new(big.Int).Add(new(big.Int).SetBytes(le(sig[32:])), l)
	bad := append(bytes.Clone(sig[:32]), le(sPlusL.FillBytes(make([]byte, 32)))...)
	hsmtest.WantRV(t, e.verify(t, mech(uint(ck.CKM_EDDSA), nil), k.pub, msg, bad), "C_Verify with S + L", pkcs11.CKR_SIGNATURE_INVALID)
	if batchVerify(t, e.dir, k.pubPEM, "none", [][]byte{msg}, [][]byte{bad})[0] {
		t.Error("libcrypto accepts S + L")
	}
}
