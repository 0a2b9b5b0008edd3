/*
 * message.c: the PKCS#11 3.0 message-based functions (base 3.0 sections
 * 5.10, 5.13, 5.15, 5.17), implemented by the Go shims of message.go
 * (AEAD encryption and decryption) and message_sign.go (MACs).
 */
#include "front.h"
#include "_cgo_export.h"

/* Encryption and decryption of messages (AEAD: CKM_AES_GCM with
 * CK_GCM_MESSAGE_PARAMS, CKM_CHACHA20_POLY1305 with
 * CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS). A bad pointer fails the call
 * with CKR_ARGUMENTS_BAD and leaves the message-based operation active. */
#define MSG_INIT_FN(name, dir)                                                     \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) \
	{                                                                              \
		GOHSM_ENTER_3_0(name, (hSession, pMechanism, hKey));                       \
		if (pMechanism == NULL)                                                    \
			return CKR_ARGUMENTS_BAD;                                              \
		return goMessageInit(hSession, pMechanism, hKey, dir);                     \
	}

#define MSG_WHOLE_FN(name, dir)                                                    \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, \
		   CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pIn, \
		   CK_ULONG ulInLen, CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen)                \
	{                                                                              \
		GOHSM_ENTER_3_0(name, (hSession, pParameter, ulParameterLen, pAssociatedData, \
				       ulAssociatedDataLen, pIn, ulInLen, pOut, pulOutLen));      \
		if (pParameter == NULL || GOHSM_BAD_BUF(pAssociatedData, ulAssociatedDataLen) || \
		    GOHSM_BAD_BUF(pIn, ulInLen) || pulOutLen == NULL)                      \
			return CKR_ARGUMENTS_BAD;                                              \
		return goMessageWhole(hSession, pParameter, ulParameterLen, pAssociatedData, \
				      ulAssociatedDataLen, pIn, ulInLen, pOut, pulOutLen, dir);   \
	}

#define MSG_BEGIN_FN(name, dir)                                                    \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, \
		   CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen)                \
	{                                                                              \
		GOHSM_ENTER_3_0(name, (hSession, pParameter, ulParameterLen, pAssociatedData, \
				       ulAssociatedDataLen));                                     \
		if (pParameter == NULL || GOHSM_BAD_BUF(pAssociatedData, ulAssociatedDataLen)) \
			return CKR_ARGUMENTS_BAD;                                              \
		return goMessageBegin(hSession, pParameter, ulParameterLen, pAssociatedData, \
				      ulAssociatedDataLen, dir);                                  \
	}

#define MSG_NEXT_FN(name, dir)                                                     \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, \
		   CK_BYTE_PTR pIn, CK_ULONG ulInLen, CK_BYTE_PTR pOut, CK_ULONG_PTR pulOutLen, \
		   CK_FLAGS flags)                                                         \
	{                                                                              \
		GOHSM_ENTER_3_0(name, (hSession, pParameter, ulParameterLen, pIn, ulInLen, pOut, \
				       pulOutLen, flags));                                        \
		if (pParameter == NULL || GOHSM_BAD_BUF(pIn, ulInLen) || pulOutLen == NULL) \
			return CKR_ARGUMENTS_BAD;                                              \
		return goMessageNext(hSession, pParameter, ulParameterLen, pIn, ulInLen, pOut, \
				     pulOutLen, flags, dir);                                      \
	}

#define MSG_FINAL_FN(name, dir)                                                    \
	CK_RV name(CK_SESSION_HANDLE hSession)                                         \
	{                                                                              \
		GOHSM_ENTER_3_0(name, (hSession));                                         \
		return goMessageFinal(hSession, dir);                                      \
	}

MSG_INIT_FN(C_MessageEncryptInit, 1)
MSG_WHOLE_FN(C_EncryptMessage, 1)
MSG_BEGIN_FN(C_EncryptMessageBegin, 1)
MSG_NEXT_FN(C_EncryptMessageNext, 1)
MSG_FINAL_FN(C_MessageEncryptFinal, 1)

