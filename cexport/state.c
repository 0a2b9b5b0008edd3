/*
 * state.c: the library's life cycle in C: C_Initialize, C_Finalize, the
 * initialised flag, and fork detection (DESIGN.md rule 1, section 2: the Go
 * runtime does not survive fork, so a forked child must never enter Go).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
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
 * The application's mutex (case 3 of base 3.0 section 5.4: callbacks without
 * CKF_OS_LOCKING_OK). gohsm's own locking is Go's, which is OS locking; when
 * the application asks for its own primitives instead, one application mutex
 * serialises every call into Go.
 */
static CK_C_INITIALIZE_ARGS app_args;
static void *app_mutex;

struct gohsm_app_lock gohsm_app_lock(void)
{
	struct gohsm_app_lock l = {__atomic_load_n(&app_mutex, __ATOMIC_ACQUIRE)};
	if (l.mutex != NULL && app_args.LockMutex(l.mutex) != CKR_OK)
		l.mutex = NULL;
	return l;
}

void gohsm_app_unlock(struct gohsm_app_lock *l)
{
	if (l->mutex != NULL)
		app_args.UnlockMutex(l->mutex);
}

/* start_app_locking makes the application mutex after a successful init. */
static CK_RV start_app_locking(const CK_C_INITIALIZE_ARGS *a)
{
	void *mu = NULL;
	CK_RV rv;
	app_args = *a;
	rv = a->CreateMutex(&mu);
	if (rv != CKR_OK)
		return rv;
	if (mu == NULL)
		return CKR_CANT_LOCK;
	__atomic_store_n(&app_mutex, mu, __ATOMIC_RELEASE);
	return CKR_OK;
}

/* stop_app_locking waits for calls holding the mutex, then destroys it. */
static void stop_app_locking(void)
{
	void *mu = __atomic_exchange_n(&app_mutex, NULL, __ATOMIC_ACQ_REL);
	if (mu == NULL)
		return;
	if (app_args.LockMutex(mu) == CKR_OK)
		app_args.UnlockMutex(mu);
	app_args.DestroyMutex(mu);
}

/* uses_app_mutexes: callbacks given without CKF_OS_LOCKING_OK. */
static int uses_app_mutexes(CK_VOID_PTR pInitArgs)
{
	CK_C_INITIALIZE_ARGS *a = pInitArgs;
	return a != NULL && a->CreateMutex != NULL && !(a->flags & CKF_OS_LOCKING_OK);
}

/*
 * reserved_string: whether s is a readable NUL-terminated string shorter than
 * max. pReserved is the application's pointer, and any non-NULL value must
 * give CKR_ARGUMENTS_BAD (base 3.0 section 5.4), not a crash: each page is
 * asked of the kernel before it is read (a write of it to a pipe fails with
 * EFAULT when it is not readable).
 */
static int reserved_string(const char *s, size_t max)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), i = 0, j;
	int fds[2], ok = 0;
	char sink[512];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return 0;
	while (i < max && !ok) {
		size_t chunk = page - ((uintptr_t)(s + i) % page);
		if (write(fds[1], s + i, chunk) != (ssize_t)chunk)
			break;
		while (read(fds[0], sink, sizeof sink) > 0) /* empty the pipe */
			;
		for (j = 0; j < chunk && i < max; j++, i++) {
			if (s[i] == '\0') {
				ok = 1;
				break;
			}
		}
	}
	close(fds[0]);
	close(fds[1]);
	return ok;
}

/*
 * check_init_args applies the specification's rules for CK_C_INITIALIZE_ARGS
 * (base 3.0 section 5.4). Callbacks with CKF_OS_LOCKING_OK are not needed (Go
 * locks with OS primitives); without the flag they are used (see above).
 * pReserved is NULL or gohsm's own "gohsm:..." string.
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
		if (!reserved_string(s, GOHSM_RESERVED_MAX) ||
		    strncmp(s, GOHSM_RESERVED_PREFIX, strlen(GOHSM_RESERVED_PREFIX)) != 0)
			return CKR_ARGUMENTS_BAD;
		*reserved = s;
	}
	/*
	 * CKF_LIBRARY_CANT_CREATE_OS_THREADS is accepted: the Go runtime's threads
	 * are its own, started when the library loads, not made by the calling
	 * thread; and GnuTLS (through p11-kit) sets the flag for every module, so
	 * CKR_NEED_TO_CREATE_THREADS would shut gohsm out of every GnuTLS program.
	 */
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
		if (rv == CKR_OK && uses_app_mutexes(pInitArgs)) {
			rv = start_app_locking(pInitArgs);
			if (rv != CKR_OK)
				goFinalize();
		}
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
		stop_app_locking();
		rv = goFinalize();
	}
	pthread_mutex_unlock(&init_mu);
	return rv;
}
