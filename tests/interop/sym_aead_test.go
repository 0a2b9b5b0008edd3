package interop

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// symAEADShape is one IV (nonce) length, tag length and AAD length.
type symAEADShape struct{ iv, tag, aad int }

// symAEAD is one AEAD mechanism: how to build its parameter and what
// libcrypto calls the cipher.
type symAEAD struct {
	name   string
	mech   ck.MechanismType
	evp    string // %d: key bits
	sizes  []int
	kt     ck.KeyType
	gen    ck.MechanismType
	shapes []symAEADShape
	param  func(k *symTok, iv, aad []byte, tag, dataLen int) []byte
}

// evpName is libcrypto's name of the cipher with a size-byte key.
func (m symAEAD) evpName(size int) string {
	if m.kt == ck.CKK_AES {
		return fmt.Sprintf(m.evp, 8*size)
	}
	return m.evp
}

var symAEADs = []symAEAD{
	{
		name: "GCM", mech: ck.CKM_AES_GCM, evp: "AES-%d-GCM", sizes: []int{16, 24, 32}, kt: ck.CKK_AES, gen: ck.CKM_AES_KEY_GEN,
		// Every IV length with SP 800-38D's tags of 32..128 bits (14 shapes:
		// symRunAEAD uses each once per key size); symGCMTagGrid has them all.
		shapes: []symAEADShape{{12, 16, 0}, {12, 12, 20}, {12, 13, 1}, {12, 15, 1000}, {16, 16, 13}, {8, 16, 0}, {1, 16, 5}, {60, 16, 64},
			{12, 4, 0}, {12, 8, 7}, {1, 4, 3}, {60, 8, 20}, {16, 14, 1}, {13, 15, 0}},
		param: func(k *symTok, iv, aad []byte, tag, _ int) []byte {
			return symWords(k.ptr(iv), uint64(len(iv)), uint64(8*len(iv)), k.ptr(aad), uint64(len(aad)), uint64(8*tag))
		},
	},
	{
		name: "CCM", mech: ck.CKM_AES_CCM, evp: "AES-%d-CCM", sizes: []int{16, 24, 32}, kt: ck.CKK_AES, gen: ck.CKM_AES_KEY_GEN,
		// Nonces of 7..13 bytes, MACs of 4..16 even bytes.
		shapes: []symAEADShape{{13, 16, 0}, {7, 4, 20}, {8, 6, 1}, {11, 8, 1000}, {12, 10, 13}, {10, 12, 0}, {9, 14, 5}, {13, 16, 64}},
		param: func(k *symTok, nonce, aad []byte, tag, dataLen int) []byte {
			return symWords(uint64(dataLen), k.ptr(nonce), uint64(len(nonce)), k.ptr(aad), uint64(len(aad)), uint64(tag))
		},
	},
	{
		name: "ChaCha20-Poly1305", mech: ck.CKM_CHACHA20_POLY1305, evp: "ChaCha20-Poly1305", sizes: []int{32}, kt: ck.CKK_CHACHA20, gen: ck.CKM_CHACHA20_KEY_GEN,
		shapes: []symAEADShape{{12, 16, 0}, {12, 16, 20}, {12, 16, 1}, {12, 16, 1000}},
		param: func(k *symTok, nonce, aad []byte, _, _ int) []byte {
			return symWords(k.ptr(nonce), uint64(len(nonce)), k.ptr(aad), uint64(len(aad)))
		},
	},
}

