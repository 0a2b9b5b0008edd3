package mechanisms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

var ecdsaHashMechs = map[crypto.Hash]ck.MechanismType{
	crypto.SHA1:     ck.CKM_ECDSA_SHA1,
	crypto.SHA224:   ck.CKM_ECDSA_SHA224,
	crypto.SHA256:   ck.CKM_ECDSA_SHA256,
	crypto.SHA384:   ck.CKM_ECDSA_SHA384,
	crypto.SHA512:   ck.CKM_ECDSA_SHA512,
	crypto.SHA3_224: ck.CKM_ECDSA_SHA3_224,
	crypto.SHA3_256: ck.CKM_ECDSA_SHA3_256,
	crypto.SHA3_384: ck.CKM_ECDSA_SHA3_384,
	crypto.SHA3_512: ck.CKM_ECDSA_SHA3_512,
}

var hashByName = map[string]crypto.Hash{
	"SHA-1": crypto.SHA1, "SHA-224": crypto.SHA224, "SHA-256": crypto.SHA256, "SHA-384": crypto.SHA384, "SHA-512": crypto.SHA512,
	"sha1": crypto.SHA1, "sha224": crypto.SHA224, "sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512,
	"sha3-224": crypto.SHA3_224, "sha3-256": crypto.SHA3_256, "sha3-384": crypto.SHA3_384, "sha3-512": crypto.SHA3_512,
}

// opensslName is the openssl dgst option name of h: sha256, sha3-256 ...
func opensslName(h crypto.Hash) string {
	s := strings.ToLower(h.String())
	if strings.HasPrefix(s, "sha-") {
		return "sha" + s[4:]
	}
	return s
}

func hashOf(h crypto.Hash, data []byte) []byte {
	hh := h.New()
	hh.Write(data)
	return hh.Sum(nil)
}

func leftPad(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out[n-len(b):], b)
	return out
}

// verifyAllWays verifies sig over msg with CKM_ECDSA_SHA* single-part and
// multipart, and with CKM_ECDSA over the hash; all three must agree.
func verifyAllWays(t *testing.T, pub *Key, h crypto.Hash, msg, sig []byte) error {
	t.Helper()
	m := mustLookup(t, ecdsaHashMechs[h]).(Verifier)
	v, err := m.VerifyInit(pub, nil)
	if err != nil {
		return err
	}
	single := v.Verify(msg, sig)
	v, _ = m.VerifyInit(pub, nil)
	mv := v.(MultipartVerify)
	for i := 0; i < len(msg); i += 10 {
		if err := mv.Update(msg[i:min(i+10, len(msg))]); err != nil {
			t.Fatal(err)
		}
	}
	multi := mv.Final(sig)
	raw, err := mustLookup(t, ck.CKM_ECDSA).(Verifier).VerifyInit(pub, nil)
	if err != nil {
		t.Fatal(err)
	}
	pre := raw.Verify(hashOf(h, msg), sig)
	if single != multi || single != pre {
		t.Fatalf("single-part %v, multipart %v, CKM_ECDSA %v disagree", single, multi, pre)
	}
	return single
}

// TestECDSASigVer runs the NIST CAVP ECDSA SigVer vectors (FIPS 186-3,
// testdata/ecdsa_sigver.rsp) for P-224..P-521 with SHA-1..SHA-512.
func TestECDSASigVer(t *testing.T) {
	n := 0
	for _, v := range readVectors(t, "testdata/ecdsa_sigver.rsp") {
		curveName, hashName, _ := strings.Cut(v["Section"], ",")
		c, h := curveByName(t, curveName), hashByName[hashName]
		point := append([]byte{4}, leftPad(unhex(t, v["Qx"]), c.Size())...)
		point = append(point, leftPad(unhex(t, v["Qy"]), c.Size())...)
		sig := append(leftPad(unhex(t, v["R"]), c.Size()), leftPad(unhex(t, v["S"]), c.Size())...)
		pass := strings.HasPrefix(v["Result"], "P")
		err := verifyAllWays(t, ecKeyFromPoint(t, c, point), h, unhex(t, v["Msg"]), sig)
		switch {
		case pass && err != nil:
			t.Errorf("%s: valid signature rejected: %v", v["Section"], err)
		case !pass && err == nil:
			t.Errorf("%s: %s accepted", v["Section"], v["Result"])
		case !pass && err != ck.CKR_SIGNATURE_INVALID && !(strings.Contains(v["Result"], "Q changed") && err == ck.CKR_KEY_TYPE_INCONSISTENT):
			t.Errorf("%s: err = %v, want CKR_SIGNATURE_INVALID", v["Section"], err)
		}
		n++
	}
	if n != 300 {
		t.Fatalf("ran %d vectors, want 300", n)
	}
}

