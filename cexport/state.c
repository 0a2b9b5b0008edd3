/*
 * state.c: the library's life cycle in C: C_Initialize, C_Finalize, the
 * initialised flag, and fork detection (DESIGN.md rule 1, section 2: the Go
 * runtime does not survive fork, so a forked child must never enter Go).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front.h"
#include "_cgo_export.h"

int gohsm_forked;
int gohsm_initialized;

/* Serialises C_Initialize and C_Finalize; re-made in a forked child because a
 * parent thread may have held it at the fork. */
static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
static pid_t loaded_pid;
static char self_path[PATH_MAX];
static char parent_store_dir[PATH_MAX];

/* Longest pReserved string accepted; the real ones are a path or two. */
#define GOHSM_RESERVED_MAX 4096
#define GOHSM_RESERVED_PREFIX "gohsm:"

const char *gohsm_self_path(void) { return self_path; }
const char *gohsm_parent_store_dir(void) { return parent_store_dir; }

static void mark_forked(void)
{
	__atomic_store_n(&gohsm_initialized, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&gohsm_forked, 1, __ATOMIC_RELEASE);
}

/* Runs in the child right after fork(), single-threaded. */
static void on_fork_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	init_mu = fresh;
	mark_forked();
	gohsm_child_reset();
}

__attribute__((constructor)) static void gohsm_load(void)
{
	Dl_info info;
	loaded_pid = getpid();
	if (dladdr((void *)&C_GetFunctionList, &info) && info.dli_fname) {
		if (!realpath(info.dli_fname, self_path))
			self_path[0] = '\0';
	}
	pthread_atfork(NULL, NULL, on_fork_child);
}

/* A fork that bypassed the atfork handlers (a raw clone, vfork) still shows
 * as a new pid. */
static void check_pid(void)
{
	if (!GOHSM_LOAD(gohsm_forked) && getpid() != loaded_pid)
		mark_forked();
}

/*
 * check_init_args applies the specification's rules for CK_C_INITIALIZE_ARGS
 * (base 3.0 section 5.4). gohsm locks with Go's own primitives, so it cannot
 * use application mutex callbacks: they are accepted only together with
 * CKF_OS_LOCKING_OK. pReserved is NULL or gohsm's own "gohsm:..." string.
 */
static CK_RV check_init_args(CK_VOID_PTR pInitArgs, const char **reserved)
{
	CK_C_INITIALIZE_ARGS *a = pInitArgs;
	int set;

	*reserved = NULL;
	if (a == NULL)
		return CKR_OK;
	set = (a->CreateMutex != NULL) + (a->DestroyMutex != NULL) +
	      (a->LockMutex != NULL) + (a->UnlockMutex != NULL);
	if (set != 0 && set != 4)
		return CKR_ARGUMENTS_BAD;
	if (a->pReserved != NULL) {
		const char *s = a->pReserved;
		if (strncmp(s, GOHSM_RESERVED_PREFIX, strlen(GOHSM_RESERVED_PREFIX)) != 0 ||
		    strnlen(s, GOHSM_RESERVED_MAX) == GOHSM_RESERVED_MAX)
			return CKR_ARGUMENTS_BAD;
		*reserved = s;
	}
	if (a->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS)
		return CKR_NEED_TO_CREATE_THREADS; /* the Go runtime makes threads */
	if (set == 4 && !(a->flags & CKF_OS_LOCKING_OK))
		return CKR_CANT_LOCK;
	return CKR_OK;
}

CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
	const char *reserved;
	CK_RV rv = check_init_args(pInitArgs, &reserved);
	if (rv != CKR_OK)
		return rv;

	pthread_mutex_lock(&init_mu);
	check_pid();
	if (GOHSM_LOAD(gohsm_forked)) {
		rv = gohsm_child_initialize(reserved);
	} else if (GOHSM_LOAD(gohsm_initialized)) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
	} else {
		rv = goInitialize((char *)reserved, parent_store_dir, sizeof parent_store_dir);
		if (rv == CKR_OK)
			__atomic_store_n(&gohsm_initialized, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&init_mu);
	return rv;
}

CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
	CK_RV rv;

	pthread_mutex_lock(&init_mu);
	check_pid();
	if (GOHSM_LOAD(gohsm_forked)) {
		/* Answered in C, or by the helper: never by this process's Go. */
		rv = gohsm_child_finalize(pReserved);
	} else if (!GOHSM_LOAD(gohsm_initialized)) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	} else if (pReserved != NULL) {
		rv = CKR_ARGUMENTS_BAD;
	} else {
		/* New calls are refused from here on; Go closes the module. */
		__atomic_store_n(&gohsm_initialized, 0, __ATOMIC_RELEASE);
		rv = goFinalize();
	}
	pthread_mutex_unlock(&init_mu);
	return rv;
}
