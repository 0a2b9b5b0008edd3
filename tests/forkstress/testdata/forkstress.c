/*
 * forkstress.c: many signatures in forked children while the parent signs,
 * as an NGINX master and its workers do (issue 5).
 * Usage: forkstress <libgohsm.so> <plain|finalize> <children> <signatures> <store dir> <bound seconds>
 *
 * The parent initialises the library (pReserved "gohsm:dir=<store dir>", so
 * only the parent names the store), makes a token, a user and an EC P-256 and
 * an RSA-2048 key pair, logs in and signs. Then it forks <children> children
 * while one of its threads keeps signing. Each child calls C_Initialize
 * ("plain": NULL; "finalize": pkcs11-provider's order, C_Finalize first, then
 * C_Initialize with CKF_OS_LOCKING_OK), logs in, finds each key by CKA_ID and
 * CKA_LABEL, and makes <signatures> CKM_ECDSA and <signatures> CKM_RSA_PKCS
 * signatures of distinct digests, verifying a sample with the public key
 * through the module. The parent kills every child still running after
 * <bound seconds> and fails. Prints one line per failed check and a timing
 * line per child; exits non-zero on failure, prints "ok" on success.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pkcs11.h"

#define MAX_CHILDREN 16
#define SO_PIN "so-pin-1234"
#define USER_PIN "user-pin-1234"
/* Every SAMPLE-th signature (and the last) is verified. */
#define SAMPLE 250

static int failures;
static CK_FUNCTION_LIST_3_0_PTR f;
static CK_SLOT_ID token_slot;
static volatile int stop;
static long parent_signatures;

/* DER of the OID of P-256 (CKA_EC_PARAMS). */
static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
/* DigestInfo prefix of SHA-256: what a TLS server signs with CKM_RSA_PKCS. */
static const CK_BYTE sha256_info[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
					0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

struct key {
	const char *label;
	CK_BYTE id;
	CK_MECHANISM_TYPE mech;
	CK_ULONG siglen;
};
static const struct key EC = {"stress-ec", 0x01, CKM_ECDSA, 64};
static const struct key RSA = {"stress-rsa", 0x02, CKM_RSA_PKCS, 256};

#define FAILF(...)                                                   \
	do {                                                             \
		printf("FAIL [pid %d] ", (int)getpid());                     \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
		fflush(stdout);                                              \
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);          \
	} while (0)

#define EXPECT_RV(call, want)                                                                     \
	do {                                                                                          \
		CK_RV got_ = (call);                                                                      \
		if (got_ != (CK_RV)(want))                                                                \
			FAILF("%s:%d: %s = 0x%lx, want %s", __FILE__, __LINE__, #call, got_, #want);          \
	} while (0)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The data to sign for signature n: a distinct digest (DigestInfo for RSA). */
static CK_ULONG message(const struct key *k, long n, pid_t who, CK_BYTE *out)
{
	CK_BYTE *d = out;
	int i;
	if (k->mech == CKM_RSA_PKCS) {
		memcpy(out, sha256_info, sizeof sha256_info);
		d = out + sizeof sha256_info;
	}
	for (i = 0; i < 32; i++)
		d[i] = (CK_BYTE)((n >> (8 * (i % 8))) ^ (who >> (i % 4)) ^ (i * 29));
	return (CK_ULONG)(d - out) + 32;
}

/* Finds the one object of class cls with the key's CKA_ID and CKA_LABEL. */
static CK_OBJECT_HANDLE find(CK_SESSION_HANDLE h, const struct key *k, CK_OBJECT_CLASS cls)
{
	CK_BYTE id = k->id;
	CK_ATTRIBUTE tmpl[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_ID, &id, 1},
		{CKA_LABEL, (void *)k->label, strlen(k->label)},
	};
	CK_OBJECT_HANDLE o[2] = {0, 0};
	CK_ULONG n = 0;

	EXPECT_RV(f->C_FindObjectsInit(h, tmpl, 3), CKR_OK);
	EXPECT_RV(f->C_FindObjects(h, o, 2, &n), CKR_OK);
	EXPECT_RV(f->C_FindObjectsFinal(h), CKR_OK);
	if (n != 1)
		FAILF("%lu objects of class %lu labelled %s, want 1", n, cls, k->label);
	return o[0];
}

/* Signs signature n with the key; verifies it through the module when asked. */
static int sign_one(CK_SESSION_HANDLE h, const struct key *k, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub,
		    long n, int verify)
{
	CK_MECHANISM m = {k->mech, NULL, 0};
	CK_BYTE data[64], sig[512];
	CK_ULONG dl = message(k, n, getpid(), data), sl = sizeof sig;
	CK_RV rv;

	rv = f->C_SignInit(h, &m, priv);
	if (rv == CKR_OK)
		rv = f->C_Sign(h, data, dl, sig, &sl);
	if (rv != CKR_OK || sl != k->siglen) {
		FAILF("%s signature %ld: 0x%lx, %lu bytes", k->label, n, rv, sl);
		return -1;
	}
	if (!verify)
		return 0;
	rv = f->C_VerifyInit(h, &m, pub);
	if (rv == CKR_OK)
		rv = f->C_Verify(h, data, dl, sig, sl);
	if (rv != CKR_OK) {
		FAILF("%s signature %ld does not verify: 0x%lx", k->label, n, rv);
		return -1;
	}
	/* A signature of other data must not verify. */
	data[dl - 1] ^= 1;
	EXPECT_RV(f->C_VerifyInit(h, &m, pub), CKR_OK);
	EXPECT_RV(f->C_Verify(h, data, dl, sig, sl), CKR_SIGNATURE_INVALID);
	return 0;
}

