/*
 * kem.c: the PKCS#11 3.2 functions of CK_FUNCTION_LIST_3_2. C_EncapsulateKey
 * and C_DecapsulateKey go to Go; the others answer CKR_FUNCTION_NOT_SUPPORTED
 * (README "Not supported"). A forked child's helper is reached through p11-kit,
 * which carries no 3.2 function, so there they are not supported either.
 */
#include "front.h"
#include "_cgo_export.h"

#define GOHSM_ENTER_3_2                                                  \
	do {                                                                 \
		if (GOHSM_LOAD(gohsm_forked))                                    \
			return gohsm_child_list() ? CKR_FUNCTION_NOT_SUPPORTED       \
						  : CKR_CRYPTOKI_NOT_INITIALIZED;                \
		if (!GOHSM_LOAD(gohsm_initialized))                              \
			return CKR_CRYPTOKI_NOT_INITIALIZED;                         \
	} while (0)

CK_RV C_EncapsulateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hPublicKey,
		       CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_BYTE_PTR pCiphertext,
		       CK_ULONG_PTR pulCiphertextLen, CK_OBJECT_HANDLE_PTR phKey)
{
	GOHSM_ENTER_3_2;
	GOHSM_APP_LOCKED;
	if (pMechanism == NULL || GOHSM_BAD_BUF(pTemplate, ulAttributeCount) || pulCiphertextLen == NULL ||
	    phKey == NULL)
		return CKR_ARGUMENTS_BAD;
	return goEncapsulateKey(hSession, pMechanism, hPublicKey, pTemplate, ulAttributeCount, pCiphertext,
				pulCiphertextLen, phKey);
}

CK_RV C_DecapsulateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hPrivateKey,
		       CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_BYTE_PTR pCiphertext,
		       CK_ULONG ulCiphertextLen, CK_OBJECT_HANDLE_PTR phKey)
{
	GOHSM_ENTER_3_2;
	GOHSM_APP_LOCKED;
	if (pMechanism == NULL || GOHSM_BAD_BUF(pTemplate, ulAttributeCount) ||
	    GOHSM_BAD_BUF(pCiphertext, ulCiphertextLen) || phKey == NULL)
		return CKR_ARGUMENTS_BAD;
	return goDecapsulateKey(hSession, pMechanism, hPrivateKey, pTemplate, ulAttributeCount, pCiphertext,
				ulCiphertextLen, phKey);
}

/* Not offered: the arguments are not looked at. */
#define GOHSM_NOT_SUPPORTED(name, args) \
	CK_RV name args                 \
	{                               \
		GOHSM_ENTER_3_2;            \
		return CKR_FUNCTION_NOT_SUPPORTED; \
	}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
GOHSM_NOT_SUPPORTED(C_VerifySignatureInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen))
GOHSM_NOT_SUPPORTED(C_VerifySignature, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen))
GOHSM_NOT_SUPPORTED(C_VerifySignatureUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen))
GOHSM_NOT_SUPPORTED(C_VerifySignatureFinal, (CK_SESSION_HANDLE hSession))
GOHSM_NOT_SUPPORTED(C_GetSessionValidationFlags, (CK_SESSION_HANDLE hSession, CK_SESSION_VALIDATION_FLAGS_TYPE type, CK_FLAGS_PTR pFlags))
GOHSM_NOT_SUPPORTED(C_AsyncComplete, (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pFunctionName, CK_ASYNC_DATA_PTR pResult))
GOHSM_NOT_SUPPORTED(C_AsyncGetID, (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pFunctionName, CK_ULONG_PTR pulID))
GOHSM_NOT_SUPPORTED(C_AsyncJoin, (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pFunctionName, CK_ULONG ulID, CK_BYTE_PTR pData, CK_ULONG ulData))
GOHSM_NOT_SUPPORTED(C_WrapKeyAuthenticated, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen))
GOHSM_NOT_SUPPORTED(C_UnwrapKeyAuthenticated, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_OBJECT_HANDLE_PTR phKey))
#pragma GCC diagnostic pop
