package interop

import (
	"encoding/hex"
	"strings"
	"sync"
	"testing"
)

// asymBatchSource is a small libcrypto program that signs or verifies many
// messages with one key in a single process, so that hundreds of ECDSA and
// EdDSA signatures per curve cost milliseconds instead of one openssl
// command each.
//
//	asymbatch sign KEY.pem MD   < "DATAHEX\n"...         > "SIGHEX\n"...
//	asymbatch verify PUB.pem MD < "DATAHEX SIGHEX\n"... > "1\n" or "0\n"...
//
// MD "raw": DATA is a digest, signed as is (EVP_PKEY_sign/verify: any
// length; ECDSA truncates to the order); "none": one-shot EVP_DigestSign
// without a digest (EdDSA); otherwise a digest name hashing DATA.
// Signatures are DER for ECDSA, raw for EdDSA.
const asymBatchSource = `
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t unhex(const char *s, unsigned char *out) {
	size_t n = strlen(s) / 2;
	for (size_t i = 0; i < n; i++) sscanf(s + 2 * i, "%2hhx", &out[i]);
	return n;
}

static int fail(const char *what) {
	fprintf(stderr, "asymbatch: %s\n", what);
	ERR_print_errors_fp(stderr);
	return 1;
}

int main(int argc, char **argv) {
	if (argc != 4) return fail("usage: sign|verify KEY.pem MD");
	int sign = strcmp(argv[1], "sign") == 0;
	FILE *f = fopen(argv[2], "r");
	if (f == NULL) return fail("cannot open the key");
	EVP_PKEY *key = sign ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL) return fail("cannot read the key");
	int raw = strcmp(argv[3], "raw") == 0;
	EVP_MD *md = NULL;
	if (!raw && strcmp(argv[3], "none") != 0 && (md = EVP_MD_fetch(NULL, argv[3], NULL)) == NULL) return fail("unknown digest");
	char *line = NULL;
	size_t cap = 0;
	unsigned char *data = NULL, *sig = NULL;
	while (getline(&line, &cap, stdin) > 0) {
		data = realloc(data, cap);
		sig = realloc(sig, cap + 1024);
		line[strcspn(line, "\n")] = 0;
		char *shex = strchr(line, ' '); /* DATAHEX may be empty: split by hand */
		if (shex) *shex++ = 0;
		size_t dlen = unhex(line, data), slen = shex ? unhex(shex, sig) : 0;
		int ok;
		if (sign) {
			slen = cap + 1024;
			if (raw) {
				EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
				ok = EVP_PKEY_sign_init(c) == 1 && EVP_PKEY_sign(c, sig, &slen, data, dlen) == 1;
				EVP_PKEY_CTX_free(c);
			} else {
				EVP_MD_CTX *c = EVP_MD_CTX_new();
				ok = EVP_DigestSignInit_ex(c, NULL, md ? EVP_MD_get0_name(md) : NULL, NULL, NULL, key, NULL) == 1 &&
				     EVP_DigestSign(c, sig, &slen, data, dlen) == 1;
				EVP_MD_CTX_free(c);
			}
			if (!ok) return fail("sign");
			for (size_t i = 0; i < slen; i++) printf("%02x", sig[i]);
			printf("\n");
		} else {
			if (raw) {
				EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
				ok = EVP_PKEY_verify_init(c) == 1 && EVP_PKEY_verify(c, sig, slen, data, dlen) == 1;
				EVP_PKEY_CTX_free(c);
			} else {
				EVP_MD_CTX *c = EVP_MD_CTX_new();
				ok = EVP_DigestVerifyInit_ex(c, NULL, md ? EVP_MD_get0_name(md) : NULL, NULL, NULL, key, NULL) == 1 &&
				     EVP_DigestVerify(c, sig, slen, data, dlen) == 1;
				EVP_MD_CTX_free(c);
			}
			ERR_clear_error();
			printf("%d\n", ok);
		}
	}
	return 0;
}
`

var asymBatchBin struct {
	once sync.Once
	path string
}

// asymBatch runs the program of asymBatchSource on lines, building it in dir
// the first time in this process; it returns one output line per input line.
func asymBatch(t testing.TB, dir string, lines []string, args ...string) []string {
	t.Helper()
	asymBatchBin.once.Do(func() { asymBatchBin.path = symBuildC(t, dir, "asymbatch", asymBatchSource) })
	if asymBatchBin.path == "" {
		t.Skip("asymbatch was not built")
	}
	out, err := symRun([]byte(strings.Join(lines, "\n")+"\n"), asymBatchBin.path, args...)
	if err != nil {
		t.Fatalf("asymbatch %v: %v", args, err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(got) != len(lines) {
		t.Fatalf("asymbatch %v: %d answers to %d lines", args, len(got), len(lines))
	}
	return got
}

// batchSign has openssl sign each data with the private key file; the
// signatures come back decoded.
func batchSign(t testing.TB, dir, privPEM, md string, data [][]byte) [][]byte {
	t.Helper()
	lines := make([]string, len(data))
	for i, d := range data {
		lines[i] = hex.EncodeToString(d)
	}
	sigs := make([][]byte, len(data))
	for i, s := range asymBatch(t, dir, lines, "sign", privPEM, md) {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) == 0 {
			t.Fatalf("asymbatch sign: bad output %q", s)
		}
		sigs[i] = b
	}
	return sigs
}

// batchVerify has openssl verify each (data, signature) with the public key
// file and returns which verified.
func batchVerify(t testing.TB, dir, pubPEM, md string, data, sigs [][]byte) []bool {
	t.Helper()
	lines := make([]string, len(data))
	for i := range data {
		lines[i] = hex.EncodeToString(data[i]) + " " + hex.EncodeToString(sigs[i])
	}
	ok := make([]bool, len(data))
	for i, s := range asymBatch(t, dir, lines, "verify", pubPEM, md) {
		ok[i] = s == "1"
	}
	return ok
}
