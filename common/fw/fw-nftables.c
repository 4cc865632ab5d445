/* libnftables through dlopen(): see fw-nftables.h. */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fw-nftables.h"
#include "hp/log.h"

struct nft_ctx;
#define NFT_CTX_DEFAULT 0

struct fw_nftables_api {
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*buffer_error)(struct nft_ctx *ctx);
	const char *(*get_error)(struct nft_ctx *ctx);
	int (*buffer_output)(struct nft_ctx *ctx);
	int (*run)(struct nft_ctx *nft, const char *buf);
};

/* One loaded copy per process. */
static struct fw_nftables_api api;

int fw_nftables_open(struct fw_nftables *n, const char *what)
{
	memset(n, 0, sizeof(*n));
	if (!(n->handle = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL))) {
		hp_err("unable to load libnftables to %s: %s", what, dlerror());
		return -ELIBACC;
	}
	*(void **)&api.ctx_new = dlsym(n->handle, "nft_ctx_new");
	*(void **)&api.ctx_free = dlsym(n->handle, "nft_ctx_free");
	*(void **)&api.buffer_error = dlsym(n->handle, "nft_ctx_buffer_error");
	*(void **)&api.get_error = dlsym(n->handle, "nft_ctx_get_error_buffer");
	*(void **)&api.buffer_output = dlsym(n->handle, "nft_ctx_buffer_output");
	*(void **)&api.run = dlsym(n->handle, "nft_run_cmd_from_buffer");
	if (!api.ctx_new || !api.ctx_free || !api.buffer_error || !api.get_error ||
	    !api.buffer_output || !api.run || !(n->ctx = api.ctx_new(NFT_CTX_DEFAULT))) {
		hp_err("unable to use libnftables to %s", what);
		dlclose(n->handle);
		memset(n, 0, sizeof(*n));
		return -ELIBBAD;
	}
	n->api = &api;
	api.buffer_output(n->ctx);
	api.buffer_error(n->ctx);
	return 0;
}

void fw_nftables_close(struct fw_nftables *n)
{
	if (n->ctx)
		n->api->ctx_free(n->ctx);
	if (n->handle)
		dlclose(n->handle);
	memset(n, 0, sizeof(*n));
}

/* libnftables gives no errno: a command the kernel refused is reported
 * as "Could not process rule: " and strerror() of the kernel's error
 * (src/mnl.c, nft 0.9 to 1.1), in this process's locale, so strerror()
 * here maps it back. */
static int kernel_errno(const char *msg, size_t len)
{
	static const char tag[] = "Could not process rule: ";
	const char *s = memmem(msg, len, tag, sizeof(tag) - 1);
	size_t n;
	int e;

	if (!s)
		return 0;
	s += sizeof(tag) - 1;
	n = len - (size_t)(s - msg);
	if (sscanf(s, "Unknown error %d", &e) == 1 && e > 0 && e < 4096)
		return e;
	for (e = 1; e < 4096; e++) {
		const char *t;

		/* glibc's strerror of an unknown errno allocates its text */
		if (!strerrordesc_np(e))
			continue;
		t = strerror(e);
		if (strlen(t) == n && !memcmp(s, t, n))
			return e;
	}
	return 0;
}

int fw_nftables_run(struct fw_nftables *n, const char *text, char *err, size_t size)
{
	const char *msg, *end;
	size_t len;
	int e;

	err[0] = '\0';
	if (!n->api->run(n->ctx, text))
		return 0;
	msg = n->api->get_error(n->ctx);
	if (!msg)
		msg = "";
	/* "Error: ..." is on the first line, or after the input's lines */
	if ((end = strstr(msg, "Error: ")))
		msg = end + 7;
	end = strchr(msg, '\n');
	len = end ? (size_t)(end - msg) : strlen(msg);
	snprintf(err, size, "%.*s", (int)len, msg);
	e = kernel_errno(msg, len);
	return e ? -e : -EINVAL;
}
