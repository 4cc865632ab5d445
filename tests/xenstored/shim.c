/*
 * hp-xenshim.so: an LD_PRELOAD shim that lets Debian's real Xen tools run
 * on a host with no hypervisor, for the test world (tests/helpers.bash).
 *
 *   LD_PRELOAD=build/hp-xenshim.so XENSTORED_PATH=... XENSTORED_RUNDIR=... \
 *       /usr/lib/xen-4.17/bin/xenstored -N -F pidfile
 *   LD_PRELOAD=build/hp-xenshim.so XENSTORED_PATH=... xl devd -F
 *
 * C xenstored 4.17: with -D (no domain init) it never creates the root
 * node and dies on the first request, so dom0's initialisation is let
 * succeed instead (xenstored_domain.c domain_init/dom0_init,
 * xenstored_posix.c xenbus_evtchn/xenbus_map): a libxenctrl handle and
 * xc_domain_getinfo, an event channel whose fd (an eventfd) never fires,
 * a grant table whose mappings are anonymous pages, /proc/xen/xsd_port
 * reading "1" and /proc/xen/xsd_kva a one-page memfd (dom0's ring, which
 * stays empty: every client comes through the socket).
 *
 * libxl 4.17 on the path of `xl devd` (libxl_ctx_alloc, libxl_domain_info,
 * libxl_get_version_info, libxl_get_max_cpus): the handle, xc_version,
 * xc_get_max_cpus, xc_domain_getinfolist, xc_flask_sid_to_context.
 *
 * The machine it pretends to be: every domid below DOMID_FIRST_RESERVED
 * is a running domain (a test's guests exist as soon as it names them;
 * xenstored only lets a node's permissions name existing domains), PV
 * unless listed in HP_XENSHIM_HVM ("3 7"). Nothing else of libxenctrl
 * works: the handle is not a real one, so a call this file does not define
 * goes to the real library with a bogus handle and crashes, which is what
 * a test should see if libxl's path changes.
 *
 * It takes itself out of LD_PRELOAD once loaded: libxl hands its whole
 * environment to the hotplug scripts it runs, and the tools under test
 * must run as on a real host, without it.
 *
 * Built without sanitizers: it is loaded into binaries that have none.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

/* ---------------------------------------------------------------- LD_PRELOAD */

/* Removes every LD_PRELOAD entry naming this file (by its base name). */
__attribute__((constructor)) static void shim_unpreload(void)
{
	const char *pre = getenv("LD_PRELOAD"), *me = "hp-xenshim.so";
	char *copy, *tok, *save, *out;
	size_t n = 0;

	if (!pre || !strstr(pre, me))
		return;
	copy = strdup(pre);
	out = calloc(1, strlen(pre) + 1);
	if (!copy || !out)
		goto out;
	for (tok = strtok_r(copy, ": ", &save); tok; tok = strtok_r(NULL, ": ", &save)) {
		const char *base = strrchr(tok, '/');

		if (!strcmp(base ? base + 1 : tok, me))
			continue;
		n += (size_t)sprintf(out + n, "%s%s", n ? ":" : "", tok);
	}
	if (n)
		setenv("LD_PRELOAD", out, 1);
	else
		unsetenv("LD_PRELOAD");
out:
	free(copy);
	free(out);
}

/* ---------------------------------------------------------------- domains */

static bool domid_valid(uint32_t domid)
{
	return domid < DOMID_FIRST_RESERVED;
}

static bool domid_hvm(uint32_t domid)
{
	const char *s = getenv("HP_XENSHIM_HVM");
	char *end;
	unsigned long d;

	while (s && *s) {
		d = strtoul(s, &end, 10);
		if (end == s)
			break;
		if (d == domid)
			return true;
		s = end;
	}
	return false;
}

/* ---------------------------------------------------------------- libxenctrl */

static char the_xch; /* the one handle: never dereferenced */

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
				unsigned open_flags)
{
	return (xc_interface *)&the_xch;
}

int xc_interface_close(xc_interface *xch)
{
	return 0;
}

/* xenstored: does domid exist (and is it dying)? */
int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
		      xc_dominfo_t *info)
{
	unsigned int i;

	for (i = 0; i < max_doms && domid_valid(first_domid + i); i++) {
		memset(&info[i], 0, sizeof(info[i]));
		info[i].domid = first_domid + i;
		info[i].running = 1;
		info[i].hvm = domid_hvm(first_domid + i);
		info[i].max_vcpu_id = 0;
		info[i].nr_online_vcpus = 1;
		info[i].cpupool = 0;
	}
	return (int)i;
}

