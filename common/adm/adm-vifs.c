/* The vifs this domain backs, from xenstore, and their tools' verify and
 * repair run as libxl runs the tools (hp/adm.h). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/adm.h"
#include "hp/parse.h"
#include "hp/process.h"

#ifndef HP_XEN_SCRIPT_DIR
#define HP_XEN_SCRIPT_DIR "/etc/xen/scripts"
#endif
/* Where `make install` put the vif tools: XEN_SCRIPT_DIR itself, or a
 * directory /etc/xen/scripts/<tool> links to. */
#ifndef HP_TOOL_DIR
#define HP_TOOL_DIR HP_XEN_SCRIPT_DIR
#endif
#define MAX_DOMID 0x7fef /* DOMID_FIRST_RESERVED - 1 */

extern char **environ;

/* The tools whose verify and repair xen-hotplug runs. */
static const char *const tools[] = { "vif-bridge", "vif-route", "vif-nat", "vif-openvswitch" };

const char *hp_adm_tool_dir(void)
{
	const char *d = getenv("XEN_HOTPLUG_TOOL_DIR");

	return d && *d == '/' ? d : HP_TOOL_DIR;
}

/* ---- reading xenstore ------------------------------------------------------ */

static int read_opt(struct hp_xs *xs, const char *dir, const char *key, char **val)
{
	int rc = hp_xs_read_key(xs, dir, key, val);

	if (rc == -ENOENT || rc == -EACCES) {
		*val = NULL;
		return 0;
	}
	return rc;
}

/* An executable of ours is an ELF file: upstream's vif scripts are shell
 * scripts (the same name, once deactivated, in the same place). */
static int elf(const char *path)
{
	unsigned char m[SELFMAG];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return 0;
	ok = read(fd, m, sizeof(m)) == (ssize_t)sizeof(m) && !memcmp(m, ELFMAG, SELFMAG);
	close(fd);
	return ok;
}

/* tool set when the script is one of ours: its name is one of the tools
 * and it is, links followed, the tool of that name in the tool directory
 * (libxl makes `script` absolute), an ELF executable.  Anything else
 * (upstream's script, the administrator's) is never run. */
static void find_tool(struct hp_adm_vif *v)
{
	char want[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
	const char *base;
	size_t i;

	if (!v->script) {
		v->why_not = "no script key";
		return;
	}
	base = strrchr(v->script, '/');
	base = base ? base + 1 : v->script;
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (!strcmp(base, tools[i]))
			break;
	if (i == sizeof(tools) / sizeof(tools[0]) ||
	    (size_t)snprintf(want, sizeof(want), "%s/%s", hp_adm_tool_dir(), base) >=
		    sizeof(want) ||
	    !realpath(want, a) || !realpath(v->script, b) || strcmp(a, b) || !elf(a)) {
		v->why_not = "its script is not one of xen-hotplug-ng's tools";
		return;
	}
	snprintf(v->tool, sizeof(v->tool), "%s", base);
}

static int read_vif(struct hp_xs *xs, unsigned int domid, unsigned int devid, struct hp_adm_vif *v)
{
	struct {
		const char *key;
		char **val;
	} k[] = {
		{ "script", &v->script },
		{ "type", &v->type },
		{ "bridge", &v->bridge },
		{ "ip", &v->ip },
		{ "mac", &v->mac },
		{ "mtu", &v->mtu },
		{ "vlan", &v->vlan },
		{ "rate", &v->rate },
		{ "vifname", &v->vifname },
		{ "gatewaydev", &v->gatewaydev },
		{ "state", &v->state },
		{ "online", &v->online },
		{ "hotplug-status", &v->hotplug_status },
		{ "hotplug-error", &v->hotplug_error },
	};
	char path[64];
	size_t i;
	int rc;

	memset(v, 0, sizeof(*v));
	v->domid = domid;
	v->devid = devid;
	snprintf(v->be, sizeof(v->be), "backend/vif/%u/%u", domid, devid);
	snprintf(v->libxl_name, sizeof(v->libxl_name), "vif%u.%u", domid, devid);
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if ((rc = read_opt(xs, v->be, k[i].key, k[i].val)))
			return rc;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	if ((rc = read_opt(xs, path, "name", &v->domain)))
		return rc;
	snprintf(v->dev, sizeof(v->dev), "%s", v->libxl_name);
	if (v->vifname && *v->vifname) {
		if (strlen(v->vifname) + 4 >= HP_IFNAMSIZ || hp_parse_ifname(v->vifname)) {
			v->why_not = "its vifname is not an interface name";
			return 0;
		}
		snprintf(v->dev, sizeof(v->dev), "%s", v->vifname);
	}
	find_tool(v);
	return 0;
}

static char *dup_or_null(const char *s, int *err)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*err = -ENOMEM;
	return d;
}

