/*
 * child_p11kit.c: the child transport over p11-kit's RPC (DESIGN.md section
 * 2). p11-kit-client.so, told by P11_KIT_SERVER_ADDRESS to run
 * "|p11-kit-remote <this libgohsm.so>", fork+execs a helper that loads gohsm
 * from scratch and serves it over a socket pair. p11-kit-client reads the
 * address in its C_GetFunctionList, so it is set just before, in the child.
 *
 * GOHSM_P11KIT_CLIENT and GOHSM_P11KIT_REMOTE name the two programs where
 * the built-in lists below do not find them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front.h"

/* Debian's multiarch paths first, then other common layouts. */
static const char *const client_paths[] = {
	"/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so",
	"/usr/lib/aarch64-linux-gnu/pkcs11/p11-kit-client.so",
	"/usr/lib/i386-linux-gnu/pkcs11/p11-kit-client.so",
	"/usr/lib64/pkcs11/p11-kit-client.so",
	"/usr/lib/pkcs11/p11-kit-client.so",
	"/usr/local/lib/pkcs11/p11-kit-client.so",
	NULL,
};
static const char *const remote_paths[] = {
	"/usr/libexec/p11-kit/p11-kit-remote",
	"/usr/lib/x86_64-linux-gnu/p11-kit/p11-kit-remote",
	"/usr/lib/p11-kit/p11-kit-remote",
	"/usr/local/libexec/p11-kit/p11-kit-remote",
	NULL,
};

static CK_FUNCTION_LIST_PTR client;

static const char *first_existing(const char *env, const char *const *paths, int mode)
{
	const char *p = getenv(env);
	if (p != NULL && *p != '\0')
		return access(p, mode) == 0 ? p : NULL;
	for (; *paths; paths++)
		if (access(*paths, mode) == 0)
			return *paths;
	return NULL;
}

static CK_RV fail(const char *why)
{
	fprintf(stderr, "gohsm: forked child cannot reach a helper: %s\n", why);
	return CKR_GENERAL_ERROR;
}

/* Sets P11_KIT_SERVER_ADDRESS, remembering the old value in *old. */
static int set_address(char **old)
{
	char addr[2 * 4096 + 16];
	const char *remote = first_existing("GOHSM_P11KIT_REMOTE", remote_paths, X_OK);
	const char *prev = getenv("P11_KIT_SERVER_ADDRESS");

	if (remote == NULL || gohsm_self_path()[0] == '\0')
		return -1;
	snprintf(addr, sizeof addr, "|%s %s", remote, gohsm_self_path());
	*old = prev ? strdup(prev) : NULL;
	return setenv("P11_KIT_SERVER_ADDRESS", addr, 1);
}

static void restore_address(char *old)
{
	if (old) {
		setenv("P11_KIT_SERVER_ADDRESS", old, 1);
		free(old);
	} else {
		unsetenv("P11_KIT_SERVER_ADDRESS");
	}
}

static CK_RV p11kit_open(CK_FUNCTION_LIST_PTR *out, const char *reserved)
{
	CK_C_INITIALIZE_ARGS args;
	char *old = NULL;
	CK_RV rv;

	if (first_existing("GOHSM_P11KIT_REMOTE", remote_paths, X_OK) == NULL)
		return fail("p11-kit-remote is not installed (Debian package p11-kit)");
	if (gohsm_self_path()[0] == '\0')
		return fail("the path of libgohsm.so is unknown");
	if (set_address(&old) != 0)
		return fail("cannot set P11_KIT_SERVER_ADDRESS");
	if (client == NULL) {
		CK_C_GetFunctionList get;
		const char *path = first_existing("GOHSM_P11KIT_CLIENT", client_paths, R_OK);
		void *h;

		if (path == NULL) {
			restore_address(old);
			return fail("p11-kit-client.so is not installed (Debian package p11-kit-modules)");
		}
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		get = h ? (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList") : NULL;
		if (get == NULL || get(&client) != CKR_OK || client == NULL) {
			client = NULL;
			restore_address(old);
			return fail("cannot load p11-kit-client.so");
		}
	}
	memset(&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	args.pReserved = (CK_VOID_PTR)reserved;
	rv = client->C_Initialize(&args);
	restore_address(old);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return rv;
	*out = client;
	return CKR_OK;
}

const struct child_transport gohsm_p11kit_transport = {
	.name = "p11-kit",
	.open = p11kit_open,
};
