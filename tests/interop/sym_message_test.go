package interop

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// symMsgParam is one message's parameter structure in C memory, with the
// IV (nonce) and tag buffers the token fills or reads.
type symMsgParam struct {
	p, n       uint64 // the structure and its size
	pIV, pTag  uint64
	ivLen, tag int
}

// symMsgGen is a message IV (nonce) generator and, for the counter, how many
// leading bits stay fixed.
type symMsgGen struct {
	name  string
	gen   ck.GeneratorFunction
	fixed int
}

var symMsgGens = []symMsgGen{
	{"application IV", ck.CKG_NO_GENERATE, 0},
	{"counter IV", ck.CKG_GENERATE_COUNTER, 32},
	{"random IV", ck.CKG_GENERATE_RANDOM, 0},
}

// TestSymMessageAPI: the PKCS#11 3.0 message-based API through
// libgohsm.so against OpenSSL: AEAD encryption (symMessageAEAD) and MACs
// (symMessageMAC), in one process.
func TestSymMessageAPI(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	k := newSymTok(t)
	raw := hsmtest.Raw(t)
	t.Run("AEAD", func(t *testing.T) { symMessageAEAD(k.on(t), raw) })
	t.Run("MAC", func(t *testing.T) { symMessageMAC(k.on(t), raw) })
}

// symMessageAEAD, against libcrypto (symevp): AES-GCM (128/192/256) and
// AES-CCM with the application's IV, the token's counter IV and its random
// IV read back from pIv/pNonce, tags of several lengths, AAD and
// messages of 0..4099 bytes: libcrypto decrypts what C_EncryptMessage makes
// (and what C_EncryptMessageBegin/Next make), and C_DecryptMessage opens
// what libcrypto makes; ChaCha20-Poly1305 likewise with the application's
// nonce.
func symMessageAEAD(k *symTok, raw *capi.Lib) {
	t := k.t
	cases := 0
	type aead struct {
		name  string
		mech  ck.MechanismType
		evp   string
		size  int
		kt    ck.KeyType
		gen   ck.MechanismType
		gens  []symMsgGen
		tags  []int
		param func(g symMsgGen, iv, tag []byte, dataLen int) symMsgParam
	}
	gcm := func(g symMsgGen, iv, tag []byte, _ int) symMsgParam {
		pIV, pTag := k.a.Bytes(iv), k.a.Bytes(tag)
		return symMsgParam{k.a.Bytes(symWords(pIV, uint64(len(iv)), uint64(g.fixed), uint64(g.gen), pTag, uint64(8*len(tag)))), 48, pIV, pTag, len(iv), len(tag)}
	}
	ccm := func(g symMsgGen, nonce, tag []byte, dataLen int) symMsgParam {
		pN, pTag := k.a.Bytes(nonce), k.a.Bytes(tag)
		return symMsgParam{k.a.Bytes(symWords(uint64(dataLen), pN, uint64(len(nonce)), uint64(g.fixed), uint64(g.gen), pTag, uint64(len(tag)))), 56, pN, pTag, len(nonce), len(tag)}
	}
	chacha := func(_ symMsgGen, nonce, tag []byte, _ int) symMsgParam {
		pN, pTag := k.a.Bytes(nonce), k.a.Bytes(tag)
		return symMsgParam{k.a.Bytes(symWords(pN, uint64(len(nonce)), pTag)), 24, pN, pTag, len(nonce), len(tag)}
	}
	var aeads []aead
	for _, size := range []int{16, 24, 32} {
		aeads = append(aeads,
			aead{fmt.Sprintf("GCM/%d", 8*size), ck.CKM_AES_GCM, fmt.Sprintf("AES-%d-GCM", 8*size), size, ck.CKK_AES, ck.CKM_AES_KEY_GEN, symMsgGens, []int{16, 12, 14, 8, 4}, gcm},
			aead{fmt.Sprintf("CCM/%d", 8*size), ck.CKM_AES_CCM, fmt.Sprintf("AES-%d-CCM", 8*size), size, ck.CKK_AES, ck.CKM_AES_KEY_GEN, symMsgGens, []int{16, 8, 12, 4}, ccm})
	}
	aeads = append(aeads, aead{"ChaCha20-Poly1305", ck.CKM_CHACHA20_POLY1305, "ChaCha20-Poly1305", 32, ck.CKK_CHACHA20, ck.CKM_CHACHA20_KEY_GEN, symMsgGens[:1], []int{16}, chacha})
	for _, m := range aeads {
		v := symRand(m.size)
		gh, gv := k.genKey(uint(m.gen), m.size)
		keys := []symKey{{k.importKey(uint(m.kt), v), v, "imported"}, {gh, gv, "generated"}}
		t.Run(m.name, func(t *testing.T) {
			k := k.on(t)
			for j, key := range keys {
				mech := k.a.Bytes(symWords(uint64(m.mech), 0, 0))
				symRawRV(t, raw, "C_MessageEncryptInit", 0, uint64(k.s), mech, uint64(key.h))
				symRawRV(t, raw, "C_MessageDecryptInit", 0, uint64(k.s), mech, uint64(key.h))
				for i, l := range symLens {
					g := m.gens[(i+j)%len(m.gens)]
					tagLen := m.tags[(i+j)%len(m.tags)]
					ivLen := 12
					if m.mech == ck.CKM_AES_CCM {
						ivLen = 13 - (i+j)%3 // 13, 12, 11 bytes
					}
					pt, aad := symRand(l), symRand([]int{0, 20, 1, 300}[i%4])
					iv := symRand(ivLen)
					if g.gen != ck.CKG_NO_GENERATE {
						iv = make([]byte, ivLen)
						copy(iv, "FIXD") // kept in the counter's fixed bits
					}
					what := fmt.Sprintf("%s key, %s, %d bytes, tag %d, AAD %d", key.origin, g.name, l, tagLen, len(aad))
					prm := m.param(g, iv, make([]byte, tagLen), l)
					ct := symMsgCall(t, raw, k, "C_EncryptMessage", prm, aad, pt)
					gotIV, tag := capi.Read(prm.pIV, ivLen), capi.Read(prm.pTag, tagLen)
					if g.gen == ck.CKG_GENERATE_COUNTER && !bytes.HasPrefix(gotIV, []byte("FIXD")) {
						t.Errorf("%s: the generated IV lost its fixed bits", what)
					}
					back, err := k.symEVP(false, m.evp, key.value, gotIV, aad, tagLen, append(ct, tag...))
					if err != nil || !bytes.Equal(back, pt) {
						t.Errorf("%s: libcrypto does not open the token's message: %v", what, err)
					}
					// And what libcrypto seals, the token opens.
					oiv := symRand(ivLen)
					sealed, err := k.symEVP(true, m.evp, key.value, oiv, aad, tagLen, pt)
					if err != nil {
						t.Fatalf("%s: libcrypto: %v", what, err)
					}
					dp := m.param(symMsgGens[0], oiv, sealed[l:], l)
					if got := symMsgCall(t, raw, k, "C_DecryptMessage", dp, aad, sealed[:l]); !bytes.Equal(got, pt) {
						t.Errorf("%s: C_DecryptMessage of libcrypto's message gives other data", what)
					}
					cases++
				}
				// One message in parts (Begin, Next..., END_OF_MESSAGE).
				if m.mech == ck.CKM_AES_GCM {
					pt, aad := symRand(1000), symRand(17)
					prm := m.param(symMsgGens[1], append([]byte("FIXD"), make([]byte, 8)...), make([]byte, 16), len(pt))
					ct := symMsgParts(t, raw, k, prm, aad, pt)
					back, err := k.symEVP(false, m.evp, key.value, capi.Read(prm.pIV, 12), aad, 16, append(ct, capi.Read(prm.pTag, 16)...))
					if err != nil || !bytes.Equal(back, pt) {
						t.Errorf("%s key: libcrypto does not open a Begin/Next message: %v", key.origin, err)
					}
					cases++
				}
				symRawRV(t, raw, "C_MessageEncryptFinal", 0, uint64(k.s))
				symRawRV(t, raw, "C_MessageDecryptFinal", 0, uint64(k.s))
			}
		})
	}
	t.Logf("%d message-based AEAD cases", cases)
}