/* The emulated NIC's tap of vif: a copy, named with -emu. */
static int tap_of(const struct hp_adm_vif *vif, struct hp_adm_vif *t)
{
	int err = 0;

	*t = *vif;
	t->is_tap = 1;
	t->domain = dup_or_null(vif->domain, &err);
	t->script = dup_or_null(vif->script, &err);
	t->type = dup_or_null(vif->type, &err);
	t->bridge = dup_or_null(vif->bridge, &err);
	t->ip = dup_or_null(vif->ip, &err);
	t->mac = dup_or_null(vif->mac, &err);
	t->mtu = dup_or_null(vif->mtu, &err);
	t->vlan = dup_or_null(vif->vlan, &err);
	t->rate = dup_or_null(vif->rate, &err);
	t->vifname = dup_or_null(vif->vifname, &err);
	t->gatewaydev = dup_or_null(vif->gatewaydev, &err);
	t->state = dup_or_null(vif->state, &err);
	t->online = dup_or_null(vif->online, &err);
	t->hotplug_status = dup_or_null(vif->hotplug_status, &err);
	t->hotplug_error = dup_or_null(vif->hotplug_error, &err);
	snprintf(t->libxl_name, sizeof(t->libxl_name), "vif%u.%u-emu", vif->domid, vif->devid);
	/* read_vif() kept vifname to 11 characters: "-emu" fits */
	if (strlen(vif->dev) + 4 < sizeof(t->dev))
		memcpy(t->dev + strlen(vif->dev), "-emu", 5);
	else
		snprintf(t->dev, sizeof(t->dev), "%s", t->libxl_name);
	return err;
}

static int cmp_vif(const void *a, const void *b)
{
	const struct hp_adm_vif *x = a, *y = b;

	if (x->domid != y->domid)
		return x->domid < y->domid ? -1 : 1;
	if (x->devid != y->devid)
		return x->devid < y->devid ? -1 : 1;
	return x->is_tap - y->is_tap;
}

static int add(struct hp_adm_vif **v, size_t *n, size_t *cap)
{
	struct hp_adm_vif *nv;

	if (*n < *cap)
		return 0;
	*cap = *cap ? 2 * *cap : 16;
	if (!(nv = realloc(*v, *cap * sizeof(*nv))))
		return -ENOMEM;
	*v = nv;
	return 0;
}

int hp_adm_vifs(struct hp_xs *xs, struct hp_adm_vif **out, size_t *n)
{
	char **doms = NULL, **devs, path[48];
	unsigned int nd = 0, ne, i, j;
	unsigned long domid, devid;
	struct hp_adm_vif *v = NULL;
	size_t k = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = hp_xs_dir(xs, "backend/vif", &doms, &nd);
	if (rc)
		return rc == -ENOENT ? 0 : rc;
	for (i = 0; i < nd && !rc; i++) {
		if (hp_parse_uint(doms[i], MAX_DOMID, &domid))
			continue;
		snprintf(path, sizeof(path), "backend/vif/%lu", domid);
		if ((rc = hp_xs_dir(xs, path, &devs, &ne))) {
			rc = rc == -ENOENT ? 0 : rc; /* gone meanwhile */
			continue;
		}
		for (j = 0; j < ne && !rc; j++) {
			if (hp_parse_uint(devs[j], 65535, &devid))
				continue;
			if ((rc = add(&v, &k, &cap)))
				break;
			if ((rc = read_vif(xs, (unsigned int)domid, (unsigned int)devid, &v[k++])))
				break;
			if (!v[k - 1].type || strcmp(v[k - 1].type, "vif_ioemu"))
				continue;
			if (!(rc = add(&v, &k, &cap)) && !(rc = tap_of(&v[k - 1], &v[k])))
				k++;
		}
		free(devs);
	}
	free(doms);
	if (rc) {
		hp_adm_vifs_free(v, k);
		return rc;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_vif);
	*out = v;
	*n = k;
	return 0;
}

