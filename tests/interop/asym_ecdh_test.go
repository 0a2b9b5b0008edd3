package interop

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// TestECDHInterop: CKM_ECDH1_DERIVE on P-224, P-256, P-384, P-521,
// secp256k1, X25519 and X448 between a key generated in the token and one
// made by openssl (and imported): with CKD_NULL the derived CKA_VALUE is
// `openssl pkeyutl -derive`'s secret whichever side's private key the token
// holds and however the peer's point is given (raw, DER, compressed), and
// CKM_ECDH1_COFACTOR_DERIVE gives the same on these cofactor-1 curves; with
// CKD_SHA*_KDF it is `openssl kdf X963KDF` of that secret and the shared
// data, and with CKD_SHA*_KDF_SP800 `openssl kdf SSKDF`, for SHA-1, SHA-2
// and SHA-3 and several key lengths.
func TestECDHInterop(t *testing.T) {
	if !hsmtest.InChild(t, hsmtest.Config{}) {
		return
	}
	e := newEnv(t)
	for _, a := range append(append([]alg{}, ecCurves...), algX25519, algX448) {
		t.Run(a.name, func(t *testing.T) {
			e := e.sub(t)
			mine, theirs := e.tokenKey(t, a), e.opensslKey(t, a)
			z := openssl(t, nil, "pkeyutl", "-derive", "-inkey", theirs.privPEM, "-peerkey", mine.pubPEM)
			if len(z) != a.size {
				t.Fatalf("openssl's shared secret has %d bytes, want %d", len(z), a.size)
			}
			if got := openssl(t, nil, "pkeyutl", "-derive", "-inkey", mine.privPEM, "-peerkey", theirs.pubPEM); !bytes.Equal(got, z) {
				t.Fatal("openssl derives another secret from the token key's side")
			}
			peerOfMine, peerOfTheirs := rawPublic(t, theirs.spki), rawPublic(t, mine.spki)
			if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, mine.priv, peerOfMine, uint(ck.CKD_NULL), nil, a.size); !bytes.Equal(got, z) {
				t.Error("CKD_NULL with the token-made key: the secret differs from openssl's")
			}
			if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, theirs.priv, peerOfTheirs, uint(ck.CKD_NULL), nil, a.size); !bytes.Equal(got, z) {
				t.Error("CKD_NULL with the imported openssl key: the secret differs from openssl's")
			}
			// The peer's value as CKA_EC_POINT holds it, a DER OCTET STRING, which
			// the specification lets a token accept besides the raw encoding.
			if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, mine.priv, mustDER(t, peerOfMine), uint(ck.CKD_NULL), nil, a.size); !bytes.Equal(got, z) {
				t.Error("CKD_NULL with a DER-wrapped peer value: the secret differs from openssl's")
			}
			if a.name == "X25519" { // RFC 7748 §5: the u-coordinate's top bit is masked on receipt
				high := bytes.Clone(peerOfMine)
				high[31] |= 0x80
				if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, mine.priv, high, uint(ck.CKD_NULL), nil, a.size); !bytes.Equal(got, z) {
					t.Error("X25519 with the peer's top bit set: the secret differs from openssl's")
				}
			}
			if a.kind == kEC {
				comp := rawPublic(t, openssl(t, nil, "pkey", "-in", theirs.privPEM, "-pubout", "-outform", "DER", "-ec_conv_form", "compressed"))
				if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, mine.priv, comp, uint(ck.CKD_NULL), nil, a.size); !bytes.Equal(got, z) {
					t.Error("CKD_NULL with openssl's compressed peer point: the secret differs")
				}
				if got := e.derive(t, pkcs11.CKM_ECDH1_COFACTOR_DERIVE, mine.priv, peerOfMine, uint(ck.CKD_NULL), nil, a.size); !bytes.Equal(got, z) {
					t.Error("CKM_ECDH1_COFACTOR_DERIVE: the secret differs from openssl's")
				}
			}
			if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, mine.priv, peerOfMine, uint(ck.CKD_NULL), nil, 0); !bytes.Equal(got, z) {
				t.Error("CKD_NULL without CKA_VALUE_LEN: the key is not the whole secret")
			}
			// "The truncation removes bytes from the leading end of the secret value."
			if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, mine.priv, peerOfMine, uint(ck.CKD_NULL), nil, 16); !bytes.Equal(got, z[len(z)-16:]) {
				t.Error("CKD_NULL with CKA_VALUE_LEN 16: the key is not the secret's last 16 bytes")
			}
			e.ecdhLeadingZero(t, a, theirs)
			e.ecdhBadPeer(t, a, mine)
			for i, h := range hashes {
				shared := make([]byte, 7*i) // none for SHA-1
				rand.Read(shared)
				n := []int{16, 32, 48, 64, 80, 100}[i%6]
				info := []string{}
				if len(shared) > 0 {
					info = []string{"-kdfopt", "hexinfo:" + hex.EncodeToString(shared)}
				}
				kdf := func(name, secretOpt string) []byte {
					args := append([]string{"kdf", "-binary", "-keylen", strconv.Itoa(n), "-kdfopt", "digest:" + h.osslUp,
						"-kdfopt", secretOpt + ":" + hex.EncodeToString(z)}, info...)
					return openssl(t, nil, append(args, name)...)
				}
				if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, mine.priv, peerOfMine, h.kdf, shared, n); !bytes.Equal(got, kdf("X963KDF", "hexsecret")) {
					t.Errorf("CKD_%s_KDF, %d bytes of shared data, %d-byte key: differs from openssl kdf X963KDF", h.osslUp, len(shared), n)
				}
				if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, theirs.priv, peerOfTheirs, h.sp800, shared, n); !bytes.Equal(got, kdf("SSKDF", "hexkey")) {
					t.Errorf("CKD_%s_KDF_SP800, %d bytes of shared data, %d-byte key: differs from openssl kdf SSKDF", h.osslUp, len(shared), n)
				}
			}
		})
	}
}

