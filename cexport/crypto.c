/*
 * crypto.c: encryption, decryption, digests, signatures and the dual-purpose
 * functions (base 3.0 sections 5.8-5.17). They come in a few shapes; one
 * macro per shape keeps the NULL-pointer rules identical across functions.
 */
#include "front.h"
#include "_cgo_export.h"

/* name(session, mechanism, key): the mechanism is required. */
#define INIT_FN(name, shim)                                                        \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) \
	{                                                                              \
		GOHSM_ENTER(name, (hSession, pMechanism, hKey));                           \
		if (pMechanism == NULL)                                                    \
			return CKR_ARGUMENTS_BAD;                                              \
		return shim(hSession, pMechanism, hKey);                                   \
	}

/* name(session, in, inLen, out, pOutLen): out may be NULL (length query). */
#define INOUT_FN(name, shim)                                                       \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pIn, CK_ULONG ulInLen,      \
		   CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen)                                \
	{                                                                              \
		GOHSM_ENTER(name, (hSession, pIn, ulInLen, pOut, pulOutLen));              \
		if (GOHSM_BAD_BUF(pIn, ulInLen) || pulOutLen == NULL)                      \
			return CKR_ARGUMENTS_BAD;                                              \
		return shim(hSession, pIn, ulInLen, pOut, pulOutLen);                      \
	}

/* name(session, out, pOutLen). */
#define FINAL_FN(name, shim)                                                       \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen) \
	{                                                                              \
		GOHSM_ENTER(name, (hSession, pOut, pulOutLen));                            \
		if (pulOutLen == NULL)                                                     \
			return CKR_ARGUMENTS_BAD;                                              \
		return shim(hSession, pOut, pulOutLen);                                    \
	}

/* name(session, in, inLen). */
#define IN_FN(name, shim)                                                          \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pIn, CK_ULONG ulInLen)      \
	{                                                                              \
		GOHSM_ENTER(name, (hSession, pIn, ulInLen));                               \
		if (GOHSM_BAD_BUF(pIn, ulInLen))                                           \
			return CKR_ARGUMENTS_BAD;                                              \
		return shim(hSession, pIn, ulInLen);                                       \
	}

INIT_FN(C_EncryptInit, goEncryptInit)
INOUT_FN(C_Encrypt, goEncrypt)
INOUT_FN(C_EncryptUpdate, goEncryptUpdate)
FINAL_FN(C_EncryptFinal, goEncryptFinal)

INIT_FN(C_DecryptInit, goDecryptInit)
INOUT_FN(C_Decrypt, goDecrypt)
INOUT_FN(C_DecryptUpdate, goDecryptUpdate)
FINAL_FN(C_DecryptFinal, goDecryptFinal)

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
	GOHSM_ENTER(C_DigestInit, (hSession, pMechanism));
	if (pMechanism == NULL)
		return CKR_ARGUMENTS_BAD;
	return goDigestInit(hSession, pMechanism);
}
INOUT_FN(C_Digest, goDigest)
IN_FN(C_DigestUpdate, goDigestUpdate)
FINAL_FN(C_DigestFinal, goDigestFinal)

CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
	GOHSM_ENTER(C_DigestKey, (hSession, hKey));
	return goDigestKey(hSession, hKey);
}

INIT_FN(C_SignInit, goSignInit)
INOUT_FN(C_Sign, goSign)
IN_FN(C_SignUpdate, goSignUpdate)
FINAL_FN(C_SignFinal, goSignFinal)
INIT_FN(C_SignRecoverInit, goSignRecoverInit)
INOUT_FN(C_SignRecover, goSignRecover)

INIT_FN(C_VerifyInit, goVerifyInit)
IN_FN(C_VerifyUpdate, goVerifyUpdate)
INIT_FN(C_VerifyRecoverInit, goVerifyRecoverInit)
INOUT_FN(C_VerifyRecover, goVerifyRecover)

CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
	       CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	GOHSM_ENTER(C_Verify, (hSession, pData, ulDataLen, pSignature, ulSignatureLen));
	if (GOHSM_BAD_BUF(pData, ulDataLen) || GOHSM_BAD_BUF(pSignature, ulSignatureLen))
		return CKR_ARGUMENTS_BAD;
	return goVerify(hSession, pData, ulDataLen, pSignature, ulSignatureLen);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	GOHSM_ENTER(C_VerifyFinal, (hSession, pSignature, ulSignatureLen));
	if (GOHSM_BAD_BUF(pSignature, ulSignatureLen))
		return CKR_ARGUMENTS_BAD;
	return goVerifyFinal(hSession, pSignature, ulSignatureLen);
}

INOUT_FN(C_DigestEncryptUpdate, goDigestEncryptUpdate)
INOUT_FN(C_DecryptDigestUpdate, goDecryptDigestUpdate)
INOUT_FN(C_SignEncryptUpdate, goSignEncryptUpdate)
INOUT_FN(C_DecryptVerifyUpdate, goDecryptVerifyUpdate)
