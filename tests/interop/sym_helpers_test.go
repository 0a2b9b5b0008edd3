package interop

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/gohsm/gohsm/tests/internal/capi"
	"github.com/gohsm/gohsm/tests/internal/hsmtest"
)

// Helpers of the symmetric interop tests (sym_*_test.go). Names start with
// sym so that they never collide with the asymmetric tests' helpers in the
// same package.

// symLens are the input lengths every mode that takes any length is run
// with: empty, one byte, around a block, and long ones that are not a
// multiple of anything.
var symLens = []int{0, 1, 15, 16, 17, 1000, 4096 + 3}

// symBlockLens are the lengths for modes that need whole blocks of bs bytes.
func symBlockLens(bs int) []int { return []int{0, bs, 2 * bs, 63 * bs, 256 * bs} }

// symChunks are the odd part sizes multi-part operations are fed in,
// cycled through until the input is used up (a 0-byte part included).
var symChunks = []int{7, 1, 0, 16, 33, 5, 100}

// symSplit cuts in into parts of the sizes in symChunks.
func symSplit(in []byte) [][]byte {
	var parts [][]byte
	for i := 0; len(in) > 0 || i == 0; i++ {
		n := min(symChunks[i%len(symChunks)], len(in))
		parts = append(parts, in[:n])
		in = in[n:]
	}
	return parts
}

// symSplitRandom cuts in into parts of random sizes from 0 to max.
func symSplitRandom(r *mrand.Rand, in []byte, max int) [][]byte {
	var parts [][]byte
	for len(in) > 0 || len(parts) == 0 {
		n := min(r.IntN(max+1), len(in))
		parts = append(parts, in[:n])
		in = in[n:]
	}
	return parts
}

// symAgree checks the token against a reference implementation (named
// ref) on pt: the token's ciphertext, single- and multi-part, equals want
// (the reference's), the token decrypts want to pt both ways, and
// refDecrypt gives pt back from the token's single-part ciphertext, which
// is returned (nil if the token did not make it).
func (k *symTok) symAgree(what, ref string, mech []*pkcs11.Mechanism, h pkcs11.ObjectHandle, pt, want []byte, refDecrypt func(ct []byte) ([]byte, error)) []byte {
	t := k.t
	t.Helper()
	var single []byte
	for _, multi := range []bool{false, true} {
		ct, err := k.encrypt(mech, h, pt, multi)
		if err != nil {
			t.Errorf("%s, multi-part %v: %v", what, multi, err)
			continue
		}
		if !bytes.Equal(ct, want) {
			t.Errorf("%s, multi-part %v: token ciphertext (%d bytes) differs from %s's (%d bytes)", what, multi, len(ct), ref, len(want))
		}
		got, err := k.decrypt(mech, h, want, multi)
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("%s, multi-part %v: token decrypting %s's ciphertext: %v (equal %v)", what, multi, ref, err, bytes.Equal(got, pt))
		}
		if multi {
			continue
		}
		single = ct
		if got, err := refDecrypt(ct); err != nil || !bytes.Equal(got, pt) {
			t.Errorf("%s: %s decrypting the token's ciphertext: %v (equal %v)", what, ref, err, bytes.Equal(got, pt))
		}
	}
	return single
}

// symRandomSource is the generator of the random-parts runs; its seed is
// logged so that a failure can be replayed.
func symRandomSource(t *testing.T) *mrand.Rand {
	t.Helper()
	seed := mrand.Uint64()
	t.Logf("random-parts seed %d", seed)
	return mrand.New(mrand.NewPCG(seed, 0))
}

// symRandomParts checks both directions in random parts of up to max bytes:
// the token encrypts pt to want (the reference's ciphertext) and decrypts
// want to pt.
func (k *symTok) symRandomParts(r *mrand.Rand, what string, mech []*pkcs11.Mechanism, h pkcs11.ObjectHandle, pt, want []byte, max int) {
	k.t.Helper()
	if ct, err := k.symCrypt(true, mech, h, symSplitRandom(r, pt, max)); err != nil || !bytes.Equal(ct, want) {
		k.t.Errorf("%s, %d bytes in random parts: %v (equal %v)", what, len(pt), err, bytes.Equal(ct, want))
	}
	if back, err := k.symCrypt(false, mech, h, symSplitRandom(r, want, max)); err != nil || !bytes.Equal(back, pt) {
		k.t.Errorf("%s, %d bytes of the reference's ciphertext in random parts: %v (equal %v)", what, len(pt), err, bytes.Equal(back, pt))
	}
}

