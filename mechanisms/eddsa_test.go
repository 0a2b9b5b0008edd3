package mechanisms

import (
	"bytes"
	"crypto/ed25519"
	"encoding/asn1"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

func edParams(t testing.TB) []byte { return derOID(t, oidEd25519) }

func edKeys(t testing.TB, seed []byte) (pub, priv *Key) {
	sk := ed25519.NewKeyFromSeed(seed)
	pub = &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_EC_PARAMS: edParams(t), ck.CKA_EC_POINT: encodeECPoint(sk.Public().(ed25519.PublicKey))}}
	priv = &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_EC_PARAMS: derPrintable(t, "edwards25519"), ck.CKA_VALUE: seed}}
	return pub, priv
}

// TestEd25519Vectors: RFC 8032 section 7.1 keys and messages and random ones,
// signatures by openssl (testdata/ed25519.txt). Ed25519 is deterministic,
// so ours must be equal byte for byte.
func TestEd25519Vectors(t *testing.T) {
	m := mustLookup(t, ck.CKM_EDDSA)
	for _, v := range readVectors(t, "testdata/ed25519.txt") {
		pub, priv := edKeys(t, unhex(t, v["Seed"]))
		if p, _ := ed25519PublicKey(pub); !bytes.Equal(p, unhex(t, v["Pub"])) {
			t.Fatalf("seed %s: public key differs from openssl's", v["Seed"][:8])
		}
		msg, want := unhex(t, v["Msg"]), unhex(t, v["Sig"])
		s, err := m.(Signer).SignInit(priv, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Sign(msg); err != nil || !bytes.Equal(got, want) {
			t.Errorf("seed %s: signature differs (%v)", v["Seed"][:8], err)
		}
		// The public key may also come as the raw 32 bytes.
		rawPub := &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: map[ck.AttributeType][]byte{
			ck.CKA_EC_PARAMS: edParams(t), ck.CKA_EC_POINT: unhex(t, v["Pub"])}}
		for _, k := range []*Key{pub, rawPub} {
			vc, err := m.(Verifier).VerifyInit(k, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := vc.Verify(msg, want); err != nil {
				t.Errorf("verify: %v", err)
			}
		}
		bad := bytes.Clone(want)
		bad[5] ^= 1
		vc, _ := m.(Verifier).VerifyInit(pub, nil)
		if err := vc.Verify(msg, bad); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("tampered: %v", err)
		}
		if err := vc.Verify(msg, want[:63]); err != ck.CKR_SIGNATURE_LEN_RANGE {
			t.Errorf("63 bytes: %v", err)
		}
	}
}

// TestEd25519Variants: Ed25519ph and Ed25519ctx signatures verify under
// their own parameter only.
func TestEd25519Variants(t *testing.T) {
	m := mustLookup(t, ck.CKM_EDDSA)
	pub, priv := genEdKeys(t)
	params := []any{nil, &ck.EdDSAParams{PHFlag: true}, &ck.EdDSAParams{ContextData: []byte("ctx")},
		&ck.EdDSAParams{PHFlag: true, ContextData: []byte("ctx")}, &ck.EdDSAParams{ContextData: []byte("other")}}
	msg := []byte("message")
	for i, p := range params {
		s, err := m.(Signer).SignInit(priv, p)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := s.Sign(msg)
		for j, q := range params {
			vc, _ := m.(Verifier).VerifyInit(pub, q)
			err := vc.Verify(msg, sig)
			if (i == j) != (err == nil) {
				t.Errorf("signed with %d, verified with %d: %v", i, j, err)
			}
		}
	}
	// Pure Ed25519 from an empty parameter structure.
	s, _ := m.(Signer).SignInit(priv, &ck.EdDSAParams{})
	sig, _ := s.Sign(msg)
	vc, _ := m.(Verifier).VerifyInit(pub, nil)
	if err := vc.Verify(msg, sig); err != nil {
		t.Errorf("empty EdDSA params are not pure Ed25519: %v", err)
	}
}

