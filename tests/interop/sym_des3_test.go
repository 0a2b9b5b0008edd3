package interop

import (
	"fmt"
	"math/bits"
	"testing"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// symDESKind is three-key (DES3) or two-key (DES2) triple DES, as PKCS#11
// and OpenSSL name it.
type symDESKind struct {
	name     string
	kt       ck.KeyType
	gen      ck.MechanismType
	size     int
	ecb, cbc string // openssl enc ciphers
	cmac     string // openssl mac -cipher
}

var symDESKinds = []symDESKind{
	{"DES3", ck.CKK_DES3, ck.CKM_DES3_KEY_GEN, 24, "des-ede3", "des-ede3-cbc", "DES-EDE3-CBC"},
	{"DES2", ck.CKK_DES2, ck.CKM_DES2_KEY_GEN, 16, "des-ede", "des-ede-cbc", "DES-EDE-CBC"},
}

// symOddParity reports whether every byte of v has odd parity, as DES keys
// should (PKCS#11: DES key generation sets the parity bits).
func symOddParity(v []byte) bool {
	for _, b := range v {
		if bits.OnesCount8(b)%2 != 1 {
			return false
		}
	}
	return true
}

// TestSymDES3: triple DES with three-key (DES3) and two-key (DES2) keys,
// imported and generated: ECB, CBC and CBC-PAD agree with `openssl enc`
// both ways, single- and multi-part; CMAC, CMAC_GENERAL, MAC and
// MAC_GENERAL agree with `openssl mac` / CBC under a zero IV. Generated
// keys have the right length and odd parity.
func TestSymDES3(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	k := newSymTok(t)
	ciphers, macs := 0, 0
	for _, d := range symDESKinds {
		v := symRand(d.size)
		gh, gv := k.genKey(uint(d.gen), 0)
		if len(gv) != d.size || !symOddParity(gv) {
			t.Errorf("%s: generated key of %d bytes, odd parity %v; want %d bytes with odd parity", d.gen, len(gv), symOddParity(gv), d.size)
		}
		keys := []symKey{{k.importKey(uint(d.kt), v), v, "imported"}, {gh, gv, "generated"}}
		for _, m := range []symCipherMode{
			{name: "ECB", mech: ck.CKM_DES3_ECB, ossl: d.ecb, lens: symBlockLens(8)},
			{name: "CBC", mech: ck.CKM_DES3_CBC, ossl: d.cbc, ivLen: 8, lens: symBlockLens(8)},
			{name: "CBC_PAD", mech: ck.CKM_DES3_CBC_PAD, ossl: d.cbc, ivLen: 8, lens: symLens, pad: true},
		} {
			t.Run(d.name+"/"+m.name, func(t *testing.T) { ciphers += symRunCipher(k.on(t), m, 0, keys) })
		}
		cmac := symOpensslMAC(t, "CMAC", "-cipher", d.cmac)
		cbc := symCBCMAC(t, d.cbc, 8)
		for _, m := range []symMAC{
			{name: "DES3_CMAC", mech: ck.CKM_DES3_CMAC, full: 8, ref: cmac},
			{name: "DES3_CMAC_GENERAL", mech: ck.CKM_DES3_CMAC_GENERAL, general: true, full: 8, max: 8, ref: cmac},
			{name: "DES3_MAC", mech: ck.CKM_DES3_MAC, full: 4, ref: cbc},
			{name: "DES3_MAC_GENERAL", mech: ck.CKM_DES3_MAC_GENERAL, general: true, full: 4, max: 8, ref: cbc},
		} {
			t.Run(fmt.Sprintf("%s/%s", d.name, m.name), func(t *testing.T) { macs += symRunMAC(k.on(t), m, keys) })
		}
	}
	t.Logf("%d triple-DES cipher cases, %d MAC cases", ciphers, macs)

	// CBC-PAD over random lengths in random parts, both directions (seed logged).
	r := symRandomSource(t)
	v := symRand(24)
	h := k.importKey(uint(ck.CKK_DES3), v)
	for range 12 {
		pt, iv := symRand(r.IntN(300)), symRand(8)
		want, err := symOpensslEnc(t, "des-ede3-cbc", v, iv, pt, true, false)
		hsmtest.Must(t, err, "openssl enc -des-ede3-cbc")
		mech := symMech(uint(ck.CKM_DES3_CBC_PAD), iv)
		k.symRandomParts(r, "DES3 CBC_PAD against openssl", mech, h, pt, want, 20)
	}
}