// TestECDSAOpenSSLVectors: keys and signatures made by the openssl command
// line (testdata/ecdsa_openssl.txt). The private scalar must parse to the
// public point, openssl's signatures must verify, and ours must too.
func TestECDSAOpenSSLVectors(t *testing.T) {
	for _, v := range readVectors(t, "testdata/ecdsa_openssl.txt") {
		c, h := curveByName(t, v["Curve"]), hashByName[v["Hash"]]
		pub := ecKeyFromPoint(t, c, unhex(t, v["Q"]))
		priv := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{
			ck.CKA_EC_PARAMS: derPrintable(t, v["Curve"]), ck.CKA_VALUE: unhex(t, v["D"])}}
		k, err := ecPrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		if q, _ := k.PublicKey.Bytes(); !bytes.Equal(q, unhex(t, v["Q"])) {
			t.Fatalf("%s: D does not give Q", c.Name)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(unhex(t, v["SigDER"]), &rs); err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 2*c.Size())
		rs.R.FillBytes(sig[:c.Size()])
		rs.S.FillBytes(sig[c.Size():])
		msg := unhex(t, v["Msg"])
		if err := verifyAllWays(t, pub, h, msg, sig); err != nil {
			t.Errorf("%s %s: openssl signature rejected: %v", c.Name, v["Hash"], err)
		}
		s, err := mustLookup(t, ecdsaHashMechs[h]).(Signer).SignInit(priv, nil)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := s.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := verifyAllWays(t, pub, h, msg, ours); err != nil {
			t.Errorf("%s %s: own signature rejected: %v", c.Name, v["Hash"], err)
		}
	}
}

func TestECDSARoundTrip(t *testing.T) {
	msg := []byte("a message of some length, signed in parts and whole")
	for _, c := range curves {
		pub, priv := genECKeys(t, c)
		for h, typ := range ecdsaHashMechs {
			m := mustLookup(t, typ)
			s, err := m.(Signer).SignInit(priv, nil)
			if err != nil {
				t.Fatal(err)
			}
			ms, ok := s.(MultipartSign)
			if !ok {
				t.Fatalf("%v: context is not multipart", typ)
			}
			ms.Update(msg[:5])
			ms.Update(msg[5:])
			sig, err := ms.Final()
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != s.SignatureLen() || len(sig) != 2*c.Size() {
				t.Fatalf("%s %v: signature %d bytes, SignatureLen %d", c.Name, typ, len(sig), s.SignatureLen())
			}
			if err := verifyAllWays(t, pub, h, msg, sig); err != nil {
				t.Errorf("%s %v: %v", c.Name, typ, err)
			}
			bad := bytes.Clone(sig)
			bad[len(bad)/2] ^= 0x80
			if err := verifyAllWays(t, pub, h, msg, bad); err != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("%s %v: tampered: %v", c.Name, typ, err)
			}
			if err := verifyAllWays(t, pub, h, append(bytes.Clone(msg), 0), sig); err != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("%s %v: other message: %v", c.Name, typ, err)
			}
			for _, l := range []int{0, len(sig) - 1, len(sig) + 1} {
				sig2 := make([]byte, l)
				copy(sig2, sig)
				if err := verifyAllWays(t, pub, h, msg, sig2); err != ck.CKR_SIGNATURE_LEN_RANGE {
					t.Errorf("%s %v: signature of %d bytes: %v", c.Name, typ, l, err)
				}
			}
			if err := verifyAllWays(t, pub, h, msg, make([]byte, len(sig))); err != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("%s %v: zero signature: %v", c.Name, typ, err)
			}
		}
	}
}

