package provider

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// TestPublicKeyInfoKeyPair: a generated pair's keys carry the same SPKI,
// the private key's readable although sensitive, and it is the public key's
// point; templates that agree are taken, others are CKR_ATTRIBUTE_VALUE_INVALID
// (create, copy, set); a search by it finds both token keys.
func TestPublicKeyInfoKeyPair(t *testing.T) {
	m, _, h := userSession(t)
	pub, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
		crTmpl(ck.CKA_EC_PARAMS, crP256Params, ck.CKA_TOKEN, true), crTmpl(ck.CKA_TOKEN, true, ck.CKA_SENSITIVE, true))
	must(t, err)
	spki := attrOf(t, m, h, pub, ck.CKA_PUBLIC_KEY_INFO)
	if got := attrOf(t, m, h, priv, ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
		t.Fatalf("private key's SPKI %x, public key's %x", got, spki)
	}
	k, err := x509.ParsePKIXPublicKey(spki)
	must(t, err)
	if !k.(*ecdsa.PublicKey).Equal(goPublicKey(t, m, h, pub)) {
		t.Fatal("SPKI holds another key than CKA_EC_POINT")
	}
	_, other := genP256(t, m, h)
	otherSPKI := attrOf(t, m, h, other, ck.CKA_PUBLIC_KEY_INFO)

	_, _, err = m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
		crTmpl(ck.CKA_EC_PARAMS, crP256Params), crTmpl(ck.CKA_PUBLIC_KEY_INFO, otherSPKI))
	wantRV(t, "generate with another key's SPKI", err, ck.CKR_ATTRIBUTE_VALUE_INVALID)

	point := attrOf(t, m, h, pub, ck.CKA_EC_POINT)
	pubTmpl := func(info []byte) ck.Template {
		return crTmpl(ck.CKA_CLASS, int(ck.CKO_PUBLIC_KEY), ck.CKA_KEY_TYPE, int(ck.CKK_EC),
			ck.CKA_EC_PARAMS, crP256Params, ck.CKA_EC_POINT, point, ck.CKA_PUBLIC_KEY_INFO, info)
	}
	c, err := m.CreateObject(h, pubTmpl(spki))
	must(t, err)
	if got := attrOf(t, m, h, c, ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
		t.Fatalf("created key's SPKI %x", got)
	}
	c, err = m.CreateObject(h, pubTmpl(nil)) // empty: derived
	must(t, err)
	if got := attrOf(t, m, h, c, ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
		t.Fatalf("created key's derived SPKI %x", got)
	}
	_, err = m.CreateObject(h, pubTmpl(otherSPKI))
	wantRV(t, "create with another key's SPKI", err, ck.CKR_ATTRIBUTE_VALUE_INVALID)
	_, err = m.CreateObject(h, pubTmpl([]byte{0x30, 0}))
	wantRV(t, "create with a malformed SPKI", err, ck.CKR_ATTRIBUTE_VALUE_INVALID)

	cp, err := m.CopyObject(h, priv, crTmpl(ck.CKA_PUBLIC_KEY_INFO, spki, ck.CKA_TOKEN, false))
	must(t, err)
	if got := attrOf(t, m, h, cp, ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
		t.Fatalf("copy's SPKI %x", got)
	}
	_, err = m.CopyObject(h, priv, crTmpl(ck.CKA_PUBLIC_KEY_INFO, otherSPKI))
	wantRV(t, "copy with another key's SPKI", err, ck.CKR_ATTRIBUTE_VALUE_INVALID)
	must(t, m.SetAttributeValue(h, pub, crTmpl(ck.CKA_PUBLIC_KEY_INFO, spki)))
	err = m.SetAttributeValue(h, pub, crTmpl(ck.CKA_PUBLIC_KEY_INFO, otherSPKI))
	wantRV(t, "set another key's SPKI on a public key", err, ck.CKR_ATTRIBUTE_READ_ONLY)
	must(t, m.SetAttributeValue(h, priv, crTmpl(ck.CKA_PUBLIC_KEY_INFO, spki)))
	err = m.SetAttributeValue(h, priv, crTmpl(ck.CKA_PUBLIC_KEY_INFO, otherSPKI))
	wantRV(t, "set another key's SPKI on a private key", err, ck.CKR_ATTRIBUTE_VALUE_INVALID)
	if got := attrOf(t, m, h, priv, ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
		t.Fatalf("SPKI after refused sets %x", got)
	}

	got := findAll(t, m, h, crTmpl(ck.CKA_TOKEN, true, ck.CKA_PUBLIC_KEY_INFO, spki))
	if len(got) != 2 || !(got[0] == pub && got[1] == priv || got[0] == priv && got[1] == pub) {
		t.Fatalf("search by SPKI found %v, want %v and %v", got, pub, priv)
	}
	// With the session objects: the two created public keys and the copy.
	if got := findAll(t, m, h, crTmpl(ck.CKA_PUBLIC_KEY_INFO, spki)); len(got) != 5 {
		t.Fatalf("search by SPKI over token and session objects found %d objects, want 5", len(got))
	}
	if got := findAll(t, m, h, crTmpl(ck.CKA_CLASS, int(ck.CKO_PRIVATE_KEY), ck.CKA_PUBLIC_KEY_INFO, otherSPKI)); len(got) != 1 || got[0] != other {
		t.Fatalf("search by the other key's SPKI found %v, want %v", got, other)
	}
}