// symCrypt runs C_EncryptUpdate (or C_DecryptUpdate) over parts and the
// Final call, after the Init call.
func (k *symTok) symCrypt(encrypt bool, m []*pkcs11.Mechanism, h pkcs11.ObjectHandle, parts [][]byte) ([]byte, error) {
	fn, init, update, final := "C_Encrypt", k.p.EncryptInit, k.p.EncryptUpdate, k.p.EncryptFinal
	if !encrypt {
		fn, init, update, final = "C_Decrypt", k.p.DecryptInit, k.p.DecryptUpdate, k.p.DecryptFinal
	}
	if err := init(k.s, m, h); err != nil {
		return nil, fmt.Errorf("%sInit: %w", fn, err)
	}
	var out []byte
	for _, part := range parts {
		o, err := update(k.s, part)
		if err != nil {
			return nil, fmt.Errorf("%sUpdate(%d bytes): %w", fn, len(part), err)
		}
		out = append(out, o...)
	}
	o, err := final(k.s)
	if err != nil {
		return nil, fmt.Errorf("%sFinal: %w", fn, err)
	}
	return append(out, o...), nil
}

// symRand returns n random bytes.
func symRand(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// symWords lays out CK_ULONG/pointer words (LP64) as a C structure.
func symWords(w ...uint64) []byte {
	b := make([]byte, 0, 8*len(w))
	for _, x := range w {
		b = binary.NativeEndian.AppendUint64(b, x)
	}
	return b
}

// symTok is a logged-in R/W session on a fresh token, C memory for
// mechanism parameters with pointers, and a scratch directory.
type symTok struct {
	t   *testing.T
	p   *pkcs11.Ctx
	s   pkcs11.SessionHandle
	a   *capi.Arena
	dir string
}

func newSymTok(t *testing.T) *symTok {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl command line not installed")
	}
	tok := hsmtest.NewToken(t)
	a := &capi.Arena{}
	t.Cleanup(a.Free)
	return &symTok{t: t, p: tok.P, s: tok.Session, a: a, dir: t.TempDir()}
}

// ptr copies b to C memory; empty is NULL.
func (k *symTok) ptr(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return k.a.Bytes(b)
}

// symKeyAttrs are the attributes of every key the tests make: usable for
// everything, readable so that OpenSSL can be given the same value.
func symKeyAttrs(extra ...*pkcs11.Attribute) []*pkcs11.Attribute {
	return append([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
		pkcs11.NewAttribute(pkcs11.CKA_UNWRAP, true),
		pkcs11.NewAttribute(pkcs11.CKA_DERIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	}, extra...)
}

// importKey creates a secret key of keyType holding value.
func (k *symTok) importKey(keyType uint, value []byte) pkcs11.ObjectHandle {
	k.t.Helper()
	h, err := k.p.CreateObject(k.s, symKeyAttrs(
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, keyType),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, value)))
	hsmtest.Must(k.t, err, fmt.Sprintf("C_CreateObject(secret key type %#x, %d bytes)", keyType, len(value)))
	return h
}

// genKey generates a key with mech (CKA_VALUE_LEN n when n > 0) and returns
// it with its value.
func (k *symTok) genKey(mech uint, n int) (pkcs11.ObjectHandle, []byte) {
	k.t.Helper()
	var extra []*pkcs11.Attribute
	if n > 0 {
		extra = append(extra, pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, n))
	}
	h, err := k.p.GenerateKey(k.s, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, symKeyAttrs(extra...))
	hsmtest.Must(k.t, err, fmt.Sprintf("C_GenerateKey(%#x, %d bytes)", mech, n))
	return h, k.attr(h, pkcs11.CKA_VALUE)
}

// attr reads one attribute's value.
func (k *symTok) attr(h pkcs11.ObjectHandle, typ uint) []byte {
	k.t.Helper()
	a, err := k.p.GetAttributeValue(k.s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
	hsmtest.Must(k.t, err, fmt.Sprintf("C_GetAttributeValue(%#x)", typ))
	return a[0].Value
}

// symKey is a key in the token and its value, and where it came from.
type symKey struct {
	h      pkcs11.ObjectHandle
	value  []byte
	origin string // "imported" or "generated"
}

func symMech(mech uint, param []byte) []*pkcs11.Mechanism {
	return []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, param)}
}

// encrypt runs C_Encrypt (multi false) or C_EncryptUpdate over symSplit's
// parts and C_EncryptFinal.
func (k *symTok) encrypt(m []*pkcs11.Mechanism, h pkcs11.ObjectHandle, in []byte, multi bool) ([]byte, error) {
	return k.crypt(true, m, h, in, multi)
}

// decrypt is encrypt's twin.
func (k *symTok) decrypt(m []*pkcs11.Mechanism, h pkcs11.ObjectHandle, in []byte, multi bool) ([]byte, error) {
	return k.crypt(false, m, h, in, multi)
}

