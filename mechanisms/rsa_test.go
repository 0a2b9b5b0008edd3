package mechanisms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"strconv"
	"testing"

	"github.com/gohsm/gohsm/ck"
)

// rsaHash is what PKCS#11 calls a hash in the RSA tests: its digest, MGF1,
// PKCS #1 v1.5 and PSS signature mechanisms, and Go's hash.
type rsaHash struct {
	digest, pkcs1, pss ck.MechanismType
	mgf                ck.MGF
	h                  crypto.Hash
}

// rsaHashes is keyed by openssl's name (testdata); wycheproofRSAHash reads
// Wycheproof's. SHA-512/224 and SHA-512/256 are missing: PKCS#11 has no
// MGF1 nor RSA signature mechanisms with them.
var rsaHashes = map[string]rsaHash{
	"sha1":     {ck.CKM_SHA_1, ck.CKM_SHA1_RSA_PKCS, ck.CKM_SHA1_RSA_PKCS_PSS, ck.CKG_MGF1_SHA1, crypto.SHA1},
	"sha224":   {ck.CKM_SHA224, ck.CKM_SHA224_RSA_PKCS, ck.CKM_SHA224_RSA_PKCS_PSS, ck.CKG_MGF1_SHA224, crypto.SHA224},
	"sha256":   {ck.CKM_SHA256, ck.CKM_SHA256_RSA_PKCS, ck.CKM_SHA256_RSA_PKCS_PSS, ck.CKG_MGF1_SHA256, crypto.SHA256},
	"sha384":   {ck.CKM_SHA384, ck.CKM_SHA384_RSA_PKCS, ck.CKM_SHA384_RSA_PKCS_PSS, ck.CKG_MGF1_SHA384, crypto.SHA384},
	"sha512":   {ck.CKM_SHA512, ck.CKM_SHA512_RSA_PKCS, ck.CKM_SHA512_RSA_PKCS_PSS, ck.CKG_MGF1_SHA512, crypto.SHA512},
	"sha3-224": {ck.CKM_SHA3_224, ck.CKM_SHA3_224_RSA_PKCS, ck.CKM_SHA3_224_RSA_PKCS_PSS, ck.CKG_MGF1_SHA3_224, crypto.SHA3_224},
	"sha3-256": {ck.CKM_SHA3_256, ck.CKM_SHA3_256_RSA_PKCS, ck.CKM_SHA3_256_RSA_PKCS_PSS, ck.CKG_MGF1_SHA3_256, crypto.SHA3_256},
	"sha3-384": {ck.CKM_SHA3_384, ck.CKM_SHA3_384_RSA_PKCS, ck.CKM_SHA3_384_RSA_PKCS_PSS, ck.CKG_MGF1_SHA3_384, crypto.SHA3_384},
	"sha3-512": {ck.CKM_SHA3_512, ck.CKM_SHA3_512_RSA_PKCS, ck.CKM_SHA3_512_RSA_PKCS_PSS, ck.CKG_MGF1_SHA3_512, crypto.SHA3_512},
}

// TestRSAPKCS1Vectors: PKCS #1 v1.5 signatures are deterministic, so ours
// must equal openssl's byte for byte (testdata/rsa_pkcs1.txt), and verify.
func TestRSAPKCS1Vectors(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	for _, v := range readVectors(t, "testdata/rsa_pkcs1.txt") {
		typ := ck.CKM_RSA_PKCS // "none": the message as given
		if v["Hash"] != "none" {
			h, ok := rsaHashes[v["Hash"]]
			if !ok {
				t.Fatalf("hash %q", v["Hash"])
			}
			typ = h.pkcs1
		}
		msg, want := unhex(t, v["Msg"]), unhex(t, v["Sig"])
		s, err := mustLookup(t, typ).(Signer).SignInit(priv, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Sign(msg)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%v: signature differs from openssl's (%v)", typ, err)
		}
		vc, err := mustLookup(t, typ).(Verifier).VerifyInit(pub, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := vc.Verify(msg, want); err != nil {
			t.Errorf("%v: openssl signature rejected: %v", typ, err)
		}
		bad := bytes.Clone(want)
		bad[10] ^= 1
		vc, _ = mustLookup(t, typ).(Verifier).VerifyInit(pub, nil)
		if err := vc.Verify(msg, bad); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("%v: tampered signature: %v", typ, err)
		}
		if typ == ck.CKM_RSA_PKCS {
			continue
		}
		vc, _ = mustLookup(t, typ).(Verifier).VerifyInit(pub, nil)
		mv := vc.(MultipartVerify)
		mv.Update(msg[:7])
		mv.Update(msg[7:])
		if err := mv.Final(want); err != nil {
			t.Errorf("%v multipart: %v", typ, err)
		}
	}
}