// symRawRV calls a function through the raw C ABI and fails unless it
// returns want.
func symRawRV(t *testing.T, raw *capi.Lib, name string, want uint64, args ...uint64) {
	t.Helper()
	if got := raw.Call(name, args...); got != want {
		t.Fatalf("%s = %s, want %s", name, hsmtest.RVName(uint(got)), hsmtest.RVName(uint(want)))
	}
}

// symMsgCall runs C_EncryptMessage or C_DecryptMessage on in with AAD and
// returns the output (the same length as in).
func symMsgCall(t *testing.T, raw *capi.Lib, k *symTok, fn string, prm symMsgParam, aad, in []byte) []byte {
	t.Helper()
	out, outLen := k.a.Buf(len(in)), k.a.ULong(uint64(len(in)))
	symRawRV(t, raw, fn, 0, uint64(k.s), prm.p, prm.n, k.ptr(aad), uint64(len(aad)), k.a.Bytes(in), uint64(len(in)), out, outLen)
	if n := capi.ReadULong(outLen); n != uint64(len(in)) {
		t.Fatalf("%s: %d bytes out of %d", fn, n, len(in))
	}
	return capi.Read(out, len(in))
}

// symMsgParts encrypts one message with C_EncryptMessageBegin and
// C_EncryptMessageNext in odd parts, the last with CKF_END_OF_MESSAGE.
func symMsgParts(t *testing.T, raw *capi.Lib, k *symTok, prm symMsgParam, aad, pt []byte) []byte {
	t.Helper()
	s := uint64(k.s)
	symRawRV(t, raw, "C_EncryptMessageBegin", 0, s, prm.p, prm.n, k.ptr(aad), uint64(len(aad)))
	parts := symSplit(pt)
	var ct []byte
	for i, part := range parts {
		flags := uint64(0)
		if i == len(parts)-1 {
			flags = uint64(ck.CKF_END_OF_MESSAGE)
		}
		out, outLen := k.a.Buf(len(pt)), k.a.ULong(uint64(len(pt)))
		symRawRV(t, raw, "C_EncryptMessageNext", 0, s, prm.p, prm.n, k.a.Bytes(part), uint64(len(part)), out, outLen, flags)
		ct = append(ct, capi.Read(out, int(capi.ReadULong(outLen)))...)
	}
	return ct
}

