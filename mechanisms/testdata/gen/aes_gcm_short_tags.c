/* aes_gcm_short_tags.c: prints AES-GCM known answers from libcrypto (EVP)
 * for SP 800-38D's tag lengths with IVs of several lengths; inputs come
 * from a fixed xorshift generator, so the output is reproducible.
 *   gcc -o gen aes_gcm_short_tags.c -lcrypto && ./gen > ../aes_gcm_short_tags.txt */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdint.h>

static uint64_t s = 0x9e3779b97f4a7c15ULL;
static void fill(unsigned char *b, int n) {
	for (int i = 0; i < n; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; b[i] = (unsigned char)s; }
}
static void hex(const char *k, const unsigned char *b, int n) {
	printf("%s = ", k);
	for (int i = 0; i < n; i++) printf("%02x", b[i]);
	printf("\n");
}

int main(void) {
	static const int tags[] = {4, 8, 12, 13, 14, 15, 16};
	static const int ivs[] = {12, 1, 8, 16, 60, 13};
	static const int pts[] = {0, 1, 16, 33, 70};
	static const int aads[] = {0, 5, 20};
	static const char *ciphers[] = {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM"};
	printf("# AES-GCM by OpenSSL's libcrypto (EVP): SP 800-38D tag lengths 32..128 bits with\n");
	printf("# IVs of 1..60 bytes; made by testdata/gen/aes_gcm_short_tags.c\n");
	int n = 0;
	for (int t = 0; t < 7; t++) {
		for (int v = 0; v < 6; v++, n++) {
			int kl = 16 + 8 * (n % 3), ivl = ivs[v], ptl = pts[n % 5], aadl = aads[n % 3], tl = tags[t];
			unsigned char key[32], iv[64], aad[32], pt[80], ct[96], tag[16];
			fill(key, kl); fill(iv, ivl); fill(aad, aadl); fill(pt, ptl);
			EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
			int ol = 0, fl = 0;
			if (!EVP_EncryptInit_ex2(c, EVP_CIPHER_fetch(NULL, ciphers[n % 3], NULL), NULL, NULL, NULL) ||
			    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, ivl, NULL) ||
			    !EVP_EncryptInit_ex2(c, NULL, key, iv, NULL) ||
			    (aadl && !EVP_EncryptUpdate(c, NULL, &ol, aad, aadl)) ||
			    !EVP_EncryptUpdate(c, ct, &ol, pt, ptl) || !EVP_EncryptFinal_ex(c, ct + ol, &fl) ||
			    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, tl, tag))
				return 1;
			EVP_CIPHER_CTX_free(c);
			printf("\n");
			hex("Key", key, kl); hex("IV", iv, ivl); hex("AAD", aad, aadl);
			hex("PT", pt, ptl); hex("CT", ct, ol + fl); hex("Tag", tag, tl);
		}
	}
	return 0;
}
