/*
 * fork.c: a PKCS#11 application that forks, as NGINX and Apache do.
 * Usage: fork <libgohsm.so> <basic|helper|nohelper> <children> <store dir>
 *
 * The parent initialises the library with pReserved "gohsm:dir=<store dir>"
 * (so only the parent knows where the store is), makes a token, lists the
 * slots and forks while one of its threads keeps calling into the library. In each child, the calls made
 * before C_Initialize (C_Finalize included) must be answered
 * CKR_CRYPTOKI_NOT_INITIALIZED by the C front without entering the parent's
 * Go runtime, which would hang (DESIGN.md section 2). In "helper" mode the
 * child then calls C_Initialize, which opens a fresh gohsm through
 * p11-kit-client and p11-kit-remote, and must list the parent's slots; a
 * grandchild forked from there is not initialised either. In "nohelper" mode
 * the helper cannot be found: the child's C_Initialize must fail, not hang.
 * Prints one line per failed check; exits non-zero on failure.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pkcs11.h"

#define MAX_SLOTS 64

static int failures;
static CK_FUNCTION_LIST_3_0_PTR f;
static CK_SLOT_ID parent_slots[MAX_SLOTS];
static CK_ULONG parent_count;
static CK_RV parent_list_rv;
static volatile int stop;
static CK_SLOT_ID token_slot;
static CK_SESSION_HANDLE parent_session;

#define SO_PIN "so-pin-1234"
#define USER_PIN "user-pin-1234"
#define KEY_LABEL "forkkey"
/* DER of the OID of P-256 (CKA_EC_PARAMS). */
static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static CK_BYTE digest[32] = "0123456789abcdef0123456789abcde";

static CK_OBJECT_HANDLE find_key(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls);

#define EXPECT_RV(call, want)                                                         \
	do {                                                                              \
		CK_RV got_ = (call);                                                          \
		if (got_ != (CK_RV)(want)) {                                                  \
			printf("FAIL [pid %d] %s:%d: %s = 0x%lx, want %s\n", (int)getpid(),       \
			       __FILE__, __LINE__, #call, got_, #want);                           \
			fflush(stdout);                                                           \
			failures++;                                                               \
		}                                                                             \
	} while (0)

static CK_RV list_slots(CK_SLOT_ID *slots, CK_ULONG *count)
{
	CK_RV rv;
	*count = MAX_SLOTS;
	rv = f->C_GetSlotList(CK_FALSE, slots, count);
	if (rv != CKR_OK)
		*count = 0;
	return rv;
}

static void check_same_slots(const char *who)
{
	CK_SLOT_ID slots[MAX_SLOTS];
	CK_ULONG n;
	CK_RV rv = list_slots(slots, &n);

	if (rv != parent_list_rv || n != parent_count ||
	    memcmp(slots, parent_slots, n * sizeof slots[0]) != 0) {
		printf("FAIL [pid %d] %s: C_GetSlotList = 0x%lx with %lu slots; the parent had 0x%lx with %lu\n",
		       (int)getpid(), who, rv, n, parent_list_rv, parent_count);
		failures++;
	}
}

/* Keeps the parent's Go runtime busy (allocation, GC, signatures) while it forks. */
static void *busy(void *arg)
{
	CK_INFO info;
	CK_SESSION_HANDLE h = 0;
	CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0};
	CK_OBJECT_HANDLE priv;
	(void)arg;
	if (f->C_OpenSession(token_slot, CKF_SERIAL_SESSION, NULL, NULL, &h) != CKR_OK)
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
	priv = find_key(h, CKO_PRIVATE_KEY);
	while (!stop) {
		CK_BYTE sig[128];
		CK_ULONG sl = sizeof sig;
		if (f->C_SignInit(h, &ecdsa, priv) != CKR_OK || f->C_Sign(h, digest, sizeof digest, sig, &sl) != CKR_OK)
			__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
		CK_SLOT_ID slots[MAX_SLOTS];
		CK_ULONG n;
		if (f->C_GetInfo(&info) != CKR_OK)
			__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
		list_slots(slots, &n);
	}
	f->C_CloseSession(h);
	return NULL;
}

/* Initialises a token in the first slot without one, so that the slot list
 * tells this store from an empty one. */
