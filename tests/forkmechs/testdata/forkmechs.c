/*
 * forkmechs.c: which of gohsm's mechanisms a forked child can use.
 *
 * Usage:
 *   forkmechs fork <libgohsm.so> <store dir> <loops>
 *     The parent initialises gohsm (pReserved names the store), makes a
 *     token, a user and one token key of each kind, reads gohsm's mechanism
 *     list, runs every test in process, then forks. The child's C_Initialize
 *     goes through p11-kit's RPC to a fresh gohsm (DESIGN.md rule 1); it logs
 *     in, finds the keys by label and runs the same tests.
 *   forkmechs late <libgohsm.so> <store dir> <list file> <loops>
 *     The parent loads gohsm but never calls C_Initialize, then forks; the
 *     child initialises. Loading started the Go runtime, so the child is
 *     still routed through p11-kit.
 *   forkmechs afterfork <libgohsm.so> <store dir> <list file> <loops>
 *     The parent forks before loading gohsm; the child loads and
 *     initialises it: a plain process with the whole of gohsm.
 *   forkmechs client <p11-kit-client.so> <mechanism list file> <loops>
 *     No fork: the process loads p11-kit-client.so, which talks to
 *     `p11-kit server --provider libgohsm.so` (P11_KIT_SERVER_ADDRESS), and
 *     runs the same tests against the keys the fork run made.
 *
 * Output lines (the Go driver parses them):
 *   MECH <hex> <where> <inlist 0|1> <result> <rv hex> <note>
 *       where: parent|child|client|late|afterfork; result: ok|fail|skip
 *   TIME <where> <what> <microseconds> <count>
 *   ALL <hex>            (fork mode: gohsm's list, for the client run)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pkcs11.h"

#define SO_PIN "so-pin-1234"
#define USER_PIN "user-pin-1234"
#define TOKEN_LABEL "forkmechs"
#define MAXM 512

typedef struct {
	CK_ULONG ulCounterBits;
	CK_BYTE cb[16];
} aes_ctr_params;

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_SESSION_HANDLE sess;
static const char *where = "parent";

static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static CK_BYTE ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static CK_BYTE x25519[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
static CK_BYTE data32[32] = "0123456789abcdef0123456789abcde";
static CK_BYTE iv16[16] = "iv-iv-iv-iv-iv-";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* The token keys, found by label. */
enum { K_EC_PRIV, K_EC_PUB, K_RSA_PRIV, K_RSA_PUB, K_ED_PRIV, K_ED_PUB, K_AES, K_HMAC, K_DES3, K_CHACHA, K_XTS, K_N };
static const char *key_labels[K_N] = {"ec", "ec", "rsa", "rsa", "ed", "ed", "aes", "hmac", "des3", "chacha", "xts"};
static CK_OBJECT_CLASS key_class[K_N] = {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY,
					 CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_SECRET_KEY, CKO_SECRET_KEY,
					 CKO_SECRET_KEY, CKO_SECRET_KEY, CKO_SECRET_KEY};
static CK_OBJECT_HANDLE keys[K_N];

static double now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return tv.tv_sec * 1e6 + tv.tv_usec;
}

static int die(const char *what, CK_RV rv)
{
	printf("FATAL %s %s = 0x%lx\n", where, what, rv);
	fflush(stdout);
	_exit(1);
}

#define MUST(call)                                    \
	do {                                          \
		CK_RV rv_ = (call);                   \
		if (rv_ != CKR_OK)                    \
			die(#call, rv_);              \
	} while (0)

static CK_OBJECT_HANDLE find(const char *label, CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE o = 0;
	CK_ULONG n = 0;
	MUST(f->C_FindObjectsInit(sess, t, 2));
	MUST(f->C_FindObjects(sess, &o, 1, &n));
	MUST(f->C_FindObjectsFinal(sess));
	if (n != 1)
		die(label, CKR_OBJECT_HANDLE_INVALID);
	return o;
}

static void find_keys(void)
{
	for (int i = 0; i < K_N; i++)
		keys[i] = find(key_labels[i], key_class[i]);
}

static void gen_secret(CK_MECHANISM_TYPE m, CK_KEY_TYPE kt, CK_ULONG len, const char *label)
{
	CK_MECHANISM mech = {m, NULL, 0};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_KEY_TYPE, &kt, sizeof kt},
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_LABEL, (void *)label, strlen(label)},
		{CKA_ENCRYPT, &yes, sizeof yes},
		{CKA_DECRYPT, &yes, sizeof yes},
		{CKA_SIGN, &yes, sizeof yes},
		{CKA_VERIFY, &yes, sizeof yes},
		{CKA_WRAP, &yes, sizeof yes},
		{CKA_UNWRAP, &yes, sizeof yes},
		{CKA_DERIVE, &yes, sizeof yes},
		{CKA_EXTRACTABLE, &yes, sizeof yes},
		{CKA_VALUE_LEN, &len, sizeof len},
	};
	MUST(f->C_GenerateKey(sess, &mech, t, len ? 13 : 12, &h));
}

