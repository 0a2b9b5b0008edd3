package interop

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// symCipherMode is one block-cipher mode as the token and `openssl enc`
// name it.
type symCipherMode struct {
	name   string
	mech   ck.MechanismType
	ossl   string                 // openssl enc cipher, %d the key bits
	evp    string                 // EVP cipher name for symevp, used for inputs over encMax bytes
	encMax int                    // longest input for openssl enc; 0: any, -1: none
	ivLen  int                    // 0: no IV (ECB)
	param  func(iv []byte) []byte // the mechanism parameter; nil: the IV itself
	lens   []int                  // input lengths the mode takes
	pad    bool                   // PKCS#7 padding (openssl without -nopad)
	sizes  []int                  // key bytes; nil: 16, 24, 32
}

// symCTRParam is CK_AES_CTR_PARAMS: ulCounterBits, then the counter block.
// With fewer than 128 bits the counter part of iv is cleared first (in
// place, so that OpenSSL gets the same block): OpenSSL counts on all 128
// bits, the token only within ulCounterBits, and the two agree while the
// counter does not wrap.
func symCTRParam(bits int) func(iv []byte) []byte {
	return func(iv []byte) []byte {
		if bits < 128 {
			for i := len(iv) - bits/8; i < len(iv); i++ {
				iv[i] = 0
			}
		}
		return append(symWords(uint64(bits)), iv...)
	}
}

var symAESModes = []symCipherMode{
	{name: "ECB", mech: ck.CKM_AES_ECB, ossl: "aes-%d-ecb", lens: symBlockLens(16)},
	{name: "CBC", mech: ck.CKM_AES_CBC, ossl: "aes-%d-cbc", ivLen: 16, lens: symBlockLens(16)},
	{name: "CBC_PAD", mech: ck.CKM_AES_CBC_PAD, ossl: "aes-%d-cbc", ivLen: 16, lens: symLens, pad: true},
	{name: "CTR128", mech: ck.CKM_AES_CTR, ossl: "aes-%d-ctr", ivLen: 16, lens: symLens, param: symCTRParam(128)},
	{name: "CTR32", mech: ck.CKM_AES_CTR, ossl: "aes-%d-ctr", ivLen: 16, lens: symLens, param: symCTRParam(32)},
	{name: "OFB", mech: ck.CKM_AES_OFB, ossl: "aes-%d-ofb", ivLen: 16, lens: symLens},
	{name: "CFB8", mech: ck.CKM_AES_CFB8, ossl: "aes-%d-cfb8", ivLen: 16, lens: symLens},
	{name: "CFB128", mech: ck.CKM_AES_CFB128, ossl: "aes-%d-cfb", ivLen: 16, lens: symLens},
	// OpenSSL's AES-CBC-CTS is CS1 by default, the variant NSS implements
	// for CKM_AES_CTS (the specification names none); at least one block.
	{name: "CTS", mech: ck.CKM_AES_CTS, ossl: "aes-%d-cbc-cts", evp: "AES-%d-CBC-CTS", encMax: 4096, ivLen: 16, lens: []int{16, 17, 31, 32, 33, 1000, 4096 + 3}},
	// XTS: the key is two AES keys; the IV is the 16-byte tweak; one data
	// unit of at least a block.
	{name: "XTS", mech: ck.CKM_AES_XTS, evp: "AES-%d-XTS", encMax: -1, ivLen: 16, lens: []int{16, 17, 31, 32, 1000, 4096 + 3}, sizes: []int{32, 64}},
}

