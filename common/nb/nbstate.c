/* network-bridge's state file: see nbstate.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/lock.h"
#include "hp/log.h"
#include "hp/nbstate.h"

#define STATE_VERSION "1"
#define PREFIX "network-bridge."
#define SUFFIX ".state"

int hp_nbstate_path(const char *netdev, char *buf, size_t size)
{
	char name[64];

	snprintf(name, sizeof(name), PREFIX "%s" SUFFIX, netdev);
	return hp_run_path(name, buf, size);
}

/* ---- writing -------------------------------------------------------------- */

static void write_msgs(FILE *f, const char *key, const struct hp_nm_msg *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		const unsigned char *p = v[i].data;

		fprintf(f, "%s ", key);
		for (j = 0; j < v[i].len; j++)
			fprintf(f, "%02x", p[j]);
		fputc('\n', f);
	}
}

int hp_nbstate_write(FILE *f, const struct hp_nbstate *st)
{
	const unsigned char *m = st->nic_mac;

	fprintf(f, "# network-bridge state (xen-hotplug-ng): what `stop` restores; do not edit\n");
	fprintf(f, "version=" STATE_VERSION "\nnetdev=%s\nport=%s\nbridge=%s\ntmp=%s\n", st->netdev,
		st->port, st->bridge, st->tmp);
	fprintf(f, "nic_ifindex=%d\nnic_up=%d\nnic_mtu=%u\n", st->nic_ifindex, !!st->nic_up,
		st->nic_mtu);
	fprintf(f, "nic_mac=%02x:%02x:%02x:%02x:%02x:%02x\nantispoof=%d\n", m[0], m[1], m[2], m[3],
		m[4], m[5], !!st->antispoof);
	write_msgs(f, "addr", st->snap.addrs, st->snap.naddrs);
	write_msgs(f, "route", st->snap.routes, st->snap.nroutes);
	return ferror(f) ? -EIO : 0;
}

int hp_nbstate_save(const char *path, const struct hp_nbstate *st)
{
	char tmp[4200];
	FILE *f;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (!(f = fdopen(fd, "w"))) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	rc = hp_nbstate_write(f, st);
	if (fflush(f) || fsync(fd))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

/* ---- reading -------------------------------------------------------------- */

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int read_msg(struct hp_nbstate *st, int route, const char *hex)
{
	size_t len = strlen(hex) / 2, i;
	unsigned char *buf;
	int rc = 0;

	if (strlen(hex) % 2 || !len || len > HP_NM_MSG_MAX)
		return -EINVAL;
	if (!(buf = malloc(len)))
		return -ENOMEM;
	for (i = 0; i < len && !rc; i++) {
		int hi = unhex(hex[2 * i]), lo = unhex(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			rc = -EINVAL;
		else
			buf[i] = (unsigned char)(hi << 4 | lo);
	}
	if (!rc)
		rc = hp_nm_snap_add(&st->snap, route, buf, len);
	free(buf);
	return rc;
}

static int read_field(struct hp_nbstate *st, const char *k, const char *v)
{
	char *names[] = { st->netdev, st->port, st->bridge, st->tmp };
	static const char *const keys[] = { "netdev", "port", "bridge", "tmp" };
	unsigned long u;
	size_t i;

	if (!strcmp(k, "version"))
		return strcmp(v, STATE_VERSION) ? -EINVAL : 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(k, keys[i]))
			continue;
		if (hp_parse_ifname(v))
			return -EINVAL;
		snprintf(names[i], HP_IFNAMSIZ, "%s", v);
		return 0;
	}
	if (!strcmp(k, "nic_mac"))
		return hp_parse_mac(v, st->nic_mac, 0);
	if (hp_parse_uint(v, 0x7fffffff, &u))
		return -EINVAL;
	if (!strcmp(k, "nic_ifindex"))
		st->nic_ifindex = (int)u;
	else if (!strcmp(k, "nic_up"))
		st->nic_up = !!u;
	else if (!strcmp(k, "nic_mtu"))
		st->nic_mtu = (unsigned int)u;
	else if (!strcmp(k, "antispoof"))
		st->antispoof = !!u;
	else
		return -EINVAL;
	return 0;
}

static int read_line(struct hp_nbstate *st, char *line)
{
	char *v;

	if (!*line || *line == '#')
		return 0;
	if (!strncmp(line, "addr ", 5))
		return read_msg(st, 0, line + 5);
	if (!strncmp(line, "route ", 6))
		return read_msg(st, 1, line + 6);
	if (!(v = strchr(line, '=')))
		return -EINVAL;
	*v++ = '\0';
	return read_field(st, line, v);
}

int hp_nbstate_read(FILE *f, struct hp_nbstate *st, unsigned int *lineno)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	*lineno = 0;
	while (!rc && (len = getline(&line, &cap, f)) >= 0) {
		++*lineno;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		/* a NUL inside would hide the rest of the line */
		rc = strlen(line) != (size_t)len ? -EINVAL : read_line(st, line);
	}
	free(line);
	if (!rc &&
	    (!*st->netdev || !*st->port || !*st->bridge || !*st->tmp || st->nic_ifindex <= 0)) {
		*lineno = 0;
		rc = -EINVAL;
	}
	return rc;
}

void hp_nbstate_free(struct hp_nbstate *st)
{
	hp_nm_snap_free(&st->snap);
}

static int load(const char *path, struct hp_nbstate *st, unsigned int *lineno)
{
	FILE *f = fopen(path, "re");
	int rc;

	memset(st, 0, sizeof(*st));
	*lineno = 0;
	if (!f)
		return -errno;
	rc = hp_nbstate_read(f, st, lineno);
	fclose(f);
	return rc;
}

int hp_nbstate_load(const char *path, struct hp_nbstate *st)
{
	unsigned int lineno;
	int rc = load(path, st, &lineno);

	if (rc == -EINVAL && lineno)
		hp_err("unable to read the state file '%s': invalid line %u", path, lineno);
	else if (rc == -EINVAL)
		hp_err("unable to read the state file '%s': an item is missing", path);
	else if (rc && rc != -ENOENT)
		hp_err("unable to read the state file '%s': %s", path, strerror(-rc));
	return rc;
}

int hp_nbstate_find(const char *bridge, char netdev[HP_IFNAMSIZ])
{
	DIR *d = opendir(hp_run_dir());
	struct hp_nbstate st;
	struct dirent *e;
	char path[4096];
	unsigned int lineno;
	int found = 0;

	if (!d)
		return -ENOENT;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, PREFIX, strlen(PREFIX)) ||
		    len <= strlen(PREFIX) + strlen(SUFFIX) ||
		    strcmp(e->d_name + len - strlen(SUFFIX), SUFFIX) ||
		    hp_run_path(e->d_name, path, sizeof(path)))
			continue;
		if (load(path, &st, &lineno)) {
			hp_dbg("state file '%s' passed over: unreadable", path);
		} else if (!bridge || !strcmp(st.bridge, bridge)) {
			snprintf(netdev, HP_IFNAMSIZ, "%s", st.netdev);
			found++;
		}
		hp_nbstate_free(&st);
		if (bridge && found)
			break;
	}
	closedir(d);
	return !found ? -ENOENT : found > 1 ? -EEXIST : 0;
}
