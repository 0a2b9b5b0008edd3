/*
 * tde_pattern.c: the PKCS#11 calls of an Oracle TDE HSM keystore, replayed
 * (no Oracle database here). Each step is its own process, as each database
 * session that opens the keystore is.
 *
 * Usage: tde_pattern <module.so> <token label> <user:password> <step> [args]
 *   genmk                    make a master key ORACLE.TDE.HSM.MK.<hex id>; prints its label
 *   encrypt <mk label> <keys out> <blobs out>
 *                            5 random 32-byte table keys, encrypted under the master key
 *                            with CKM_AES_CBC_PAD (random IV each)
 *   decrypt <mk label> <blobs>
 *                            prints the table keys, one hex line each
 *   rekey <old mk label> <blobs> <new blobs>
 *                            a new master key; the table keys re-encrypted under it
 *                            (the old key stays, for old backups); prints the new label
 *   check <mk label>         the master key is sensitive and non-extractable: CKA_VALUE
 *                            unreadable, C_WrapKey refused, CKA_EXTRACTABLE cannot be set
 *   login-fails <password>   C_Login with the user's name and a wrong password is refused
 *   hidden <mk label>        (another user's login) the master key is not found
 * The user logs in with C_Login(CKU_USER, "name:password"), as Oracle does with
 * ADMINISTER KEY MANAGEMENT ... IDENTIFIED BY "name:password".
 * Exits 0 on success; prints "FAIL ..." lines and exits 1 otherwise.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkcs11.h"

#define MK_PREFIX "ORACLE.TDE.HSM.MK."
#define TABLE_KEYS 5
#define TABLE_KEY_LEN 32
#define MAX_BLOB 64

static CK_FUNCTION_LIST_PTR f;
static int failures;

#define FAILF(...)                           \
	do {                                     \
		printf("FAIL ");                     \
		printf(__VA_ARGS__);                 \
		printf("\n");                        \
		failures++;                          \
	} while (0)

#define CHECK(call, want)                                                                  \
	do {                                                                                   \
		CK_RV got_ = (call);                                                               \
		if (got_ != (CK_RV)(want)) {                                                       \
			FAILF("%s:%d: %s = 0x%lx, want %s", __FILE__, __LINE__, #call, got_, #want);  \
			return -1;                                                                     \
		}                                                                                  \
	} while (0)

static void hex(FILE *out, const CK_BYTE *b, CK_ULONG n)
{
	CK_ULONG i;
	for (i = 0; i < n; i++)
		fprintf(out, "%02x", b[i]);
}

static int unhex(const char *s, CK_BYTE *b, CK_ULONG max, CK_ULONG *n)
{
	size_t l = strlen(s), i;
	if (l % 2 || l / 2 > max)
		return -1;
	for (i = 0; i < l / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		b[i] = (CK_BYTE)v;
	}
	*n = l / 2;
	return 0;
}

/* Opens an R/W session on the token labelled label and logs the user in. */
static int open_login(const char *label, const char *cred, CK_SESSION_HANDLE *h)
{
	CK_SLOT_ID slots[32];
	CK_ULONG n = 32, i;
	char want[32];

	memset(want, ' ', sizeof want);
	memcpy(want, label, strlen(label) < 32 ? strlen(label) : 32);
	CHECK(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	for (i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK && memcmp(ti.label, want, 32) == 0)
			break;
	}
	if (i == n) {
		FAILF("no token labelled %s", label);
		return -1;
	}
	CHECK(f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, h), CKR_OK);
	return (int)f->C_Login(*h, CKU_USER, (CK_UTF8CHAR_PTR)cred, strlen(cred));
}

/* Finds the master key by its label alone, as Oracle does; 0 when absent. */
static CK_OBJECT_HANDLE find_mk(CK_SESSION_HANDLE h, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE o[2] = {0, 0};
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(h, t, 2) != CKR_OK || f->C_FindObjects(h, o, 2, &n) != CKR_OK ||
	    f->C_FindObjectsFinal(h) != CKR_OK || n > 1) {
		FAILF("finding %s: %lu objects", label, n);
		return 0;
	}
	return n == 1 ? o[0] : 0;
}

