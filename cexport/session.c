/* session.c: session management and login (base 3.0 section 5.6). */
#include "front.h"
#include "_cgo_export.h"

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
		    CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)
{
	GOHSM_ENTER(C_OpenSession, (slotID, flags, pApplication, Notify, phSession));
	if (phSession == NULL)
		return CKR_ARGUMENTS_BAD;
	/* gohsm never calls Notify: no call of it blocks for a surrender. */
	return goOpenSession(slotID, flags, phSession);
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
	GOHSM_ENTER(C_CloseSession, (hSession));
	return goCloseSession(hSession);
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
	GOHSM_ENTER(C_CloseAllSessions, (slotID));
	return goCloseAllSessions(slotID);
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	GOHSM_ENTER(C_GetSessionInfo, (hSession, pInfo));
	if (pInfo == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGetSessionInfo(hSession, pInfo);
}

/* Saving operation state is not offered (CKR_FUNCTION_NOT_SUPPORTED). */
CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
			  CK_ULONG_PTR pulOperationStateLen)
{
	GOHSM_ENTER(C_GetOperationState, (hSession, pOperationState, pulOperationStateLen));
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
			  CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
			  CK_OBJECT_HANDLE hAuthenticationKey)
{
	GOHSM_ENTER(C_SetOperationState, (hSession, pOperationState, ulOperationStateLen,
					  hEncryptionKey, hAuthenticationKey));
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	GOHSM_ENTER(C_Login, (hSession, userType, pPin, ulPinLen));
	if (GOHSM_BAD_BUF(pPin, ulPinLen))
		return CKR_ARGUMENTS_BAD;
	return goLogin(hSession, userType, pPin, ulPinLen);
}

CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		  CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	GOHSM_ENTER_3_0(C_LoginUser, (hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen));
	if (GOHSM_BAD_BUF(pPin, ulPinLen) || GOHSM_BAD_BUF(pUsername, ulUsernameLen))
		return CKR_ARGUMENTS_BAD;
	return goLoginUser(hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen);
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
	GOHSM_ENTER(C_Logout, (hSession));
	return goLogout(hSession);
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	GOHSM_ENTER_3_0(C_SessionCancel, (hSession, flags));
	return goSessionCancel(hSession, flags);
}

/*
 * Legacy parallel functions (base 3.0 section 5.20): Go checks the session
 * handle, then the answer is CKR_FUNCTION_NOT_PARALLEL.
 */
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
	GOHSM_ENTER(C_GetFunctionStatus, (hSession));
	return goNotParallel(hSession);
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession)
{
	GOHSM_ENTER(C_CancelFunction, (hSession));
	return goNotParallel(hSession);
}