// TestECDSARawHashLengths: CKM_ECDSA signs a hash of any length, truncated
// to the order's bit length, and is single-part only.
func TestECDSARawHashLengths(t *testing.T) {
	for _, c := range curves {
		pub, priv := genECKeys(t, c)
		for _, n := range []int{0, 1, 20, c.Size(), c.Size() + 1, 64, 100} {
			digest := make([]byte, n)
			rand.Read(digest)
			s, err := mustLookup(t, ck.CKM_ECDSA).(Signer).SignInit(priv, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := s.(MultipartSign); ok {
				t.Fatal("CKM_ECDSA must be single-part")
			}
			sig, err := s.Sign(digest)
			if err != nil {
				t.Fatalf("%s hash of %d bytes: %v", c.Name, n, err)
			}
			v, _ := mustLookup(t, ck.CKM_ECDSA).(Verifier).VerifyInit(pub, nil)
			if _, ok := v.(MultipartVerify); ok {
				t.Fatal("CKM_ECDSA must be single-part")
			}
			if err := v.Verify(digest, sig); err != nil {
				t.Errorf("%s hash of %d bytes: %v", c.Name, n, err)
			}
		}
	}
}

func TestECDSAInitErrors(t *testing.T) {
	pub, priv := genECKeys(t, curves[1])
	aes := &Key{Class: ck.CKO_SECRET_KEY, KeyType: ck.CKK_AES, Attrs: map[ck.AttributeType][]byte{ck.CKA_VALUE: make([]byte, 16)}}
	rsaPriv := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_RSA, Attrs: priv.Attrs}
	k1 := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_EC_PARAMS: derPrintable(t, "secp256k1"), ck.CKA_VALUE: make([]byte, 32)}} // d = 0
	brainpool := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_EC_PARAMS: derPrintable(t, "brainpoolP256r1"), ck.CKA_VALUE: make([]byte, 32)}}
	noValue := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_EC, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_EC_PARAMS: priv.Attrs[ck.CKA_EC_PARAMS]}}
	for _, typ := range []ck.MechanismType{ck.CKM_ECDSA, ck.CKM_ECDSA_SHA256} {
		m := mustLookup(t, typ)
		signs := []struct {
			name  string
			key   *Key
			param any
			err   error
		}{
			{"public key", pub, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
			{"AES key", aes, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
			{"RSA key type", rsaPriv, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
			{"nil key", nil, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
			{"unknown curve", brainpool, nil, ck.CKR_CURVE_NOT_SUPPORTED},
			{"secp256k1 with d = 0", k1, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
			{"no CKA_VALUE", noValue, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
			{"parameter", priv, []byte{0}, ck.CKR_MECHANISM_PARAM_INVALID},
		}
		for _, tc := range signs {
			if _, err := m.(Signer).SignInit(tc.key, tc.param); err != tc.err {
				t.Errorf("%v sign %s: err = %v, want %v", typ, tc.name, err, tc.err)
			}
		}
		for _, tc := range []struct {
			name  string
			key   *Key
			param any
			err   error
		}{
			{"private key", priv, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
			{"AES key", aes, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
			{"parameter", pub, []byte{0}, ck.CKR_MECHANISM_PARAM_INVALID},
		} {
			if _, err := m.(Verifier).VerifyInit(tc.key, tc.param); err != tc.err {
				t.Errorf("%v verify %s: err = %v, want %v", typ, tc.name, err, tc.err)
			}
		}
	}
}
