package mechanisms

import (
	"bytes"
	"encoding/asn1"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func ed448Keys(t testing.TB, params, seed, pub []byte) (*Key, *Key) {
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: map[ck.AttributeType][]byte{
			ck.CKA_EC_PARAMS: params, ck.CKA_EC_POINT: encodeECPoint(pub)}},
		&Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: map[ck.AttributeType][]byte{
			ck.CKA_EC_PARAMS: params, ck.CKA_VALUE: seed}}
}

func genKeyPair(t *testing.T, mech ck.MechanismType, kt ck.KeyType, params []byte) (*Key, *Key) {
	t.Helper()
	g := mustLookup(t, mech).(KeyPairGenerator)
	pa, va, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_EC_PARAMS, Value: params}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: kt, Attrs: pa}, &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: kt, Attrs: va}
}

// TestEd448Vectors: RFC 8032 7.4 (Ed448, with and without context) and 7.5
// (Ed448ph), and openssl-made pure Ed448 signatures, through CKM_EDDSA.
// Ed448 is deterministic: ours must be equal byte for byte.
func TestEd448Vectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_EDDSA)
	vs := append(readVectors(t, "testdata/ed448.txt"), readVectors(t, "testdata/ed448_openssl.txt")...)
	if len(vs) < 14 {
		t.Fatalf("only %d vectors", len(vs))
	}
	for i, v := range vs {
		params := derOID(t, curveEd448.oid)
		if i%2 == 1 {
			params = derPrintable(t, "edwards448")
		}
		pub, priv := ed448Keys(t, params, unhex(t, v["Secret"]), unhex(t, v["Public"]))
		if sk, err := ed448PrivateKey(priv); err != nil || !bytes.Equal(sk[57:], unhex(t, v["Public"])) {
			t.Fatalf("vector %d: public key differs (%v)", i, err)
		}
		var param any
		if v["PH"] == "1" || v["Context"] != "" {
			param = &ck.EdDSAParams{PHFlag: v["PH"] == "1", ContextData: unhex(t, v["Context"])}
		}
		msg, want := unhex(t, v["Message"]), unhex(t, v["Signature"])
		s, err := m.(Signer).SignInit(priv, param)
		if err != nil {
			t.Fatal(err)
		}
		if s.SignatureLen() != 114 {
			t.Errorf("SignatureLen %d", s.SignatureLen())
		}
		if got, err := s.Sign(msg); err != nil || !bytes.Equal(got, want) {
			t.Errorf("vector %d: signature differs (%v)", i, err)
		}
		vc, err := m.(Verifier).VerifyInit(pub, param)
		if err != nil {
			t.Fatal(err)
		}
		if err := vc.Verify(msg, want); err != nil {
			t.Errorf("vector %d: verify: %v", i, err)
		}
		bad := bytes.Clone(want)
		bad[7] ^= 1
		if err := vc.Verify(msg, bad); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("tampered: %v", err)
		}
		if err := vc.Verify(msg, want[:113]); err != ck.CKR_SIGNATURE_LEN_RANGE {
			t.Errorf("113 bytes: %v", err)
		}
		// Another variant (context or pre-hash flipped) must not verify.
		other := &ck.EdDSAParams{PHFlag: v["PH"] != "1", ContextData: []byte("x")}
		vc2, _ := m.(Verifier).VerifyInit(pub, other)
		if err := vc2.Verify(msg, want); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("vector %d verified under another variant: %v", i, err)
		}
	}
}

// TestEd448KeyGenOpenSSL: CKM_EC_EDWARDS_KEY_PAIR_GEN on Ed448 makes keys
// whose pure Ed448 signatures openssl verifies.
func TestEd448KeyGenOpenSSL(t *testing.T) {
	pub, priv := genKeyPair(t, ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, ck.CKK_EC_EDWARDS, derPrintable(t, "edwards448"))
	var point []byte
	if _, err := asn1.Unmarshal(pub.Attrs[ck.CKA_EC_POINT], &point); err != nil || len(point) != 57 || len(priv.Attrs[ck.CKA_VALUE]) != 57 {
		t.Fatalf("CKA_EC_POINT is not a DER OCTET STRING of 57 bytes, or CKA_VALUE is not 57 bytes")
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	dir := t.TempDir()
	for i := range 5 {
		spki := append([]byte{0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00}, point...)
		msg := bytes.Repeat([]byte{byte(i)}, 1+i*29)
		files := map[string][]byte{"pub.der": spki, "msg": msg, "sig": signWith(t, ck.CKM_EDDSA, priv, msg)}
		for n, b := range files {
			os.WriteFile(filepath.Join(dir, n), b, 0o600)
		}
		out, err := exec.Command(openssl, "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", filepath.Join(dir, "pub.der"),
			"-rawin", "-in", filepath.Join(dir, "msg"), "-sigfile", filepath.Join(dir, "sig")).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Signature Verified Successfully") {
			t.Errorf("openssl rejected signature %d: %s %v", i, out, err)
		}
	}
}