/* C_GenerateKey of an AES-256 master key with Oracle's template; prints its label. */
static int genmk(CK_SESSION_HANDLE h, char *label)
{
	CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ULONG len = 32;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BYTE id[16];
	CK_OBJECT_HANDLE mk = 0;
	int i;

	CHECK(f->C_GenerateRandom(h, id, sizeof id), CKR_OK);
	strcpy(label, MK_PREFIX);
	for (i = 0; i < 16; i++)
		sprintf(label + strlen(MK_PREFIX) + 2 * i, "%02X", id[i]);
	{
		CK_ATTRIBUTE t[] = {
			{CKA_CLASS, &cls, sizeof cls},
			{CKA_KEY_TYPE, &kt, sizeof kt},
			{CKA_VALUE_LEN, &len, sizeof len},
			{CKA_LABEL, label, strlen(label)},
			{CKA_ID, id, sizeof id},
			{CKA_TOKEN, &yes, sizeof yes},
			{CKA_PRIVATE, &yes, sizeof yes},
			{CKA_SENSITIVE, &yes, sizeof yes},
			{CKA_EXTRACTABLE, &no, sizeof no},
			{CKA_ENCRYPT, &yes, sizeof yes},
			{CKA_DECRYPT, &yes, sizeof yes},
			{CKA_WRAP, &yes, sizeof yes},
			{CKA_UNWRAP, &yes, sizeof yes},
		};
		CHECK(f->C_GenerateKey(h, &gen, t, sizeof t / sizeof t[0], &mk), CKR_OK);
	}
	return 0;
}

/* CKM_AES_CBC_PAD of in under the master key; blob = IV || ciphertext. */
static int wrap_table_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE mk, const CK_BYTE *in, CK_BYTE *blob,
			  CK_ULONG *bl)
{
	CK_MECHANISM m = {CKM_AES_CBC_PAD, blob, 16};
	CK_ULONG cl = MAX_BLOB - 16;

	CHECK(f->C_GenerateRandom(h, blob, 16), CKR_OK);
	CHECK(f->C_EncryptInit(h, &m, mk), CKR_OK);
	CHECK(f->C_Encrypt(h, (CK_BYTE_PTR)in, TABLE_KEY_LEN, blob + 16, &cl), CKR_OK);
	if (cl != 48) { /* 32 bytes + a full block of padding */
		FAILF("CBC_PAD ciphertext of a 32-byte key is %lu bytes, want 48", cl);
		return -1;
	}
	*bl = 16 + cl;
	return 0;
}

static int unwrap_table_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE mk, const CK_BYTE *blob, CK_ULONG bl,
			    CK_BYTE *out)
{
	CK_BYTE iv[16];
	CK_MECHANISM m = {CKM_AES_CBC_PAD, iv, 16};
	CK_BYTE pt[MAX_BLOB];
	CK_ULONG pl = sizeof pt;

	memcpy(iv, blob, 16);
	CHECK(f->C_DecryptInit(h, &m, mk), CKR_OK);
	CHECK(f->C_Decrypt(h, (CK_BYTE_PTR)blob + 16, bl - 16, pt, &pl), CKR_OK);
	if (pl != TABLE_KEY_LEN) {
		FAILF("a table key decrypts to %lu bytes, want %d", pl, TABLE_KEY_LEN);
		return -1;
	}
	memcpy(out, pt, TABLE_KEY_LEN);
	return 0;
}

static int read_blobs(const char *path, CK_BYTE blobs[TABLE_KEYS][MAX_BLOB], CK_ULONG *lens)
{
	FILE *in = fopen(path, "r");
	char line[4 * MAX_BLOB];
	int i;

	if (!in) {
		FAILF("cannot read %s", path);
		return -1;
	}
	for (i = 0; i < TABLE_KEYS; i++) {
		int ok = fgets(line, sizeof line, in) != NULL;
		if (ok)
			line[strcspn(line, "\n")] = 0;
		if (!ok || unhex(line, blobs[i], MAX_BLOB, &lens[i]) != 0 || lens[i] < 32) {
			FAILF("%s: line %d is not a blob", path, i + 1);
			fclose(in);
			return -1;
		}
	}
	fclose(in);
	return 0;
}

static int write_blobs(const char *path, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE mk,
		       CK_BYTE keys[TABLE_KEYS][TABLE_KEY_LEN])
{
	FILE *out = fopen(path, "w");
	int i;

	if (!out) {
		FAILF("cannot write %s", path);
		return -1;
	}
	for (i = 0; i < TABLE_KEYS; i++) {
		CK_BYTE blob[MAX_BLOB];
		CK_ULONG bl;
		if (wrap_table_key(h, mk, keys[i], blob, &bl) != 0) {
			fclose(out);
			return -1;
		}
		hex(out, blob, bl);
		fprintf(out, "\n");
	}
	fclose(out);
	return 0;
}