func (k *symTok) crypt(encrypt bool, m []*pkcs11.Mechanism, h pkcs11.ObjectHandle, in []byte, multi bool) ([]byte, error) {
	if multi {
		return k.symCrypt(encrypt, m, h, symSplit(in))
	}
	fn, init, call := "C_Encrypt", k.p.EncryptInit, k.p.Encrypt
	if !encrypt {
		fn, init, call = "C_Decrypt", k.p.DecryptInit, k.p.Decrypt
	}
	if err := init(k.s, m, h); err != nil {
		return nil, fmt.Errorf("%sInit: %w", fn, err)
	}
	out, err := call(k.s, in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return out, nil
}

// sign runs C_Sign or C_SignUpdate over symSplit's parts and C_SignFinal.
func (k *symTok) sign(m []*pkcs11.Mechanism, h pkcs11.ObjectHandle, in []byte, multi bool) ([]byte, error) {
	if err := k.p.SignInit(k.s, m, h); err != nil {
		return nil, fmt.Errorf("C_SignInit: %w", err)
	}
	if !multi {
		out, err := k.p.Sign(k.s, in)
		if err != nil {
			return nil, fmt.Errorf("C_Sign: %w", err)
		}
		return out, nil
	}
	for _, part := range symSplit(in) {
		if err := k.p.SignUpdate(k.s, part); err != nil {
			return nil, fmt.Errorf("C_SignUpdate(%d bytes): %w", len(part), err)
		}
	}
	out, err := k.p.SignFinal(k.s)
	if err != nil {
		return nil, fmt.Errorf("C_SignFinal: %w", err)
	}
	return out, nil
}

// verify runs C_Verify or C_VerifyUpdate and C_VerifyFinal; the error is
// the token's answer.
func (k *symTok) verify(m []*pkcs11.Mechanism, h pkcs11.ObjectHandle, in, sig []byte, multi bool) error {
	if err := k.p.VerifyInit(k.s, m, h); err != nil {
		return fmt.Errorf("C_VerifyInit: %w", err)
	}
	if !multi {
		return k.p.Verify(k.s, in, sig)
	}
	for _, part := range symSplit(in) {
		if err := k.p.VerifyUpdate(k.s, part); err != nil {
			return fmt.Errorf("C_VerifyUpdate(%d bytes): %w", len(part), err)
		}
	}
	return k.p.VerifyFinal(k.s, sig)
}

// derive derives an n-byte (n > 0) readable generic secret (or keyType)
// from base and returns its value.
func (k *symTok) derive(m []*pkcs11.Mechanism, base pkcs11.ObjectHandle, keyType uint, n int) ([]byte, error) {
	attrs := symKeyAttrs(
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, keyType))
	if n > 0 {
		attrs = append(attrs, pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, n))
	}
	h, err := k.p.DeriveKey(k.s, m, base, attrs)
	if err != nil {
		return nil, err
	}
	return k.attr(h, pkcs11.CKA_VALUE), nil
}

// symOpensslEnc runs `openssl enc -<cipher> -K key [-iv iv] -nopad [-d]` on in.
// A nil iv leaves -iv out (ECB); pad false adds -nopad.
func symOpensslEnc(t testing.TB, cipher string, key, iv, in []byte, pad, decrypt bool) ([]byte, error) {
	t.Helper()
	args := []string{"enc", "-" + cipher, "-K", hex.EncodeToString(key)}
	if iv != nil {
		args = append(args, "-iv", hex.EncodeToString(iv))
	}
	if !pad {
		args = append(args, "-nopad")
	}
	if decrypt {
		args = append(args, "-d")
	}
	return opensslErr(t, in, args...)
}

// symBuildC compiles src with gcc against libcrypto into dir and returns the
// binary; the test is skipped when gcc or the headers are missing.
func symBuildC(t testing.TB, dir, name, src string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed")
	}
	c := writeFile(t, dir, name+".c", []byte(src))
	bin := filepath.Join(dir, name)
	out, err := exec.Command("gcc", "-O1", "-Wall", "-o", bin, c, "-lcrypto").CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("openssl/evp.h")) {
			t.Skipf("libssl-dev headers missing (scripts/install-deps.sh installs them): %s", out)
		}
		t.Fatalf("gcc %s: %v\n%s", name, err, out)
	}
	return bin
}

// symItoa is strconv.Itoa, short for argument lists.
func symItoa(n int) string { return strconv.Itoa(n) }

// on returns k with t as the test that helpers fail, for use in a subtest.
func (k *symTok) on(t *testing.T) *symTok {
	c := *k
	c.t = t
	return &c
}

// symRun runs bin with args and stdin and returns its stdout; the error
// carries stderr.
func symRun(stdin []byte, bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, &opensslError{err, stderr.String()}
	}
	return out, nil
}