MSG_INIT_FN(C_MessageDecryptInit, 0)
MSG_WHOLE_FN(C_DecryptMessage, 0)
MSG_BEGIN_FN(C_DecryptMessageBegin, 0)
MSG_NEXT_FN(C_DecryptMessageNext, 0)
MSG_FINAL_FN(C_MessageDecryptFinal, 0)

/* Signing and verifying messages (the MAC mechanisms, message_sign.go). The
 * per-message parameter must be empty; C_SignMessageNext without
 * pulSignatureLen and C_VerifyMessageNext without pSignature are not the
 * last part. */
#define MSG_SIGN_INIT_FN(name, dir)                                                \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) \
	{                                                                              \
		GOHSM_ENTER_3_0(name, (hSession, pMechanism, hKey));                       \
		if (pMechanism == NULL)                                                    \
			return CKR_ARGUMENTS_BAD;                                              \
		return goMessageSignInit(hSession, pMechanism, hKey, dir);                 \
	}

#define MSG_SIGN_BEGIN_FN(name, dir)                                               \
	CK_RV name(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen) \
	{                                                                              \
		GOHSM_ENTER_3_0(name, (hSession, pParameter, ulParameterLen));             \
		if (GOHSM_BAD_BUF(pParameter, ulParameterLen))                             \
			return CKR_ARGUMENTS_BAD;                                              \
		return goSignMessageBegin(hSession, pParameter, ulParameterLen, dir);      \
	}

#define MSG_SIGN_FINAL_FN(name, dir)                                               \
	CK_RV name(CK_SESSION_HANDLE hSession)                                         \
	{                                                                              \
		GOHSM_ENTER_3_0(name, (hSession));                                         \
		return goMessageSignFinal(hSession, dir);                                  \
	}

MSG_SIGN_INIT_FN(C_MessageSignInit, 1)
MSG_SIGN_BEGIN_FN(C_SignMessageBegin, 1)
MSG_SIGN_FINAL_FN(C_MessageSignFinal, 1)
MSG_SIGN_INIT_FN(C_MessageVerifyInit, 0)
MSG_SIGN_BEGIN_FN(C_VerifyMessageBegin, 0)
MSG_SIGN_FINAL_FN(C_MessageVerifyFinal, 0)

CK_RV C_SignMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		    CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	GOHSM_ENTER_3_0(C_SignMessage, (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature,
					pulSignatureLen));
	if (GOHSM_BAD_BUF(pParameter, ulParameterLen) || GOHSM_BAD_BUF(pData, ulDataLen) || pulSignatureLen == NULL)
		return CKR_ARGUMENTS_BAD;
	return goSignMessage(hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, pulSignatureLen);
}

CK_RV C_SignMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	GOHSM_ENTER_3_0(C_SignMessageNext, (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature,
					    pulSignatureLen));
	if (GOHSM_BAD_BUF(pParameter, ulParameterLen) || GOHSM_BAD_BUF(pData, ulDataLen))
		return CKR_ARGUMENTS_BAD;
	return goSignMessageNext(hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, pulSignatureLen);
}

CK_RV C_VerifyMessage(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		      CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	GOHSM_ENTER_3_0(C_VerifyMessage, (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature,
					  ulSignatureLen));
	if (GOHSM_BAD_BUF(pParameter, ulParameterLen) || GOHSM_BAD_BUF(pData, ulDataLen) ||
	    GOHSM_BAD_BUF(pSignature, ulSignatureLen))
		return CKR_ARGUMENTS_BAD;
	return goVerifyMessage(hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, ulSignatureLen, 1);
}

CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
			  CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen)
{
	GOHSM_ENTER_3_0(C_VerifyMessageNext, (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature,
					      ulSignatureLen));
	if (GOHSM_BAD_BUF(pParameter, ulParameterLen) || GOHSM_BAD_BUF(pData, ulDataLen) ||
	    GOHSM_BAD_BUF(pSignature, ulSignatureLen))
		return CKR_ARGUMENTS_BAD;
	return goVerifyMessage(hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, ulSignatureLen, 0);
}
