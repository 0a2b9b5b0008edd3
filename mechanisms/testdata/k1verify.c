/*
 * k1verify.c: verifies secp256k1 ECDSA signatures with OpenSSL's libcrypto,
 * many per process. Each stdin line: <point hex> <r||s hex> <digest hex>.
 * Prints "ok N" when every one verifies, else the failing line numbers.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

static int unhex(const char *s, unsigned char *out, int max)
{
	int n = 0;
	while (s[0] && s[1] && n < max) {
		unsigned int b;
		if (sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = (unsigned char)b;
		s += 2;
	}
	return n;
}

int main(void)
{
	char line[4096], p[1024], sg[1024], d[1024];
	unsigned char pt[200], sig[200], dg[200];
	int lineno = 0, bad = 0;
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp256k1);

	while (fgets(line, sizeof line, stdin)) {
		int np, ns, nd, ok = 0;
		EC_KEY *k = EC_KEY_new();
		EC_POINT *q = EC_POINT_new(g);
		ECDSA_SIG *es = ECDSA_SIG_new();
		lineno++;
		if (sscanf(line, "%1023s %1023s %1023s", p, sg, d) == 3 &&
		    (np = unhex(p, pt, sizeof pt)) > 0 && (ns = unhex(sg, sig, sizeof sig)) == 64 &&
		    (nd = unhex(d, dg, sizeof dg)) >= 0 &&
		    EC_KEY_set_group(k, g) && EC_POINT_oct2point(g, q, pt, np, NULL) && EC_KEY_set_public_key(k, q) &&
		    ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)))
			ok = ECDSA_do_verify(dg, nd, es, k) == 1;
		if (!ok) {
			printf("FAIL line %d\n", lineno);
			bad++;
		}
		ECDSA_SIG_free(es);
		EC_POINT_free(q);
		EC_KEY_free(k);
	}
	EC_GROUP_free(g);
	if (bad)
		return 1;
	printf("ok %d\n", lineno);
	return 0;
}