// TestX448Vectors: RFC 7748 6.2 and random keys, public values and shared
// secrets by openssl (testdata/x448.txt), through CKM_ECDH1_DERIVE; and
// generated X448 pairs agree.
func TestX448Vectors(t *testing.T) {
	vs := readVectors(t, "testdata/x448.txt")
	if len(vs) < 3 {
		t.Fatalf("only %d vectors", len(vs))
	}
	for _, v := range vs {
		k := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_MONTGOMERY, Attrs: map[ck.AttributeType][]byte{
			ck.CKA_EC_PARAMS: derOID(t, curveX448.oid), ck.CKA_VALUE: unhex(t, v["PrivA"])}}
		for _, peer := range [][]byte{unhex(t, v["PubB"]), encodeECPoint(unhex(t, v["PubB"]))} {
			z, err := derive(t, ck.CKM_ECDH1_DERIVE, k, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: peer}, nil)
			if err != nil || !bytes.Equal(z, unhex(t, v["Z"])) {
				t.Errorf("Z differs: %v", err)
			}
		}
	}
	pubA, privA := genKeyPair(t, ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, ck.CKK_EC_MONTGOMERY, derPrintable(t, "curve448"))
	pubB, privB := genKeyPair(t, ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, ck.CKK_EC_MONTGOMERY, derOID(t, curveX448.oid))
	p := func(pub *Key) *ck.ECDH1DeriveParams {
		return &ck.ECDH1DeriveParams{KDF: ck.CKD_SHA256_KDF, PublicData: pub.Attrs[ck.CKA_EC_POINT]}
	}
	ab, err1 := derive(t, ck.CKM_ECDH1_DERIVE, privA, p(pubB), ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(32)})
	ba, err2 := derive(t, ck.CKM_ECDH1_DERIVE, privB, p(pubA), ck.Template{keyTypeAttr(ck.CKK_AES), valueLen(32)})
	if err1 != nil || err2 != nil || !bytes.Equal(ab, ba) {
		t.Fatalf("sides disagree: %v %v", err1, err2)
	}
	for _, tc := range []struct {
		name string
		peer []byte
	}{
		{"zero point (low order)", make([]byte, 56)},
		{"short", make([]byte, 55)},
		{"an X25519 key", make([]byte, 32)},
	} {
		if _, err := derive(t, ck.CKM_ECDH1_DERIVE, privA, &ck.ECDH1DeriveParams{KDF: ck.CKD_NULL, PublicData: tc.peer}, nil); err != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestEdwardsCurveErrors: unknown curves and malformed parameters keep their codes.
func TestEdwardsCurveErrors(t *testing.T) {
	for _, tc := range []struct {
		mech   ck.MechanismType
		params []byte
		want   error
	}{
		{ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, derPrintable(t, "curve448"), ck.CKR_CURVE_NOT_SUPPORTED},
		{ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, derOID(t, curves[1].OID), ck.CKR_CURVE_NOT_SUPPORTED},
		{ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, derOID(t, curveEd448.oid), ck.CKR_CURVE_NOT_SUPPORTED},
		{ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, []byte{6, 9}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
	} {
		g := mustLookup(t, tc.mech).(KeyPairGenerator)
		if _, _, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_EC_PARAMS, Value: tc.params}}, nil); err != tc.want {
			t.Errorf("%v %x: %v, want %v", tc.mech, tc.params, err, tc.want)
		}
	}
	// An Ed448 key with a value of the wrong length cannot sign.
	_, priv := ed448Keys(t, derOID(t, curveEd448.oid), make([]byte, 32), make([]byte, 57))
	if _, err := mustLookup(t, ck.CKM_EDDSA).(Signer).SignInit(priv, nil); err != ck.CKR_KEY_TYPE_INCONSISTENT {
		t.Errorf("32-byte Ed448 seed: %v", err)
	}
}
