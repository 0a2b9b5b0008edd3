/* object.c: object management and search (base 3.0 section 5.7). */
#include "front.h"
#include "_cgo_export.h"

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		     CK_OBJECT_HANDLE_PTR phObject)
{
	GOHSM_ENTER(C_CreateObject, (hSession, pTemplate, ulCount, phObject));
	if (GOHSM_BAD_BUF(pTemplate, ulCount) || phObject == NULL)
		return CKR_ARGUMENTS_BAD;
	return goCreateObject(hSession, pTemplate, ulCount, phObject);
}

CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
		   CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
	GOHSM_ENTER(C_CopyObject, (hSession, hObject, pTemplate, ulCount, phNewObject));
	if (GOHSM_BAD_BUF(pTemplate, ulCount) || phNewObject == NULL)
		return CKR_ARGUMENTS_BAD;
	return goCopyObject(hSession, hObject, pTemplate, ulCount, phNewObject);
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	GOHSM_ENTER(C_DestroyObject, (hSession, hObject));
	return goDestroyObject(hSession, hObject);
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
	GOHSM_ENTER(C_GetObjectSize, (hSession, hObject, pulSize));
	if (pulSize == NULL)
		return CKR_ARGUMENTS_BAD;
	return goGetObjectSize(hSession, hObject, pulSize);
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	GOHSM_ENTER(C_GetAttributeValue, (hSession, hObject, pTemplate, ulCount));
	if (GOHSM_BAD_BUF(pTemplate, ulCount))
		return CKR_ARGUMENTS_BAD;
	return goGetAttributeValue(hSession, hObject, pTemplate, ulCount);
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	GOHSM_ENTER(C_SetAttributeValue, (hSession, hObject, pTemplate, ulCount));
	if (GOHSM_BAD_BUF(pTemplate, ulCount))
		return CKR_ARGUMENTS_BAD;
	return goSetAttributeValue(hSession, hObject, pTemplate, ulCount);
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	GOHSM_ENTER(C_FindObjectsInit, (hSession, pTemplate, ulCount));
	if (GOHSM_BAD_BUF(pTemplate, ulCount))
		return CKR_ARGUMENTS_BAD;
	return goFindObjectsInit(hSession, pTemplate, ulCount);
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
		    CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	GOHSM_ENTER(C_FindObjects, (hSession, phObject, ulMaxObjectCount, pulObjectCount));
	if (phObject == NULL || pulObjectCount == NULL)
		return CKR_ARGUMENTS_BAD;
	return goFindObjects(hSession, phObject, ulMaxObjectCount, pulObjectCount);
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
	GOHSM_ENTER(C_FindObjectsFinal, (hSession));
	return goFindObjectsFinal(hSession);
}
