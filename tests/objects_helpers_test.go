package tests

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// findAll returns every object matching tmpl (nil: all visible objects).
func findAll(t testing.TB, p *pkcs11.Ctx, s pkcs11.SessionHandle, tmpl []*pkcs11.Attribute) []pkcs11.ObjectHandle {
	t.Helper()
	hsmtest.Must(t, p.FindObjectsInit(s, tmpl), "C_FindObjectsInit")
	var all []pkcs11.ObjectHandle
	for {
		hs, _, err := p.FindObjects(s, 7)
		hsmtest.Must(t, err, "C_FindObjects")
		if len(hs) == 0 {
			break
		}
		all = append(all, hs...)
	}
	hsmtest.Must(t, p.FindObjectsFinal(s), "C_FindObjectsFinal")
	return all
}

func byLabel(label string) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)}
}

// attr reads one attribute through pkcs11.Ctx (fails the test on error).
func attr(t testing.TB, p *pkcs11.Ctx, s pkcs11.SessionHandle, o pkcs11.ObjectHandle, typ uint) []byte {
	t.Helper()
	a, err := p.GetAttributeValue(s, o, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
	if err != nil {
		t.Fatalf("C_GetAttributeValue(%#x): %v", typ, err)
	}
	return a[0].Value
}

func boolAttr(t testing.TB, p *pkcs11.Ctx, s pkcs11.SessionHandle, o pkcs11.ObjectHandle, typ uint) bool {
	t.Helper()
	v := attr(t, p, s, o, typ)
	if len(v) != 1 {
		t.Fatalf("attribute %#x: %d bytes, want a CK_BBOOL", typ, len(v))
	}
	return v[0] != 0
}

// rawAttrs runs C_GetAttributeValue with one n-byte buffer per type (n < 0: a
// length query) and returns the call's CK_RV and the template as written back.
func rawAttrs(raw *capi.Lib, s pkcs11.SessionHandle, o pkcs11.ObjectHandle, types []uint, sizes []int) (uint64, []capi.Attr, [][]byte) {
	var a capi.Arena
	defer a.Free()
	attrs := make([]capi.Attr, len(types))
	for i, typ := range types {
		attrs[i] = a.Out(uint64(typ), sizes[i])
	}
	tp, n := a.Template(attrs...)
	rv := raw.Call("C_GetAttributeValue", uint64(s), uint64(o), tp, n)
	back := capi.ReadTemplate(tp, int(n))
	vals := make([][]byte, len(back))
	for i, at := range back {
		if at.PValue != 0 && at.Len != capi.Unavailable && int(at.Len) <= sizes[i] {
			vals[i] = capi.Read(at.PValue, int(at.Len))
		}
	}
	return rv, back, vals
}

// keyMaterial is known key bytes for the tests' imported keys.
type keyMaterial struct {
	aes      []byte // 32 bytes
	ecScalar []byte // 32 bytes, a valid P-256 private key
	ecPoint  []byte // DER OCTET STRING of the uncompressed public point
	cert     []byte // a self-signed X.509 certificate (DER)
}

func newKeyMaterial(t testing.TB) keyMaterial {
	t.Helper()
	aes := bytes.Repeat([]byte{0xA5, 0x5A, 0xC3, 0x3C}, 8)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	scalar := k.D.FillBytes(make([]byte, 32))
	point := elliptic.Marshal(elliptic.P256(), k.X, k.Y) //nolint:staticcheck // the uncompressed form PKCS#11 wants
	ecPoint, err := asn1.Marshal(point)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "gohsm test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return keyMaterial{aes: aes, ecScalar: scalar, ecPoint: ecPoint, cert: cert}
}

// classTemplates are minimal complete templates of each object class.
func classTemplates(km keyMaterial, token bool, label string) map[string][]*pkcs11.Attribute {
	subject, _ := asn1.Marshal(pkix.Name{CommonName: "gohsm test"}.ToRDNSequence())
	base := func(class uint) []*pkcs11.Attribute {
		return []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, token),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		}
	}
	return map[string][]*pkcs11.Attribute{
		"data": append(base(pkcs11.CKO_DATA),
			pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, "gohsm-tests"),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("some data"))),
		"x509": append(base(pkcs11.CKO_CERTIFICATE),
			pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
			pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, subject),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, km.cert)),
		"ec-public": append(base(pkcs11.CKO_PUBLIC_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256),
			pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, km.ecPoint)),
		"ec-private": append(base(pkcs11.CKO_PRIVATE_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, km.ecScalar)),
		"aes-secret": append(base(pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, km.aes)),
	}
}