func genEdKeys(t testing.TB) (pub, priv *Key) {
	g := mustLookup(t, ck.CKM_EC_EDWARDS_KEY_PAIR_GEN).(KeyPairGenerator)
	pa, va, err := g.GenerateKeyPair(ck.Template{{Type: ck.CKA_EC_PARAMS, Value: edParams(t)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: pa},
		&Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: va}
}

func TestEdKeyPairGen(t *testing.T) {
	pub, priv := genEdKeys(t)
	var inner []byte
	if rest, err := asn1.Unmarshal(pub.Attrs[ck.CKA_EC_POINT], &inner); err != nil || len(rest) != 0 || len(inner) != 32 {
		t.Fatalf("CKA_EC_POINT is not a DER OCTET STRING of 32 bytes")
	}
	if !bytes.Equal(ed25519.NewKeyFromSeed(priv.Attrs[ck.CKA_VALUE]).Public().(ed25519.PublicKey), inner) {
		t.Fatal("CKA_VALUE does not give CKA_EC_POINT")
	}
	if kt, _ := ck.DecodeULong(pub.Attrs[ck.CKA_KEY_TYPE]); ck.KeyType(kt) != ck.CKK_EC_EDWARDS {
		t.Fatalf("key type %d", kt)
	}
	g := mustLookup(t, ck.CKM_EC_EDWARDS_KEY_PAIR_GEN).(KeyPairGenerator)
	for _, tc := range []struct {
		name string
		pub  ck.Template
		want error
	}{
		{"by name", ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derPrintable(t, "edwards25519")}}, nil},
		{"X448 params", ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(t, asn1.ObjectIdentifier{1, 3, 101, 111})}}, ck.CKR_CURVE_NOT_SUPPORTED},
		{"P-256", ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(t, curves[1].OID)}}, ck.CKR_CURVE_NOT_SUPPORTED},
		{"no params", nil, ck.CKR_TEMPLATE_INCOMPLETE},
		{"garbage", ck.Template{{Type: ck.CKA_EC_PARAMS, Value: []byte{1}}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
	} {
		if _, _, err := g.GenerateKeyPair(tc.pub, nil); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestEdDSAErrors(t *testing.T) {
	m := mustLookup(t, ck.CKM_EDDSA)
	pub, priv := genEdKeys(t)
	_, ecPriv := genECKeys(t, curves[1])
	short := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC_EDWARDS, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_EC_PARAMS: edParams(t), ck.CKA_VALUE: make([]byte, 31)}}
	for _, tc := range []struct {
		name  string
		key   *Key
		param any
		want  error
	}{
		{"ECDSA key", ecPriv, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"public key", pub, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"31-byte secret", short, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"context of 256 bytes", priv, &ck.EdDSAParams{ContextData: make([]byte, 256)}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"raw parameter bytes", priv, []byte{1}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"nil params pointer", priv, (*ck.EdDSAParams)(nil), ck.CKR_MECHANISM_PARAM_INVALID},
	} {
		if _, err := m.(Signer).SignInit(tc.key, tc.param); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	s, _ := m.(Signer).SignInit(priv, nil)
	if _, ok := s.(MultipartSign); ok {
		t.Error("CKM_EDDSA must be single-part")
	}
}

// TestEd25519OpenSSLVerifiesOurs: openssl verifies signatures of keys gohsm generated.
func TestEd25519OpenSSLVerifiesOurs(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	dir := t.TempDir()
	for i := range 10 {
		pub, priv := genEdKeys(t)
		p, _ := ed25519PublicKey(pub)
		// SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): fixed prefix + key.
		spki := append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}, p...)
		msg := bytes.Repeat([]byte{byte(i)}, 1+i*13)
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

func init() {
	var pub, priv *Key
	keys := func(t *testing.T) {
		if pub == nil {
			pub, priv = genEdKeys(t)
		}
	}
	addFixture(fixture{signKey: func(t *testing.T) *Key { keys(t); return priv }, verifyKey: func(t *testing.T) *Key { keys(t); return pub }}, ck.CKM_EDDSA)
	addFixture(fixture{pubTmpl: ck.Template{{Type: ck.CKA_EC_PARAMS, Value: derOID(nil, oidEd25519)}}}, ck.CKM_EC_EDWARDS_KEY_PAIR_GEN)
}

// FuzzDecodeEdwardsPoint: any bytes give a 32-byte key or
// CKR_ATTRIBUTE_VALUE_INVALID, never a panic; a decoded key round-trips.
func FuzzDecodeEdwardsPoint(f *testing.F) {
	_, priv := edKeys(f, make([]byte, 32))
	pub := ed25519.NewKeyFromSeed(priv.Attrs[ck.CKA_VALUE]).Public().(ed25519.PublicKey)
	f.Add([]byte(pub))
	f.Add(encodeECPoint(pub))
	f.Add([]byte{4, 0x20})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeEdwardsPoint(b)
		if err != nil {
			if err != ck.CKR_ATTRIBUTE_VALUE_INVALID {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(p) != 32 {
			t.Fatalf("%d bytes", len(p))
		}
		if again, err := DecodeEdwardsPoint(encodeECPoint(p)); err != nil || !bytes.Equal(again, p) {
			t.Fatal("round trip")
		}
	})
}
