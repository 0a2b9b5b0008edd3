package interop

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// Key pairs of the asymmetric interoperability tests (asym_*_test.go), made
// in the token or by openssl and imported, and the conversions between the
// token's attributes and openssl's PEM/DER.

// kind is a key algorithm family.
type kind int

const (
	kRSA kind = iota
	kEC       // Weierstrass curves: ECDSA and ECDH
	kEd       // Edwards: EdDSA
	kX        // Montgomery: X25519/X448
)

// alg is one key algorithm as both sides name it.
type alg struct {
	name    string
	kind    kind
	oid     asn1.ObjectIdentifier // curve OID (kEC) or algorithm OID (kEd, kX)
	bits    int                   // RSA modulus bits
	size    int                   // kEC: bytes of r and s; kEd/kX: raw key bytes
	genpkey []string              // openssl genpkey arguments
}

var (
	oidRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECPublic = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
)

func rsaAlg(bits int) alg {
	return alg{name: fmt.Sprintf("RSA-%d", bits), kind: kRSA, oid: oidRSA, bits: bits,
		genpkey: []string{"-algorithm", "RSA", "-pkeyopt", fmt.Sprintf("rsa_keygen_bits:%d", bits)}}
}

func ecAlg(name, ossl string, size int, oid ...int) alg {
	return alg{name: name, kind: kEC, oid: oid, size: size,
		genpkey: []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + ossl, "-pkeyopt", "ec_param_enc:named_curve"}}
}

// The Weierstrass curves of the catalogue.
var ecCurves = []alg{
	ecAlg("P-224", "secp224r1", 28, 1, 3, 132, 0, 33),
	ecAlg("P-256", "prime256v1", 32, 1, 2, 840, 10045, 3, 1, 7),
	ecAlg("P-384", "secp384r1", 48, 1, 3, 132, 0, 34),
	ecAlg("P-521", "secp521r1", 66, 1, 3, 132, 0, 35),
	ecAlg("secp256k1", "secp256k1", 32, 1, 3, 132, 0, 10),
}

var (
	algEd25519 = alg{name: "Ed25519", kind: kEd, oid: asn1.ObjectIdentifier{1, 3, 101, 112}, size: 32, genpkey: []string{"-algorithm", "ED25519"}}
	algEd448   = alg{name: "Ed448", kind: kEd, oid: asn1.ObjectIdentifier{1, 3, 101, 113}, size: 57, genpkey: []string{"-algorithm", "ED448"}}
	algX25519  = alg{name: "X25519", kind: kX, oid: asn1.ObjectIdentifier{1, 3, 101, 110}, size: 32, genpkey: []string{"-algorithm", "X25519"}}
	algX448    = alg{name: "X448", kind: kX, oid: asn1.ObjectIdentifier{1, 3, 101, 111}, size: 56, genpkey: []string{"-algorithm", "X448"}}
)

// keyPair is a key pair in the token with the files openssl uses for it.
type keyPair struct {
	alg       alg
	origin    string // "token" or "openssl"
	pub, priv pkcs11.ObjectHandle
	privPEM   string // PKCS#8 private key file
	pubPEM    string // SubjectPublicKeyInfo file
	spki      []byte // the public key, DER
	quick     bool   // run the shorter tables (RSA keys after the first two)
}

func (k *keyPair) String() string { return k.alg.name + "/" + k.origin }

// usage lists the usage attributes of each side of a kind's key pair.
func usage(k kind) (pub, priv []*pkcs11.Attribute) {
	switch k {
	case kRSA:
		return []*pkcs11.Attribute{attr(pkcs11.CKA_VERIFY, true), attr(pkcs11.CKA_ENCRYPT, true), attr(pkcs11.CKA_WRAP, true), attr(pkcs11.CKA_VERIFY_RECOVER, true)},
			[]*pkcs11.Attribute{attr(pkcs11.CKA_SIGN, true), attr(pkcs11.CKA_DECRYPT, true), attr(pkcs11.CKA_UNWRAP, true), attr(pkcs11.CKA_SIGN_RECOVER, true)}
	case kEC:
		return []*pkcs11.Attribute{attr(pkcs11.CKA_VERIFY, true)}, []*pkcs11.Attribute{attr(pkcs11.CKA_SIGN, true), attr(pkcs11.CKA_DERIVE, true)}
	case kEd:
		return []*pkcs11.Attribute{attr(pkcs11.CKA_VERIFY, true)}, []*pkcs11.Attribute{attr(pkcs11.CKA_SIGN, true)}
	default:
		return nil, []*pkcs11.Attribute{attr(pkcs11.CKA_DERIVE, true)}
	}
}