// symMessageMAC: message-based signing (C_MessageSignInit,
// C_SignMessage, C_SignMessageBegin/Next) with every HMAC and with AES and
// DES3 CMAC gives `openssl mac`'s MAC for messages of 0..4099 bytes, and
// C_VerifyMessage accepts OpenSSL's MAC and refuses a changed one.
func symMessageMAC(k *symTok, raw *capi.Lib) {
	t := k.t
	s := uint64(k.s)
	type mac struct {
		name string
		mech ck.MechanismType
		key  []byte
		kt   ck.KeyType
		size int
		ref  func(key, data []byte) ([]byte, error)
	}
	var macs []mac
	for i, h := range symHashes {
		macs = append(macs, mac{"HMAC-" + h.ossl, h.hmac, symRand([]int{16, 64, 200}[i%3]), ck.CKK_GENERIC_SECRET, h.size,
			symOpensslMAC(t, "HMAC", "-digest", h.ossl)})
	}
	for _, size := range []int{16, 24, 32} {
		macs = append(macs, mac{fmt.Sprintf("CMAC-AES-%d", 8*size), ck.CKM_AES_CMAC, symRand(size), ck.CKK_AES, 16,
			symOpensslMAC(t, "CMAC", "-cipher", fmt.Sprintf("AES-%d-CBC", 8*size))})
	}
	macs = append(macs, mac{"CMAC-DES3", ck.CKM_DES3_CMAC, symRand(24), ck.CKK_DES3, 8, symOpensslMAC(t, "CMAC", "-cipher", "DES-EDE3-CBC")})
	cases := 0
	for _, m := range macs {
		t.Run(m.name, func(t *testing.T) {
			k := k.on(t)
			h := k.importKey(uint(m.kt), m.key)
			mech := k.a.Bytes(symWords(uint64(m.mech), 0, 0))
			symRawRV(t, raw, "C_MessageSignInit", 0, s, mech, uint64(h))
			symRawRV(t, raw, "C_MessageVerifyInit", 0, s, mech, uint64(h))
			for i, l := range symLens {
				data := symRand(l)
				want, err := m.ref(m.key, data)
				if err != nil {
					t.Fatalf("openssl mac: %v", err)
				}
				pData := k.a.Bytes(data)
				sig, sigLen := k.a.Buf(m.size), k.a.ULong(uint64(m.size))
				if i%2 == 0 {
					symRawRV(t, raw, "C_SignMessage", 0, s, 0, 0, pData, uint64(l), sig, sigLen)
				} else {
					symRawRV(t, raw, "C_SignMessageBegin", 0, s, 0, 0)
					half := uint64(l / 2)
					symRawRV(t, raw, "C_SignMessageNext", 0, s, 0, 0, pData, half, 0, 0)
					symRawRV(t, raw, "C_SignMessageNext", 0, s, 0, 0, pData+half, uint64(l)-half, sig, sigLen)
				}
				if got := capi.Read(sig, int(capi.ReadULong(sigLen))); !bytes.Equal(got, want) {
					t.Errorf("%d bytes (parts %v): token %x, openssl %x", l, i%2 == 1, got, want)
				}
				symRawRV(t, raw, "C_VerifyMessage", 0, s, 0, 0, pData, uint64(l), k.a.Bytes(want), uint64(len(want)))
				bad := append([]byte(nil), want...)
				bad[len(bad)-1] ^= 1
				symRawRV(t, raw, "C_VerifyMessage", uint64(ck.CKR_SIGNATURE_INVALID), s, 0, 0, pData, uint64(l), k.a.Bytes(bad), uint64(len(bad)))
				cases++
			}
			symRawRV(t, raw, "C_MessageSignFinal", 0, s)
			symRawRV(t, raw, "C_MessageVerifyFinal", 0, s)
		})
	}
	t.Logf("%d message-based MAC cases", cases)
}
