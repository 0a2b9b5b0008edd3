package interop

import (
	"encoding/hex"
	"sync"
)

// symEVPSource is a small libcrypto program for what `openssl enc` cannot
// do: AEAD ciphers (GCM, CCM, ChaCha20-Poly1305: enc refuses them), XTS
// (refused too) and CBC-CTS beyond 4096 bytes (enc's cipher BIO feeds CTS in
// 4 KiB pieces, and CTS is one-shot).
//
//	symevp e|d CIPHER KEYHEX IVHEX AADHEX TAGLEN < in > out
//
// Encryption writes the ciphertext followed by a TAGLEN-byte tag (AEAD);
// decryption reads that and writes the plaintext, or exits 2 when the tag
// does not verify. Padding is off for block ciphers.
const symEVPSource = `
#include <openssl/evp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *unhex(const char *s, int *n) {
	size_t l = strlen(s);
	unsigned char *b = malloc(l / 2 + 1);
	for (size_t i = 0; i < l / 2; i++) sscanf(s + 2 * i, "%2hhx", &b[i]);
	*n = (int)(l / 2);
	return b;
}

static int fail(const char *what, int code) {
	fprintf(stderr, "symevp: %s\n", what);
	ERR_print_errors_fp(stderr);
	return code;
}

int main(int argc, char **argv) {
	if (argc != 7) return fail("usage: e|d CIPHER KEYHEX IVHEX AADHEX TAGLEN", 1);
	int enc = argv[1][0] == 'e', klen, ivlen, aadlen, taglen = atoi(argv[6]);
	unsigned char *key = unhex(argv[3], &klen), *iv = unhex(argv[4], &ivlen), *aad = unhex(argv[5], &aadlen);
	size_t cap = 1 << 16, inlen = 0, r;
	unsigned char *in = malloc(cap);
	while ((r = fread(in + inlen, 1, cap - inlen, stdin)) > 0) {
		inlen += r;
		if (inlen == cap) in = realloc(in, cap *= 2);
	}
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, argv[2], NULL);
	if (c == NULL) return fail("unknown cipher", 1);
	int aead = (EVP_CIPHER_get_flags(c) & EVP_CIPH_FLAG_AEAD_CIPHER) != 0;
	int ccm = EVP_CIPHER_get_mode(c) == EVP_CIPH_CCM_MODE;
	unsigned char *tag = NULL;
	if (aead && !enc) {
		if ((size_t)taglen > inlen) return fail("input shorter than the tag", 1);
		inlen -= taglen;
		tag = in + inlen;
	}
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL)) return fail("init", 1);
	if (aead) {
		if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, ivlen, NULL)) return fail("IV length", 1);
		if ((ccm || !enc) && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, taglen, enc ? NULL : tag))
			return fail("tag length", 1);
	}
	if (!EVP_CipherInit_ex2(ctx, NULL, key, ivlen ? iv : NULL, enc, NULL)) return fail("key and IV", 1);
	if (!aead) EVP_CIPHER_CTX_set_padding(ctx, 0);
	int outl = 0, fl = 0;
	if (ccm && !EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)inlen)) return fail("CCM length", 1);
	if (aadlen && !EVP_CipherUpdate(ctx, NULL, &outl, aad, aadlen)) return fail("AAD", 1);
	unsigned char *out = malloc(inlen + 64);
	outl = 0;
	if ((inlen || ccm) && !EVP_CipherUpdate(ctx, out, &outl, in, (int)inlen))
		return fail(aead && !enc ? "tag mismatch" : "update", aead && !enc ? 2 : 1);
	if (!EVP_CipherFinal_ex(ctx, out + outl, &fl))
		return fail(aead && !enc ? "tag mismatch" : "final", aead && !enc ? 2 : 1);
	outl += fl;
	fwrite(out, 1, outl, stdout);
	if (aead && enc) {
		unsigned char t[16];
		if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, taglen, t)) return fail("get tag", 1);
		fwrite(t, 1, taglen, stdout);
	}
	return 0;
}
`

// symEVPBin is the compiled program, built once per test process (each
// top-level test is a process of its own).
var symEVPBin struct {
	once sync.Once
	path string
}

// symEVP runs the libcrypto program of symEVPSource, building it in the
// top-level test's directory the first time.
func (k *symTok) symEVP(encrypt bool, cipher string, key, iv, aad []byte, tagLen int, in []byte) ([]byte, error) {
	k.t.Helper()
	symEVPBin.once.Do(func() { symEVPBin.path = symBuildC(k.t, k.dir, "symevp", symEVPSource) })
	if symEVPBin.path == "" {
		k.t.Skip("symevp was not built")
	}
	op := "d"
	if encrypt {
		op = "e"
	}
	return symRun(in, symEVPBin.path, op, cipher, hex.EncodeToString(key), hex.EncodeToString(iv),
		hex.EncodeToString(aad), symItoa(tagLen))
}
