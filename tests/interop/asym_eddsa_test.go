package interop

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestEdDSAInterop: pure Ed25519 and Ed448 (CKM_EDDSA without parameters)
// with a key generated in the token and one made by openssl and imported.
// EdDSA is deterministic, so for messages of 0 to 4,000 bytes the token's
// signature must be libcrypto's byte for byte; libcrypto verifies the
// token's, the token verifies libcrypto's, a changed byte fails on both
// sides, and `openssl pkeyutl -rawin` agrees on a few.
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
				})
			}
		})
	}
}