static void free_vif(struct hp_adm_vif *v)
{
	size_t i;

	free(v->domain);
	free(v->script);
	free(v->type);
	free(v->bridge);
	free(v->ip);
	free(v->mac);
	free(v->mtu);
	free(v->vlan);
	free(v->rate);
	free(v->vifname);
	free(v->gatewaydev);
	free(v->state);
	free(v->online);
	free(v->hotplug_status);
	free(v->hotplug_error);
	for (i = 0; i < v->ndiffs; i++) {
		free(v->diffs[i].step);
		free(v->diffs[i].object);
		free(v->diffs[i].expected);
		free(v->diffs[i].found);
	}
	free(v->diffs);
	free(v->error);
	free(v->log);
}

void hp_adm_vifs_free(struct hp_adm_vif *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free_vif(&v[i]);
	free(v);
}

/* ---- running the tools ------------------------------------------------------- */

/* libxl's variables (libxl_linux.c, get_hotplug_env), replacing ours. */
static const char *const libxl_vars[] = { "script",	      "XENBUS_TYPE", "XENBUS_PATH",
					  "XENBUS_BASE_PATH", "netdev",	     "vif",
					  "INTERFACE" };

static int is_libxl_var(const char *e)
{
	size_t i, len;

	for (i = 0; i < sizeof(libxl_vars) / sizeof(libxl_vars[0]); i++) {
		len = strlen(libxl_vars[i]);
		if (!strncmp(e, libxl_vars[i], len) && e[len] == '=')
			return 1;
	}
	return 0;
}

struct run {
	char path[PATH_MAX];
	char *argv[4];
	char **envp; /* environ's pointers, then ours (owned: from nown) */
	size_t nown;
	char type_if[16];
};

static int env_add(struct run *r, size_t *k, const char *name, const char *val)
{
	if (asprintf(&r->envp[*k], "%s=%s", name, val ? val : "") < 0) {
		r->envp[*k] = NULL;
		return -ENOMEM;
	}
	(*k)++;
	return 0;
}

static int run_prepare(const struct hp_adm_vif *v, const char *command, struct run *r)
{
	char name[HP_IFNAMSIZ + 8];
	size_t ne = 0, k = 0, i;
	int rc = 0;

	while (environ[ne])
		ne++;
	if (!(r->envp = calloc(ne + 8, sizeof(char *))))
		return -ENOMEM;
	for (i = 0; i < ne; i++)
		if (!is_libxl_var(environ[i]))
			r->envp[k++] = environ[i];
	r->nown = k;
	snprintf(r->path, sizeof(r->path), "%s/%s", hp_adm_tool_dir(), v->tool);
	snprintf(r->type_if, sizeof(r->type_if), "type_if=%s", v->is_tap ? "tap" : "vif");
	r->argv[0] = r->path;
	r->argv[1] = hp_unconst(command);
	r->argv[2] = r->type_if;
	r->argv[3] = NULL;
	if ((rc = env_add(r, &k, "script", v->script)) ||
	    (rc = env_add(r, &k, "XENBUS_TYPE", "vif")) ||
	    (rc = env_add(r, &k, "XENBUS_PATH", v->be)) ||
	    (rc = env_add(r, &k, "XENBUS_BASE_PATH", "backend")) ||
	    (rc = env_add(r, &k, "netdev", v->gatewaydev)))
		return rc;
	snprintf(name, sizeof(name), "vif%u.%u", v->domid, v->devid);
	if ((rc = env_add(r, &k, "vif", name)))
		return rc;
	/* libxl sets INTERFACE for both runs of an emulated NIC */
	if (v->type && !strcmp(v->type, "vif_ioemu")) {
		snprintf(name, sizeof(name), "vif%u.%u-emu", v->domid, v->devid);
		rc = env_add(r, &k, "INTERFACE", name);
	}
	return rc;
}

