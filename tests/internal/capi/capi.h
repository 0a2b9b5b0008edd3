/* Raw calls into a PKCS#11 3.0 module for gohsm's bad-input tests. The
 * module's CK_FUNCTION_LIST_3_0 is read as its version followed by an array of
 * function pointers (the layout the specification fixes), and every call goes
 * through capi_call with its arguments as CK_ULONG-sized words: on LP64 Linux a
 * pointer, a CK_ULONG and a CK_BBOOL are all passed in one integer register or
 * stack slot, so one generic caller serves every function, NULL pointers and
 * garbage included. */
#ifndef GOHSM_TESTS_CAPI_H
#define GOHSM_TESTS_CAPI_H

#include <stdint.h>

#define CAPI_MAX_ARGS 10

typedef struct {
	unsigned char major, minor;
} capi_version;

/* CK_INTERFACE (PKCS#11 3.0 section 3.8). */
typedef struct {
	char *name;
	void *functionList;
	unsigned long flags;
} capi_interface;

/* CK_FUNCTION_LIST(_3_0): the version, then the functions in order. */
typedef struct {
	capi_version version;
	void *fn[];
} capi_list;

void *capi_open(const char *path, char **err);
void *capi_sym(void *lib, const char *name);
unsigned long capi_call(void *fn, int n, const uint64_t *a);
void **capi_fns(capi_list *l);
void *capi_ptr(uint64_t p);
void capi_mutex_fns(void **out);
unsigned long capi_mutex_calls(void);

#endif
