/*
 * message.c: the PKCS#11 3.0 message-based functions (base 3.0 sections
 * 5.10, 5.13, 5.16, 5.17). gohsm does not offer them yet: after the
 * initialisation check they return CKR_FUNCTION_NOT_SUPPORTED, from C.
 */
#include "front.h"

#define NOT_SUPPORTED_FN(name, args, call)      \
	CK_RV name args                             \
	{                                           \
		GOHSM_ENTER_3_0(name, call);            \
		return CKR_FUNCTION_NOT_SUPPORTED;      \
	}

#define MSG_INIT(name) \
	NOT_SUPPORTED_FN(name, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), \
			 (hSession, pMechanism, hKey))
#define MSG_FINAL(name) NOT_SUPPORTED_FN(name, (CK_SESSION_HANDLE hSession), (hSession))

MSG_INIT(C_MessageEncryptInit)
NOT_SUPPORTED_FN(C_EncryptMessage,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext,
		  CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext, CK_ULONG_PTR pulCiphertextLen),
		 (hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen, pPlaintext,
		  ulPlaintextLen, pCiphertext, pulCiphertextLen))
NOT_SUPPORTED_FN(C_EncryptMessageBegin,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen),
		 (hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen))
NOT_SUPPORTED_FN(C_EncryptMessageNext,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pPlaintextPart, CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart,
		  CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags),
		 (hSession, pParameter, ulParameterLen, pPlaintextPart, ulPlaintextPartLen, pCiphertextPart,
		  pulCiphertextPartLen, flags))
MSG_FINAL(C_MessageEncryptFinal)

MSG_INIT(C_MessageDecryptInit)
NOT_SUPPORTED_FN(C_DecryptMessage,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext,
		  CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext, CK_ULONG_PTR pulPlaintextLen),
		 (hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen, pCiphertext,
		  ulCiphertextLen, pPlaintext, pulPlaintextLen))
NOT_SUPPORTED_FN(C_DecryptMessageBegin,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen),
		 (hSession, pParameter, ulParameterLen, pAssociatedData, ulAssociatedDataLen))
NOT_SUPPORTED_FN(C_DecryptMessageNext,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pCiphertextPart, CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart,
		  CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags),
		 (hSession, pParameter, ulParameterLen, pCiphertextPart, ulCiphertextPartLen, pPlaintextPart,
		  pulPlaintextPartLen, flags))
MSG_FINAL(C_MessageDecryptFinal)

MSG_INIT(C_MessageSignInit)
NOT_SUPPORTED_FN(C_SignMessage,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen),
		 (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, pulSignatureLen))
NOT_SUPPORTED_FN(C_SignMessageBegin,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen),
		 (hSession, pParameter, ulParameterLen))
NOT_SUPPORTED_FN(C_SignMessageNext,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen),
		 (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, pulSignatureLen))
MSG_FINAL(C_MessageSignFinal)

MSG_INIT(C_MessageVerifyInit)
NOT_SUPPORTED_FN(C_VerifyMessage,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen),
		 (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, ulSignatureLen))
NOT_SUPPORTED_FN(C_VerifyMessageBegin,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen),
		 (hSession, pParameter, ulParameterLen))
NOT_SUPPORTED_FN(C_VerifyMessageNext,
		 (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen,
		  CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen),
		 (hSession, pParameter, ulParameterLen, pData, ulDataLen, pSignature, ulSignatureLen))
MSG_FINAL(C_MessageVerifyFinal)