static void run_free(struct run *r)
{
	size_t i;

	if (!r->envp)
		return;
	for (i = r->nown; r->envp[i]; i++)
		free(r->envp[i]);
	free(r->envp);
	r->envp = NULL;
}

/* A field of a tool's line, unescaped in place (hp/vif.h). */
static char *unescape(char *s)
{
	char *o = s, *i = s;
	unsigned int x;

	while (*i) {
		if (*i != '\\' || !i[1]) {
			*o++ = *i++;
			continue;
		}
		i++;
		if (*i == 't')
			*o++ = '\t', i++;
		else if (*i == 'n')
			*o++ = '\n', i++;
		else if (*i == 'x' && sscanf(i + 1, "%2x", &x) == 1 && i[1] && i[2])
			*o++ = (char)x, i += 3;
		else
			*o++ = *i++;
	}
	*o = '\0';
	return s;
}

static int parse_line(struct hp_adm_vif *v, char *line)
{
	char *f[6], *save = NULL, *p;
	struct hp_adm_diff *nd;
	size_t n = 0;

	for (p = strtok_r(line, "\t", &save); p && n < 6; p = strtok_r(NULL, "\t", &save))
		f[n++] = p;
	if (n == 3 && !strcmp(f[0], "error") && !v->error)
		return (v->error = strdup(unescape(f[2]))) ? 0 : -ENOMEM;
	if (n != 6 || strcmp(f[0], "drift"))
		return 0;
	if (!(nd = realloc(v->diffs, (v->ndiffs + 1) * sizeof(*nd))))
		return -ENOMEM;
	v->diffs = nd;
	nd = &v->diffs[v->ndiffs++];
	nd->step = strdup(unescape(f[2]));
	nd->object = strdup(unescape(f[3]));
	nd->expected = strdup(unescape(f[4]));
	nd->found = strdup(unescape(f[5]));
	return nd->step && nd->object && nd->expected && nd->found ? 0 : -ENOMEM;
}

int hp_adm_run(struct hp_adm_vif *v, size_t n, const unsigned char *run, const char *command,
	       unsigned int parallel)
{
	struct hp_job *jobs = NULL;
	struct run *runs = NULL;
	size_t *which = NULL, nj = 0, i;
	char *line, *save;
	int rc = -ENOMEM;

	if (n && (!(jobs = calloc(n, sizeof(*jobs))) || !(runs = calloc(n, sizeof(*runs))) ||
		  !(which = calloc(n, sizeof(*which)))))
		goto out;
	for (i = 0; i < n; i++) {
		if (!run[i] || !v[i].tool[0])
			continue;
		if ((rc = run_prepare(&v[i], command, &runs[nj])))
			goto out;
		jobs[nj] = (struct hp_job){ .path = runs[nj].path,
					    .argv = runs[nj].argv,
					    .envp = runs[nj].envp };
		which[nj++] = i;
	}
	if ((rc = hp_process_run_all(jobs, nj, parallel)))
		goto out;
	for (i = 0; i < nj; i++) {
		struct hp_adm_vif *x = &v[which[i]];

		x->ran = 1;
		x->exit_status = jobs[i].rc ? 127 : jobs[i].status;
		x->log = jobs[i].err;
		jobs[i].err = NULL;
		if (jobs[i].rc && !x->error &&
		    asprintf(&x->error, "unable to run '%s': %s", runs[i].path,
			     strerror(-jobs[i].rc)) < 0)
			x->error = NULL;
		save = NULL;
		for (line = jobs[i].out ? strtok_r(jobs[i].out, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save))
			if ((rc = parse_line(x, line)))
				goto out;
	}
	rc = 0;
out:
	for (i = 0; jobs && i < n; i++) {
		free(jobs[i].out);
		free(jobs[i].err);
		run_free(&runs[i]);
	}
	free(jobs);
	free(runs);
	free(which);
	return rc;
}
