package interop

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha3"
	_ "crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// Shared helpers of the asymmetric interoperability tests (asym_*_test.go):
// a token session, key pairs made in the token or by openssl and imported,
// and the conversions between the token's attributes and openssl's PEM/DER.

// env is a logged-in R/W session and a scratch directory for openssl's files.
type env struct {
	p    *pkcs11.Ctx
	s    pkcs11.SessionHandle
	slot uint
	dir  string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	tk := hsmtest.NewToken(t)
	return &env{p: tk.P, s: tk.Session, slot: tk.Slot, dir: t.TempDir()}
}

// sub returns an env on a new session of the same login, closed when t
// ends, so that an operation a failed check leaves active does not disturb
// the next subtest. Session objects made in it go with it.
func (e *env) sub(t testing.TB) *env {
	t.Helper()
	s := hsmtest.OpenRW(t, e.p, e.slot)
	t.Cleanup(func() { e.p.CloseSession(s) })
	return &env{p: e.p, s: s, slot: e.slot, dir: e.dir}
}

// file writes data to a fresh file in the scratch directory.
func (e *env) file(t testing.TB, name string, data []byte) string {
	t.Helper()
	f, err := os.CreateTemp(e.dir, name+"-*")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

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

func attr(t uint, v any) *pkcs11.Attribute { return pkcs11.NewAttribute(t, v) }

func mech(m uint, param any) []*pkcs11.Mechanism {
	return []*pkcs11.Mechanism{pkcs11.NewMechanism(m, param)}
}

func mustDER(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

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

// opensslKey makes a key pair with openssl genpkey and imports both halves
// with C_CreateObject; the token's public attributes must give back
// openssl's own SubjectPublicKeyInfo.
func (e *env) opensslKey(t testing.TB, a alg) *keyPair {
	t.Helper()
	k := &keyPair{alg: a, origin: "openssl"}
	k.privPEM = e.file(t, "priv.pem", openssl(t, nil, append([]string{"genpkey"}, a.genpkey...)...))
	k.spki = openssl(t, nil, "pkey", "-in", k.privPEM, "-pubout", "-outform", "DER")
	k.pubPEM = e.file(t, "pub.pem", pemBlock("PUBLIC KEY", k.spki))
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

func (e *env) attrs(t testing.TB, o pkcs11.ObjectHandle, types ...uint) [][]byte {
	t.Helper()
	tmpl := make([]*pkcs11.Attribute, len(types))
	for i, typ := range types {
		tmpl[i] = attr(typ, nil)
	}
	got, err := e.p.GetAttributeValue(e.s, o, tmpl)
	hsmtest.Must(t, err, "C_GetAttributeValue")
	out := make([][]byte, len(got))
	for i, a := range got {
		out[i] = a.Value
	}
	return out
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

// secretKey creates an extractable AES (or generic) key object with a known value.
func (e *env) secretKey(t testing.TB, typ uint, value []byte, extra ...*pkcs11.Attribute) pkcs11.ObjectHandle {
	t.Helper()
	tmpl := append([]*pkcs11.Attribute{attr(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY), attr(pkcs11.CKA_KEY_TYPE, typ),
		attr(pkcs11.CKA_TOKEN, false), attr(pkcs11.CKA_VALUE, value), attr(pkcs11.CKA_EXTRACTABLE, true), attr(pkcs11.CKA_SENSITIVE, false),
		attr(pkcs11.CKA_ENCRYPT, true), attr(pkcs11.CKA_DECRYPT, true), attr(pkcs11.CKA_WRAP, true), attr(pkcs11.CKA_UNWRAP, true)}, extra...)
	h, err := e.p.CreateObject(e.s, tmpl)
	hsmtest.Must(t, err, "C_CreateObject(secret key)")
	return h
}

// sign signs data in one part with key.
func (e *env) sign(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data []byte, what ...string) []byte {
	t.Helper()
	hsmtest.Must(t, e.p.SignInit(e.s, m, key), fmt.Sprint(what, " C_SignInit"))
	sig, err := e.p.Sign(e.s, data)
	hsmtest.Must(t, err, fmt.Sprint(what, " C_Sign"))
	return sig
}

// verify verifies in one part; the error is the token's answer.
func (e *env) verify(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data, sig []byte) error {
	t.Helper()
	hsmtest.Must(t, e.p.VerifyInit(e.s, m, key), "C_VerifyInit")
	return e.p.Verify(e.s, data, sig)
}

// signParts signs data fed in parts of n bytes (C_SignUpdate, C_SignFinal).
func (e *env) signParts(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data []byte, n int) []byte {
	t.Helper()
	hsmtest.Must(t, e.p.SignInit(e.s, m, key), "C_SignInit")
	for len(data) > 0 {
		c := min(n, len(data))
		hsmtest.Must(t, e.p.SignUpdate(e.s, data[:c]), "C_SignUpdate")
		data = data[c:]
	}
	sig, err := e.p.SignFinal(e.s)
	hsmtest.Must(t, err, "C_SignFinal")
	return sig
}

// verifyParts verifies data fed in parts of n bytes (C_VerifyUpdate, C_VerifyFinal).
func (e *env) verifyParts(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data, sig []byte, n int) error {
	t.Helper()
	hsmtest.Must(t, e.p.VerifyInit(e.s, m, key), "C_VerifyInit")
	for len(data) > 0 {
		c := min(n, len(data))
		hsmtest.Must(t, e.p.VerifyUpdate(e.s, data[:c]), "C_VerifyUpdate")
		data = data[c:]
	}
	return e.p.VerifyFinal(e.s, sig)
}

func (e *env) encrypt(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data []byte) []byte {
	t.Helper()
	hsmtest.Must(t, e.p.EncryptInit(e.s, m, key), "C_EncryptInit")
	out, err := e.p.Encrypt(e.s, data)
	hsmtest.Must(t, err, "C_Encrypt")
	return out
}

func (e *env) decrypt(t testing.TB, m []*pkcs11.Mechanism, key pkcs11.ObjectHandle, data []byte) []byte {
	t.Helper()
	hsmtest.Must(t, e.p.DecryptInit(e.s, m, key), "C_DecryptInit")
	out, err := e.p.Decrypt(e.s, data)
	hsmtest.Must(t, err, "C_Decrypt")
	return out
}

// verifyRecover is C_VerifyRecoverInit and C_VerifyRecover (length query,
// then the call) through the raw C ABI: miekg/pkcs11 v1.1.2's VerifyRecover
// calls C_DecryptVerifyUpdate instead.
func (e *env) verifyRecover(t testing.TB, m uint, key pkcs11.ObjectHandle, sig []byte) ([]byte, error) {
	t.Helper()
	l, err := capi.Open(hsmtest.LibPath(t)) // the loaded library: dlopen returns it again
	if err != nil {
		t.Fatal(err)
	}
	var a capi.Arena
	defer a.Free()
	mp := a.Bytes( // CK_MECHANISM{m, NULL, 0}
		append(binary.NativeEndian.AppendUint64(nil, uint64(m)), make([]byte, 16)...))
	if rv := l.Call("C_VerifyRecoverInit", uint64(e.s), mp, uint64(key)); rv != 0 {
		t.Fatalf("C_VerifyRecoverInit: %s", hsmtest.RVName(uint(rv)))
	}
	in, pn := a.Bytes(sig), a.ULong(0)
	if rv := l.Call("C_VerifyRecover", uint64(e.s), in, uint64(len(sig)), 0, pn); rv != 0 {
		return nil, pkcs11.Error(rv)
	}
	out := a.Buf(int(capi.ReadULong(pn)))
	if rv := l.Call("C_VerifyRecover", uint64(e.s), in, uint64(len(sig)), out, pn); rv != 0 {
		return nil, pkcs11.Error(rv)
	}
	return capi.Read(out, int(capi.ReadULong(pn))), nil
}

// osslVerify runs an openssl command that verifies and reports whether it
// printed openssl's success line.
func osslVerify(t testing.TB, args ...string) bool {
	t.Helper()
	out, err := opensslErr(t, nil, args...)
	return err == nil && (bytes.Contains(out, []byte("Verified OK")) || bytes.Contains(out, []byte("Signature Verified Successfully")))
}

// flip returns a copy of b with one bit changed.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i%len(c)] ^= 0x10
	return c
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hashAlg is a hash as openssl, Go and each PKCS#11 mechanism family name it.
type hashAlg struct {
	md     string // openssl digest name
	h      crypto.Hash
	oid    asn1.ObjectIdentifier // in a PKCS#1 DigestInfo
	ckm    uint                  // CKM_SHA*: the hashAlg of PSS and OAEP parameters
	mgf    uint                  // CKG_MGF1_*
	rsa    uint                  // CKM_SHA*_RSA_PKCS
	pss    uint                  // CKM_SHA*_RSA_PKCS_PSS
	ecdsa  uint                  // CKM_ECDSA_SHA*
	kdf    uint                  // CKD_SHA*_KDF (X9.63)
	sp800  uint                  // CKD_SHA*_KDF_SP800
	osslUp string                // the digest name openssl's kdf command takes
}

func hashOID(last int) asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, last}
}

var hashes = []hashAlg{
	{"sha1", crypto.SHA1, asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, pkcs11.CKM_SHA_1, pkcs11.CKG_MGF1_SHA1, pkcs11.CKM_SHA1_RSA_PKCS, pkcs11.CKM_SHA1_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA1, uint(ck.CKD_SHA1_KDF), uint(ck.CKD_SHA1_KDF_SP800), "SHA1"},
	{"sha224", crypto.SHA224, hashOID(4), pkcs11.CKM_SHA224, pkcs11.CKG_MGF1_SHA224, pkcs11.CKM_SHA224_RSA_PKCS, pkcs11.CKM_SHA224_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA224, uint(ck.CKD_SHA224_KDF), uint(ck.CKD_SHA224_KDF_SP800), "SHA224"},
	{"sha256", crypto.SHA256, hashOID(1), pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256, pkcs11.CKM_SHA256_RSA_PKCS, pkcs11.CKM_SHA256_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA256, uint(ck.CKD_SHA256_KDF), uint(ck.CKD_SHA256_KDF_SP800), "SHA256"},
	{"sha384", crypto.SHA384, hashOID(2), pkcs11.CKM_SHA384, pkcs11.CKG_MGF1_SHA384, pkcs11.CKM_SHA384_RSA_PKCS, pkcs11.CKM_SHA384_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA384, uint(ck.CKD_SHA384_KDF), uint(ck.CKD_SHA384_KDF_SP800), "SHA384"},
	{"sha512", crypto.SHA512, hashOID(3), pkcs11.CKM_SHA512, pkcs11.CKG_MGF1_SHA512, pkcs11.CKM_SHA512_RSA_PKCS, pkcs11.CKM_SHA512_RSA_PKCS_PSS, pkcs11.CKM_ECDSA_SHA512, uint(ck.CKD_SHA512_KDF), uint(ck.CKD_SHA512_KDF_SP800), "SHA512"},
	{"sha3-224", crypto.SHA3_224, hashOID(7), uint(ck.CKM_SHA3_224), uint(ck.CKG_MGF1_SHA3_224), uint(ck.CKM_SHA3_224_RSA_PKCS), uint(ck.CKM_SHA3_224_RSA_PKCS_PSS), uint(ck.CKM_ECDSA_SHA3_224), uint(ck.CKD_SHA3_224_KDF), uint(ck.CKD_SHA3_224_KDF_SP800), "SHA3-224"},
	{"sha3-256", crypto.SHA3_256, hashOID(8), uint(ck.CKM_SHA3_256), uint(ck.CKG_MGF1_SHA3_256), uint(ck.CKM_SHA3_256_RSA_PKCS), uint(ck.CKM_SHA3_256_RSA_PKCS_PSS), uint(ck.CKM_ECDSA_SHA3_256), uint(ck.CKD_SHA3_256_KDF), uint(ck.CKD_SHA3_256_KDF_SP800), "SHA3-256"},
	{"sha3-384", crypto.SHA3_384, hashOID(9), uint(ck.CKM_SHA3_384), uint(ck.CKG_MGF1_SHA3_384), uint(ck.CKM_SHA3_384_RSA_PKCS), uint(ck.CKM_SHA3_384_RSA_PKCS_PSS), uint(ck.CKM_ECDSA_SHA3_384), uint(ck.CKD_SHA3_384_KDF), uint(ck.CKD_SHA3_384_KDF_SP800), "SHA3-384"},
	{"sha3-512", crypto.SHA3_512, hashOID(10), uint(ck.CKM_SHA3_512), uint(ck.CKG_MGF1_SHA3_512), uint(ck.CKM_SHA3_512_RSA_PKCS), uint(ck.CKM_SHA3_512_RSA_PKCS_PSS), uint(ck.CKM_ECDSA_SHA3_512), uint(ck.CKD_SHA3_512_KDF), uint(ck.CKD_SHA3_512_KDF_SP800), "SHA3-512"},
}

func hashByName(name string) hashAlg {
	for _, h := range hashes {
		if h.md == name {
			return h
		}
	}
	panic("no hash " + name)
}

func (h hashAlg) sum(data []byte) []byte {
	d := h.h.New()
	d.Write(data)
	return d.Sum(nil)
}

// digestInfo is PKCS#1's DigestInfo of data, the input of CKM_RSA_PKCS signing.
func (h hashAlg) digestInfo(t testing.TB, data []byte) []byte {
	return mustDER(t, struct {
		Alg    pkix.AlgorithmIdentifier
		Digest []byte
	}{pkix.AlgorithmIdentifier{Algorithm: h.oid, Parameters: asn1.NullRawValue}, h.sum(data)})
}