static void gen_pair(CK_MECHANISM_TYPE m, CK_BYTE *params, CK_ULONG plen, const char *label)
{
	CK_MECHANISM mech = {m, NULL, 0};
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE pub[] = {
		{params ? CKA_EC_PARAMS : CKA_MODULUS_BITS, params ? (void *)params : (void *)&bits, params ? plen : sizeof bits},
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_LABEL, (void *)label, strlen(label)},
		{CKA_VERIFY, &yes, sizeof yes},
		{CKA_ENCRYPT, &yes, sizeof yes},
		{CKA_WRAP, &yes, sizeof yes},
	};
	CK_ATTRIBUTE priv[] = {
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_PRIVATE, &yes, sizeof yes},
		{CKA_SENSITIVE, &yes, sizeof yes},
		{CKA_LABEL, (void *)label, strlen(label)},
		{CKA_SIGN, &yes, sizeof yes},
		{CKA_DERIVE, &yes, sizeof yes},
		{CKA_DECRYPT, &yes, sizeof yes},
		{CKA_UNWRAP, &yes, sizeof yes},
	};
	CK_OBJECT_HANDLE a, b;
	/* An EC key may not encrypt: ask only what the key type allows. */
	MUST(f->C_GenerateKeyPair(sess, &mech, pub, params ? 4 : 6, priv, m == CKM_EC_KEY_PAIR_GEN ? 6 : (params ? 5 : 7), &a, &b));
	(void)no;
}

/* The parent's token, user and keys. */
static void setup_token(void)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof label);
	memcpy(label, TOKEN_LABEL, strlen(TOKEN_LABEL));
	MUST(f->C_GetSlotList(CK_FALSE, slots, &n));
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || (ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		slot = slots[i];
		MUST(f->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label));
		MUST(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &sess));
		MUST(f->C_Login(sess, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)));
		MUST(f->C_InitPIN(sess, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)));
		MUST(f->C_Logout(sess));
		MUST(f->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)));
		gen_pair(CKM_EC_KEY_PAIR_GEN, p256, sizeof p256, "ec");
		gen_pair(CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0, "rsa");
		gen_pair(CKM_EC_EDWARDS_KEY_PAIR_GEN, ed25519, sizeof ed25519, "ed");
		gen_secret(CKM_AES_KEY_GEN, CKK_AES, 32, "aes");
		gen_secret(CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 32, "hmac");
		gen_secret(CKM_DES3_KEY_GEN, CKK_DES3, 0, "des3");
		gen_secret(CKM_CHACHA20_KEY_GEN, CKK_CHACHA20, 0, "chacha");
		gen_secret(CKM_AES_XTS_KEY_GEN, CKK_AES_XTS, 64, "xts");
		return;
	}
	die("no free slot", CKR_SLOT_ID_INVALID);
}

/* Finds the token by label and logs in (the child and the client). */
static void open_token(void)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	MUST(f->C_GetSlotList(CK_TRUE, slots, &n));
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK && memcmp(ti.label, TOKEN_LABEL, strlen(TOKEN_LABEL)) == 0) {
			slot = slots[i];
			MUST(f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &sess));
			MUST(f->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)));
			return;
		}
	}
	die("token " TOKEN_LABEL " not found", CKR_TOKEN_NOT_PRESENT);
}

/* ---- the tests: each returns CKR_OK on a full round trip ---- */

static CK_RV sign_verify(CK_MECHANISM *m, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub, CK_BYTE *in, CK_ULONG inlen)
{
	CK_BYTE sig[1024];
	CK_ULONG sl = sizeof sig;
	CK_RV rv;
	if ((rv = f->C_SignInit(sess, m, priv)) != CKR_OK)
		return rv;
	if ((rv = f->C_Sign(sess, in, inlen, sig, &sl)) != CKR_OK)
		return rv;
	if ((rv = f->C_VerifyInit(sess, m, pub)) != CKR_OK)
		return rv;
	if ((rv = f->C_Verify(sess, in, inlen, sig, sl)) != CKR_OK)
		return rv;
	sig[0] ^= 1; /* a wrong signature must not verify */
	if ((rv = f->C_VerifyInit(sess, m, pub)) != CKR_OK)
		return rv;
	rv = f->C_Verify(sess, in, inlen, sig, sl);
	return rv == CKR_SIGNATURE_INVALID ? CKR_OK : (rv == CKR_OK ? CKR_GENERAL_ERROR : rv);
}