// TestSymAEAD: AES-GCM, AES-CCM (128/192/256) and ChaCha20-Poly1305 with
// imported and generated keys, various IV/nonce, tag and AAD lengths, on
// inputs of 0..4099 bytes: the token's ciphertext and tag, single-part and
// multi-part, equal libcrypto's (EVP, through symevp); the token decrypts
// libcrypto's; libcrypto decrypts the token's; and a flipped tag bit is
// refused by both (CKR_ENCRYPTED_DATA_INVALID from the token).
func TestSymAEAD(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	k := newSymTok(t)
	cases := 0
	for _, m := range symAEADs {
		for _, size := range m.sizes {
			v := symRand(size)
			gh, gv := k.genKey(uint(m.gen), size)
			keys := []symKey{{k.importKey(uint(m.kt), v), v, "imported"}, {gh, gv, "generated"}}
			evp := m.evpName(size)
			t.Run(fmt.Sprintf("%s/%d", m.name, 8*size), func(t *testing.T) {
				cases += symRunAEAD(k.on(t), m, evp, keys)
			})
		}
	}
	t.Logf("%d AEAD cases", cases)
	t.Run("GCM tag and IV lengths", func(t *testing.T) { symGCMTagGrid(k.on(t), hsmtest.Raw(t)) })

	// Random lengths in random parts, both directions (seed logged).
	r := symRandomSource(t)
	for _, m := range symAEADs {
		size := m.sizes[len(m.sizes)-1]
		v := symRand(size)
		h := k.importKey(uint(m.kt), v)
		evp := m.evpName(size)
		t.Run("random parts/"+m.name, func(t *testing.T) {
			k := k.on(t)
			for i := range 12 {
				sh := m.shapes[i%len(m.shapes)]
				l := r.IntN(700)
				pt, iv, aad := symRand(l), symRand(sh.iv), symRand(sh.aad)
				mech := symMech(uint(m.mech), m.param(k, iv, aad, sh.tag, l))
				want, err := k.symEVP(true, evp, v, iv, aad, sh.tag, pt)
				hsmtest.Must(t, err, "libcrypto")
				k.symRandomParts(r, m.name+" against libcrypto", mech, h, pt, want, 40)
			}
		})
	}
}

func symRunAEAD(k *symTok, m symAEAD, evp string, keys []symKey) int {
	t := k.t
	n := 0
	for i, l := range symLens {
		for j, key := range keys {
			sh := m.shapes[(2*i+j)%len(m.shapes)]
			pt, iv, aad := symRand(l), symRand(sh.iv), symRand(sh.aad)
			what := fmt.Sprintf("%s key, %d bytes, IV %d, tag %d, AAD %d", key.origin, l, sh.iv, sh.tag, sh.aad)
			mech := symMech(uint(m.mech), m.param(k, iv, aad, sh.tag, l))
			want, err := k.symEVP(true, evp, key.value, iv, aad, sh.tag, pt)
			if err != nil {
				t.Fatalf("%s: libcrypto encryption: %v", what, err)
			}
			ct := k.symAgree(what, "libcrypto", mech, key.h, pt, want, func(ct []byte) ([]byte, error) {
				return k.symEVP(false, evp, key.value, iv, aad, sh.tag, ct)
			})
			if ct != nil { // a flipped tag bit is refused by both
				bad := append([]byte(nil), ct...)
				bad[len(bad)-1] ^= 0x80
				if _, err := k.symEVP(false, evp, key.value, iv, aad, sh.tag, bad); err == nil {
					t.Errorf("%s: libcrypto accepted a flipped tag bit (the check itself is broken)", what)
				}
				_, err = k.decrypt(mech, key.h, bad, false)
				hsmtest.WantRV(t, err, what+": token decrypting a flipped tag bit", pkcs11.CKR_ENCRYPTED_DATA_INVALID)
			}
			n++
		}
	}
	return n
}