/* libxl: libxl_domain_info, libxl__domain_type. */
int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
			  xc_domaininfo_t *info)
{
	unsigned int i;

	for (i = 0; i < max_domains && domid_valid(first_domain + i); i++) {
		memset(&info[i], 0, sizeof(info[i]));
		info[i].domain = (domid_t)(first_domain + i);
		info[i].flags = XEN_DOMINF_running;
		if (domid_hvm(first_domain + i))
			info[i].flags |= XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
		info[i].tot_pages = info[i].max_pages = 65536;
		info[i].nr_online_vcpus = 1;
	}
	return (int)i;
}

static void put_str(void *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s);
}

/* libxl_get_version_info: a Xen 4.17 with nothing to say. */
int xc_version(xc_interface *xch, int cmd, void *arg)
{
	switch (cmd) {
	case XENVER_version:
		return (4 << 16) | 17;
	case XENVER_extraversion:
		put_str(arg, sizeof(xen_extraversion_t), ".0-hp-xenshim");
		return 0;
	case XENVER_compile_info:
		memset(arg, 0, sizeof(xen_compile_info_t));
		return 0;
	case XENVER_capabilities:
		put_str(arg, sizeof(xen_capabilities_info_t), "xen-3.0-x86_64 hvm-3.0-x86_64");
		return 0;
	case XENVER_changeset:
		put_str(arg, sizeof(xen_changeset_info_t), "hp-xenshim");
		return 0;
	case XENVER_platform_parameters:
		memset(arg, 0, sizeof(xen_platform_parameters_t));
		return 0;
	case XENVER_pagesize:
		return (int)sysconf(_SC_PAGESIZE);
	case XENVER_commandline:
		put_str(arg, sizeof(xen_commandline_t), "");
		return 0;
	case XENVER_build_id:
		return -ENODATA; /* libxl: an empty build id */
	}
	errno = ENOSYS;
	return -1;
}

int xc_get_max_cpus(xc_interface *xch)
{
	return 1;
}

/* No FLASK (XSM) policy: what Xen answers without one. */
int xc_flask_sid_to_context(xc_interface *xch, int sid, char *buf, uint32_t size)
{
	errno = ENOSYS;
	return -1;
}

/* ---------------------------------------------------------------- libxenevtchn */

struct xenevtchn_handle {
	int fd; /* an eventfd nobody signals */
	evtchn_port_t next;
};

static xenevtchn_handle *evtchn_new(int fd)
{
	xenevtchn_handle *xce = calloc(1, sizeof(*xce));

	if (!xce) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	xce->fd = fd;
	xce->next = 2; /* 1 is dom0's xenbus port (xsd_port) */
	return xce;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
	int fd = eventfd(0, EFD_NONBLOCK | ((flags & XENEVTCHN_NO_CLOEXEC) ? 0 : EFD_CLOEXEC));

	return fd < 0 ? NULL : evtchn_new(fd);
}

/* live update hands the fd over: keep it */
xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned int flags)
{
	return evtchn_new(fd);
}

int xenevtchn_close(xenevtchn_handle *xce)
{
	if (!xce)
		return 0;
	close(xce->fd);
	free(xce);
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->fd;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
						     evtchn_port_t remote_port)
{
	return (xenevtchn_port_or_error_t)xce->next++;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	return (xenevtchn_port_or_error_t)xce->next++;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

/* never called: the fd never becomes readable */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	errno = EAGAIN;
	return -1;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	return 0;
}

/* ---------------------------------------------------------------- libxengnttab */

static char the_xgt;

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	return (xengnttab_handle *)&the_xgt;
}

int xengnttab_close(xengnttab_handle *xgt)
{
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	return 0;
}

/* A guest's xenstore ring (XS_INTRODUCE): a zeroed page, so it stays quiet. */
void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	return munmap(start_address, (size_t)count * (size_t)sysconf(_SC_PAGESIZE));
}

/* ---------------------------------------------------------------- /proc/xen */

/* A memfd holding len bytes of data, padded with zeros to size. */
static int memfd_with(const char *name, const char *data, size_t len, size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) || pwrite(fd, data, len, 0) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static int fake_proc_xen(const char *path)
{
	if (!strcmp(path, "/proc/xen/xsd_port"))
		return memfd_with("xsd_port", "1", 1, 1);
	if (!strcmp(path, "/proc/xen/xsd_kva"))
		return memfd_with("xsd_kva", "", 0, (size_t)sysconf(_SC_PAGESIZE));
	return -2;
}

typedef int open_fn(const char *, int, ...);

static int real_open(const char *sym, const char *path, int flags, mode_t mode)
{
	open_fn *fn = (open_fn *)dlsym(RTLD_NEXT, sym);

	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(path, flags, mode);
}

static int shim_open(const char *sym, const char *path, int flags, va_list ap)
{
	mode_t mode = 0;
	int fd;

	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	if (path && (fd = fake_proc_xen(path)) != -2)
		return fd;
	return real_open(sym, path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = shim_open("open", path, flags, ap);
	va_end(ap);
	return fd;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = shim_open("open64", path, flags, ap);
	va_end(ap);
	return fd;
}