static CK_RV enc_dec(CK_MECHANISM *m, CK_OBJECT_HANDLE ek, CK_OBJECT_HANDLE dk, CK_BYTE *in, CK_ULONG inlen)
{
	CK_BYTE ct[1024], pt[1024];
	CK_ULONG cl = sizeof ct, pl = sizeof pt;
	CK_RV rv;
	if ((rv = f->C_EncryptInit(sess, m, ek)) != CKR_OK)
		return rv;
	if ((rv = f->C_Encrypt(sess, in, inlen, ct, &cl)) != CKR_OK)
		return rv;
	if ((rv = f->C_DecryptInit(sess, m, dk)) != CKR_OK)
		return rv;
	if ((rv = f->C_Decrypt(sess, ct, cl, pt, &pl)) != CKR_OK)
		return rv;
	return (pl == inlen && memcmp(pt, in, inlen) == 0) ? CKR_OK : CKR_GENERAL_ERROR;
}

static CK_RV digest(CK_MECHANISM *m)
{
	CK_BYTE out[128];
	CK_ULONG ol = sizeof out;
	CK_RV rv;
	if ((rv = f->C_DigestInit(sess, m)) != CKR_OK)
		return rv;
	if ((rv = f->C_Digest(sess, data32, 3, out, &ol)) != CKR_OK)
		return rv;
	return ol >= 16 ? CKR_OK : CKR_GENERAL_ERROR;
}

static CK_RV keygen(CK_MECHANISM *m, CK_KEY_TYPE kt, CK_ULONG len)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_KEY_TYPE, &kt, sizeof kt},
		{CKA_VALUE_LEN, &len, sizeof len},
	};
	CK_RV rv = f->C_GenerateKey(sess, m, t, len ? 3 : 2, &h);
	if (rv == CKR_OK)
		f->C_DestroyObject(sess, h);
	return rv;
}

static CK_RV pairgen(CK_MECHANISM *m, CK_ATTRIBUTE *pub, CK_ULONG np)
{
	CK_OBJECT_HANDLE a, b;
	CK_ATTRIBUTE priv[] = {{CKA_SIGN, &yes, sizeof yes}};
	CK_RV rv = f->C_GenerateKeyPair(sess, m, pub, np, priv, 0, &a, &b);
	(void)priv;
	if (rv == CKR_OK) {
		f->C_DestroyObject(sess, a);
		f->C_DestroyObject(sess, b);
	}
	return rv;
}

static CK_RV derive(CK_MECHANISM *m, CK_OBJECT_HANDLE base, CK_ULONG len)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_KEY_TYPE, &kt, sizeof kt},
		{CKA_VALUE_LEN, &len, sizeof len},
	};
	CK_RV rv = f->C_DeriveKey(sess, m, base, t, len ? 3 : 2, &h);
	if (rv == CKR_OK)
		f->C_DestroyObject(sess, h);
	return rv;
}

static CK_RV wrap_unwrap(CK_MECHANISM *m, CK_OBJECT_HANDLE wk, CK_OBJECT_HANDLE uk)
{
	CK_BYTE w[1024];
	CK_ULONG wl = sizeof w;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt}};
	CK_OBJECT_HANDLE h;
	CK_RV rv = f->C_WrapKey(sess, m, wk, keys[K_HMAC], w, &wl);
	if (rv != CKR_OK)
		return rv;
	rv = f->C_UnwrapKey(sess, m, uk, w, wl, t, 2, &h);
	if (rv == CKR_OK)
		f->C_DestroyObject(sess, h);
	return rv;
}

static CK_MECHANISM_TYPE hash_of(CK_MECHANISM_TYPE m)
{
	switch (m) {
	case CKM_SHA1_RSA_PKCS_PSS: return CKM_SHA_1;
	case CKM_SHA224_RSA_PKCS_PSS: return CKM_SHA224;
	case CKM_SHA384_RSA_PKCS_PSS: return CKM_SHA384;
	case CKM_SHA512_RSA_PKCS_PSS: return CKM_SHA512;
	case CKM_SHA3_224_RSA_PKCS_PSS: return CKM_SHA3_224;
	case CKM_SHA3_256_RSA_PKCS_PSS: return CKM_SHA3_256;
	case CKM_SHA3_384_RSA_PKCS_PSS: return CKM_SHA3_384;
	case CKM_SHA3_512_RSA_PKCS_PSS: return CKM_SHA3_512;
	default: return CKM_SHA256;
	}
}

static CK_ULONG mgf_of(CK_MECHANISM_TYPE h)
{
	switch (h) {
	case CKM_SHA_1: return CKG_MGF1_SHA1;
	case CKM_SHA224: return CKG_MGF1_SHA224;
	case CKM_SHA384: return CKG_MGF1_SHA384;
	case CKM_SHA512: return CKG_MGF1_SHA512;
	case CKM_SHA3_224: return CKG_MGF1_SHA3_224;
	case CKM_SHA3_256: return CKG_MGF1_SHA3_256;
	case CKM_SHA3_384: return CKG_MGF1_SHA3_384;
	case CKM_SHA3_512: return CKG_MGF1_SHA3_512;
	default: return CKG_MGF1_SHA256;
	}
}