// TestRSAPSSVectors: openssl's PSS signatures (testdata/rsa_pss.txt) verify
// with the exact salt length and fail with another; ours round-trip.
func TestRSAPSSVectors(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	for _, v := range readVectors(t, "testdata/rsa_pss.txt") {
		m, ok := rsaHashes[v["Hash"]]
		if !ok {
			t.Fatalf("hash %q", v["Hash"])
		}
		salt := 256 - m.h.Size() - 2
		if v["Salt"] != "max" {
			salt, _ = strconv.Atoi(v["Salt"])
		}
		msg, sig := unhex(t, v["Msg"]), unhex(t, v["Sig"])
		param := pssParamBytes(m.digest, m.mgf, salt)
		verify := func(typ ck.MechanismType, param any, data, sig []byte) error {
			vc, err := mustLookup(t, typ).(Verifier).VerifyInit(pub, param)
			if err != nil {
				return err
			}
			return vc.Verify(data, sig)
		}
		if err := verify(m.pss, param, msg, sig); err != nil {
			t.Errorf("%s salt %d: %v", v["Hash"], salt, err)
		}
		if err := verify(ck.CKM_RSA_PKCS_PSS, param, hashOf(m.h, msg), sig); err != nil {
			t.Errorf("CKM_RSA_PKCS_PSS %s salt %d: %v", v["Hash"], salt, err)
		}
		other := salt - 1
		if other == 0 {
			other = 2
		}
		if err := verify(m.pss, pssParamBytes(m.digest, m.mgf, other), msg, sig); err != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("%s: salt %d instead of %d: %v", v["Hash"], other, salt, err)
		}
		s, err := mustLookup(t, m.pss).(Signer).SignInit(priv, param)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := s.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := verify(m.pss, param, msg, ours); err != nil {
			t.Errorf("%s salt %d: own signature: %v", v["Hash"], salt, err)
		}
	}
}

func TestRSAPKCS1Decrypt(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	m := mustLookup(t, ck.CKM_RSA_PKCS)
	for _, v := range readVectors(t, "testdata/rsa_pkcs1_enc.txt") {
		d, err := m.(Decrypter).DecryptInit(priv, nil)
		if err != nil {
			t.Fatal(err)
		}
		pt, err := d.Do(unhex(t, v["CT"]))
		if err != nil || !bytes.Equal(pt, unhex(t, v["Msg"])) {
			t.Errorf("openssl ciphertext: %v", err)
		}
		e, _ := m.(Encrypter).EncryptInit(pub, nil)
		ct, err := e.Do(pt)
		if err != nil || len(ct) != e.OutputLen(len(pt)) {
			t.Fatalf("encrypt: %v, %d bytes", err, len(ct))
		}
		d, _ = m.(Decrypter).DecryptInit(priv, nil)
		if again, err := d.Do(ct); err != nil || !bytes.Equal(again, pt) {
			t.Errorf("round trip: %v", err)
		}
	}
}

