/*
 * xt-stopcopy.so: `LD_PRELOAD=/xt/xt-stopcopy.so xl migrate ...` migrates
 * in one stop-and-copy pass, as `xl save` saves.  xl migrate always asks
 * libxl for a live migration (LIBXL_SUSPEND_LIVE, tools/xl/xl_migrate.c),
 * whose first rounds track the guest's dirty pages; a PV guest's log-dirty
 * mode needs Xen's shadow paging, which Debian's Xen 4.17 is built
 * without ("Failed to enable logdirty: 95", the guest keeps running).
 * Without the flag libxl suspends the guest and sends its memory once:
 * the rest of the migration (the receiving domain, its devices, the
 * rename, the destruction of the sender) is xl's own.  For the VM of
 * `make check-xen` only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libxl.h>

int libxl_domain_suspend(libxl_ctx *ctx, uint32_t domid, int fd, int flags,
			 const libxl_asyncop_how *ao_how)
{
	static int (*real)(libxl_ctx *, uint32_t, int, int, const libxl_asyncop_how *);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "libxl_domain_suspend");
	if (!real)
		return ERROR_FAIL;
	return real(ctx, domid, fd, flags & ~LIBXL_SUSPEND_LIVE, ao_how);
}