func keyType(k kind) uint {
	return [...]uint{pkcs11.CKK_RSA, pkcs11.CKK_EC, uint(ck.CKK_EC_EDWARDS), uint(ck.CKK_EC_MONTGOMERY)}[k]
}

// tokenKey generates a key pair in the token. Its private key is not
// sensitive and extractable, so that openssl can be given the same key
// (read from the token's private attributes) for the other direction.
func (e *env) tokenKey(t testing.TB, a alg) *keyPair {
	t.Helper()
	pubT, privT := usage(a.kind)
	pubT = append(pubT, attr(pkcs11.CKA_TOKEN, false))
	privT = append(privT, attr(pkcs11.CKA_TOKEN, false), attr(pkcs11.CKA_SENSITIVE, false), attr(pkcs11.CKA_EXTRACTABLE, true))
	var m uint
	switch a.kind {
	case kRSA:
		m = pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN
		pubT = append(pubT, attr(pkcs11.CKA_MODULUS_BITS, a.bits), attr(pkcs11.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}))
	case kEC:
		m = pkcs11.CKM_EC_KEY_PAIR_GEN
	case kEd:
		m = uint(ck.CKM_EC_EDWARDS_KEY_PAIR_GEN)
	case kX:
		m = uint(ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN)
	}
	if a.kind != kRSA {
		pubT = append(pubT, attr(pkcs11.CKA_EC_PARAMS, mustDER(t, a.oid)))
	}
	pub, priv, err := e.p.GenerateKeyPair(e.s, mech(m, nil), pubT, privT)
	hsmtest.Must(t, err, "C_GenerateKeyPair "+a.name)
	k := &keyPair{alg: a, origin: "token", pub: pub, priv: priv}
	k.spki = e.exportSPKI(t, a, pub)
	k.pubPEM = e.file(t, "pub.pem", pemBlock("PUBLIC KEY", k.spki))
	k.privPEM = e.file(t, "priv.pem", pemBlock("PRIVATE KEY", e.exportPKCS8(t, a, priv)))
	// openssl derives the public key from the private one: it must be the token's.
	if got := openssl(t, nil, "pkey", "-in", k.privPEM, "-pubout", "-outform", "DER"); !bytes.Equal(got, k.spki) {
		t.Fatalf("%s: the public key openssl computes from the token's private key differs from CKA_MODULUS/CKA_EC_POINT", k)
	}
	return k
}

// opensslPair makes a key pair with openssl genpkey: its private key PEM
// file, SubjectPublicKeyInfo and public key PEM file (no token objects).
func (e *env) opensslPair(t testing.TB, a alg, origin string) *keyPair {
	t.Helper()
	k := &keyPair{alg: a, origin: origin}
	k.privPEM, k.spki = e.opensslGenpkey(t, a, "priv.pem")
	k.pubPEM = e.file(t, "pub.pem", pemBlock("PUBLIC KEY", k.spki))
	return k
}

// opensslGenpkey makes a private key PEM file named name with openssl
// genpkey and returns it with its SubjectPublicKeyInfo.
func (e *env) opensslGenpkey(t testing.TB, a alg, name string) (string, []byte) {
	t.Helper()
	priv := e.file(t, name, openssl(t, nil, append([]string{"genpkey"}, a.genpkey...)...))
	return priv, openssl(t, nil, "pkey", "-in", priv, "-pubout", "-outform", "DER")
}