static void make_pair(CK_SESSION_HANDLE h, const struct key *k)
{
	CK_BBOOL yes = CK_TRUE;
	CK_ULONG bits = 2048;
	CK_BYTE e[] = {0x01, 0x00, 0x01};
	CK_BYTE id = k->id;
	CK_MECHANISM gen = {k->mech == CKM_ECDSA ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pubT[] = {
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_VERIFY, &yes, sizeof yes},
		{CKA_LABEL, (void *)k->label, strlen(k->label)},
		{CKA_ID, &id, 1},
		{CKA_EC_PARAMS, p256, sizeof p256},
		{CKA_MODULUS_BITS, &bits, sizeof bits},
		{CKA_PUBLIC_EXPONENT, e, sizeof e},
	};
	CK_ATTRIBUTE privT[] = {
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_PRIVATE, &yes, sizeof yes},
		{CKA_SENSITIVE, &yes, sizeof yes},
		{CKA_SIGN, &yes, sizeof yes},
		{CKA_LABEL, (void *)k->label, strlen(k->label)},
		{CKA_ID, &id, 1},
	};
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	CK_ULONG pubN = 5; /* EC: up to CKA_EC_PARAMS */

	if (k->mech == CKM_RSA_PKCS) { /* RSA: the modulus size and exponent instead */
		pubT[4] = pubT[5];
		pubT[5] = pubT[6];
		pubN = 6;
	}
	EXPECT_RV(f->C_GenerateKeyPair(h, &gen, pubT, pubN, privT, 6, &pub, &priv), CKR_OK);
}