// derive runs C_DeriveKey with CK_ECDH1_DERIVE_PARAMS into an extractable
// generic secret of n bytes (n 0: no CKA_VALUE_LEN) and returns its CKA_VALUE.
func (e *env) derive(t testing.TB, m uint, priv pkcs11.ObjectHandle, peer []byte, kdf uint, shared []byte, n int) []byte {
	t.Helper()
	tmpl := []*pkcs11.Attribute{
		attr(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET), attr(pkcs11.CKA_TOKEN, false),
		attr(pkcs11.CKA_SENSITIVE, false), attr(pkcs11.CKA_EXTRACTABLE, true)}
	if n > 0 {
		tmpl = append(tmpl, attr(pkcs11.CKA_VALUE_LEN, n))
	}
	h, err := e.p.DeriveKey(e.s, mech(m, pkcs11.NewECDH1DeriveParams(kdf, shared, peer)), priv, tmpl)
	hsmtest.Must(t, err, "C_DeriveKey")
	return e.attrs(t, h, pkcs11.CKA_VALUE)[0]
}

// goECDH are the curves of Go's crypto/ecdh, used to find a private key
// whose secret with a given peer begins with a zero byte.
var goECDH = map[string]ecdh.Curve{"P-256": ecdh.P256(), "P-384": ecdh.P384(), "P-521": ecdh.P521(), "X25519": ecdh.X25519()}

// ecdhLeadingZero: a shared secret whose first byte is zero (one in 256)
// keeps its full length, with and without CKA_VALUE_LEN, and goes whole into
// the X9.63 KDF: the token agrees with openssl on both.
func (e *env) ecdhLeadingZero(t *testing.T, a alg, theirs *keyPair) {
	curve, ok := goECDH[a.name]
	if !ok {
		return
	}
	peer, err := curve.NewPublicKey(rawPublic(t, theirs.spki))
	if err != nil {
		t.Fatal(err)
	}
	var sk *ecdh.PrivateKey
	for i := 0; ; i++ {
		if sk, err = curve.GenerateKey(rand.Reader); err != nil || i == 5000 {
			t.Fatalf("no secret with a leading zero byte in %d tries (%v)", i, err)
		}
		if z, err := sk.ECDH(peer); err == nil && z[0] == 0 {
			break
		}
	}
	der, err := x509.MarshalPKCS8PrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	privPEM := e.file(t, "zero.pem", pemBlock("PRIVATE KEY", der))
	priv := e.importPrivate(t, a, privPEM)
	z := openssl(t, nil, "pkeyutl", "-derive", "-inkey", privPEM, "-peerkey", theirs.pubPEM)
	if len(z) != a.size || z[0] != 0 {
		t.Fatalf("openssl's secret: %d bytes", len(z))
	}
	for _, n := range []int{0, a.size} {
		if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, priv, rawPublic(t, theirs.spki), uint(ck.CKD_NULL), nil, n); !bytes.Equal(got, z) {
			t.Errorf("CKD_NULL, CKA_VALUE_LEN %d: a secret with a leading zero byte comes out as %d other bytes", n, len(got))
		}
	}
	want := openssl(t, nil, "kdf", "-binary", "-keylen", "32", "-kdfopt", "digest:SHA256", "-kdfopt", "hexsecret:"+hex.EncodeToString(z), "X963KDF")
	if got := e.derive(t, pkcs11.CKM_ECDH1_DERIVE, priv, rawPublic(t, theirs.spki), uint(ck.CKD_SHA256_KDF), nil, 32); !bytes.Equal(got, want) {
		t.Error("CKD_SHA256_KDF of a secret with a leading zero byte differs from openssl kdf X963KDF")
	}
}

// ecdhBadPeer: a peer point off the curve (an invalid-curve attack) or of
// low order (X25519/X448: an all-zero secret) is refused, whatever the KDF.
func (e *env) ecdhBadPeer(t *testing.T, a alg, mine *keyPair) {
	var bad [][]byte
	switch a.kind {
	case kEC:
		p := rawPublic(t, mine.spki)
		p = append([]byte{}, p...)
		p[len(p)-1] ^= 1 // y changed: off the curve
		bad = append(bad, p, make([]byte, len(p)))
	default:
		zero, one := make([]byte, a.size), make([]byte, a.size)
		one[0] = 1
		bad = append(bad, zero, one) // u = 0 and u = 1 have low order on both curves
	}
	for i, peer := range bad {
		for _, kdf := range []uint{uint(ck.CKD_NULL), uint(ck.CKD_SHA256_KDF)} {
			_, err := e.p.DeriveKey(e.s, mech(pkcs11.CKM_ECDH1_DERIVE, pkcs11.NewECDH1DeriveParams(kdf, nil, peer)), mine.priv, []*pkcs11.Attribute{
				attr(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), attr(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_GENERIC_SECRET), attr(pkcs11.CKA_TOKEN, false),
				attr(pkcs11.CKA_VALUE_LEN, 16)})
			hsmtest.WantRV(t, err, fmt.Sprintf("bad peer value %d, KDF %#x", i, kdf), pkcs11.CKR_MECHANISM_PARAM_INVALID)
		}
	}
}
