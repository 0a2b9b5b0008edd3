package mechanisms

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestPKCS8Montgomery: X25519 and X448 private keys wrap as the RFC 8410
// PKCS #8 openssl reads (the same public key), unwrap back to the same
// value and curve, and openssl's own X25519/X448 PKCS #8 unwraps to the
// scalar whose public key openssl gives; a template naming another curve is
// CKR_TEMPLATE_INCONSISTENT, a malformed CurvePrivateKey CKR_WRAPPED_KEY_INVALID.
func TestPKCS8Montgomery(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	dir := t.TempDir()
	run := func(stdin []byte, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(openssl, args...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("openssl %v: %v", args, err)
		}
		return out
	}
	pubOf := func(der []byte, n int) []byte { // the raw public key: the SPKI's last n bytes
		t.Helper()
		p := filepath.Join(dir, "k.der")
		os.WriteFile(p, der, 0o600)
		out := run(nil, "pkey", "-inform", "DER", "-in", p, "-pubout", "-outform", "DER")
		return out[len(out)-n:]
	}
	privTmpl := ck.Template{{Type: ck.CKA_CLASS, Value: ck.EncodeULong(ck.ULong(ck.CKO_PRIVATE_KEY))}}
	for _, tc := range []struct {
		c     *edCurve
		alg   string
		other *edCurve
	}{{curveX25519, "X25519", curveX448}, {curveX448, "X448", curveX25519}} {
		pub, priv := genKeyPair(t, ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, ck.CKK_EC_MONTGOMERY, derOID(t, tc.c.oid))
		der, err := wrapValue(priv)
		if err != nil {
			t.Fatalf("%s: wrap: %v", tc.alg, err)
		}
		point, _ := decodeOctetKey(pub.Attrs[ck.CKA_EC_POINT], tc.c.keyBytes)
		if !bytes.Equal(pubOf(der, tc.c.keyBytes), point) {
			t.Errorf("%s: openssl reads another public key from the wrapped PKCS #8", tc.alg)
		}
		attrs, err := privateKeyAttrs(der, privTmpl)
		if err != nil || !bytes.Equal(attrs[ck.CKA_VALUE], priv.Attrs[ck.CKA_VALUE]) || !bytes.Equal(attrs[ck.CKA_EC_PARAMS], derOID(t, tc.c.oid)) ||
			!bytes.Equal(attrs[ck.CKA_KEY_TYPE], ck.EncodeULong(ck.ULong(ck.CKK_EC_MONTGOMERY))) {
			t.Errorf("%s: unwrapped attributes differ: %v", tc.alg, err)
		}
		if _, err := privateKeyAttrs(der, append(privTmpl, ck.Attribute{Type: ck.CKA_EC_PARAMS, Value: derOID(t, tc.other.oid)})); err != ck.CKR_TEMPLATE_INCONSISTENT {
			t.Errorf("%s: template naming %s: %v", tc.alg, tc.other.name, err)
		}
		if attrs, err := privateKeyAttrs(der, append(privTmpl, ck.Attribute{Type: ck.CKA_EC_PARAMS, Value: derPrintable(t, tc.c.name)})); err != nil ||
			!bytes.Equal(attrs[ck.CKA_EC_PARAMS], derPrintable(t, tc.c.name)) {
			t.Errorf("%s: template naming the curve by name: %v", tc.alg, err)
		}

		theirs := run(nil, "genpkey", "-algorithm", tc.alg, "-outform", "DER")
		attrs, err = privateKeyAttrs(theirs, privTmpl)
		if err != nil {
			t.Fatalf("%s: openssl's PKCS #8: %v", tc.alg, err)
		}
		back, err := montgomeryPKCS8(&Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_MONTGOMERY, Attrs: attrs})
		if err != nil || !bytes.Equal(back, theirs) {
			t.Errorf("%s: openssl's PKCS #8 does not wrap back to the same bytes (%v)", tc.alg, err)
		}

		short, _ := asn1.Marshal(pkcs8Info{Algo: pkix.AlgorithmIdentifier{Algorithm: tc.c.oid}, PrivateKey: []byte{0x04, 0x02, 1, 2}})
		if _, err := privateKeyAttrs(short, privTmpl); err != ck.CKR_WRAPPED_KEY_INVALID {
			t.Errorf("%s: a 2-byte scalar: %v", tc.alg, err)
		}
	}
}