// symGCMTagGrid: AES-GCM with every SP 800-38D tag length (32, 64, 96, 104,
// 112, 120, 128 bits) and IVs of 1..60 bytes, both directions against
// libcrypto, single- and multi-part; a flipped tag bit is refused with
// CKR_ENCRYPTED_DATA_INVALID and no plaintext: C_Decrypt leaves the
// caller's buffer untouched and C_DecryptUpdate returns nothing.
func symGCMTagGrid(k *symTok, raw *capi.Lib) {
	t := k.t
	gcm := symAEADs[0]
	n := 0
	for _, tag := range []int{4, 8, 12, 13, 14, 15, 16} {
		for _, ivLen := range []int{1, 8, 12, 13, 16, 60} {
			size := gcm.sizes[n%3]
			v := symRand(size)
			h := k.importKey(uint(gcm.kt), v)
			l := []int{0, 1, 17, 100}[n%4]
			pt, iv, aad := symRand(l), symRand(ivLen), symRand(n%5)
			what := fmt.Sprintf("AES-%d, IV %d, tag %d, %d bytes", 8*size, ivLen, tag, l)
			param := gcm.param(k, iv, aad, tag, l)
			evp := gcm.evpName(size)
			want, err := k.symEVP(true, evp, v, iv, aad, tag, pt)
			if err != nil {
				t.Fatalf("%s: libcrypto encryption: %v", what, err)
			}
			ct := k.symAgree(what, "libcrypto", symMech(uint(gcm.mech), param), h, pt, want, func(ct []byte) ([]byte, error) {
				return k.symEVP(false, evp, v, iv, aad, tag, ct)
			})
			if ct != nil {
				bad := append([]byte(nil), ct...)
				bad[len(bad)-1-n%tag] ^= byte(1 << (n % 8))
				if _, err := k.symEVP(false, evp, v, iv, aad, tag, bad); err == nil {
					t.Errorf("%s: libcrypto accepted a flipped tag bit (the check itself is broken)", what)
				}
				symGCMRefused(t, raw, k, what, k.a.Mechanism(uint64(gcm.mech), param), uint64(h), bad)
			}
			n++
		}
	}
	t.Logf("%d GCM tag and IV length cases", n)
}

// symGCMRefused decrypts bad through the C ABI, single-part into a zeroed
// buffer and in two parts, and wants CKR_ENCRYPTED_DATA_INVALID with no
// byte of output either way.
func symGCMRefused(t *testing.T, raw *capi.Lib, k *symTok, what string, mech, h uint64, bad []byte) {
	t.Helper()
	s, in := uint64(k.s), k.a.Bytes(bad)
	invalid := uint64(pkcs11.CKR_ENCRYPTED_DATA_INVALID)
	symRawRV(t, raw, "C_DecryptInit", 0, s, mech, h)
	out, outLen := k.a.Buf(len(bad)), k.a.ULong(uint64(len(bad)))
	if rv := raw.Call("C_Decrypt", s, in, uint64(len(bad)), out, outLen); rv != invalid {
		t.Errorf("%s: C_Decrypt of a flipped tag bit = %s", what, hsmtest.RVName(uint(rv)))
	}
	if !bytes.Equal(capi.Read(out, len(bad)), make([]byte, len(bad))) {
		t.Errorf("%s: C_Decrypt wrote into the buffer before refusing the tag", what)
	}
	symRawRV(t, raw, "C_DecryptInit", 0, s, mech, h)
	half := uint64(len(bad) / 2)
	for _, part := range [][2]uint64{{in, half}, {in + half, uint64(len(bad)) - half}} {
		outLen = k.a.ULong(uint64(len(bad)))
		symRawRV(t, raw, "C_DecryptUpdate", 0, s, part[0], part[1], out, outLen)
		if n := capi.ReadULong(outLen); n != 0 {
			t.Errorf("%s: C_DecryptUpdate released %d bytes before the tag was checked", what, n)
		}
	}
	outLen = k.a.ULong(uint64(len(bad)))
	if rv := raw.Call("C_DecryptFinal", s, out, outLen); rv != invalid {
		t.Errorf("%s: C_DecryptFinal of a flipped tag bit = %s", what, hsmtest.RVName(uint(rv)))
	}
	if !bytes.Equal(capi.Read(out, len(bad)), make([]byte, len(bad))) {
		t.Errorf("%s: C_DecryptFinal wrote plaintext before refusing the tag", what)
	}
}