func TestRSAErrors(t *testing.T) {
	pub, priv := rsaTestKeys(t)
	ecPub, ecPriv := genECKeys(t, curves[1])
	sha256PSS := pssParamBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32)
	signInit := func(typ ck.MechanismType, k *Key, p any) error {
		_, err := mustLookup(t, typ).(Signer).SignInit(k, p)
		return err
	}
	verifyInit := func(typ ck.MechanismType, k *Key, p any) error {
		_, err := mustLookup(t, typ).(Verifier).VerifyInit(k, p)
		return err
	}
	short := &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_RSA, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_MODULUS: bytes.Clone(pub.Attrs[ck.CKA_MODULUS][:64]), ck.CKA_PUBLIC_EXPONENT: []byte{1, 0, 1}}}
	short.Attrs[ck.CKA_MODULUS][63] |= 1
	evenExp := &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_RSA, Attrs: map[ck.AttributeType][]byte{
		ck.CKA_MODULUS: pub.Attrs[ck.CKA_MODULUS], ck.CKA_PUBLIC_EXPONENT: []byte{1, 0, 0}}}
	wrongD := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_RSA, Attrs: map[ck.AttributeType][]byte{}}
	for a, v := range priv.Attrs {
		wrongD.Attrs[a] = v
	}
	wrongD.Attrs[ck.CKA_PRIVATE_EXPONENT] = []byte{3}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"sign with EC key", signInit(ck.CKM_RSA_PKCS, ecPriv, nil), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"verify with EC key", verifyInit(ck.CKM_SHA256_RSA_PKCS, ecPub, nil), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"sign with public key", signInit(ck.CKM_SHA256_RSA_PKCS, pub, nil), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"verify with private key", verifyInit(ck.CKM_RSA_PKCS, priv, nil), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"512-bit modulus", verifyInit(ck.CKM_RSA_PKCS, short, nil), ck.CKR_KEY_SIZE_RANGE},
		{"even exponent", verifyInit(ck.CKM_RSA_PKCS, evenExp, nil), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"inconsistent private key", signInit(ck.CKM_RSA_PKCS, wrongD, nil), ck.CKR_KEY_TYPE_INCONSISTENT},
		{"PKCS parameter", signInit(ck.CKM_SHA256_RSA_PKCS, priv, []byte{1}), ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS without parameter", signInit(ck.CKM_SHA256_RSA_PKCS_PSS, priv, nil), ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS short parameter", signInit(ck.CKM_SHA256_RSA_PKCS_PSS, priv, sha256PSS[:16]), ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS hash mismatch", signInit(ck.CKM_SHA384_RSA_PKCS_PSS, priv, sha256PSS), ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS MGF1 of another hash", verifyInit(ck.CKM_SHA256_RSA_PKCS_PSS, pub, pssParamBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA1, 32)), nil},
		{"PSS unknown MGF", verifyInit(ck.CKM_SHA256_RSA_PKCS_PSS, pub, pssParamBytes(ck.CKM_SHA256, 0x99, 32)), ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS unknown hash", signInit(ck.CKM_RSA_PKCS_PSS, priv, pssParamBytes(ck.CKM_AES_ECB, ck.CKG_MGF1_SHA1, 32)), ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS salt too long", signInit(ck.CKM_SHA256_RSA_PKCS_PSS, priv, pssParamBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 256-32-1)), ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS salt max", signInit(ck.CKM_SHA256_RSA_PKCS_PSS, priv, pssParamBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 256-32-2)), nil},
		{"PSS salt 0", signInit(ck.CKM_SHA256_RSA_PKCS_PSS, priv, pssParamBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 0)), nil},
		{"PSS struct parameter", signInit(ck.CKM_SHA256_RSA_PKCS_PSS, priv, &ck.PSSParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256, SaltLength: 32}), nil},
	}
	for _, tc := range tests {
		if tc.err != tc.want {
			t.Errorf("%s: err = %v, want %v", tc.name, tc.err, tc.want)
		}
	}

	// Operation errors.
	s, _ := mustLookup(t, ck.CKM_RSA_PKCS).(Signer).SignInit(priv, nil)
	if _, err := s.Sign(make([]byte, 256-10)); err != ck.CKR_DATA_LEN_RANGE {
		t.Errorf("CKM_RSA_PKCS sign of k-10 bytes: %v", err)
	}
	if _, ok := s.(MultipartSign); ok {
		t.Error("CKM_RSA_PKCS must be single-part")
	}
	v, _ := mustLookup(t, ck.CKM_SHA256_RSA_PKCS).(Verifier).VerifyInit(pub, nil)
	if err := v.Verify([]byte("x"), make([]byte, 255)); err != ck.CKR_SIGNATURE_LEN_RANGE {
		t.Errorf("short signature: %v", err)
	}
	ps, _ := mustLookup(t, ck.CKM_RSA_PKCS_PSS).(Signer).SignInit(priv, sha256PSS)
	if _, err := ps.Sign(make([]byte, 20)); err != ck.CKR_DATA_LEN_RANGE {
		t.Errorf("PSS over a 20-byte hash with SHA-256: %v", err)
	}
	e, _ := mustLookup(t, ck.CKM_RSA_PKCS).(Encrypter).EncryptInit(pub, nil)
	if _, err := e.Do(make([]byte, 256-10)); err != ck.CKR_DATA_LEN_RANGE {
		t.Errorf("encrypt k-10 bytes: %v", err)
	}
	d, _ := mustLookup(t, ck.CKM_RSA_PKCS).(Decrypter).DecryptInit(priv, nil)
	if _, err := d.Do(make([]byte, 255)); err != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
		t.Errorf("decrypt 255 bytes: %v", err)
	}
	garbage := make([]byte, 256)
	rand.Read(garbage[1:])
	if _, err := d.Do(garbage); err != ck.CKR_ENCRYPTED_DATA_INVALID {
		t.Errorf("decrypt garbage: %v", err)
	}
}

