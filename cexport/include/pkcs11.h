/*
 * gohsm's own PKCS#11 3.0 header, written from the OASIS PKCS#11 base
 * specification 3.0 (section 3, "Data types", and section 5, "Functions").
 * It targets the ABI of Linux and other LP64/ILP32 Unix systems: CK_ULONG is
 * unsigned long, structures use the compiler's natural alignment (no
 * packing), and the function pointers are plain C pointers.
 *
 * Debian's headers carry 2.40 only (DESIGN.md section 2); the layout of the
 * 2.40 part is checked against p11-kit's header by cexport/layout_test.go.
 */
#ifndef GOHSM_PKCS11_H
#define GOHSM_PKCS11_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- 3.1 General information ---- */

typedef unsigned char CK_BYTE;
typedef CK_BYTE CK_CHAR;
typedef CK_BYTE CK_UTF8CHAR;
typedef CK_BYTE CK_BBOOL;
typedef unsigned long int CK_ULONG;
typedef long int CK_LONG;
typedef CK_ULONG CK_FLAGS;

typedef CK_BYTE *CK_BYTE_PTR;
typedef CK_CHAR *CK_CHAR_PTR;
typedef CK_UTF8CHAR *CK_UTF8CHAR_PTR;
typedef CK_ULONG *CK_ULONG_PTR;
typedef void *CK_VOID_PTR;
typedef CK_VOID_PTR *CK_VOID_PTR_PTR;

#define CK_FALSE 0
#define CK_TRUE 1
#ifndef NULL_PTR
#define NULL_PTR 0
#endif
#define CK_UNAVAILABLE_INFORMATION (~0UL)
#define CK_EFFECTIVELY_INFINITE 0UL
#define CK_INVALID_HANDLE 0UL

typedef struct CK_VERSION {
	CK_BYTE major;
	CK_BYTE minor;
} CK_VERSION;
typedef CK_VERSION *CK_VERSION_PTR;

typedef struct CK_INFO {
	CK_VERSION cryptokiVersion;
	CK_UTF8CHAR manufacturerID[32];
	CK_FLAGS flags;
	CK_UTF8CHAR libraryDescription[32];
	CK_VERSION libraryVersion;
} CK_INFO;
typedef CK_INFO *CK_INFO_PTR;

typedef CK_ULONG CK_NOTIFICATION;

/* ---- 3.2 Slot and token types ---- */

typedef CK_ULONG CK_SLOT_ID;
typedef CK_SLOT_ID *CK_SLOT_ID_PTR;

typedef struct CK_SLOT_INFO {
	CK_UTF8CHAR slotDescription[64];
	CK_UTF8CHAR manufacturerID[32];
	CK_FLAGS flags;
	CK_VERSION hardwareVersion;
	CK_VERSION firmwareVersion;
} CK_SLOT_INFO;
typedef CK_SLOT_INFO *CK_SLOT_INFO_PTR;

typedef struct CK_TOKEN_INFO {
	CK_UTF8CHAR label[32];
	CK_UTF8CHAR manufacturerID[32];
	CK_UTF8CHAR model[16];
	CK_CHAR serialNumber[16];
	CK_FLAGS flags;
	CK_ULONG ulMaxSessionCount;
	CK_ULONG ulSessionCount;
	CK_ULONG ulMaxRwSessionCount;
	CK_ULONG ulRwSessionCount;
	CK_ULONG ulMaxPinLen;
	CK_ULONG ulMinPinLen;
	CK_ULONG ulTotalPublicMemory;
	CK_ULONG ulFreePublicMemory;
	CK_ULONG ulTotalPrivateMemory;
	CK_ULONG ulFreePrivateMemory;
	CK_VERSION hardwareVersion;
	CK_VERSION firmwareVersion;
	CK_CHAR utcTime[16];
} CK_TOKEN_INFO;
typedef CK_TOKEN_INFO *CK_TOKEN_INFO_PTR;

/* ---- 3.3 Session types ---- */