static int step_encrypt(CK_SESSION_HANDLE h, const char *label, const char *keysPath, const char *blobsPath)
{
	CK_BYTE keys[TABLE_KEYS][TABLE_KEY_LEN];
	CK_OBJECT_HANDLE mk = find_mk(h, label);
	FILE *out;
	int i;

	if (!mk) {
		FAILF("master key %s not found", label);
		return -1;
	}
	for (i = 0; i < TABLE_KEYS; i++)
		CHECK(f->C_GenerateRandom(h, keys[i], TABLE_KEY_LEN), CKR_OK);
	/* The plaintext table keys, so that run.sh can compare (a test only). */
	out = fopen(keysPath, "w");
	if (!out) {
		FAILF("cannot write %s", keysPath);
		return -1;
	}
	for (i = 0; i < TABLE_KEYS; i++) {
		hex(out, keys[i], TABLE_KEY_LEN);
		fprintf(out, "\n");
	}
	fclose(out);
	return write_blobs(blobsPath, h, mk, keys);
}

static int step_decrypt(CK_SESSION_HANDLE h, const char *label, const char *blobsPath,
			CK_BYTE keys[TABLE_KEYS][TABLE_KEY_LEN], int print)
{
	CK_BYTE blobs[TABLE_KEYS][MAX_BLOB];
	CK_ULONG lens[TABLE_KEYS];
	CK_OBJECT_HANDLE mk = find_mk(h, label);
	int i;

	if (!mk) {
		FAILF("master key %s not found", label);
		return -1;
	}
	if (read_blobs(blobsPath, blobs, lens) != 0)
		return -1;
	for (i = 0; i < TABLE_KEYS; i++) {
		if (unwrap_table_key(h, mk, blobs[i], lens[i], keys[i]) != 0)
			return -1;
		if (print) {
			hex(stdout, keys[i], TABLE_KEY_LEN);
			printf("\n");
		}
	}
	return 0;
}

static int step_rekey(CK_SESSION_HANDLE h, const char *old, const char *blobsPath, const char *newPath)
{
	CK_BYTE keys[TABLE_KEYS][TABLE_KEY_LEN];
	char label[64];

	if (step_decrypt(h, old, blobsPath, keys, 0) != 0 || genmk(h, label) != 0)
		return -1;
	if (write_blobs(newPath, h, find_mk(h, label), keys) != 0)
		return -1;
	printf("%s\n", label);
	return 0;
}

static CK_BBOOL flag(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
	CK_BBOOL v = 2;
	CK_ATTRIBUTE a = {t, &v, sizeof v};
	if (f->C_GetAttributeValue(h, o, &a, 1) != CKR_OK)
		return 2;
	return v;
}