static CK_ULONG hlen_of(CK_MECHANISM_TYPE h)
{
	switch (h) {
	case CKM_SHA_1: return 20;
	case CKM_SHA224: case CKM_SHA3_224: return 28;
	case CKM_SHA384: case CKM_SHA3_384: return 48;
	case CKM_SHA512: case CKM_SHA3_512: return 64;
	default: return 32;
	}
}

/* Runs the basic operation of mechanism t; *note says what, or why not. */
static CK_RV try_mech(CK_MECHANISM_TYPE t, CK_FLAGS flags, const char **note)
{
	CK_MECHANISM m = {t, NULL, 0};
	CK_ULONG maclen = 16;
	CK_RSA_PKCS_PSS_PARAMS pss;
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
	CK_GCM_PARAMS gcm = {iv16, 12, 96, data32, 8, 128};
	CK_CCM_PARAMS ccm = {32, iv16, 12, data32, 8, 16};
	CK_SALSA20_CHACHA20_POLY1305_PARAMS cc = {iv16, 12, data32, 8};
	aes_ctr_params ctr = {128, {0}};
	CK_KEY_DERIVATION_STRING_DATA kd = {data32, 16};
	CK_AES_CBC_ENCRYPT_DATA_PARAMS acbc;
	CK_DES_CBC_ENCRYPT_DATA_PARAMS dcbc;
	CK_HKDF_PARAMS hkdf = {CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_DATA, data32, 16, 0, data32, 8};
	CK_BYTE point[128];
	CK_ATTRIBUTE pa = {CKA_EC_POINT, point, sizeof point};
	CK_ECDH1_DERIVE_PARAMS ecdh = {CKD_NULL, 0, NULL, 0, point};
	CK_ULONG bits = 1024, ps = 1;
	CK_ATTRIBUTE rsat[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}};
	CK_ATTRIBUTE ect[] = {{CKA_EC_PARAMS, p256, sizeof p256}};
	CK_ATTRIBUTE edt[] = {{CKA_EC_PARAMS, ed25519, sizeof ed25519}};
	CK_ATTRIBUTE xt[] = {{CKA_EC_PARAMS, x25519, sizeof x25519}};
	CK_ATTRIBUTE pqt[] = {{CKA_PARAMETER_SET, &ps, sizeof ps}};

	memcpy(acbc.iv, iv16, 16);
	acbc.pData = data32;
	acbc.length = 16;
	memcpy(dcbc.iv, iv16, 8);
	dcbc.pData = data32;
	dcbc.length = 16;
	*note = "";

	switch (t) {
	/* key and key pair generation */
	case CKM_RSA_PKCS_KEY_PAIR_GEN: *note = "generate RSA-1024"; return pairgen(&m, rsat, 1);
	case CKM_EC_KEY_PAIR_GEN: *note = "generate P-256"; return pairgen(&m, ect, 1);
	case CKM_EC_EDWARDS_KEY_PAIR_GEN: *note = "generate Ed25519"; return pairgen(&m, edt, 1);
	case CKM_EC_MONTGOMERY_KEY_PAIR_GEN: *note = "generate X25519"; return pairgen(&m, xt, 1);
	case CKM_ML_DSA_KEY_PAIR_GEN: *note = "generate ML-DSA-44"; return pairgen(&m, pqt, 1);
	case CKM_ML_KEM_KEY_PAIR_GEN: *note = "generate ML-KEM-512"; return pairgen(&m, pqt, 1);
	case CKM_SLH_DSA_KEY_PAIR_GEN: *note = "generate SLH-DSA-SHA2-128s"; return pairgen(&m, pqt, 1);
	case CKM_AES_KEY_GEN: *note = "generate AES-256"; return keygen(&m, CKK_AES, 32);
	case CKM_AES_XTS_KEY_GEN: *note = "generate AES-XTS-256"; return keygen(&m, CKK_AES_XTS, 64);
	case CKM_GENERIC_SECRET_KEY_GEN: *note = "generate 32 bytes"; return keygen(&m, CKK_GENERIC_SECRET, 32);
	case CKM_HKDF_KEY_GEN: *note = "generate 32 bytes"; return keygen(&m, CKK_HKDF, 32);
	case CKM_DES2_KEY_GEN: *note = "generate DES2"; return keygen(&m, CKK_DES2, 0);
	case CKM_DES3_KEY_GEN: *note = "generate DES3"; return keygen(&m, CKK_DES3, 0);
	case CKM_CHACHA20_KEY_GEN: *note = "generate ChaCha20"; return keygen(&m, CKK_CHACHA20, 0);

	/* signatures */
	case CKM_ECDSA: *note = "sign+verify a 32-byte hash, P-256"; return sign_verify(&m, keys[K_EC_PRIV], keys[K_EC_PUB], data32, 32);
	case CKM_EDDSA: *note = "sign+verify, Ed25519"; return sign_verify(&m, keys[K_ED_PRIV], keys[K_ED_PUB], data32, 32);
	case CKM_RSA_PKCS: {
		CK_RV rv;
		*note = "sign+verify, encrypt+decrypt, RSA-2048";
		if ((rv = sign_verify(&m, keys[K_RSA_PRIV], keys[K_RSA_PUB], data32, 32)) != CKR_OK)
			return rv;
		return enc_dec(&m, keys[K_RSA_PUB], keys[K_RSA_PRIV], data32, 32);
	}
	case CKM_RSA_PKCS_PSS:
	case CKM_SHA1_RSA_PKCS_PSS: case CKM_SHA224_RSA_PKCS_PSS: case CKM_SHA256_RSA_PKCS_PSS:
	case CKM_SHA384_RSA_PKCS_PSS: case CKM_SHA512_RSA_PKCS_PSS: case CKM_SHA3_224_RSA_PKCS_PSS:
	case CKM_SHA3_256_RSA_PKCS_PSS: case CKM_SHA3_384_RSA_PKCS_PSS: case CKM_SHA3_512_RSA_PKCS_PSS:
		pss.hashAlg = hash_of(t);
		pss.mgf = mgf_of(pss.hashAlg);
		pss.sLen = hlen_of(pss.hashAlg);
		m.pParameter = &pss;
		m.ulParameterLen = sizeof pss;
		*note = "sign+verify with CK_RSA_PKCS_PSS_PARAMS";
		return sign_verify(&m, keys[K_RSA_PRIV], keys[K_RSA_PUB], data32, t == CKM_RSA_PKCS_PSS ? 32 : 20);
	case CKM_RSA_PKCS_OAEP:
		m.pParameter = &oaep;
		m.ulParameterLen = sizeof oaep;
		*note = "encrypt+decrypt, SHA-256 OAEP params";
		return enc_dec(&m, keys[K_RSA_PUB], keys[K_RSA_PRIV], data32, 32);
	case CKM_RSA_AES_KEY_WRAP:
		*note = "not tried: wrap-only with nested parameters";
		return CKR_FUNCTION_NOT_SUPPORTED;
	case CKM_ML_DSA: case CKM_SLH_DSA:
		*note = "not tried: no post-quantum key made";
		return CKR_FUNCTION_NOT_SUPPORTED;
	case CKM_ML_KEM:
		*note = "not tried: C_EncapsulateKey is a PKCS#11 3.2 function";
		return CKR_FUNCTION_NOT_SUPPORTED;
	case CKM_PKCS5_PBKD2:
		*note = "not tried: password-based generation";
		return CKR_FUNCTION_NOT_SUPPORTED;
	case CKM_SP800_108_COUNTER_KDF: case CKM_SP800_108_FEEDBACK_KDF: case CKM_SP800_108_DOUBLE_PIPELINE_KDF:
		*note = "not tried: nested KDF parameters";
		return CKR_FUNCTION_NOT_SUPPORTED;

	/* encryption */
	case CKM_AES_ECB: *note = "encrypt+decrypt 32 bytes"; return enc_dec(&m, keys[K_AES], keys[K_AES], data32, 32);
	case CKM_AES_CBC: case CKM_AES_CBC_PAD: case CKM_AES_CTS: case CKM_AES_OFB: case CKM_AES_CFB8: case CKM_AES_CFB128:
		m.pParameter = iv16;
		m.ulParameterLen = 16;
		*note = "encrypt+decrypt, 16-byte IV";
		return enc_dec(&m, keys[K_AES], keys[K_AES], data32, 32);
	case CKM_AES_XTS:
		m.pParameter = iv16;
		m.ulParameterLen = 16;
		*note = "encrypt+decrypt, 16-byte tweak";
		return enc_dec(&m, keys[K_XTS], keys[K_XTS], data32, 32);
	case CKM_AES_CTR:
		memcpy(ctr.cb, iv16, 16);
		m.pParameter = &ctr;
		m.ulParameterLen = sizeof ctr;
		*note = "encrypt+decrypt, CK_AES_CTR_PARAMS";
		return enc_dec(&m, keys[K_AES], keys[K_AES], data32, 32);
	case CKM_AES_GCM:
		m.pParameter = &gcm;
		m.ulParameterLen = sizeof gcm;
		*note = "encrypt+decrypt, CK_GCM_PARAMS";
		return enc_dec(&m, keys[K_AES], keys[K_AES], data32, 32);
	case CKM_AES_CCM:
		m.pParameter = &ccm;
		m.ulParameterLen = sizeof ccm;
		*note = "encrypt+decrypt, CK_CCM_PARAMS";
		return enc_dec(&m, keys[K_AES], keys[K_AES], data32, 32);
	case CKM_CHACHA20_POLY1305:
		m.pParameter = &cc;
		m.ulParameterLen = sizeof cc;
		*note = "encrypt+decrypt, 12-byte nonce";
		return enc_dec(&m, keys[K_CHACHA], keys[K_CHACHA], data32, 32);
	case CKM_AES_KEY_WRAP: case CKM_AES_KEY_WRAP_PAD: case CKM_AES_KEY_WRAP_KWP: case CKM_AES_KEY_WRAP_PKCS7:
		*note = "wrap+unwrap a 32-byte secret";
		return wrap_unwrap(&m, keys[K_AES], keys[K_AES]);
	case CKM_DES3_ECB: *note = "encrypt+decrypt 32 bytes"; return enc_dec(&m, keys[K_DES3], keys[K_DES3], data32, 32);
	case CKM_DES3_CBC: case CKM_DES3_CBC_PAD:
		m.pParameter = iv16;
		m.ulParameterLen = 8;
		*note = "encrypt+decrypt, 8-byte IV";
		return enc_dec(&m, keys[K_DES3], keys[K_DES3], data32, 32);

	/* derivation */
	case CKM_ECDH1_DERIVE: case CKM_ECDH1_COFACTOR_DERIVE: {
		CK_RV rv = f->C_GetAttributeValue(sess, keys[K_EC_PUB], &pa, 1);
		if (rv != CKR_OK)
			return rv;
		ecdh.ulPublicDataLen = pa.ulValueLen;
		m.pParameter = &ecdh;
		m.ulParameterLen = sizeof ecdh;
		*note = "derive with CKD_NULL, P-256";
		return derive(&m, keys[K_EC_PRIV], 32);
	}
	case CKM_CONCATENATE_BASE_AND_DATA: case CKM_CONCATENATE_DATA_AND_BASE: case CKM_XOR_BASE_AND_DATA:
		m.pParameter = &kd;
		m.ulParameterLen = sizeof kd;
		*note = "derive from the HMAC key";
		return derive(&m, keys[K_HMAC], 0);
	case CKM_SHA1_KEY_DERIVATION: case CKM_SHA256_KEY_DERIVATION: case CKM_SHA384_KEY_DERIVATION:
	case CKM_SHA512_KEY_DERIVATION: case CKM_SHA224_KEY_DERIVATION: case CKM_SHA3_256_KEY_DERIVATION:
	case CKM_SHA3_224_KEY_DERIVATION: case CKM_SHA3_384_KEY_DERIVATION: case CKM_SHA3_512_KEY_DERIVATION:
		*note = "derive from the HMAC key";
		return derive(&m, keys[K_HMAC], 16);
	case CKM_HKDF_DERIVE:
		m.pParameter = &hkdf;
		m.ulParameterLen = sizeof hkdf;
		*note = "derive, extract+expand SHA-256";
		return derive(&m, keys[K_HMAC], 32);
	case CKM_AES_ECB_ENCRYPT_DATA:
		m.pParameter = &kd;
		m.ulParameterLen = sizeof kd;
		*note = "derive from the AES key";
		return derive(&m, keys[K_AES], 0);
	case CKM_AES_CBC_ENCRYPT_DATA:
		m.pParameter = &acbc;
		m.ulParameterLen = sizeof acbc;
		*note = "derive from the AES key";
		return derive(&m, keys[K_AES], 0);
	case CKM_DES3_ECB_ENCRYPT_DATA:
		m.pParameter = &kd;
		m.ulParameterLen = sizeof kd;
		*note = "derive from the DES3 key";
		return derive(&m, keys[K_DES3], 0);
	case CKM_DES3_CBC_ENCRYPT_DATA:
		m.pParameter = &dcbc;
		m.ulParameterLen = sizeof dcbc;
		*note = "derive from the DES3 key";
		return derive(&m, keys[K_DES3], 0);
	default:
		break;
	}
	if (flags & CKF_DIGEST) {
		*note = "digest";
		return digest(&m);
	}
	if (flags & CKF_SIGN) {
		/* By family: ECDSA_SHA*, SHA*_RSA_PKCS, HMACs, CMACs and CBC-MACs. */
		if (t >= CKM_ECDSA_SHA1 && t <= CKM_ECDSA_SHA3_512) {
			*note = "sign+verify, P-256";
			return sign_verify(&m, keys[K_EC_PRIV], keys[K_EC_PUB], data32, 32);
		}
		switch (t) {
		case CKM_SHA1_RSA_PKCS: case CKM_SHA224_RSA_PKCS: case CKM_SHA256_RSA_PKCS: case CKM_SHA384_RSA_PKCS:
		case CKM_SHA512_RSA_PKCS: case CKM_SHA3_224_RSA_PKCS: case CKM_SHA3_256_RSA_PKCS:
		case CKM_SHA3_384_RSA_PKCS: case CKM_SHA3_512_RSA_PKCS:
			*note = "sign+verify, RSA-2048";
			return sign_verify(&m, keys[K_RSA_PRIV], keys[K_RSA_PUB], data32, 32);
		}
		{
			int general = 0;
			CK_OBJECT_HANDLE k = keys[K_HMAC];
			switch (t) {
			case CKM_MD5_HMAC: case CKM_SHA_1_HMAC: case CKM_SHA224_HMAC: case CKM_SHA256_HMAC:
			case CKM_SHA384_HMAC: case CKM_SHA512_HMAC: case CKM_SHA512_224_HMAC: case CKM_SHA512_256_HMAC:
			case CKM_SHA3_224_HMAC: case CKM_SHA3_256_HMAC: case CKM_SHA3_384_HMAC: case CKM_SHA3_512_HMAC:
				break;
			case CKM_SHA512_224_HMAC_GENERAL: case CKM_SHA512_256_HMAC_GENERAL: case CKM_MD5_HMAC_GENERAL:
			case CKM_SHA_1_HMAC_GENERAL: case CKM_SHA256_HMAC_GENERAL: case CKM_SHA224_HMAC_GENERAL:
			case CKM_SHA384_HMAC_GENERAL: case CKM_SHA512_HMAC_GENERAL: case CKM_SHA3_256_HMAC_GENERAL:
			case CKM_SHA3_224_HMAC_GENERAL: case CKM_SHA3_384_HMAC_GENERAL: case CKM_SHA3_512_HMAC_GENERAL:
				general = 1;
				break;
			case CKM_AES_MAC: case CKM_AES_CMAC:
				k = keys[K_AES];
				break;
			case CKM_AES_MAC_GENERAL: case CKM_AES_CMAC_GENERAL:
				k = keys[K_AES];
				general = 1;
				break;
			case CKM_DES3_MAC: case CKM_DES3_CMAC:
				k = keys[K_DES3];
				break;
			case CKM_DES3_MAC_GENERAL: case CKM_DES3_CMAC_GENERAL:
				k = keys[K_DES3];
				general = 1;
				maclen = 4;
				break;
			default:
				/* A mechanism added after this test: say so, do not guess. */
				*note = "not tried: no test for this mechanism yet";
				return CKR_FUNCTION_NOT_SUPPORTED;
			}
			if (general) {
				if (maclen == 16 && k == keys[K_AES])
					maclen = 8;
				m.pParameter = &maclen;
				m.ulParameterLen = sizeof maclen;
				*note = "MAC+verify, CK_MAC_GENERAL_PARAMS";
			} else {
				*note = "MAC+verify";
			}
			return sign_verify(&m, k, k, data32, 32);
		}
	}
	*note = "not tried: no simple test";
	return CKR_FUNCTION_NOT_SUPPORTED;
}