typedef CK_ULONG CK_SESSION_HANDLE;
typedef CK_SESSION_HANDLE *CK_SESSION_HANDLE_PTR;
typedef CK_ULONG CK_USER_TYPE;
typedef CK_ULONG CK_STATE;

typedef struct CK_SESSION_INFO {
	CK_SLOT_ID slotID;
	CK_STATE state;
	CK_FLAGS flags;
	CK_ULONG ulDeviceError;
} CK_SESSION_INFO;
typedef CK_SESSION_INFO *CK_SESSION_INFO_PTR;

/* ---- 3.4 Object types ---- */

typedef CK_ULONG CK_OBJECT_HANDLE;
typedef CK_OBJECT_HANDLE *CK_OBJECT_HANDLE_PTR;
typedef CK_ULONG CK_OBJECT_CLASS;
typedef CK_OBJECT_CLASS *CK_OBJECT_CLASS_PTR;
typedef CK_ULONG CK_HW_FEATURE_TYPE;
typedef CK_ULONG CK_KEY_TYPE;
typedef CK_ULONG CK_CERTIFICATE_TYPE;
typedef CK_ULONG CK_CERTIFICATE_CATEGORY;
typedef CK_ULONG CK_ATTRIBUTE_TYPE;
typedef CK_ULONG CK_JAVA_MIDP_SECURITY_DOMAIN;
typedef CK_ULONG CK_PROFILE_ID;

typedef struct CK_ATTRIBUTE {
	CK_ATTRIBUTE_TYPE type;
	CK_VOID_PTR pValue;
	CK_ULONG ulValueLen;
} CK_ATTRIBUTE;
typedef CK_ATTRIBUTE *CK_ATTRIBUTE_PTR;

typedef struct CK_DATE {
	CK_CHAR year[4];
	CK_CHAR month[2];
	CK_CHAR day[2];
} CK_DATE;

/* ---- 3.5 Data types for mechanisms ---- */

typedef CK_ULONG CK_MECHANISM_TYPE;
typedef CK_MECHANISM_TYPE *CK_MECHANISM_TYPE_PTR;

typedef struct CK_MECHANISM {
	CK_MECHANISM_TYPE mechanism;
	CK_VOID_PTR pParameter;
	CK_ULONG ulParameterLen;
} CK_MECHANISM;
typedef CK_MECHANISM *CK_MECHANISM_PTR;

typedef struct CK_MECHANISM_INFO {
	CK_ULONG ulMinKeySize;
	CK_ULONG ulMaxKeySize;
	CK_FLAGS flags;
} CK_MECHANISM_INFO;
typedef CK_MECHANISM_INFO *CK_MECHANISM_INFO_PTR;

/* ---- 3.6 Function types ---- */

typedef CK_ULONG CK_RV;

typedef CK_RV (*CK_NOTIFY)(CK_SESSION_HANDLE hSession, CK_NOTIFICATION event, CK_VOID_PTR pApplication);

struct CK_FUNCTION_LIST;
struct CK_FUNCTION_LIST_3_0;
typedef struct CK_FUNCTION_LIST CK_FUNCTION_LIST;
typedef struct CK_FUNCTION_LIST_3_0 CK_FUNCTION_LIST_3_0;
typedef CK_FUNCTION_LIST *CK_FUNCTION_LIST_PTR;
typedef CK_FUNCTION_LIST_PTR *CK_FUNCTION_LIST_PTR_PTR;
typedef CK_FUNCTION_LIST_3_0 *CK_FUNCTION_LIST_3_0_PTR;
typedef CK_FUNCTION_LIST_3_0_PTR *CK_FUNCTION_LIST_3_0_PTR_PTR;
struct CK_FUNCTION_LIST_3_2;
typedef struct CK_FUNCTION_LIST_3_2 CK_FUNCTION_LIST_3_2;
typedef CK_FUNCTION_LIST_3_2 *CK_FUNCTION_LIST_3_2_PTR;
typedef CK_FUNCTION_LIST_3_2_PTR *CK_FUNCTION_LIST_3_2_PTR_PTR;