static int step_check(CK_SESSION_HANDLE h, const char *label)
{
	CK_OBJECT_HANDLE mk = find_mk(h, label), other = 0;
	CK_BYTE value[64], wrapped[128];
	CK_ULONG wl = sizeof wrapped;
	CK_ATTRIBUTE a = {CKA_VALUE, value, sizeof value};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE setX = {CKA_EXTRACTABLE, &yes, sizeof yes};
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
	struct {
		CK_ATTRIBUTE_TYPE t;
		const char *name;
		CK_BBOOL want;
	} flags[] = {
		{CKA_TOKEN, "CKA_TOKEN", 1},
		{CKA_PRIVATE, "CKA_PRIVATE", 1},
		{CKA_SENSITIVE, "CKA_SENSITIVE", 1},
		{CKA_ALWAYS_SENSITIVE, "CKA_ALWAYS_SENSITIVE", 1},
		{CKA_EXTRACTABLE, "CKA_EXTRACTABLE", 0},
		{CKA_NEVER_EXTRACTABLE, "CKA_NEVER_EXTRACTABLE", 1},
		{CKA_LOCAL, "CKA_LOCAL", 1},
		{CKA_ENCRYPT, "CKA_ENCRYPT", 1},
		{CKA_DECRYPT, "CKA_DECRYPT", 1},
		{CKA_WRAP, "CKA_WRAP", 1},
		{CKA_UNWRAP, "CKA_UNWRAP", 1},
	};
	size_t i;

	if (!mk) {
		FAILF("master key %s not found", label);
		return -1;
	}
	for (i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (flag(h, mk, flags[i].t) != flags[i].want)
			FAILF("%s of the master key is %d, want %d", flags[i].name, flag(h, mk, flags[i].t), flags[i].want);
	CHECK(f->C_GetAttributeValue(h, mk, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
	if (a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
		FAILF("CKA_VALUE length is %lu, want CK_UNAVAILABLE_INFORMATION", a.ulValueLen);
	/* Wrapped by another key (itself also counts): refused, whatever the wrapping key. */
	{
		CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
		CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}};
		CK_OBJECT_HANDLE o[16];
		CK_ULONG n = 0, j;
		CHECK(f->C_FindObjectsInit(h, t, 1), CKR_OK);
		CHECK(f->C_FindObjects(h, o, 16, &n), CKR_OK);
		CHECK(f->C_FindObjectsFinal(h), CKR_OK);
		for (j = 0; j < n; j++)
			if (o[j] != mk)
				other = o[j];
	}
	CHECK(f->C_WrapKey(h, &kw, other ? other : mk, mk, wrapped, &wl), CKR_KEY_UNEXTRACTABLE);
	CHECK(f->C_SetAttributeValue(h, mk, &setX, 1), CKR_ATTRIBUTE_READ_ONLY);
	printf("master key %s: sensitive, never extractable, CKA_VALUE unreadable, C_WrapKey refused\n", label);
	return failures ? -1 : 0;
}

int main(int argc, char **argv)
{
	void *lib;
	CK_C_GetFunctionList gfl;
	CK_SESSION_HANDLE h = 0;
	const char *step;
	int rc = -1, lr;

	if (argc < 5) {
		fprintf(stderr, "usage: %s module.so token user:password step [args]\n", argv[0]);
		return 2;
	}
	step = argv[4];
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		printf("FAIL dlopen: %s\n", dlerror());
		return 1;
	}
	gfl = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	if (!gfl || gfl(&f) != CKR_OK) {
		printf("FAIL C_GetFunctionList\n");
		return 1;
	}
	if (f->C_Initialize(NULL) != CKR_OK) {
		printf("FAIL C_Initialize\n");
		return 1;
	}
	if (strcmp(step, "login-fails") == 0 && argc == 6) {
		char cred[256];
		snprintf(cred, sizeof cred, "%.*s:%s", (int)strcspn(argv[3], ":"), argv[3], argv[5]);
		lr = open_login(argv[2], cred, &h);
		if (lr == (int)CKR_PIN_INCORRECT)
			rc = 0;
		else
			FAILF("C_Login with a wrong password = 0x%x, want CKR_PIN_INCORRECT", lr);
		goto done;
	}
	lr = open_login(argv[2], argv[3], &h);
	if (lr != (int)CKR_OK) {
		FAILF("C_Login(CKU_USER, name:password) = 0x%x", lr);
		goto done;
	}
	if (strcmp(step, "genmk") == 0 && argc == 5) {
		char label[64];
		rc = genmk(h, label);
		if (rc == 0)
			printf("%s\n", label);
	} else if (strcmp(step, "encrypt") == 0 && argc == 8) {
		rc = step_encrypt(h, argv[5], argv[6], argv[7]);
	} else if (strcmp(step, "decrypt") == 0 && argc == 7) {
		CK_BYTE keys[TABLE_KEYS][TABLE_KEY_LEN];
		rc = step_decrypt(h, argv[5], argv[6], keys, 1);
	} else if (strcmp(step, "rekey") == 0 && argc == 8) {
		rc = step_rekey(h, argv[5], argv[6], argv[7]);
	} else if (strcmp(step, "check") == 0 && argc == 6) {
		rc = step_check(h, argv[5]);
	} else if (strcmp(step, "hidden") == 0 && argc == 6) {
		rc = find_mk(h, argv[5]) == 0 && !failures ? 0 : -1;
		if (rc != 0)
			FAILF("%s is visible to another user", argv[5]);
	} else {
		fprintf(stderr, "unknown step or wrong arguments: %s\n", step);
		rc = -1;
	}
	f->C_Logout(h);
done:
	if (h)
		f->C_CloseSession(h);
	f->C_Finalize(NULL);
	return rc == 0 && !failures ? 0 : 1;
}