/* The parent's token, user and keys; returns its logged-in session. */
static CK_SESSION_HANDLE setup(void)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE h = 0;

	EXPECT_RV(f->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
	for (i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK && !(ti.flags & CKF_TOKEN_INITIALIZED))
			break;
	}
	if (i == n) {
		FAILF("no slot without a token");
		return 0;
	}
	token_slot = slots[i];
	memset(label, ' ', sizeof label);
	memcpy(label, "forkstress", 10);
	EXPECT_RV(f->C_InitToken(token_slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label), CKR_OK);
	EXPECT_RV(f->C_OpenSession(token_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_OK);
	EXPECT_RV(f->C_Login(h, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	EXPECT_RV(f->C_InitPIN(h, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	EXPECT_RV(f->C_Logout(h), CKR_OK);
	EXPECT_RV(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	make_pair(h, &EC);
	make_pair(h, &RSA);
	return h;
}

/* The parent keeps signing (both keys, its own session) until the children end. */
static void *parent_signer(void *arg)
{
	CK_SESSION_HANDLE h = 0;
	CK_OBJECT_HANDLE ep, eq, rp, rq;
	long n = 0;
	(void)arg;
	EXPECT_RV(f->C_OpenSession(token_slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK);
	ep = find(h, &EC, CKO_PRIVATE_KEY);
	eq = find(h, &EC, CKO_PUBLIC_KEY);
	rp = find(h, &RSA, CKO_PRIVATE_KEY);
	rq = find(h, &RSA, CKO_PUBLIC_KEY);
	while (!stop) {
		if (sign_one(h, &EC, ep, eq, n, n % SAMPLE == 0) || sign_one(h, &RSA, rp, rq, n, n % SAMPLE == 0))
			break;
		n++;
	}
	parent_signatures = 2 * n;
	EXPECT_RV(f->C_CloseSession(h), CKR_OK);
	return NULL;
}

static void child_keys(CK_SESSION_HANDLE h, const struct key *k, long count)
{
	CK_OBJECT_HANDLE priv = find(h, k, CKO_PRIVATE_KEY), pub = find(h, k, CKO_PUBLIC_KEY);
	long i;
	for (i = 0; i < count; i++)
		if (sign_one(h, k, priv, pub, i, i % SAMPLE == 0 || i == count - 1))
			return;
}

static int child(const char *mode, long count)
{
	CK_SESSION_HANDLE h = 0;
	CK_C_INITIALIZE_ARGS args;
	double t0 = now(), t1, t2;

	if (strcmp(mode, "finalize") == 0) {
		/* pkcs11-provider's order: the child's C_Finalize is answered by the C front. */
		EXPECT_RV(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
		memset(&args, 0, sizeof args);
		args.flags = CKF_OS_LOCKING_OK;
		EXPECT_RV(f->C_Initialize(&args), CKR_OK);
	} else {
		EXPECT_RV(f->C_Initialize(NULL), CKR_OK);
	}
	if (failures)
		return 1;
	EXPECT_RV(f->C_OpenSession(token_slot, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_OK);
	EXPECT_RV(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	t1 = now();
	child_keys(h, &EC, count);
	t2 = now();
	child_keys(h, &RSA, count);
	printf("child %d: init+login %.2fs, %ld ECDSA in %.2fs, %ld RSA-PKCS in %.2fs\n", (int)getpid(), t1 - t0,
	       count, t2 - t1, count, now() - t2);
	EXPECT_RV(f->C_Logout(h), CKR_OK);
	EXPECT_RV(f->C_CloseSession(h), CKR_OK);
	EXPECT_RV(f->C_Finalize(NULL), CKR_OK);
	return failures ? 1 : 0;
}

/* Waits for every child until the deadline; kills the rest. */
static void reap(pid_t *pids, int n, double deadline)
{
	int left = n, i, status;
	while (left > 0) {
		for (i = 0; i < n; i++) {
			pid_t r;
			if (pids[i] <= 0)
				continue;
			r = waitpid(pids[i], &status, WNOHANG);
			if (r == 0)
				continue;
			if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
				FAILF("child %d (pid %d) failed, status 0x%x", i, (int)pids[i], status);
			pids[i] = 0;
			left--;
		}
		if (left > 0 && now() > deadline) {
			for (i = 0; i < n; i++)
				if (pids[i] > 0) {
					FAILF("child %d (pid %d) still running at the time bound: killed", i, (int)pids[i]);
					kill(pids[i], SIGKILL);
					waitpid(pids[i], &status, 0);
					pids[i] = 0;
				}
			return;
		}
		usleep(20000);
	}
}

int main(int argc, char **argv)
{
	void *lib;
	CK_C_GetInterface getIf;
	CK_INTERFACE_PTR it = NULL;
	CK_C_INITIALIZE_ARGS args;
	CK_SESSION_HANDLE h;
	pthread_t th;
	pid_t pids[MAX_CHILDREN];
	char reserved[4200];
	int i, n;
	long count, bound;
	double t0;

	if (argc != 7) {
		fprintf(stderr, "usage: %s libgohsm.so plain|finalize children signatures storedir bound-seconds\n",
			argv[0]);
		return 2;
	}
	n = atoi(argv[3]);
	count = atol(argv[4]);
	bound = atol(argv[6]);
	if (n < 1 || n > MAX_CHILDREN || count < 1 || bound < 1) {
		fprintf(stderr, "children must be 1..%d, signatures and bound positive\n", MAX_CHILDREN);
		return 2;
	}
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		printf("FAIL: dlopen: %s\n", dlerror());
		return 1;
	}
	getIf = (CK_C_GetInterface)dlsym(lib, "C_GetInterface");
	if (!getIf || getIf(NULL, NULL, &it, 0) != CKR_OK) {
		printf("FAIL: C_GetInterface\n");
		return 1;
	}
	f = it->pFunctionList;
	memset(&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	snprintf(reserved, sizeof reserved, "gohsm:dir=%s", argv[5]);
	args.pReserved = reserved;
	EXPECT_RV(f->C_Initialize(&args), CKR_OK);
	h = setup();
	{
		/* The parent signs before it forks, as a server loading its key does. */
		CK_OBJECT_HANDLE ep = find(h, &EC, CKO_PRIVATE_KEY), eq = find(h, &EC, CKO_PUBLIC_KEY);
		CK_OBJECT_HANDLE rp = find(h, &RSA, CKO_PRIVATE_KEY), rq = find(h, &RSA, CKO_PUBLIC_KEY);
		sign_one(h, &EC, ep, eq, -1, 1);
		sign_one(h, &RSA, rp, rq, -1, 1);
	}
	if (failures) {
		printf("%d checks failed before forking\n", failures);
		return 1;
	}

	t0 = now();
	fflush(stdout); /* the children must not print the parent's buffer again */
	pthread_create(&th, NULL, parent_signer, NULL);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int rc = child(argv[2], count);
			fflush(stdout);
			_exit(rc);
		}
		if (pids[i] < 0)
			FAILF("fork: child %d", i);
	}
	reap(pids, n, t0 + bound);
	stop = 1;
	pthread_join(th, NULL);
	printf("parent: %d children x %ld signatures x 2 keys in %.2fs; the parent made %ld meanwhile\n", n, count,
	       now() - t0, parent_signatures);
	if (parent_signatures < 2)
		FAILF("the parent made no signature while its children signed");

	/* The parent's own session still works after its children are gone. */
	{
		CK_OBJECT_HANDLE ep = find(h, &EC, CKO_PRIVATE_KEY), eq = find(h, &EC, CKO_PUBLIC_KEY);
		sign_one(h, &EC, ep, eq, -2, 1);
	}
	EXPECT_RV(f->C_Finalize(NULL), CKR_OK);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