/* PKCS#11 3.2 types of the functions gohsm lists but does not offer:
 * CK_ASYNC_DATA stays incomplete (only pointers to it are passed). */
typedef CK_ULONG CK_SESSION_VALIDATION_FLAGS_TYPE;
typedef CK_FLAGS *CK_FLAGS_PTR;
struct CK_ASYNC_DATA;
typedef struct CK_ASYNC_DATA CK_ASYNC_DATA;
typedef CK_ASYNC_DATA *CK_ASYNC_DATA_PTR;

typedef struct CK_INTERFACE {
	CK_CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;

/* ---- 3.7 Locking-related types ---- */

typedef CK_RV (*CK_CREATEMUTEX)(CK_VOID_PTR_PTR ppMutex);
typedef CK_RV (*CK_DESTROYMUTEX)(CK_VOID_PTR pMutex);
typedef CK_RV (*CK_LOCKMUTEX)(CK_VOID_PTR pMutex);
typedef CK_RV (*CK_UNLOCKMUTEX)(CK_VOID_PTR pMutex);

typedef struct CK_C_INITIALIZE_ARGS {
	CK_CREATEMUTEX CreateMutex;
	CK_DESTROYMUTEX DestroyMutex;
	CK_LOCKMUTEX LockMutex;
	CK_UNLOCKMUTEX UnlockMutex;
	CK_FLAGS flags;
	CK_VOID_PTR pReserved;
} CK_C_INITIALIZE_ARGS;
typedef CK_C_INITIALIZE_ARGS *CK_C_INITIALIZE_ARGS_PTR;

/* ---- Constants (values from ck/, the one definition in gohsm) ---- */

#include "pkcs11_consts.h"
#include "pkcs11_params.h"

/* ---- Section 5: functions, their pointer types and the function lists ---- */

#include "pkcs11_funcs.h"

#define GOHSM_DECLARE_FN(name, args) CK_RV name args;
#define GOHSM_DECLARE_FN_TYPE(name, args) typedef CK_RV (*CK_##name) args;
#define GOHSM_LIST_MEMBER(name, args) CK_##name name;

GOHSM_FUNCS_240(GOHSM_DECLARE_FN)
GOHSM_FUNCS_30(GOHSM_DECLARE_FN)
GOHSM_FUNCS_32(GOHSM_DECLARE_FN)
GOHSM_FUNCS_240(GOHSM_DECLARE_FN_TYPE)
GOHSM_FUNCS_30(GOHSM_DECLARE_FN_TYPE)
GOHSM_FUNCS_32(GOHSM_DECLARE_FN_TYPE)

struct CK_FUNCTION_LIST {
	CK_VERSION version;
	GOHSM_FUNCS_240(GOHSM_LIST_MEMBER)
};

struct CK_FUNCTION_LIST_3_0 {
	CK_VERSION version;
	GOHSM_FUNCS_240(GOHSM_LIST_MEMBER)
	GOHSM_FUNCS_30(GOHSM_LIST_MEMBER)
};

/* PKCS#11 3.2: the 3.0 list with 12 functions after it. */
struct CK_FUNCTION_LIST_3_2 {
	CK_VERSION version;
	GOHSM_FUNCS_240(GOHSM_LIST_MEMBER)
	GOHSM_FUNCS_30(GOHSM_LIST_MEMBER)
	GOHSM_FUNCS_32(GOHSM_LIST_MEMBER)
};

/* CK_SIGN_ADDITIONAL_CONTEXT (PKCS#11 3.2, ML-DSA and SLH-DSA). */
typedef CK_ULONG CK_HEDGE_TYPE;
typedef struct CK_SIGN_ADDITIONAL_CONTEXT {
	CK_HEDGE_TYPE hedgeVariant;
	CK_BYTE_PTR pContext;
	CK_ULONG ulContextLen;
} CK_SIGN_ADDITIONAL_CONTEXT;

#ifdef __cplusplus
}
#endif

#endif
