package tests

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/gohsm/gohsm/ck"
	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// pqcEnv is a logged-in raw session with helpers for the tests below.
type pqcEnv struct{ *rawEnv }

func (e pqcEnv) at(t ck.AttributeType) uint64 { return uint64(t) }

func (e pqcEnv) keyPair(mech ck.MechanismType, pub, priv []capi.Attr) (uint64, uint64) {
	e.t.Helper()
	pt, pn := e.a.Template(pub...)
	vt, vn := e.a.Template(priv...)
	ph, vh := e.a.ULong(0), e.a.ULong(0)
	e.must("C_GenerateKeyPair", e.s, e.a.Mechanism(uint64(mech), nil), pt, pn, vt, vn, ph, vh)
	return capi.ReadULong(ph), capi.ReadULong(vh)
}

func (e pqcEnv) attr(o uint64, typ ck.AttributeType) []byte {
	e.t.Helper()
	tp, n := e.a.Template(e.a.Out(e.at(typ), 8192))
	e.must("C_GetAttributeValue", e.s, o, tp, n)
	got := capi.ReadTemplate(tp, 1)[0]
	return capi.Read(got.PValue, int(got.Len))
}

func (e pqcEnv) sign(mech uint64, key uint64, msg []byte) ([]byte, uint64) {
	if rv := e.call("C_SignInit", e.s, mech, key); rv != 0 {
		return nil, rv
	}
	out, pn := e.a.Buf(1<<16), e.a.ULong(1<<16)
	rv := e.call("C_Sign", e.s, e.a.Bytes(msg), uint64(len(msg)), out, pn)
	return capi.Read(out, int(capi.ReadULong(pn))), rv
}

func (e pqcEnv) verify(mech uint64, key uint64, msg, sig []byte) uint64 {
	if rv := e.call("C_VerifyInit", e.s, mech, key); rv != 0 {
		return rv
	}
	return e.call("C_Verify", e.s, e.a.Bytes(msg), uint64(len(msg)), e.a.Bytes(sig), uint64(len(sig)))
}

// signContext lays out CK_SIGN_ADDITIONAL_CONTEXT {hedgeVariant, pContext, ulContextLen}.
func (e pqcEnv) signContext(hedge ck.HedgeType, ctx []byte) []byte {
	b := binary.NativeEndian.AppendUint64(nil, uint64(hedge))
	b = binary.NativeEndian.AppendUint64(b, e.a.Bytes(ctx))
	return binary.NativeEndian.AppendUint64(b, uint64(len(ctx)))
}

// TestMLKEMThroughLibrary: the 3.2 interface's C_EncapsulateKey and
// C_DecapsulateKey with CKM_ML_KEM through libgohsm.so: length query, short
// buffer, equal secrets in two secret key objects, mechanism info flags.
func TestMLKEMThroughLibrary(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := pqcEnv{openRaw(t)}
	e.setup()
	a := &e.a
	info := a.Buf(24)
	e.must("C_GetMechanismInfo", e.slot, uint64(ck.CKM_ML_KEM), info)
	if f := capi.ReadULong(info + 16); f&uint64(ck.CKF_ENCAPSULATE|ck.CKF_DECAPSULATE) != uint64(ck.CKF_ENCAPSULATE|ck.CKF_DECAPSULATE) {
		t.Errorf("CKM_ML_KEM flags %#x lack CKF_ENCAPSULATE|CKF_DECAPSULATE", f)
	}
	pub, priv := e.keyPair(ck.CKM_ML_KEM_KEY_PAIR_GEN, []capi.Attr{a.Num(e.at(ck.CKA_PARAMETER_SET), uint64(ck.CKP_ML_KEM_1024))}, nil)
	kem := a.Mechanism(uint64(ck.CKM_ML_KEM), nil)
	tp, tn := a.Template(a.Num(e.at(ck.CKA_CLASS), uint64(ck.CKO_SECRET_KEY)), a.Num(e.at(ck.CKA_KEY_TYPE), uint64(ck.CKK_AES)),
		a.Bool(e.at(ck.CKA_SENSITIVE), false), a.Bool(e.at(ck.CKA_EXTRACTABLE), true))
	pn, ph := a.ULong(0), a.ULong(0)
	e.want("C_EncapsulateKey length query", e.call("C_EncapsulateKey", e.s, kem, pub, tp, tn, 0, pn, ph), codes(ck.CKR_OK))
	if n := capi.ReadULong(pn); n != 1568 || capi.ReadULong(ph) != 0 {
		t.Fatalf("length query: %d bytes, key %d", n, capi.ReadULong(ph))
	}
	ct := a.Buf(1568)
	capi.WriteULong(pn, 1000)
	e.want("C_EncapsulateKey short buffer", e.call("C_EncapsulateKey", e.s, kem, pub, tp, tn, ct, pn, ph), codes(ck.CKR_BUFFER_TOO_SMALL))
	if capi.ReadULong(pn) != 1568 || capi.ReadULong(ph) != 0 {
		t.Errorf("short buffer: %d, key %d", capi.ReadULong(pn), capi.ReadULong(ph))
	}
	capi.WriteULong(pn, 1568)
	e.must("C_EncapsulateKey", e.s, kem, pub, tp, tn, ct, pn, ph)
	k1 := capi.ReadULong(ph)
	e.must("C_DecapsulateKey", e.s, kem, priv, tp, tn, ct, capi.ReadULong(pn), ph)
	k2 := capi.ReadULong(ph)
	v1, v2 := e.attr(k1, ck.CKA_VALUE), e.attr(k2, ck.CKA_VALUE)
	if k1 == 0 || k2 == 0 || k1 == k2 || len(v1) != 32 || !bytes.Equal(v1, v2) {
		t.Fatalf("shared secrets differ or keys missing (%d, %d)", k1, k2)
	}
	e.want("C_DecapsulateKey with the public key", e.call("C_DecapsulateKey", e.s, kem, pub, tp, tn, ct, 1568, ph),
		codes(ck.CKR_KEY_FUNCTION_NOT_PERMITTED, ck.CKR_KEY_TYPE_INCONSISTENT))
	e.want("C_DecapsulateKey short ciphertext", e.call("C_DecapsulateKey", e.s, kem, priv, tp, tn, ct, 1567, ph), codes(ck.CKR_ENCRYPTED_DATA_LEN_RANGE))
}