static int in_list(CK_MECHANISM_TYPE t, CK_MECHANISM_TYPE *l, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (l[i] == t)
			return 1;
	return 0;
}

/* Runs every test; all[] is gohsm's list (the parent's C_GetMechanismList). */
static void run_all(CK_MECHANISM_TYPE *all, CK_FLAGS *flags, CK_ULONG n)
{
	CK_MECHANISM_TYPE here[MAXM];
	CK_ULONG hn = MAXM;
	MUST(f->C_GetMechanismList(slot, here, &hn));
	printf("LIST %s %lu\n", where, hn);
	for (CK_ULONG i = 0; i < n; i++) {
		const char *note;
		CK_RV rv = try_mech(all[i], flags[i], &note);
		const char *res = rv == CKR_OK ? "ok" : (strncmp(note, "not tried", 9) == 0 ? "skip" : "fail");
		printf("MECH 0x%lx %s %d %s 0x%lx %s\n", all[i], where, in_list(all[i], here, hn), res, rv, note);
	}
	fflush(stdout);
}

/* Per-call cost: n CKM_ECDSA signatures (SignInit+Sign = two calls). */
static void time_sign(int n)
{
	CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
	CK_BYTE sig[128];
	double t0 = now_us();
	for (int i = 0; i < n; i++) {
		CK_ULONG sl = sizeof sig;
		MUST(f->C_SignInit(sess, &m, keys[K_EC_PRIV]));
		MUST(f->C_Sign(sess, data32, 32, sig, &sl));
	}
	printf("TIME %s ecdsa-sign %.0f %d\n", where, now_us() - t0, n);
	t0 = now_us();
	for (int i = 0; i < n; i++) {
		CK_INFO info;
		MUST(f->C_GetInfo(&info));
	}
	printf("TIME %s getinfo %.0f %d\n", where, now_us() - t0, n);
	fflush(stdout);
}

