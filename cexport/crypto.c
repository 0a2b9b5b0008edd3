/*
 * crypto.c: encryption, decryption, digests, signatures and the dual-purpose
 * functions (base 3.0 sections 5.8-5.17). They come in a few shapes; one
 * macro per shape keeps the NULL-pointer rules identical across functions.
 *
 * A call that fails ends the active operation unless it is
 * CKR_BUFFER_TOO_SMALL (base 3.0 section 5.2), so a NULL-pointer error here
 * goes through goAbortOperation, which ends the operations named by op (as
 * C_SessionCancel flags) and returns CKR_ARGUMENTS_BAD.
 */
#include "front.h"
#include "_cgo_export.h"

/* name(session, mechanism, key): a NULL mechanism ends the active operation
 * of that kind (base 3.0 section 5.8 ff.: "pMechanism NULL_PTR terminates"). */
#define INIT_FN(name, shim, op)                                                    \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) \
	{                                                                              \
		GOHSM_ENTER(name, (hSession, pMechanism, hKey));                           \
		if (pMechanism == NULL)                                                    \
			return goCancelOperation(hSession, op);                                \
		return shim(hSession, pMechanism, hKey);                                   \
	}

/* name(session, in, inLen, out, pOutLen): out may be NULL (length query). */
#define INOUT_FN(name, shim, op)                                                   \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pIn, CK_ULONG ulInLen,      \
		   CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen)                                \
	{                                                                              \
		GOHSM_ENTER(name, (hSession, pIn, ulInLen, pOut, pulOutLen));              \
		if (GOHSM_BAD_BUF(pIn, ulInLen) || pulOutLen == NULL)                      \
			return goAbortOperation(hSession, op);                                 \
		return shim(hSession, pIn, ulInLen, pOut, pulOutLen);                      \
	}

/* name(session, out, pOutLen). */
#define FINAL_FN(name, shim, op)                                                   \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen) \
	{                                                                              \
		GOHSM_ENTER(name, (hSession, pOut, pulOutLen));                            \
		if (pulOutLen == NULL)                                                     \
			return goAbortOperation(hSession, op);                                 \
		return shim(hSession, pOut, pulOutLen);                                    \
	}

/* name(session, in, inLen). */
#define IN_FN(name, shim, op)                                                      \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pIn, CK_ULONG ulInLen)      \
	{                                                                              \
		GOHSM_ENTER(name, (hSession, pIn, ulInLen));                               \
		if (GOHSM_BAD_BUF(pIn, ulInLen))                                           \
			return goAbortOperation(hSession, op);                                 \
		return shim(hSession, pIn, ulInLen);                                       \
	}

INIT_FN(C_EncryptInit, goEncryptInit, CKF_ENCRYPT)
INOUT_FN(C_Encrypt, goEncrypt, CKF_ENCRYPT)
INOUT_FN(C_EncryptUpdate, goEncryptUpdate, CKF_ENCRYPT)
FINAL_FN(C_EncryptFinal, goEncryptFinal, CKF_ENCRYPT)

INIT_FN(C_DecryptInit, goDecryptInit, CKF_DECRYPT)
INOUT_FN(C_Decrypt, goDecrypt, CKF_DECRYPT)
INOUT_FN(C_DecryptUpdate, goDecryptUpdate, CKF_DECRYPT)
FINAL_FN(C_DecryptFinal, goDecryptFinal, CKF_DECRYPT)

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
	GOHSM_ENTER(C_DigestInit, (hSession, pMechanism));
	if (pMechanism == NULL)
		return goCancelOperation(hSession, CKF_DIGEST);
	return goDigestInit(hSession, pMechanism);
}
INOUT_FN(C_Digest, goDigest, CKF_DIGEST)
IN_FN(C_DigestUpdate, goDigestUpdate, CKF_DIGEST)
FINAL_FN(C_DigestFinal, goDigestFinal, CKF_DIGEST)

CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
	GOHSM_ENTER(C_DigestKey, (hSession, hKey));
	return goDigestKey(hSession, hKey);
}

INIT_FN(C_SignInit, goSignInit, CKF_SIGN)
INOUT_FN(C_Sign, goSign, CKF_SIGN)
IN_FN(C_SignUpdate, goSignUpdate, CKF_SIGN)
FINAL_FN(C_SignFinal, goSignFinal, CKF_SIGN)
INIT_FN(C_SignRecoverInit, goSignRecoverInit, CKF_SIGN_RECOVER)
INOUT_FN(C_SignRecover, goSignRecover, CKF_SIGN_RECOVER)

INIT_FN(C_VerifyInit, goVerifyInit, CKF_VERIFY)
IN_FN(C_VerifyUpdate, goVerifyUpdate, CKF_VERIFY)
INIT_FN(C_VerifyRecoverInit, goVerifyRecoverInit, CKF_VERIFY_RECOVER)
INOUT_FN(C_VerifyRecover, goVerifyRecover, CKF_VERIFY_RECOVER)

CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
	       CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	GOHSM_ENTER(C_Verify, (hSession, pData, ulDataLen, pSignature, ulSignatureLen));
	if (GOHSM_BAD_BUF(pData, ulDataLen) || GOHSM_BAD_BUF(pSignature, ulSignatureLen))
		return goAbortOperation(hSession, CKF_VERIFY);
	return goVerify(hSession, pData, ulDataLen, pSignature, ulSignatureLen);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	GOHSM_ENTER(C_VerifyFinal, (hSession, pSignature, ulSignatureLen));
	if (GOHSM_BAD_BUF(pSignature, ulSignatureLen))
		return goAbortOperation(hSession, CKF_VERIFY);
	return goVerifyFinal(hSession, pSignature, ulSignatureLen);
}

INOUT_FN(C_DigestEncryptUpdate, goDigestEncryptUpdate, CKF_DIGEST | CKF_ENCRYPT)
INOUT_FN(C_DecryptDigestUpdate, goDecryptDigestUpdate, CKF_DECRYPT | CKF_DIGEST)
INOUT_FN(C_SignEncryptUpdate, goSignEncryptUpdate, CKF_SIGN | CKF_ENCRYPT)
INOUT_FN(C_DecryptVerifyUpdate, goDecryptVerifyUpdate, CKF_DECRYPT | CKF_VERIFY)