func TestRSAKeyPairGen(t *testing.T) {
	g := mustLookup(t, ck.CKM_RSA_PKCS_KEY_PAIR_GEN).(KeyPairGenerator)
	bits := func(n ck.ULong) ck.Attribute {
		return ck.Attribute{Type: ck.CKA_MODULUS_BITS, Value: ck.EncodeULong(n)}
	}
	exp := func(b ...byte) ck.Attribute { return ck.Attribute{Type: ck.CKA_PUBLIC_EXPONENT, Value: b} }
	pa, va, err := g.GenerateKeyPair(ck.Template{bits(2048), exp(0, 1, 0, 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := ck.DecodeULong(pa[ck.CKA_MODULUS_BITS]); n != 2048 || len(pa[ck.CKA_MODULUS]) != 256 {
		t.Fatalf("modulus %d bits, %d bytes", n, len(pa[ck.CKA_MODULUS]))
	}
	if !bytes.Equal(pa[ck.CKA_PUBLIC_EXPONENT], []byte{1, 0, 1}) || !bytes.Equal(pa[ck.CKA_MODULUS], va[ck.CKA_MODULUS]) {
		t.Fatal("public exponent or modulus wrong")
	}
	pub := &Key{Class: ck.CKO_PUBLIC_KEY, KeyType: ck.CKK_RSA, Attrs: pa}
	priv := &Key{Class: ck.CKO_PRIVATE_KEY, KeyType: ck.CKK_RSA, Attrs: va}
	k, err := rsaPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	// The CRT values handed to the store must be the real ones.
	for a, want := range map[ck.AttributeType]*big.Int{ck.CKA_EXPONENT_1: k.Precomputed.Dp, ck.CKA_EXPONENT_2: k.Precomputed.Dq, ck.CKA_COEFFICIENT: k.Precomputed.Qinv} {
		if new(big.Int).SetBytes(va[a]).Cmp(want) != 0 {
			t.Errorf("%v wrong", a)
		}
	}
	sig := signWith(t, ck.CKM_SHA256_RSA_PKCS, priv, []byte("m"))
	v, _ := mustLookup(t, ck.CKM_SHA256_RSA_PKCS).(Verifier).VerifyInit(pub, nil)
	if err := v.Verify([]byte("m"), sig); err != nil {
		t.Fatal(err)
	}
	if _, err := rsa.EncryptPKCS1v15(rand.Reader, &k.PublicKey, []byte("x")); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		pub  ck.Template
		priv ck.Template
		want error
	}{
		{"no bits", ck.Template{exp(1, 0, 1)}, nil, ck.CKR_TEMPLATE_INCOMPLETE},
		{"bits in private template only", nil, ck.Template{bits(2048)}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"512 bits", ck.Template{bits(512)}, nil, ck.CKR_KEY_SIZE_RANGE},
		{"16385 bits", ck.Template{bits(16385)}, nil, ck.CKR_KEY_SIZE_RANGE},
		{"bad bits value", ck.Template{{Type: ck.CKA_MODULUS_BITS, Value: []byte{8}}}, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"even exponent", ck.Template{bits(2048), exp(1, 0, 0)}, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"exponent 2", ck.Template{bits(2048), exp(2)}, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"empty exponent", ck.Template{bits(2048), exp()}, nil, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC key type", ck.Template{bits(2048), {Type: ck.CKA_KEY_TYPE, Value: ck.EncodeULong(ck.ULong(ck.CKK_EC))}}, nil, ck.CKR_TEMPLATE_INCONSISTENT},
	} {
		if _, _, err := g.GenerateKeyPair(tc.pub, tc.priv); err != tc.want {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestDecodePSSParams(t *testing.T) {
	want := ck.PSSParams{Hash: ck.CKM_SHA384, MGF: ck.CKG_MGF1_SHA384, SaltLength: 48}
	for _, tc := range []struct {
		in any
		ok bool
	}{
		{pssParamBytes(ck.CKM_SHA384, ck.CKG_MGF1_SHA384, 48), true},
		{want, true},
		{&want, true},
		{(*ck.PSSParams)(nil), false},
		{nil, false},
		{[]byte{}, false},
		{make([]byte, 23), false},
		{make([]byte, 25), false},
		{48, false},
	} {
		got, err := DecodePSSParams(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != want) || (!tc.ok && err != ck.CKR_MECHANISM_PARAM_INVALID) {
			t.Errorf("%T %v: %+v %v", tc.in, tc.in, got, err)
		}
	}
}

// FuzzDecodePSSParams: any bytes decode or give CKR_MECHANISM_PARAM_INVALID,
// and a decoded parameter is either accepted or refused by pssOptions, never panics.
func FuzzDecodePSSParams(f *testing.F) {
	f.Add(pssParamBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32))
	f.Add(pssParamBytes(ck.CKM_SHA_1, ck.CKG_MGF1_SHA1, 0))
	f.Add(pssParamBytes(ck.CKM_SHA512, ck.CKG_MGF1_SHA512, 1<<62))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodePSSParams(b)
		if err != nil {
			if err != ck.CKR_MECHANISM_PARAM_INVALID || len(b) == pssParamsSize {
				t.Fatalf("%d bytes: %v", len(b), err)
			}
			return
		}
		for _, bits := range []int{1024, 2048, 4097} {
			h, _, salt, err := pssOptions(p, 0, bits)
			if err == nil && (salt < 0 || h.Size()+salt+2 > (bits+6)/8) {
				t.Fatalf("accepted salt %d for %d bits with %v", salt, bits, h)
			}
		}
	})
}