static CK_FUNCTION_LIST_PTR load(const char *path)
{
	CK_C_GetFunctionList gfl;
	CK_FUNCTION_LIST_PTR l = NULL;
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("FATAL dlopen %s\n", dlerror());
		exit(1);
	}
	gfl = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
	if (!gfl || gfl(&l) != CKR_OK)
		die("C_GetFunctionList", CKR_GENERAL_ERROR);
	return l;
}

/* Reads the "hex flags" lines that the fork run's ALL lines gave. */
static CK_ULONG read_list(const char *path, CK_MECHANISM_TYPE *all, CK_FLAGS *flags)
{
	CK_ULONG n = 0;
	FILE *lf = fopen(path, "r");
	if (!lf)
		die("open list file", CKR_ARGUMENTS_BAD);
	while (n < MAXM && fscanf(lf, "%lx %lx", &all[n], &flags[n]) == 2)
		n++;
	fclose(lf);
	return n;
}

int main(int argc, char **argv)
{
	static CK_MECHANISM_TYPE all[MAXM];
	static CK_FLAGS flags[MAXM];
	CK_ULONG n = MAXM;
	int loops;

	if (argc < 5 || (strcmp(argv[1], "fork") && strcmp(argv[1], "client") && strcmp(argv[1], "late") &&
			 strcmp(argv[1], "afterfork"))) {
		fprintf(stderr, "usage: %s fork libgohsm.so storedir loops | client p11-kit-client.so listfile loops"
				" | late|afterfork libgohsm.so storedir listfile loops\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	loops = atoi(argv[argc - 1]);

	if (strcmp(argv[1], "late") == 0 || strcmp(argv[1], "afterfork") == 0) {
		pid_t pid;
		int status, late = strcmp(argv[1], "late") == 0;
		n = read_list(argv[4], all, flags);
		if (late)
			f = load(argv[2]); /* loaded, never initialised, in the parent */
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			CK_C_INITIALIZE_ARGS args;
			char reserved[4200];
			double t0;
			where = late ? "late" : "afterfork";
			if (!late)
				f = load(argv[2]);
			memset(&args, 0, sizeof args);
			args.flags = CKF_OS_LOCKING_OK;
			snprintf(reserved, sizeof reserved, "gohsm:dir=%s", argv[3]);
			args.pReserved = reserved;
			t0 = now_us();
			MUST(f->C_Initialize(&args));
			printf("TIME %s initialize %.0f 1\n", where, now_us() - t0);
			open_token();
			find_keys();
			run_all(all, flags, n);
			time_sign(loops);
			MUST(f->C_Finalize(NULL));
			fflush(stdout);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("FATAL child failed, status 0x%x\n", status);
			return 1;
		}
		printf("done\n");
		return 0;
	}
	f = load(argv[2]);
	if (strcmp(argv[1], "client") == 0) {
		double t0;
		n = read_list(argv[3], all, flags);
		where = "client";
		t0 = now_us();
		MUST(f->C_Initialize(NULL));
		printf("TIME client initialize %.0f 1\n", now_us() - t0);
		open_token();
		find_keys();
		run_all(all, flags, n);
		time_sign(loops);
		MUST(f->C_Finalize(NULL));
		printf("done\n");
		return 0;
	}

	{
		CK_C_INITIALIZE_ARGS args;
		char reserved[4200];
		pid_t pid;
		int status;
		memset(&args, 0, sizeof args);
		args.flags = CKF_OS_LOCKING_OK;
		snprintf(reserved, sizeof reserved, "gohsm:dir=%s", argv[3]);
		args.pReserved = reserved;
		MUST(f->C_Initialize(&args));
		setup_token();
		find_keys();
		MUST(f->C_GetMechanismList(slot, all, &n));
		for (CK_ULONG i = 0; i < n; i++) {
			CK_MECHANISM_INFO mi;
			MUST(f->C_GetMechanismInfo(slot, all[i], &mi));
			flags[i] = mi.flags;
			printf("ALL 0x%lx 0x%lx\n", all[i], mi.flags);
		}
		run_all(all, flags, n);
		time_sign(loops);

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			double t0 = now_us();
			where = "child";
			MUST(f->C_Initialize(NULL));
			printf("TIME child initialize %.0f 1\n", now_us() - t0);
			open_token();
			find_keys();
			run_all(all, flags, n);
			time_sign(loops);
			MUST(f->C_Finalize(NULL));
			fflush(stdout);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("FATAL child failed, status 0x%x\n", status);
			return 1;
		}
		MUST(f->C_Finalize(NULL));
		printf("done\n");
	}
	return 0;
}