// TestPublicKeyInfoStoredBefore: a token key stored without the attribute
// (as before it was filled) reads with its SPKI, and a search finds it.
func TestPublicKeyInfoStoredBefore(t *testing.T) {
	m, _, h := userSession(t)
	pub, priv, err := m.GenerateKeyPair(h, ck.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
		crTmpl(ck.CKA_EC_PARAMS, crP256Params, ck.CKA_TOKEN, true), crTmpl(ck.CKA_TOKEN, true))
	must(t, err)
	spki := attrOf(t, m, h, pub, ck.CKA_PUBLIC_KEY_INFO)
	s, err := m.session(h)
	must(t, err)
	for _, oh := range []ck.ObjectHandle{pub, priv} {
		o, l, err := m.resolve(s, oh)
		must(t, err)
		so := toStore(o)
		so.Public[ck.CKA_PUBLIC_KEY_INFO] = []byte{} // the old table's default
		delete(so.Secret, ck.CKA_PUBLIC_KEY_INFO)
		must(t, m.store.UpdateObject(so, l.sealer))
		l.keys.drop(o.dbID)
	}
	for _, oh := range []ck.ObjectHandle{pub, priv} {
		if got := attrOf(t, m, h, oh, ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
			t.Fatalf("stored key %v reads SPKI %x, want %x", oh, got, spki)
		}
	}
	if got := findAll(t, m, h, crTmpl(ck.CKA_PUBLIC_KEY_INFO, spki)); len(got) != 2 {
		t.Fatalf("search by SPKI found %v", got)
	}
}

// rsaBigExponentKey is an RSA key with public exponent e, which Go's
// rsa.GenerateKey cannot make: n, e, d and the CRT values as big integers.
func rsaBigExponentKey(t *testing.T, e *big.Int) (n, d, p, q *big.Int) {
	one := big.NewInt(1)
	for {
		var err error
		p, err = rand.Prime(rand.Reader, 512)
		must(t, err)
		q, err = rand.Prime(rand.Reader, 512)
		must(t, err)
		pm, qm := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
		g := new(big.Int).GCD(nil, nil, pm, qm)
		lambda := new(big.Int).Div(new(big.Int).Mul(pm, qm), g)
		if d = new(big.Int).ModInverse(e, lambda); d != nil && p.Cmp(q) != 0 {
			return new(big.Int).Mul(p, q), d, p, q
		}
	}
}

