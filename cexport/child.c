/*
 * child.c: a forked child's route to a fresh gohsm. The child never enters
 * this process's Go runtime (it would hang: DESIGN.md section 2); its
 * C_Initialize opens a helper through the child transport, and from then on
 * every call goes to the helper's function list (GOHSM_ENTER).
 */
#include <stdio.h>
#include <string.h>

#include "front.h"

/* The transport is one small interface so that it can be replaced. */
static const struct child_transport *transport = &gohsm_p11kit_transport;

static CK_FUNCTION_LIST_PTR child_list;

CK_FUNCTION_LIST_PTR gohsm_child_list(void)
{
	return __atomic_load_n(&child_list, __ATOMIC_ACQUIRE);
}

CK_FUNCTION_LIST_3_0_PTR gohsm_child_list_3_0(void)
{
	CK_FUNCTION_LIST_PTR l = gohsm_child_list();
	if (l == NULL || l->version.major < 3)
		return NULL;
	return (CK_FUNCTION_LIST_3_0_PTR)l;
}

/* A grandchild inherits a helper connection it cannot share: start over. */
void gohsm_child_reset(void)
{
	__atomic_store_n(&child_list, NULL, __ATOMIC_RELEASE);
}

CK_RV gohsm_child_initialize(const char *reserved)
{
	char buf[4200];
	CK_FUNCTION_LIST_PTR l = NULL;
	CK_RV rv;

	if (gohsm_child_list() != NULL)
		return CKR_CRYPTOKI_ALREADY_INITIALIZED;
	/* The helper opens the parent's store unless the child names one. */
	if (reserved == NULL && gohsm_parent_store_dir()[0] != '\0') {
		snprintf(buf, sizeof buf, "gohsm:dir=%s", gohsm_parent_store_dir());
		reserved = buf;
	}
	rv = transport->open(&l, reserved);
	if (rv != CKR_OK)
		return rv;
	__atomic_store_n(&child_list, l, __ATOMIC_RELEASE);
	return CKR_OK;
}

CK_RV gohsm_child_finalize(CK_VOID_PTR pReserved)
{
	CK_FUNCTION_LIST_PTR l = gohsm_child_list();
	CK_RV rv;

	if (l == NULL)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	rv = l->C_Finalize(NULL);
	if (rv == CKR_OK || rv == CKR_CRYPTOKI_NOT_INITIALIZED)
		gohsm_child_reset();
	return rv;
}
