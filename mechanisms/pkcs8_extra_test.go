package mechanisms

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestPKCS8Ed448AndSecp256k1: Ed448 and secp256k1 private keys wrap as
// PKCS #8 that openssl reads (same public key), unwrap back to the same
// attributes, and openssl-made PKCS #8 keys unwrap to the key openssl has.
func TestPKCS8Ed448AndSecp256k1(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	dir := t.TempDir()
	pubOf := func(der []byte, n int) []byte { // openssl's raw public key (last n bytes of the SPKI)
		t.Helper()
		p := filepath.Join(dir, "k.der")
		os.WriteFile(p, der, 0o600)
		out, err := exec.Command(openssl, "pkey", "-inform", "DER", "-in", p, "-pubout", "-outform", "DER").Output()
		if err != nil || len(out) < n {
			t.Fatalf("openssl cannot read the PKCS #8: %v", err)
		}
		return out[len(out)-n:]
	}
	privTmpl := ck.Template{{Type: ck.CKA_CLASS, Value: ck.EncodeULong(ck.ULong(ck.CKO_PRIVATE_KEY))}}
	for _, tc := range []struct {
		name      string
		pub, priv *Key
		point     func(pub *Key) []byte
		n         int
		genArgs   []string
		otherTmpl ck.Template
	}{
		{"Ed448", nil, nil, func(pub *Key) []byte { p, _ := ed448PublicKey(pub); return p }, 57,
			[]string{"genpkey", "-algorithm", "ED448", "-outform", "DER"},
			ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derPrintable(t, "edwards25519")}}},
		{"secp256k1", nil, nil, func(pub *Key) []byte { p, _ := DecodeECPoint(curveK1, pub.Attrs[ck.CKA_EC_POINT]); return p }, 65,
			[]string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-outform", "DER"},
			ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(t, curves[1].OID)}}},
	} {
		if tc.name == "Ed448" {
			tc.pub, tc.priv = genKeyPair(t, ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, ck.CKK_EC_EDWARDS, derOID(t, curveEd448.oid))
		} else {
			tc.pub, tc.priv = genECKeys(t, curveK1)
		}
		der, err := wrapValue(tc.priv)
		if err != nil {
			t.Fatalf("%s: wrap: %v", tc.name, err)
		}
		if !bytes.Equal(pubOf(der, tc.n), tc.point(tc.pub)) {
			t.Errorf("%s: openssl reads another public key", tc.name)
		}
		attrs, err := privateKeyAttrs(der, privTmpl)
		if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], tc.priv.Attrs[ck.CKA_VALUE]) {
			t.Errorf("%s: unwrapped value differs: %v", tc.name, err)
		}
		if _, err := privateKeyAttrs(der, append(privTmpl, tc.otherTmpl...)); err != ck.CKR_TEMPLATE_INCONSISTENT {
			t.Errorf("%s: template naming another curve: %v", tc.name, err)
		}
		// openssl's own key, as PKCS #8 (genpkey writes EC keys as SEC 1).
		gen, err := exec.Command(openssl, tc.genArgs...).Output()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(openssl, "pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-outform", "DER")
		cmd.Stdin = bytes.NewReader(gen)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		attrs, err = privateKeyAttrs(out, privTmpl)
		if err != nil {
			t.Fatalf("%s: openssl's PKCS #8: %v", tc.name, err)
		}
		kt, _ := ck.DecodeULong(attrs[ck.CKA_KEY_TYPE])
		k := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.KeyType(kt), Attrs: attrs}
		var got []byte
		if tc.name == "Ed448" {
			sk, err := ed448PrivateKey(k)
			if err != nil {
				t.Fatal(err)
			}
			got = sk[57:]
		} else {
			sk, err := k1PrivateKey(k)
			if err != nil {
				t.Fatal(err)
			}
			got = sk.PubKey().SerializeUncompressed()
		}
		if !bytes.Equal(got, pubOf(out, tc.n)) {
			t.Errorf("%s: key from openssl's PKCS #8 has another public key", tc.name)
		}
	}
	if _, err := privateKeyAttrs([]byte{0x30, 0x03, 0x02, 0x01, 0x00}, privTmpl); err != ck.CKR_WRAPPED_KEY_INVALID {
		t.Errorf("garbage: %v", err)
	}
}
