/* slot.c: general information, slot and token management (base 3.0 sections 5.4, 5.5). */
#include "front.h"
#include "_cgo_export.h"

CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
	GOHSM_ENTER(C_GetInfo, (pInfo));
	if (pInfo == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGetInfo(pInfo);
}

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	GOHSM_ENTER(C_GetSlotList, (tokenPresent, pSlotList, pulCount));
	if (pulCount == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGetSlotList(tokenPresent, pSlotList, pulCount);
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	GOHSM_ENTER(C_GetSlotInfo, (slotID, pInfo));
	if (pInfo == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGetSlotInfo(slotID, pInfo);
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	GOHSM_ENTER(C_GetTokenInfo, (slotID, pInfo));
	if (pInfo == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGetTokenInfo(slotID, pInfo);
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount)
{
	GOHSM_ENTER(C_GetMechanismList, (slotID, pMechanismList, pulCount));
	if (pulCount == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGetMechanismList(slotID, pMechanismList, pulCount);
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
	GOHSM_ENTER(C_GetMechanismInfo, (slotID, type, pInfo));
	if (pInfo == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGetMechanismInfo(slotID, type, pInfo);
}

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel)
{
	GOHSM_ENTER(C_InitToken, (slotID, pPin, ulPinLen, pLabel));
	if (GOHSM_BAD_BUF(pPin, ulPinLen) || pLabel == NULL)
		return CKR_ARGUMENTS_BAD;
	return goInitToken(slotID, pPin, ulPinLen, pLabel);
}

CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	GOHSM_ENTER(C_InitPIN, (hSession, pPin, ulPinLen));
	if (GOHSM_BAD_BUF(pPin, ulPinLen))
		return CKR_ARGUMENTS_BAD;
	return goInitPIN(hSession, pPin, ulPinLen);
}

CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
	       CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	GOHSM_ENTER(C_SetPIN, (hSession, pOldPin, ulOldLen, pNewPin, ulNewLen));
	if (GOHSM_BAD_BUF(pOldPin, ulOldLen) || GOHSM_BAD_BUF(pNewPin, ulNewLen))
		return CKR_ARGUMENTS_BAD;
	return goSetPIN(hSession, pOldPin, ulOldLen, pNewPin, ulNewLen);
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	GOHSM_ENTER_NOLOCK(C_WaitForSlotEvent, (flags, pSlot, pReserved));
	if (pSlot == NULL || pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	return goWaitForSlotEvent(flags, pSlot);
}