// TestMLDSAThroughLibrary: ML-DSA-44 keys made through libgohsm.so sign
// with a CK_SIGN_ADDITIONAL_CONTEXT; circl verifies the signature from the
// exported public key; another context does not verify.
func TestMLDSAThroughLibrary(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := pqcEnv{openRaw(t)}
	e.setup()
	a := &e.a
	pub, priv := e.keyPair(ck.CKM_ML_DSA_KEY_PAIR_GEN, []capi.Attr{a.Num(e.at(ck.CKA_PARAMETER_SET), uint64(ck.CKP_ML_DSA_44))}, nil)
	msg, ctx := []byte("signed through libgohsm.so"), []byte("gohsm-ctx")
	mech := a.Mechanism(uint64(ck.CKM_ML_DSA), e.signContext(ck.CKH_DETERMINISTIC_REQUIRED, ctx))
	sig, rv := e.sign(mech, priv, msg)
	if rv != 0 || len(sig) != mldsa44.SignatureSize {
		t.Fatalf("C_Sign: %s, %d bytes", rvName(rv), len(sig))
	}
	var pk mldsa44.PublicKey
	if err := pk.UnmarshalBinary(e.attr(pub, ck.CKA_VALUE)); err != nil {
		t.Fatal(err)
	}
	if !mldsa44.Verify(&pk, msg, ctx, sig) {
		t.Error("circl does not verify the library's ML-DSA-44 signature")
	}
	e.want("C_Verify", e.verify(mech, pub, msg, sig), codes(ck.CKR_OK))
	other := a.Mechanism(uint64(ck.CKM_ML_DSA), e.signContext(ck.CKH_HEDGE_PREFERRED, []byte("other")))
	e.want("C_Verify under another context", e.verify(other, pub, msg, sig), codes(ck.CKR_SIGNATURE_INVALID))
	bad := a.Mechanism(uint64(ck.CKM_ML_DSA), []byte{1, 2, 3})
	e.want("C_SignInit with a short parameter", e.call("C_SignInit", e.s, bad, priv), codes(ck.CKR_MECHANISM_PARAM_INVALID))
}

