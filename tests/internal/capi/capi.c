#include <dlfcn.h>
#include "capi.h"

void *capi_open(const char *path, char **err)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == 0)
		*err = dlerror();
	return h;
}

void *capi_sym(void *lib, const char *name) { return dlsym(lib, name); }

void **capi_fns(capi_list *l) { return l->fn; }

/* capi_ptr turns a word back into a pointer on the C side, where it was made. */
void *capi_ptr(uint64_t p) { return (void *)(uintptr_t)p; }

typedef uint64_t w;
typedef unsigned long (*f0)(void);
typedef unsigned long (*f1)(w);
typedef unsigned long (*f2)(w, w);
typedef unsigned long (*f3)(w, w, w);
typedef unsigned long (*f4)(w, w, w, w);
typedef unsigned long (*f5)(w, w, w, w, w);
typedef unsigned long (*f6)(w, w, w, w, w, w);
typedef unsigned long (*f7)(w, w, w, w, w, w, w);
typedef unsigned long (*f8)(w, w, w, w, w, w, w, w);
typedef unsigned long (*f9)(w, w, w, w, w, w, w, w, w);
typedef unsigned long (*f10)(w, w, w, w, w, w, w, w, w, w);

unsigned long capi_call(void *fn, int n, const uint64_t *a)
{
	switch (n) {
	case 0: return ((f0)fn)();
	case 1: return ((f1)fn)(a[0]);
	case 2: return ((f2)fn)(a[0], a[1]);
	case 3: return ((f3)fn)(a[0], a[1], a[2]);
	case 4: return ((f4)fn)(a[0], a[1], a[2], a[3]);
	case 5: return ((f5)fn)(a[0], a[1], a[2], a[3], a[4]);
	case 6: return ((f6)fn)(a[0], a[1], a[2], a[3], a[4], a[5]);
	case 7: return ((f7)fn)(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
	case 8: return ((f8)fn)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
	case 9: return ((f9)fn)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
	case 10: return ((f10)fn)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
	}
	return 0x5; /* CKR_GENERAL_ERROR: a test asked for an impossible arity */
}

/* Mutex callbacks for C_Initialize (CK_C_INITIALIZE_ARGS), over pthreads, with
 * a count of calls so that a test can see whether the library used them. */
#include <pthread.h>
#include <stdlib.h>

static unsigned long mutex_calls;

static unsigned long m_create(void **pp)
{
	pthread_mutex_t *m = malloc(sizeof *m);
	if (pp == 0 || m == 0)
		return 7; /* CKR_ARGUMENTS_BAD */
	pthread_mutex_init(m, 0);
	*pp = m;
	__atomic_add_fetch(&mutex_calls, 1, __ATOMIC_SEQ_CST);
	return 0;
}
static unsigned long m_destroy(void *p)
{
	pthread_mutex_destroy(p);
	free(p);
	__atomic_add_fetch(&mutex_calls, 1, __ATOMIC_SEQ_CST);
	return 0;
}
static unsigned long m_lock(void *p)
{
	__atomic_add_fetch(&mutex_calls, 1, __ATOMIC_SEQ_CST);
	return pthread_mutex_lock(p) ? 0x1A0 /* CKR_MUTEX_BAD */ : 0;
}
static unsigned long m_unlock(void *p)
{
	__atomic_add_fetch(&mutex_calls, 1, __ATOMIC_SEQ_CST);
	return pthread_mutex_unlock(p) ? 0x1A1 /* CKR_MUTEX_NOT_LOCKED */ : 0;
}

void capi_mutex_fns(void **out)
{
	out[0] = (void *)m_create;
	out[1] = (void *)m_destroy;
	out[2] = (void *)m_lock;
	out[3] = (void *)m_unlock;
}

unsigned long capi_mutex_calls(void) { return __atomic_load_n(&mutex_calls, __ATOMIC_SEQ_CST); }