// TestSymAESModes: every AES block mode with 128/192/256-bit keys (XTS:
// 2x128 and 2x256), imported and generated in the token, on inputs of the
// lengths the mode allows: the token's ciphertext, single-part and
// multi-part in odd chunks, equals `openssl enc`'s and `openssl enc -d`
// decrypts it; the token decrypts OpenSSL's ciphertext both ways.
func TestSymAESModes(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	k := newSymTok(t)
	cases := 0
	for _, m := range symAESModes {
		sizes := m.sizes
		if sizes == nil {
			sizes = []int{16, 24, 32}
		}
		for _, size := range sizes {
			keys := symAESKeys(k, m.mech, size)
			bits := size * 8
			if m.mech == ck.CKM_AES_XTS {
				bits = size * 4
			}
			t.Run(fmt.Sprintf("%s/%d", m.name, bits), func(t *testing.T) {
				cases += symRunCipher(k.on(t), m, bits, keys)
			})
		}
	}
	t.Logf("%d AES cases (a case: one key, one length, both directions, single- and multi-part)", cases)

	// Random lengths in random parts (0..2 blocks+1 each), for the modes
	// that buffer: openssl's ciphertext both ways. The seed is logged.
	r := symRandomSource(t)
	for _, m := range symAESModes {
		if m.mech == ck.CKM_AES_ECB || m.mech == ck.CKM_AES_CBC {
			continue // whole blocks only: the fixed lengths cover them
		}
		const bits = 256
		size := 32
		if m.mech == ck.CKM_AES_XTS {
			size = 64 // two AES-256 keys
		}
		keys := symAESKeys(k, m.mech, size)
		t.Run("random parts/"+m.name, func(t *testing.T) {
			k := k.on(t)
			ossl, evp := symName(m.ossl, bits), symName(m.evp, bits)
			for i := range 12 {
				key := keys[i%2]
				l := m.lens[0] + r.IntN(600)
				pt, iv := symRand(l), symRand(16)
				param := iv
				if m.param != nil {
					param = m.param(iv)
				}
				var want []byte
				var err error
				if m.encMax == -1 {
					want, err = k.symEVP(true, evp, key.value, iv, nil, 0, pt)
				} else {
					want, err = symOpensslEnc(t, ossl, key.value, iv, pt, m.pad, false)
				}
				hsmtest.Must(t, err, "openssl")
				mech := symMech(uint(m.mech), param)
				k.symRandomParts(r, m.name+" against openssl", mech, key.h, pt, want, 33)
			}
		})
	}

	// CTR with an 8-bit counter at 0xfe: the last two counter values give
	// OpenSSL's keystream; one byte more would wrap the counter into a
	// value already used (OpenSSL would carry into the nonce instead), so
	// the token refuses it.
	v := symRand(16)
	h := k.importKey(uint(ck.CKK_AES), v)
	iv := append(symRand(15), 0xfe)
	mech := symMech(uint(ck.CKM_AES_CTR), append(symWords(8), iv...))
	pt := symRand(33)
	want, err := symOpensslEnc(t, "aes-128-ctr", v, iv, pt[:32], false, false)
	hsmtest.Must(t, err, "openssl enc -aes-128-ctr")
	if got, err := k.encrypt(mech, h, pt[:32], false); err != nil || !bytes.Equal(got, want) {
		t.Errorf("CTR, 8-bit counter up to its end: %v (equal %v)", err, bytes.Equal(got, want))
	}
	_, err = k.encrypt(mech, h, pt, false)
	hsmtest.WantRV(t, err, "CTR past the end of an 8-bit counter", pkcs11.CKR_DATA_LEN_RANGE)
	_, err = k.encrypt(mech, h, pt, true)
	hsmtest.WantRV(t, err, "CTR past the end of an 8-bit counter, multi-part", pkcs11.CKR_DATA_LEN_RANGE)

	// CBC-PAD: a ciphertext whose last block does not decrypt to PKCS #7
	// padding is refused by OpenSSL and by the token, single- and multi-part.
	for _, tail := range [][]byte{{0}, {17}, {0x80}, {5, 2}, {3, 3, 4, 4}} {
		block := append(symRand(32-len(tail)), tail...)
		last := tail
		ct, err := symOpensslEnc(t, "aes-128-cbc", v, iv, block, false, false)
		hsmtest.Must(t, err, "openssl enc -nopad")
		if _, err := symOpensslEnc(t, "aes-128-cbc", v, iv, ct, true, true); err == nil {
			t.Errorf("openssl accepted padding ending %x (the check itself is broken)", last)
		}
		for _, multi := range []bool{false, true} {
			_, err := k.decrypt(symMech(uint(ck.CKM_AES_CBC_PAD), iv), h, ct, multi)
			hsmtest.WantRV(t, err, fmt.Sprintf("CBC_PAD with padding ending %x, multi-part %v", last, multi), pkcs11.CKR_ENCRYPTED_DATA_INVALID)
		}
	}
}

// symAESKeys imports a random key and generates one (CKM_AES_KEY_GEN, or
// CKM_AES_XTS_KEY_GEN for XTS) of size bytes.
func symAESKeys(k *symTok, mech ck.MechanismType, size int) []symKey {
	kt, gen := uint(ck.CKK_AES), uint(ck.CKM_AES_KEY_GEN)
	if mech == ck.CKM_AES_XTS {
		kt, gen = uint(ck.CKK_AES_XTS), uint(ck.CKM_AES_XTS_KEY_GEN)
	}
	v := symRand(size)
	gh, gv := k.genKey(gen, size)
	if len(gv) != size {
		k.t.Fatalf("C_GenerateKey(%#x, %d bytes) made a %d-byte key", gen, size, len(gv))
	}
	return []symKey{{k.importKey(kt, v), v, "imported"}, {gh, gv, "generated"}}
}

// symRunCipher runs mode m over its lengths, alternating the keys, and
// returns the number of cases.
func symRunCipher(k *symTok, m symCipherMode, bits int, keys []symKey) int {
	t := k.t
	n := 0
	ossl, evp := symName(m.ossl, bits), symName(m.evp, bits)
	// ref runs OpenSSL: the command line, or symevp for what enc cannot do.
	ref := func(key, iv, in []byte, decrypt bool) ([]byte, error) {
		if m.encMax != 0 && len(in) > m.encMax {
			return k.symEVP(!decrypt, evp, key, iv, nil, 0, in)
		}
		return symOpensslEnc(t, ossl, key, iv, in, m.pad, decrypt)
	}
	for i, l := range m.lens {
		key := keys[i%len(keys)]
		pt := symRand(l)
		var iv, param []byte
		if m.ivLen > 0 {
			iv = symRand(m.ivLen)
			param = iv
			if m.param != nil {
				param = m.param(iv)
			}
		}
		what := fmt.Sprintf("%s key, %d bytes", key.origin, l)
		mech := symMech(uint(m.mech), param)
		want, err := ref(key.value, iv, pt, false)
		if err != nil {
			t.Fatalf("openssl %s (%s): %v", ossl+evp, what, err)
		}
		k.symAgree(what, "openssl", mech, key.h, pt, want, func(ct []byte) ([]byte, error) { return ref(key.value, iv, ct, true) })
		n++
	}
	return n
}

// symName fills a cipher name's %d with the key bits, if it has one.
func symName(format string, bits int) string {
	if !strings.Contains(format, "%d") {
		return format
	}
	return fmt.Sprintf(format, bits)
}
