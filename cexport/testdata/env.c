/*
 * env.c: an application that sets GOHSM_DIR after the library has started
 * (and read the environment once) and before C_Initialize; the library must
 * use the new value. Prints the slot count.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "pkcs11.h"

int main(int argc, char **argv)
{
	void *h;
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR f;
	CK_ULONG n = 0;
	CK_RV rv;

	if (argc != 3)
		return 2;
	h = dlopen(argv[1], RTLD_NOW);
	if (h == NULL)
		return 2;
	get = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
	if (get == NULL || get(&f) != CKR_OK)
		return 2;
	/* A first life on the environment as it was at load time... */
	if (f->C_Initialize(NULL) != CKR_OK || f->C_Finalize(NULL) != CKR_OK)
		return 2;
	/* ...then the application points the library elsewhere. */
	setenv("GOHSM_DIR", argv[2], 1);
	rv = f->C_Initialize(NULL);
	if (rv == CKR_OK)
		rv = f->C_GetSlotList(CK_FALSE, NULL, &n);
	printf("rv=%lu slots=%lu\n", rv, n);
	return rv == CKR_OK ? 0 : 1;
}