// TestEd448X448ThroughLibrary: Ed448 signatures made through libgohsm.so
// verify with openssl; X448 secrets derived through the library equal
// openssl's from the same keys.
func TestEd448X448ThroughLibrary(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl command line not installed")
	}
	e := pqcEnv{openRaw(t)}
	e.setup()
	a := &e.a
	printable := func(s string) []byte { return append([]byte{0x13, byte(len(s))}, s...) }
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pub, priv := e.keyPair(ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, []capi.Attr{a.Val(e.at(ck.CKA_EC_PARAMS), printable("edwards448"))}, nil)
	msg := []byte("Ed448 through libgohsm.so")
	sig, rv := e.sign(a.Mechanism(uint64(ck.CKM_EDDSA), nil), priv, msg)
	if rv != 0 || len(sig) != 114 {
		t.Fatalf("C_Sign(EDDSA, Ed448): %s, %d bytes", rvName(rv), len(sig))
	}
	point := e.attr(pub, ck.CKA_EC_POINT) // DER OCTET STRING of 57 bytes
	spki := append([]byte{0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00}, point[2:]...)
	out, err := exec.Command(openssl, "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", write("ed448.der", spki),
		"-rawin", "-in", write("msg", msg), "-sigfile", write("sig", sig)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Signature Verified Successfully") {
		t.Errorf("openssl rejects the Ed448 signature: %s %v", out, err)
	}

	xPriv := []capi.Attr{a.Bool(e.at(ck.CKA_DERIVE), true), a.Bool(e.at(ck.CKA_SENSITIVE), false), a.Bool(e.at(ck.CKA_EXTRACTABLE), true)}
	xParams := []capi.Attr{a.Val(e.at(ck.CKA_EC_PARAMS), printable("curve448"))}
	pubA, privA := e.keyPair(ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, xParams, xPriv)
	pubB, _ := e.keyPair(ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, xParams, xPriv)
	peer := e.attr(pubB, ck.CKA_EC_POINT)
	// CK_ECDH1_DERIVE_PARAMS {kdf, ulSharedDataLen, pSharedData, ulPublicDataLen, pPublicData}.
	p := binary.NativeEndian.AppendUint64(nil, uint64(ck.CKD_NULL))
	p = binary.NativeEndian.AppendUint64(p, 0)
	p = binary.NativeEndian.AppendUint64(p, 0)
	p = binary.NativeEndian.AppendUint64(p, uint64(len(peer)))
	p = binary.NativeEndian.AppendUint64(p, a.Bytes(peer))
	tp, tn := a.Template(a.Num(e.at(ck.CKA_CLASS), uint64(ck.CKO_SECRET_KEY)), a.Num(e.at(ck.CKA_KEY_TYPE), uint64(ck.CKK_GENERIC_SECRET)),
		a.Num(e.at(ck.CKA_VALUE_LEN), 56), a.Bool(e.at(ck.CKA_SENSITIVE), false), a.Bool(e.at(ck.CKA_EXTRACTABLE), true))
	ph := a.ULong(0)
	e.must("C_DeriveKey", e.s, a.Mechanism(uint64(ck.CKM_ECDH1_DERIVE), p), privA, tp, tn, ph)
	z := e.attr(capi.ReadULong(ph), ck.CKA_VALUE)
	// openssl derives from A's private value and B's public value.
	pkcs8 := append([]byte{0x30, 0x46, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x04, 0x3a, 0x04, 0x38}, e.attr(privA, ck.CKA_VALUE)...)
	peerSPKI := append([]byte{0x30, 0x42, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x03, 0x39, 0x00}, peer[2:]...)
	want, err := exec.Command(openssl, "pkeyutl", "-derive", "-keyform", "DER", "-inkey", write("a.der", pkcs8),
		"-peerform", "DER", "-peerkey", write("b.der", peerSPKI)).Output()
	if err != nil || len(z) != 56 || !bytes.Equal(z, want) {
		t.Errorf("X448 secret differs from openssl's (%v)", err)
	}
	_ = pubA
}

// TestSLHDSAThroughLibrary: an SLH-DSA-SHAKE-128f pair made through
// libgohsm.so signs with a context; circl verifies from the exported key.
func TestSLHDSAThroughLibrary(t *testing.T) {
	if !hsmtest.InChild(t, badConfig) {
		return
	}
	e := pqcEnv{openRaw(t)}
	e.setup()
	a := &e.a
	pub, priv := e.keyPair(ck.CKM_SLH_DSA_KEY_PAIR_GEN, []capi.Attr{a.Num(e.at(ck.CKA_PARAMETER_SET), uint64(ck.CKP_SLH_DSA_SHAKE_128F))}, nil)
	msg, ctx := []byte("SLH-DSA through libgohsm.so"), []byte("ctx")
	mech := a.Mechanism(uint64(ck.CKM_SLH_DSA), e.signContext(ck.CKH_HEDGE_REQUIRED, ctx))
	sig, rv := e.sign(mech, priv, msg)
	if rv != 0 {
		t.Fatalf("C_Sign: %s", rvName(rv))
	}
	pk := slhdsa.PublicKey{ID: slhdsa.SHAKE_128f}
	if err := pk.UnmarshalBinary(e.attr(pub, ck.CKA_VALUE)); err != nil {
		t.Fatal(err)
	}
	if !slhdsa.Verify(&pk, slhdsa.NewMessage(msg), sig, ctx) {
		t.Error("circl does not verify the library's SLH-DSA signature")
	}
	e.want("C_Verify", e.verify(mech, pub, msg, sig), codes(ck.CKR_OK))
	e.want("C_Verify without the context", e.verify(a.Mechanism(uint64(ck.CKM_SLH_DSA), nil), pub, msg, sig), codes(ck.CKR_SIGNATURE_INVALID))
}