// opensslKey makes a key pair with openssl genpkey and imports both halves
// with C_CreateObject; the token's public attributes must give back
// openssl's own SubjectPublicKeyInfo.
func (e *env) opensslKey(t testing.TB, a alg) *keyPair {
	t.Helper()
	k := e.opensslPair(t, a, "openssl")
	k.priv = e.importPrivate(t, a, k.privPEM)
	k.pub = e.importPublic(t, a, k.spki)
	if got := e.exportSPKI(t, a, k.pub); !bytes.Equal(got, k.spki) {
		t.Fatalf("%s: the token's public attributes give another public key than openssl's", k)
	}
	return k
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// pemBytes returns the DER of data's first PEM block, which must be of type typ.
func pemBytes(t testing.TB, data []byte, typ string) []byte {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil || b.Type != typ {
		t.Fatalf("not a PEM %s", typ)
	}
	return b.Bytes
}

// ecPoint reads CKA_EC_POINT, a DER OCTET STRING, and returns its content.
func (e *env) ecPoint(t testing.TB, pub pkcs11.ObjectHandle) []byte {
	t.Helper()
	var point []byte
	if rest, err := asn1.Unmarshal(e.attrs(t, pub, pkcs11.CKA_EC_POINT)[0], &point); err != nil || len(rest) != 0 {
		t.Fatalf("CKA_EC_POINT is not a DER OCTET STRING: %v", err)
	}
	return point
}

type spkiDER struct {
	Alg pkix.AlgorithmIdentifier
	Key asn1.BitString
}

func algID(t testing.TB, a alg) pkix.AlgorithmIdentifier {
	switch a.kind {
	case kRSA:
		return pkix.AlgorithmIdentifier{Algorithm: oidRSA, Parameters: asn1.NullRawValue}
	case kEC:
		return pkix.AlgorithmIdentifier{Algorithm: oidECPublic, Parameters: asn1.RawValue{FullBytes: mustDER(t, a.oid)}}
	default: // RFC 8410: parameters absent
		return pkix.AlgorithmIdentifier{Algorithm: a.oid}
	}
}

// exportSPKI builds the SubjectPublicKeyInfo of a token public key from its
// CKA_MODULUS and CKA_PUBLIC_EXPONENT, or its CKA_EC_POINT.
func (e *env) exportSPKI(t testing.TB, a alg, pub pkcs11.ObjectHandle) []byte {
	t.Helper()
	if a.kind == kRSA {
		v := e.attrs(t, pub, pkcs11.CKA_MODULUS, pkcs11.CKA_PUBLIC_EXPONENT)
		der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: new(big.Int).SetBytes(v[0]), E: int(new(big.Int).SetBytes(v[1]).Int64())})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	point := e.ecPoint(t, pub)
	return mustDER(t, spkiDER{algID(t, a), asn1.BitString{Bytes: point, BitLength: 8 * len(point)}})
}

type pkcs8DER struct {
	Version int
	Alg     pkix.AlgorithmIdentifier
	Key     []byte
}

type ecPrivateKeyDER struct {
	Version int
	Key     []byte
	Params  asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	Pub     asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

// exportPKCS8 builds a PKCS#8 PrivateKeyInfo from a non-sensitive token
// private key's attributes.
func (e *env) exportPKCS8(t testing.TB, a alg, priv pkcs11.ObjectHandle) []byte {
	t.Helper()
	switch a.kind {
	case kRSA:
		v := e.attrs(t, priv, pkcs11.CKA_MODULUS, pkcs11.CKA_PUBLIC_EXPONENT, pkcs11.CKA_PRIVATE_EXPONENT, pkcs11.CKA_PRIME_1, pkcs11.CKA_PRIME_2)
		n := func(i int) *big.Int { return new(big.Int).SetBytes(v[i]) }
		key := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n(0), E: int(n(1).Int64())}, D: n(2), Primes: []*big.Int{n(3), n(4)}}
		if err := key.Validate(); err != nil {
			t.Fatalf("the token's RSA private attributes are inconsistent: %v", err)
		}
		key.Precompute()
		crt := e.attrs(t, priv, pkcs11.CKA_EXPONENT_1, pkcs11.CKA_EXPONENT_2, pkcs11.CKA_COEFFICIENT)
		for i, want := range []*big.Int{key.Precomputed.Dp, key.Precomputed.Dq, key.Precomputed.Qinv} {
			if new(big.Int).SetBytes(crt[i]).Cmp(want) != 0 {
				t.Fatalf("the token's CKA_EXPONENT_1/EXPONENT_2/COEFFICIENT (#%d) is not the one p, q and d give", i)
			}
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	case kEC:
		d := e.attrs(t, priv, pkcs11.CKA_VALUE)[0]
		if len(d) > a.size {
			t.Fatalf("%s private value of %d bytes", a.name, len(d))
		}
		d = append(make([]byte, a.size-len(d)), d...)
		return mustDER(t, pkcs8DER{0, algID(t, a), mustDER(t, ecPrivateKeyDER{Version: 1, Key: d})})
	default:
		return mustDER(t, pkcs8DER{0, algID(t, a), mustDER(t, e.attrs(t, priv, pkcs11.CKA_VALUE)[0])})
	}
}