static void make_token(void)
{
	CK_SLOT_ID slots[MAX_SLOTS];
	CK_ULONG n, i;
	CK_UTF8CHAR label[32];

	memset(label, ' ', sizeof label);
	memcpy(label, "forktest", 8);
	EXPECT_RV(list_slots(slots, &n), CKR_OK);
	for (i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || (ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		EXPECT_RV(f->C_InitToken(slots[i], (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label), CKR_OK);
		token_slot = slots[i];
		return;
	}
	printf("FAIL: no slot without a token\n");
	failures++;
}

/* Finds the one object of class cls labelled KEY_LABEL. */
static CK_OBJECT_HANDLE find_key(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE tmpl[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_LABEL, KEY_LABEL, strlen(KEY_LABEL)},
	};
	CK_OBJECT_HANDLE o[2] = {0, 0};
	CK_ULONG n = 0;

	EXPECT_RV(f->C_FindObjectsInit(h, tmpl, 2), CKR_OK);
	EXPECT_RV(f->C_FindObjects(h, o, 2, &n), CKR_OK);
	EXPECT_RV(f->C_FindObjectsFinal(h), CKR_OK);
	if (n != 1) {
		printf("FAIL [pid %d] %lu objects of class %lu labelled " KEY_LABEL ", want 1\n", (int)getpid(), n, cls);
		failures++;
	}
	return o[0];
}

/* Signs the digest with the token's key (CKM_ECDSA: p11-kit's RPC carries it)
 * and verifies the signature with the public key. */
static void sign_and_verify(CK_SESSION_HANDLE h, const char *who)
{
	CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0};
	CK_OBJECT_HANDLE priv = find_key(h, CKO_PRIVATE_KEY), pub = find_key(h, CKO_PUBLIC_KEY);
	CK_BYTE sig[128];
	CK_ULONG n = sizeof sig;
	CK_RV rv;

	EXPECT_RV(f->C_SignInit(h, &ecdsa, priv), CKR_OK);
	rv = f->C_Sign(h, digest, sizeof digest, sig, &n);
	if (rv != CKR_OK || n != 64) {
		printf("FAIL [pid %d] %s: C_Sign = 0x%lx, %lu bytes\n", (int)getpid(), who, rv, n);
		failures++;
		return;
	}
	EXPECT_RV(f->C_VerifyInit(h, &ecdsa, pub), CKR_OK);
	EXPECT_RV(f->C_Verify(h, digest, sizeof digest, sig, n), CKR_OK);
}

/* The parent's user and key: SO sets the user PIN, the user makes a P-256
 * key pair; the session stays logged in across the forks. */
