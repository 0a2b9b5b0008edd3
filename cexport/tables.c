/*
 * tables.c: the static function lists and interfaces, and the three
 * functions that hand them out. None of them enters Go, so they work before
 * C_Initialize and in a forked child.
 */
#include <stddef.h>
#include <string.h>

#include "front.h"

/* CK_FUNCTION_LIST_3_0 is the 2.40 list with the 24 new entries after it. */
_Static_assert(offsetof(CK_FUNCTION_LIST_3_0, C_WaitForSlotEvent) ==
		       offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent),
	       "3.0 list must begin with the 2.40 list");
_Static_assert(offsetof(CK_FUNCTION_LIST_3_0, C_GetInterfaceList) == sizeof(CK_FUNCTION_LIST),
	       "3.0 entries must follow the 2.40 ones");
_Static_assert(sizeof(CK_FUNCTION_LIST_3_0) == offsetof(CK_FUNCTION_LIST, C_Initialize) + 92 * sizeof(void (*)(void)),
	       "CK_FUNCTION_LIST_3_0 has 92 functions");
_Static_assert(sizeof(CK_FUNCTION_LIST) == offsetof(CK_FUNCTION_LIST, C_Initialize) + 68 * sizeof(void (*)(void)),
	       "CK_FUNCTION_LIST has 68 functions");
/* CK_FUNCTION_LIST_3_2 is the 3.0 list with the 12 new entries after it. */
_Static_assert(offsetof(CK_FUNCTION_LIST_3_2, C_MessageVerifyFinal) ==
		       offsetof(CK_FUNCTION_LIST_3_0, C_MessageVerifyFinal),
	       "3.2 list must begin with the 3.0 list");
_Static_assert(offsetof(CK_FUNCTION_LIST_3_2, C_EncapsulateKey) == sizeof(CK_FUNCTION_LIST_3_0),
	       "3.2 entries must follow the 3.0 ones");
_Static_assert(offsetof(CK_FUNCTION_LIST_3_2, C_UnwrapKeyAuthenticated) ==
		       offsetof(CK_FUNCTION_LIST, C_Initialize) + 103 * sizeof(void (*)(void)),
	       "C_UnwrapKeyAuthenticated is entry 103");
_Static_assert(sizeof(CK_FUNCTION_LIST_3_2) == offsetof(CK_FUNCTION_LIST, C_Initialize) + 104 * sizeof(void (*)(void)),
	       "CK_FUNCTION_LIST_3_2 has 104 functions");

#define GOHSM_ENTRY(name, args) name,

static CK_FUNCTION_LIST list_2_40 = {
	{2, 40},
	GOHSM_FUNCS_240(GOHSM_ENTRY)
};

static CK_FUNCTION_LIST_3_0 list_3_0 = {
	{3, 0},
	GOHSM_FUNCS_240(GOHSM_ENTRY)
	GOHSM_FUNCS_30(GOHSM_ENTRY)
};

static CK_FUNCTION_LIST_3_2 list_3_2 = {
	{3, 2},
	GOHSM_FUNCS_240(GOHSM_ENTRY)
	GOHSM_FUNCS_30(GOHSM_ENTRY)
	GOHSM_FUNCS_32(GOHSM_ENTRY)
};

/*
 * CKF_INTERFACE_FORK_SAFE is not claimed: a forked child needs C_Initialize.
 * 3.0 stays the default (first: returned for a NULL name or version), so that
 * clients written for 3.0 see the list they expect; 3.2 is had by asking for
 * version 3.2 (C_EncapsulateKey, C_DecapsulateKey; README lists the rest).
 */
static CK_INTERFACE interfaces[] = {
	{(CK_CHAR *)"PKCS 11", &list_3_0, 0}, /* the default comes first */
	{(CK_CHAR *)"PKCS 11", &list_3_2, 0},
	{(CK_CHAR *)"PKCS 11", &list_2_40, 0},
};
#define NUM_INTERFACES (sizeof interfaces / sizeof interfaces[0])

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
	if (ppFunctionList == NULL)
		return CKR_ARGUMENTS_BAD;
	*ppFunctionList = &list_2_40;
	return CKR_OK;
}

/* Length-query convention (base 3.0 section 5.2). */
CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
	if (pulCount == NULL)
		return CKR_ARGUMENTS_BAD;
	if (pInterfacesList == NULL) {
		*pulCount = NUM_INTERFACES;
		return CKR_OK;
	}
	if (*pulCount < NUM_INTERFACES) {
		*pulCount = NUM_INTERFACES;
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(pInterfacesList, interfaces, sizeof interfaces);
	*pulCount = NUM_INTERFACES;
	return CKR_OK;
}

static const CK_VERSION *interface_version(const CK_INTERFACE *i)
{
	/* Both lists begin with their CK_VERSION. */
	return (const CK_VERSION *)i->pFunctionList;
}

/*
 * NULL name: the default interface (3.0) unless pVersion or flags exclude
 * it. NULL pVersion: any version, the default (3.0) first. An interface matches flags
 * when it has every requested flag. No match: CKR_ARGUMENTS_BAD.
 */
CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
		     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
	size_t i;

	if (ppInterface == NULL)
		return CKR_ARGUMENTS_BAD;
	for (i = 0; i < NUM_INTERFACES; i++) {
		CK_INTERFACE *it = &interfaces[i];
		const CK_VERSION *v = interface_version(it);

		if (pInterfaceName != NULL &&
		    strcmp((const char *)pInterfaceName, (const char *)it->pInterfaceName) != 0)
			continue;
		if (pVersion != NULL && (pVersion->major != v->major || pVersion->minor != v->minor))
			continue;
		if ((it->flags & flags) != flags)
			continue;
		*ppInterface = it;
		return CKR_OK;
	}
	return CKR_ARGUMENTS_BAD;
}