// parsePKCS8 reads a PEM or DER PKCS#8 private key into the attributes a
// PKCS#11 private key object of alg a holds (class, type and usage excluded).
func parsePKCS8(t testing.TB, a alg, data []byte) []*pkcs11.Attribute {
	t.Helper()
	if b, _ := pem.Decode(data); b != nil {
		data = b.Bytes
	}
	var p pkcs8DER
	if _, err := asn1.Unmarshal(data, &p); err != nil {
		t.Fatalf("PKCS#8: %v", err)
	}
	switch a.kind {
	case kRSA:
		key, err := x509.ParsePKCS1PrivateKey(p.Key)
		if err != nil {
			t.Fatal(err)
		}
		return []*pkcs11.Attribute{
			attr(pkcs11.CKA_MODULUS, key.N.Bytes()), attr(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(key.E)).Bytes()),
			attr(pkcs11.CKA_PRIVATE_EXPONENT, key.D.Bytes()),
			attr(pkcs11.CKA_PRIME_1, key.Primes[0].Bytes()), attr(pkcs11.CKA_PRIME_2, key.Primes[1].Bytes()),
			attr(pkcs11.CKA_EXPONENT_1, key.Precomputed.Dp.Bytes()), attr(pkcs11.CKA_EXPONENT_2, key.Precomputed.Dq.Bytes()),
			attr(pkcs11.CKA_COEFFICIENT, key.Precomputed.Qinv.Bytes()),
		}
	case kEC:
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(p.Alg.Parameters.FullBytes, &curve); err != nil || !curve.Equal(a.oid) || !p.Alg.Algorithm.Equal(oidECPublic) {
			t.Fatalf("PKCS#8 of %v on curve %v, want %s: %v", p.Alg.Algorithm, curve, a.name, err)
		}
		var k ecPrivateKeyDER
		if _, err := asn1.Unmarshal(p.Key, &k); err != nil {
			t.Fatal(err)
		}
		return []*pkcs11.Attribute{attr(pkcs11.CKA_EC_PARAMS, mustDER(t, a.oid)), attr(pkcs11.CKA_VALUE, k.Key)}
	default:
		var raw []byte
		if _, err := asn1.Unmarshal(p.Key, &raw); err != nil || !p.Alg.Algorithm.Equal(a.oid) || len(raw) != a.size {
			t.Fatalf("PKCS#8 of %v with %d key bytes, want %s: %v", p.Alg.Algorithm, len(raw), a.name, err)
		}
		return []*pkcs11.Attribute{attr(pkcs11.CKA_EC_PARAMS, mustDER(t, a.oid)), attr(pkcs11.CKA_VALUE, raw)}
	}
}

// importPrivate creates a private key object from openssl's PKCS#8 file.
func (e *env) importPrivate(t testing.TB, a alg, pemPath string) pkcs11.ObjectHandle {
	t.Helper()
	_, use := usage(a.kind)
	tmpl := append([]*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), attr(pkcs11.CKA_KEY_TYPE, keyType(a.kind)),
		attr(pkcs11.CKA_TOKEN, false), attr(pkcs11.CKA_SENSITIVE, true)}, use...)
	tmpl = append(tmpl, parsePKCS8(t, a, readFile(t, pemPath))...)
	h, err := e.p.CreateObject(e.s, tmpl)
	hsmtest.Must(t, err, "C_CreateObject(private "+a.name+")")
	return h
}

// importPublic creates a public key object from a SubjectPublicKeyInfo.
func (e *env) importPublic(t testing.TB, a alg, spki []byte) pkcs11.ObjectHandle {
	t.Helper()
	use, _ := usage(a.kind)
	tmpl := append([]*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY), attr(pkcs11.CKA_KEY_TYPE, keyType(a.kind)),
		attr(pkcs11.CKA_TOKEN, false)}, use...)
	if a.kind == kRSA {
		pk, err := x509.ParsePKIXPublicKey(spki)
		if err != nil {
			t.Fatal(err)
		}
		rp := pk.(*rsa.PublicKey)
		tmpl = append(tmpl, attr(pkcs11.CKA_MODULUS, rp.N.Bytes()), attr(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(rp.E)).Bytes()))
	} else {
		var s spkiDER
		if _, err := asn1.Unmarshal(spki, &s); err != nil {
			t.Fatal(err)
		}
		tmpl = append(tmpl, attr(pkcs11.CKA_EC_PARAMS, mustDER(t, a.oid)), attr(pkcs11.CKA_EC_POINT, mustDER(t, s.Key.Bytes)))
	}
	h, err := e.p.CreateObject(e.s, tmpl)
	hsmtest.Must(t, err, "C_CreateObject(public "+a.name+")")
	return h
}

// rawPublic is the public value as a peer gives it in CK_ECDH1_DERIVE_PARAMS:
// the uncompressed point, or the raw u-coordinate.
func rawPublic(t testing.TB, spki []byte) []byte {
	t.Helper()
	var s spkiDER
	if _, err := asn1.Unmarshal(spki, &s); err != nil {
		t.Fatal(err)
	}
	return s.Key.Bytes
}