static void make_key(void)
{
	CK_SESSION_HANDLE h = 0;
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pubT[] = {
		{CKA_EC_PARAMS, p256, sizeof p256},
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_VERIFY, &yes, sizeof yes},
		{CKA_LABEL, KEY_LABEL, strlen(KEY_LABEL)},
	};
	CK_ATTRIBUTE privT[] = {
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_PRIVATE, &yes, sizeof yes},
		{CKA_SENSITIVE, &yes, sizeof yes},
		{CKA_SIGN, &yes, sizeof yes},
		{CKA_LABEL, KEY_LABEL, strlen(KEY_LABEL)},
	};
	CK_OBJECT_HANDLE pub = 0, priv = 0;

	EXPECT_RV(f->C_OpenSession(token_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &h), CKR_OK);
	EXPECT_RV(f->C_Login(h, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	EXPECT_RV(f->C_InitPIN(h, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	EXPECT_RV(f->C_Logout(h), CKR_OK);
	EXPECT_RV(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	EXPECT_RV(f->C_GenerateKeyPair(h, &gen, pubT, 4, privT, 5, &pub, &priv), CKR_OK);
	sign_and_verify(h, "parent");
	parent_session = h;
}

/* A grandchild of the parent, forked by a child that uses a helper: the
 * helper connection is its parent's, so it starts uninitialised too. */
static int grandchild(void)
{
	CK_INFO info;
	EXPECT_RV(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT_RV(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	/* Its own helper, not a share of its parent's connection. */
	EXPECT_RV(f->C_Initialize(NULL), CKR_OK);
	check_same_slots("grandchild through its helper");
	EXPECT_RV(f->C_Finalize(NULL), CKR_OK);
	return failures ? 1 : 0;
}

static void fork_grandchild(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int rc = grandchild();
		fflush(stdout);
		_exit(rc);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("FAIL [pid %d] grandchild failed\n", (int)getpid());
		failures++;
	}
}

static int child(const char *mode)
{
	CK_INFO info;
	CK_SESSION_HANDLE h = 0;
	CK_ULONG n = 0;
	CK_FUNCTION_LIST_PTR l2 = NULL;

	/* Not initialised in the child, whatever the parent did: answered in C. */
	EXPECT_RV(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT_RV(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT_RV(f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT_RV(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &h), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT_RV(f->C_Login(1, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT_RV(f->C_LoginUser(1, CKU_USER, (CK_UTF8CHAR_PTR) "1234", 4, (CK_UTF8CHAR_PTR) "cu", 2),
		  CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT_RV(f->C_SignInit(parent_session, NULL, 1), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT_RV(f->C_Sign(parent_session, digest, sizeof digest, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT_RV(f->C_GetFunctionList(&l2), CKR_OK);

	if (strcmp(mode, "nohelper") == 0) {
		EXPECT_RV(f->C_Initialize(NULL), CKR_GENERAL_ERROR);
		EXPECT_RV(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
		EXPECT_RV(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	}
	if (strcmp(mode, "helper") == 0) {
		EXPECT_RV(f->C_Initialize(NULL), CKR_OK);
		EXPECT_RV(f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
		EXPECT_RV(f->C_GetInfo(&info), CKR_OK);
		if (memcmp(info.manufacturerID, "gohsm", 5) != 0) {
			printf("FAIL [pid %d] helper's C_GetInfo manufacturer is not gohsm\n", (int)getpid());
			failures++;
		}
		check_same_slots("child through the helper");
		{
			/* A fresh process behind the helper: log in again (libp11's order). */
			CK_SESSION_HANDLE hs = 0;
			EXPECT_RV(f->C_OpenSession(token_slot, CKF_SERIAL_SESSION, NULL, NULL, &hs), CKR_OK);
			EXPECT_RV(f->C_Login(hs, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
			sign_and_verify(hs, "child through the helper");
			EXPECT_RV(f->C_CloseSession(hs), CKR_OK);
		}
		fork_grandchild();
		check_same_slots("child after forking a grandchild");
		EXPECT_RV(f->C_Finalize(NULL), CKR_OK);
		EXPECT_RV(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
		/* C_Finalize then C_Initialize again (pkcs11-provider's order). */
		EXPECT_RV(f->C_Initialize(NULL), CKR_OK);
		check_same_slots("child after re-initialising");
		EXPECT_RV(f->C_Finalize(NULL), CKR_OK);
	}
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	void *lib;
	CK_C_GetInterface getIf;
	CK_INTERFACE_PTR it = NULL;
	pthread_t th;
	pid_t pids[64];
	int i, n, status;

	CK_C_INITIALIZE_ARGS args;
	char reserved[4200];

	if (argc != 5) {
		fprintf(stderr, "usage: %s libgohsm.so basic|helper children storedir\n", argv[0]);
		return 2;
	}
	n = atoi(argv[3]);
	if (n < 1 || n > 64)
		n = 4;
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
	snprintf(reserved, sizeof reserved, "gohsm:dir=%s", argv[4]);
	args.pReserved = reserved;
	EXPECT_RV(f->C_Initialize(&args), CKR_OK);
	make_token();
	make_key();
	parent_list_rv = list_slots(parent_slots, &parent_count);
	printf("parent: C_GetSlotList = 0x%lx, %lu slots\n", parent_list_rv, parent_count);

	fflush(stdout); /* the children must not print the parent's buffer again */
	pthread_create(&th, NULL, busy, NULL);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int rc = child(argv[2]);
			fflush(stdout);
			_exit(rc);
		}
		usleep(2000);
	}
	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("FAIL: child %d (pid %d) failed, status 0x%x\n", i, (int)pids[i], status);
			failures++;
		}
	}
	stop = 1;
	pthread_join(th, NULL);

	/* The parent keeps working after its children are gone. */
	check_same_slots("parent after the forks");
	sign_and_verify(parent_session, "parent after the forks");
	EXPECT_RV(f->C_Finalize(NULL), CKR_OK);
	if (failures) {
		printf("%d checks failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
