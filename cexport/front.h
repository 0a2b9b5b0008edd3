/*
 * front.h: what the C front of libgohsm.so shares between its files.
 *
 * Every C_* entry point is C (DESIGN.md rule 1). It first asks GOHSM_ENTER
 * whether it may run: in a forked child the call goes to the helper's
 * function list (or gets CKR_CRYPTOKI_NOT_INITIALIZED) and never enters Go;
 * in the parent it needs a successful C_Initialize. Then it checks the
 * pointers the specification requires and calls the Go shim (go*).
 */
#ifndef GOHSM_FRONT_H
#define GOHSM_FRONT_H

#include "pkcs11.h"

/* Set by the pthread_atfork child handler (or C_Initialize's getpid check). */
extern int gohsm_forked;
/* Set between a successful C_Initialize and C_Finalize in the parent. */
extern int gohsm_initialized;

/* The helper's function list in a forked child after its C_Initialize, else NULL. */
CK_FUNCTION_LIST_PTR gohsm_child_list(void);
/* The same list when it is a 3.0 list, else NULL. */
CK_FUNCTION_LIST_3_0_PTR gohsm_child_list_3_0(void);

/* child.c: C_Initialize and C_Finalize of a forked child (init mutex held). */
CK_RV gohsm_child_initialize(const char *reserved);
CK_RV gohsm_child_finalize(CK_VOID_PTR pReserved);
/* child.c: called from the atfork child handler. */
void gohsm_child_reset(void);
/* state.c: the parent's store directory, recorded at C_Initialize ("" if none). */
const char *gohsm_parent_store_dir(void);
/* state.c: the absolute path of this libgohsm.so ("" if unknown). */
const char *gohsm_self_path(void);

/*
 * The transport that gives a forked child a fresh gohsm (DESIGN.md rule 1):
 * open returns an initialised function list of a helper process that loaded
 * libgohsm.so from scratch, whose store is named by reserved
 * ("gohsm:dir=...") or NULL for the helper's own configuration.
 */
struct child_transport {
	const char *name;
	CK_RV (*open)(CK_FUNCTION_LIST_PTR *out, const char *reserved);
};
extern const struct child_transport gohsm_p11kit_transport;

#define GOHSM_LOAD(flag) __atomic_load_n(&(flag), __ATOMIC_ACQUIRE)

/*
 * state.c: when C_Initialize got mutex callbacks without CKF_OS_LOCKING_OK
 * (base 3.0 section 5.4, case 3), the library must use the application's
 * mutexes: every call into Go then holds one application mutex, taken by
 * GOHSM_APP_LOCKED and released when the entry point returns.
 */
struct gohsm_app_lock {
	void *mutex;
};
struct gohsm_app_lock gohsm_app_lock(void);
void gohsm_app_unlock(struct gohsm_app_lock *l);
#define GOHSM_APP_LOCKED                                                     \
	struct gohsm_app_lock gohsm_app_lock_                                \
		__attribute__((cleanup(gohsm_app_unlock), unused)) = gohsm_app_lock()

/* Route a 2.40 function: forked child -> helper; parent -> needs C_Initialize.
 * GOHSM_ENTER_NOLOCK is for C_WaitForSlotEvent, which may block. */
#define GOHSM_ENTER_NOLOCK(name, args)                                   \
	do {                                                                 \
		if (GOHSM_LOAD(gohsm_forked)) {                                  \
			CK_FUNCTION_LIST_PTR child_ = gohsm_child_list();            \
			return child_ ? child_->name args : CKR_CRYPTOKI_NOT_INITIALIZED; \
		}                                                                \
		if (!GOHSM_LOAD(gohsm_initialized))                              \
			return CKR_CRYPTOKI_NOT_INITIALIZED;                         \
	} while (0)
#define GOHSM_ENTER(name, args) GOHSM_ENTER_NOLOCK(name, args); GOHSM_APP_LOCKED

/* Route a 3.0 function: as GOHSM_ENTER, but a 2.40 helper cannot take it. */
#define GOHSM_ENTER_3_0(name, args)                                      \
	do {                                                                 \
		if (GOHSM_LOAD(gohsm_forked)) {                                  \
			CK_FUNCTION_LIST_3_0_PTR child3_ = gohsm_child_list_3_0();   \
			if (child3_)                                                 \
				return child3_->name args;                               \
			return gohsm_child_list() ? CKR_FUNCTION_NOT_SUPPORTED       \
						  : CKR_CRYPTOKI_NOT_INITIALIZED;                \
		}                                                                \
		if (!GOHSM_LOAD(gohsm_initialized))                              \
			return CKR_CRYPTOKI_NOT_INITIALIZED;                         \
	} while (0);                                                         \
	GOHSM_APP_LOCKED

/* A buffer pointer may be NULL only when its length is 0. */
#define GOHSM_BAD_BUF(p, n) ((p) == NULL && (n) != 0)

#endif
