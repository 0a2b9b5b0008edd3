/*
 * layout.c prints the ABI layout of the PKCS#11 2.40 types: the size of
 * each structure, the offset of each member and of each CK_FUNCTION_LIST
 * entry. Built once with gohsm's header and once with p11-kit's
 * (-DUSE_P11KIT), the two outputs must be identical.
 */
#include <stddef.h>
#include <stdio.h>

#ifdef USE_P11KIT
#include <p11-kit/pkcs11.h>
#else
#include "pkcs11.h"
#endif
#include "pkcs11_funcs.h" /* names only: the lists ignore the parameters */

#define SIZE(t) printf("sizeof %s %zu\n", #t, sizeof(t))
#define OFF(t, m) printf("offsetof %s.%s %zu\n", #t, #m, offsetof(t, m))
#define FN_OFF(name, args) OFF(CK_FUNCTION_LIST, name);

int main(void)
{
	SIZE(CK_ULONG);
	SIZE(CK_VERSION);
	SIZE(CK_INFO);
	OFF(CK_INFO, manufacturerID);
	OFF(CK_INFO, flags);
	OFF(CK_INFO, libraryDescription);
	OFF(CK_INFO, libraryVersion);
	SIZE(CK_SLOT_INFO);
	OFF(CK_SLOT_INFO, manufacturerID);
	OFF(CK_SLOT_INFO, flags);
	OFF(CK_SLOT_INFO, hardwareVersion);
	OFF(CK_SLOT_INFO, firmwareVersion);
	SIZE(CK_TOKEN_INFO);
	OFF(CK_TOKEN_INFO, manufacturerID);
	OFF(CK_TOKEN_INFO, model);
	OFF(CK_TOKEN_INFO, serialNumber);
	OFF(CK_TOKEN_INFO, flags);
	OFF(CK_TOKEN_INFO, ulMaxSessionCount);
	OFF(CK_TOKEN_INFO, ulSessionCount);
	OFF(CK_TOKEN_INFO, ulMaxRwSessionCount);
	OFF(CK_TOKEN_INFO, ulRwSessionCount);
	OFF(CK_TOKEN_INFO, ulMaxPinLen);
	OFF(CK_TOKEN_INFO, ulMinPinLen);
	OFF(CK_TOKEN_INFO, ulTotalPublicMemory);
	OFF(CK_TOKEN_INFO, ulFreePublicMemory);
	OFF(CK_TOKEN_INFO, ulTotalPrivateMemory);
	OFF(CK_TOKEN_INFO, ulFreePrivateMemory);
	OFF(CK_TOKEN_INFO, hardwareVersion);
	OFF(CK_TOKEN_INFO, firmwareVersion);
	OFF(CK_TOKEN_INFO, utcTime);
	SIZE(CK_SESSION_INFO);
	OFF(CK_SESSION_INFO, state);
	OFF(CK_SESSION_INFO, flags);
	OFF(CK_SESSION_INFO, ulDeviceError);
	SIZE(CK_ATTRIBUTE);
	OFF(CK_ATTRIBUTE, pValue);
	OFF(CK_ATTRIBUTE, ulValueLen);
	SIZE(CK_DATE);
	OFF(CK_DATE, month);
	OFF(CK_DATE, day);
	SIZE(CK_MECHANISM);
	OFF(CK_MECHANISM, pParameter);
	OFF(CK_MECHANISM, ulParameterLen);
	SIZE(CK_MECHANISM_INFO);
	OFF(CK_MECHANISM_INFO, ulMaxKeySize);
	OFF(CK_MECHANISM_INFO, flags);
	SIZE(CK_C_INITIALIZE_ARGS);
	OFF(CK_C_INITIALIZE_ARGS, DestroyMutex);
	OFF(CK_C_INITIALIZE_ARGS, LockMutex);
	OFF(CK_C_INITIALIZE_ARGS, UnlockMutex);
	OFF(CK_C_INITIALIZE_ARGS, flags);
	OFF(CK_C_INITIALIZE_ARGS, pReserved);
	SIZE(CK_GCM_PARAMS);
	OFF(CK_GCM_PARAMS, ulIvBits);
	OFF(CK_GCM_PARAMS, pAAD);
	OFF(CK_GCM_PARAMS, ulTagBits);
	SIZE(CK_RSA_PKCS_OAEP_PARAMS);
	OFF(CK_RSA_PKCS_OAEP_PARAMS, source);
	OFF(CK_RSA_PKCS_OAEP_PARAMS, pSourceData);
	OFF(CK_RSA_PKCS_OAEP_PARAMS, ulSourceDataLen);
	SIZE(CK_RSA_PKCS_PSS_PARAMS);
	OFF(CK_RSA_PKCS_PSS_PARAMS, sLen);
	SIZE(CK_ECDH1_DERIVE_PARAMS);
	OFF(CK_ECDH1_DERIVE_PARAMS, pSharedData);
	OFF(CK_ECDH1_DERIVE_PARAMS, pPublicData);
	SIZE(CK_FUNCTION_LIST);
	GOHSM_FUNCS_240(FN_OFF)
	return 0;
}
