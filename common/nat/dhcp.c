/* vif-nat's DHCP host entries (see dhcp.h).  About 500 lines, one job
 * with its two servers side by side (dnsmasq's hosts files, ISC's
 * dhcpd.conf lines): the configuration, the entry and its removal read
 * the same for both. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hp/conf.h"
#include "hp/dhcp.h"
#include "hp/lock.h"
#include "hp/log.h"
#include "hp/process.h"

#define DEFAULT_HOSTSDIR "/etc/xen/dnsmasq-hosts.d"
#define DEFAULT_DNSMASQ_PID "/run/dnsmasq/dnsmasq.pid" /* Debian's dnsmasq service */
#define ISC_LOCK "vif-nat-dhcp"

static const char *const mode_names[] = {
	[HP_DHCP_NONE] = "none",
	[HP_DHCP_DNSMASQ] = "dnsmasq",
	[HP_DHCP_ISC] = "isc",
};

const char *hp_dhcp_mode_name(enum hp_dhcp_mode m)
{
	return mode_names[m];
}

static int parse_mode(const char *s, enum hp_dhcp_mode *m)
{
	size_t i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcmp(s, mode_names[i])) {
			*m = (enum hp_dhcp_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* An environment variable, else a key of the configuration file. */
static int setting(const char *env, const char *key, char *buf, size_t size)
{
	const char *e = env ? getenv(env) : NULL;
	int rc;

	if (e && *e) {
		if (strlen(e) >= size)
			return -ENAMETOOLONG;
		memcpy(buf, e, strlen(e) + 1);
		return 0;
	}
	rc = hp_conf_get(key, buf, size, NULL);
	return rc == 0 && !*buf ? -ENOENT : rc;
}

static const char *first_file(const char *const *names, int mode)
{
	for (; *names; names++)
		if (!access(*names, mode))
			return *names;
	return NULL;
}

static int isc_config(struct hp_dhcp_conf *c, char *err, size_t esize)
{
	static const char *const confs[] = { "/etc/dhcp/dhcpd.conf", "/etc/dhcp3/dhcpd.conf",
					     "/etc/dhcpd.conf", NULL };
	static const char *const inits[] = {
		"/etc/init.d/isc-dhcp-server", "/etc/init.d/dhcp-server",
		"/etc/init.d/dhcp3-server",    "/etc/init.d/dhcp",
		"/etc/init.d/dhcpd",	       NULL
	};
	const char *f;

	if (setting(NULL, "nat_dhcp_isc_conf", c->isc_conf, sizeof(c->isc_conf))) {
		if (!(f = first_file(confs, F_OK))) {
			snprintf(err, esize,
				 "unable to find dhcpd.conf for nat_dhcp=isc; set "
				 "nat_dhcp_isc_conf in '%s'",
				 hp_conf_path());
			return -EINVAL;
		}
		snprintf(c->isc_conf, sizeof(c->isc_conf), "%s", f);
	}
	if (setting(NULL, "nat_dhcp_isc_restart", c->isc_restart, sizeof(c->isc_restart))) {
		if (!(f = first_file(inits, X_OK))) {
			snprintf(err, esize,
				 "unable to find the dhcpd init script for nat_dhcp=isc; "
				 "set nat_dhcp_isc_restart in '%s'",
				 hp_conf_path());
			return -EINVAL;
		}
		snprintf(c->isc_restart, sizeof(c->isc_restart), "%s restart", f);
	}
	if (c->isc_conf[0] != '/' || c->isc_restart[0] != '/') {
		snprintf(err, esize,
			 "invalid nat_dhcp_isc_conf '%s' or nat_dhcp_isc_restart '%s' "
			 "in '%s': expected absolute paths",
			 c->isc_conf, c->isc_restart, hp_conf_path());
		return -EINVAL;
	}
	return 0;
}

int hp_dhcp_config(const char *dhcp_param, struct hp_dhcp_conf *c, char *err, size_t esize)
{
	char mode[16];
	int rc, want = -1; /* the `dhcp` parameter: -1 unset, 0 no, 1 yes */

	memset(c, 0, sizeof(*c));
	if (dhcp_param && *dhcp_param) {
		if (!strcmp(dhcp_param, "yes"))
			want = 1;
		else if (!strcmp(dhcp_param, "no"))
			want = 0;
		else {
			snprintf(err, esize, "invalid dhcp '%s': expected yes or no", dhcp_param);
			return -EINVAL;
		}
	}
	rc = setting("XEN_HOTPLUG_NAT_DHCP", "nat_dhcp", mode, sizeof(mode));
	if (rc && rc != -ENOENT) {
		snprintf(err, esize, "unable to read nat_dhcp from '%s': %s", hp_conf_path(),
			 strerror(-rc));
		return rc;
	}
	if (!rc && parse_mode(mode, &c->mode)) {
		snprintf(err, esize,
			 "invalid nat_dhcp '%s' (XEN_HOTPLUG_NAT_DHCP or '%s'): "
			 "expected none, dnsmasq or isc",
			 mode, hp_conf_path());
		return -EINVAL;
	}
	if (rc == -ENOENT)
		c->mode = want == 1 ? HP_DHCP_DNSMASQ : HP_DHCP_NONE;
	if (want == 0)
		c->mode = HP_DHCP_NONE;

	if (c->mode == HP_DHCP_DNSMASQ) {
		rc = setting("XEN_HOTPLUG_NAT_DHCP_DIR", "nat_dhcp_hostsdir", c->dir,
			     sizeof(c->dir));
		if (rc == -ENOENT)
			snprintf(c->dir, sizeof(c->dir), "%s", DEFAULT_HOSTSDIR);
		else if (rc || c->dir[0] != '/') {
			snprintf(err, esize,
				 "invalid nat_dhcp_hostsdir (XEN_HOTPLUG_NAT_DHCP_DIR or "
				 "'%s'): expected an absolute path",
				 hp_conf_path());
			return -EINVAL;
		}
		rc = setting("XEN_HOTPLUG_NAT_DHCP_PIDFILE", "nat_dhcp_dnsmasq_pidfile", c->pidfile,
			     sizeof(c->pidfile));
		if (rc == -ENOENT)
			snprintf(c->pidfile, sizeof(c->pidfile), "%s", DEFAULT_DNSMASQ_PID);
		else if (rc || c->pidfile[0] != '/') {
			snprintf(err, esize,
				 "invalid nat_dhcp_dnsmasq_pidfile "
				 "(XEN_HOTPLUG_NAT_DHCP_PIDFILE or '%s'): expected an "
				 "absolute path",
				 hp_conf_path());
			return -EINVAL;
		}
	} else if (c->mode == HP_DHCP_ISC) {
		return isc_config(c, err, esize);
	}
	return 0;
}

/* Writes text to path atomically: a dot-file in the same directory, then
 * rename(2).  mode for a new file; an existing file keeps its own. */
static int replace_file(const char *path, const char *text, mode_t mode)
{
	char tmp[320];
	const char *base = strrchr(path, '/');
	struct stat st;
	size_t len = strlen(text);
	ssize_t n;
	int fd, rc = 0;

	base = base ? base + 1 : path;
	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX", (int)(base - path), path, base) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (!stat(path, &st))
		mode = st.st_mode & 07777;
	if ((fd = mkstemp(tmp)) < 0)
		return -errno;
	if (fchmod(fd, mode) || (n = write(fd, text, len)) < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

static void fmt_mac(const unsigned char *m, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int dnsmasq_path(const struct hp_dhcp_conf *c, const char *ifname, char *buf, size_t size)
{
	if (hp_parse_ifname(ifname) || ifname[0] == '.')
		return -EINVAL;
	if (snprintf(buf, size, "%s/%s", c->dir, ifname) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

/* dnsmasq reads new and changed files of its hosts directory by itself
 * (inotify) but keeps what a deleted or changed file held until SIGHUP
 * (dnsmasq(8), --dhcp-hostsdir): a guest gone, or one whose vif name now
 * belongs to another MAC, would still get the old lease.  So after such a
 * change the dnsmasq of the configured pid file gets its SIGHUP (which
 * also re-reads its hosts files and clears its DNS cache; leases stay). */
static void dnsmasq_forget(const struct hp_dhcp_conf *c)
{
	char buf[32], comm[32], proc[48];
	unsigned long pid;
	ssize_t n;
	int fd;

	fd = open(c->pidfile, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		hp_warn("unable to tell dnsmasq to forget the old entry: no pid in '%s' (set "
			"nat_dhcp_dnsmasq_pidfile in '%s'); it keeps it until its next SIGHUP",
			c->pidfile, hp_conf_path());
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* a stale pid file must not make us signal another program */
	if (hp_parse_uint(buf, 4194304, &pid) || pid < 2 ||
	    snprintf(proc, sizeof(proc), "/proc/%lu/comm", pid) < 0 ||
	    (fd = open(proc, O_RDONLY | O_CLOEXEC)) < 0) {
		hp_warn("unable to tell dnsmasq to forget the old entry: '%s' names no running "
			"process",
			c->pidfile);
		return;
	}
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	comm[n > 0 ? n : 0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	if (strcmp(comm, "dnsmasq")) {
		hp_warn("unable to tell dnsmasq to forget the old entry: pid %lu of '%s' is '%s'",
			pid, c->pidfile, comm);
		return;
	}
	if (kill((pid_t)pid, SIGHUP))
		hp_warn("unable to send SIGHUP to dnsmasq (pid %lu): %s", pid, strerror(errno));
	else
		hp_dbg("sent SIGHUP to dnsmasq (pid %lu)", pid);
}

/* 1 when path holds exactly text, 0 when not (or missing). */
static int same_file(const char *path, const char *text)
{
	char buf[256];
	size_t len = strlen(text);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n >= 0 && (size_t)n == len && !memcmp(buf, text, len);
}

/* The vif's file: one dhcp-host line, tagged with the vif's name. */
static void dnsmasq_line(const struct hp_dhcp_host *h, char *line, size_t size)
{
	char mac[18], ip[INET_ADDRSTRLEN];

	fmt_mac(h->mac, mac, sizeof(mac));
	inet_ntop(AF_INET, h->ip->addr, ip, sizeof(ip));
	/* id:*: the lease follows the MAC, which the guard ties to the vif,
	 * not a client identifier, which the guest makes up: one guest, one
	 * lease, whatever client ids it sends (dnsmasq(8), --dhcp-host) */
	snprintf(line, size, "%s,id:*,tag:%s,%s,%s\n", mac, h->ifname, ip, h->hostname);
}

static int dnsmasq_add(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h)
{
	char path[300], line[160];
	int rc, existed;

	if ((rc = dnsmasq_path(c, h->ifname, path, sizeof(path))))
		return rc;
	if (mkdir(c->dir, 0755) && errno != EEXIST)
		return -errno;
	dnsmasq_line(h, line, sizeof(line));
	if (same_file(path, line))
		return 0;
	existed = !access(path, F_OK);
	if ((rc = replace_file(path, line, 0644)))
		return rc;
	if (existed)
		dnsmasq_forget(c);
	return 0;
}

static int dnsmasq_del(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h)
{
	char path[300];
	int rc;

	if ((rc = dnsmasq_path(c, h->ifname, path, sizeof(path))))
		return rc;
	if (unlink(path))
		return errno == ENOENT ? 0 : -errno;
	dnsmasq_forget(c);
	return 0;
}

/* dhcpd.conf without the host's line; with the new line when add.
 * 1 when the file changed, 0 when not, -errno.
 * Only a line that starts with "host <hostname> {" is the host's
 * (upstream's grep also removed "host dom1-2" with "host dom1"). */
static int isc_edit(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h, int add)
{
	char want[64], mac[18], ip[INET_ADDRSTRLEN], router[INET_ADDRSTRLEN], entry[300];
	char *line = NULL, *text = NULL;
	size_t cap = 0, tlen = 0, wlen;
	FILE *in, *out;
	int rc = 0, changed = 0, kept = 0;

	snprintf(want, sizeof(want), "host %s {", h->hostname);
	wlen = strlen(want);
	entry[0] = '\0';
	if (add) {
		fmt_mac(h->mac, mac, sizeof(mac));
		inet_ntop(AF_INET, h->ip->addr, ip, sizeof(ip));
		inet_ntop(AF_INET, h->router->addr, router, sizeof(router));
		snprintf(entry, sizeof(entry),
			 "host %s { hardware ethernet %s; fixed-address %s; option routers %s; "
			 "option host-name \"%s\"; }\n",
			 h->hostname, mac, ip, router, h->hostname);
	}
	if (!(out = open_memstream(&text, &tlen)))
		return -ENOMEM;
	if ((in = fopen(c->isc_conf, "re"))) {
		while (getline(&line, &cap, in) >= 0) {
			const char *s = line + strspn(line, " \t");

			if (strncmp(s, want, wlen)) {
				fputs(line, out);
			} else if (add && !kept && !strcmp(line, entry)) {
				kept = 1; /* the entry as it should be: no change */
				fputs(line, out);
			} else {
				changed = 1;
			}
		}
		free(line);
		fclose(in);
	} else if (errno != ENOENT || !add) {
		rc = errno == ENOENT ? 0 : -errno;
		fclose(out);
		free(text);
		return rc;
	}
	if (add && !kept) {
		fputs(entry, out);
		changed = 1;
	}
	if (fclose(out)) {
		free(text);
		return -ENOMEM;
	}
	if (changed)
		rc = replace_file(c->isc_conf, text, 0644);
	free(text);
	return rc ? rc : changed;
}

/* Upstream restarts dhcpd after every change and ignores its failure
 * (ISC dhcpd 3 exits when it has no interface to serve). */
static void isc_restart(const struct hp_dhcp_conf *c)
{
	char cmd[sizeof(c->isc_restart)], *argv[8], *save = NULL, *t;
	struct hp_process sp = { .argv = argv };
	int n = 0, rc, status = 0;

	snprintf(cmd, sizeof(cmd), "%s", c->isc_restart);
	for (t = strtok_r(cmd, " \t", &save); t && n < 7; t = strtok_r(NULL, " \t", &save))
		argv[n++] = t;
	argv[n] = NULL;
	if (!n)
		return;
	sp.path = argv[0];
	if ((rc = hp_process_run(&sp, &status)))
		hp_warn("unable to run '%s': %s", c->isc_restart, strerror(-rc));
	else if (status)
		hp_warn("'%s' failed (status %d); continuing, as upstream", c->isc_restart, status);
}

static int isc_update(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h, int add)
{
	int fd, rc;

	if ((rc = hp_lock_take(ISC_LOCK, &fd)))
		return rc;
	/* restart under the lock, as upstream: concurrent restarts interleave */
	rc = isc_edit(c, h, add);
	if (rc > 0)
		isc_restart(c);
	hp_lock_release(fd);
	return rc < 0 ? rc : 0;
}

int hp_dhcp_host_add(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h)
{
	switch (c->mode) {
	case HP_DHCP_DNSMASQ:
		return dnsmasq_add(c, h);
	case HP_DHCP_ISC:
		return isc_update(c, h, 1);
	default:
		return 0;
	}
}

int hp_dhcp_host_del(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h)
{
	switch (c->mode) {
	case HP_DHCP_DNSMASQ:
		return dnsmasq_del(c, h);
	case HP_DHCP_ISC:
		return isc_update(c, h, 0);
	default:
		return 0;
	}
}

int hp_dhcp_host_check(const struct hp_dhcp_conf *c, const struct hp_dhcp_host *h)
{
	char path[300], line[160];
	int rc;

	if (c->mode != HP_DHCP_DNSMASQ)
		return 0;
	if ((rc = dnsmasq_path(c, h->ifname, path, sizeof(path))))
		return rc;
	dnsmasq_line(h, line, sizeof(line));
	return !same_file(path, line);
}

/* A file of ours: one line "<mac>,id:*,tag:<its own name>,..." (or, written
 * before id:*, "<mac>,tag:<its own name>,..."). */
static int dnsmasq_ours(const struct hp_dhcp_conf *c, const char *name)
{
	char path[300], buf[256], tag[HP_IFNAMSIZ + 8];
	const char *p;
	struct stat sb;
	ssize_t n;
	int fd;

	if (dnsmasq_path(c, name, path, sizeof(path)) || lstat(path, &sb) || !S_ISREG(sb.st_mode))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	snprintf(tag, sizeof(tag), ",tag:%s,", name);
	if (strlen(buf) != (size_t)n || buf[n - 1] != '\n' || strchr(buf, '\n')[1] || n < 17)
		return 0;
	p = buf + 17;
	if (!strncmp(p, ",id:*", 5))
		p += 5;
	return !strncmp(p, tag, strlen(tag));
}

int hp_dhcp_hosts_each(const struct hp_dhcp_conf *c, int (*cb)(const char *ifname, void *data),
		       void *data)
{
	struct dirent *e;
	DIR *d = opendir(c->dir);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!rc && (e = readdir(d)))
		if (e->d_name[0] != '.' && dnsmasq_ours(c, e->d_name))
			rc = cb(e->d_name, data);
	closedir(d);
	return rc;
}