// TestRSAExponentAtImport: C_CreateObject and C_UnwrapKey refuse public
// exponents the mechanisms cannot use (even, under 3, 2^31 or more) with
// CKR_ATTRIBUTE_VALUE_INVALID, as the generator does; 65537 is taken and
// its SPKI is crypto/x509's.
func TestRSAExponentAtImport(t *testing.T) {
	m, _, h := userSession(t)
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	must(t, err)
	pubTmpl := func(e []byte) ck.Template {
		return crTmpl(ck.CKA_CLASS, int(ck.CKO_PUBLIC_KEY), ck.CKA_KEY_TYPE, int(ck.CKK_RSA),
			ck.CKA_MODULUS, k.N.Bytes(), ck.CKA_PUBLIC_EXPONENT, e)
	}
	privTmpl := func(e []byte) ck.Template {
		return crTmpl(ck.CKA_CLASS, int(ck.CKO_PRIVATE_KEY), ck.CKA_KEY_TYPE, int(ck.CKK_RSA),
			ck.CKA_MODULUS, k.N.Bytes(), ck.CKA_PUBLIC_EXPONENT, e, ck.CKA_PRIVATE_EXPONENT, k.D.Bytes())
	}
	bad := [][]byte{{1}, {2}, {0x01, 0x00, 0x00}, {0x80, 0, 0, 1}, {1, 0, 0, 0, 1}, {}}
	for _, e := range bad {
		_, err := m.CreateObject(h, pubTmpl(e))
		wantRV(t, "public key, exponent "+new(big.Int).SetBytes(e).String(), err, ck.CKR_ATTRIBUTE_VALUE_INVALID)
		_, err = m.CreateObject(h, privTmpl(e))
		wantRV(t, "private key, exponent "+new(big.Int).SetBytes(e).String(), err, ck.CKR_ATTRIBUTE_VALUE_INVALID)
	}
	want, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	must(t, err)
	for _, tm := range []ck.Template{pubTmpl([]byte{1, 0, 1}), privTmpl([]byte{0, 1, 0, 1})} {
		o, err := m.CreateObject(h, tm)
		must(t, err)
		if got := attrOf(t, m, h, o, ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, want) {
			t.Fatalf("RSA SPKI %x, want %x", got, want)
		}
	}

	// Unwrapping: PKCS #8 parsing (crypto/x509 validates the key) already
	// refuses e = 2^32+1 as a wrapped key that is not valid; e = 65537
	// unwraps into a key with the SPKI of its public key.
	wrapper := genAES(t, m, h, ck.CKA_SENSITIVE, false, ck.CKA_UNWRAP, true)
	tmpl := crTmpl(ck.CKA_CLASS, int(ck.CKO_PRIVATE_KEY), ck.CKA_KEY_TYPE, int(ck.CKK_RSA))
	for _, c := range []struct {
		e    uint64
		want ck.RV
	}{{1<<32 + 1, ck.CKR_WRAPPED_KEY_INVALID}, {65537, ck.CKR_OK}} {
		e := new(big.Int).SetUint64(c.e)
		n, d, p, q := rsaBigExponentKey(t, e)
		iv := make([]byte, 16)
		wrapped := wrapPKCS8RSA(t, attrOf(t, m, h, wrapper, ck.CKA_VALUE), iv, n, e, d, p, q)
		o, err := m.UnwrapKey(h, ck.Mechanism{Type: ck.CKM_AES_CBC_PAD, Parameter: iv}, wrapper, wrapped, tmpl)
		wantRV(t, "unwrap an RSA key with e = "+e.String(), err, c.want)
		if err != nil {
			continue
		}
		want, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: int(c.e)})
		must(t, err)
		if got := attrOf(t, m, h, o, ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, want) {
			t.Fatalf("unwrapped RSA key's SPKI %x, want %x", got, want)
		}
	}
}

// wrapPKCS8RSA encodes an RSA key as PKCS #8 by hand (x509 refuses large
// exponents) and encrypts it with AES-CBC-PAD.
func wrapPKCS8RSA(t *testing.T, key, iv []byte, n, e, d, p, q *big.Int) []byte {
	one := big.NewInt(1)
	pkcs1, err := asn1.Marshal(struct {
		Version                      int
		N, E, D, P, Q, Dp, Dq, Coeff *big.Int
	}{0, n, e, d, p, q, new(big.Int).Mod(d, new(big.Int).Sub(p, one)), new(big.Int).Mod(d, new(big.Int).Sub(q, one)), new(big.Int).ModInverse(q, p)})
	must(t, err)
	pkcs8, err := asn1.Marshal(struct {
		Version    int
		Algo       pkix.AlgorithmIdentifier
		PrivateKey []byte
	}{0, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, Parameters: asn1.NullRawValue}, pkcs1})
	must(t, err)
	block, err := aes.NewCipher(key)
	must(t, err)
	pad := 16 - len(pkcs8)%16
	padded := append(pkcs8, bytes.Repeat([]byte{byte(pad)}, pad)...)
	wrapped := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(wrapped, padded)
	return wrapped
}
