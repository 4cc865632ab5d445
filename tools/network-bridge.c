/*
 * network-bridge: turn a host's network interface into a Xen bridge, and
 * back, without ever leaving the host half-configured.
 *
 * Usage (by an administrator, or a boot unit):
 *   network-bridge start|stop|status [netdev=NIC] [bridge=BR] [antispoof=yes|no]
 *
 * netdev     the NIC (default: the device of the default route, IPv4 then
 *            IPv6; after a start, that is the bridge, and the NIC is found
 *            from the state file)
 * bridge     the bridge's name (default: netdev).  bridge = netdev: the NIC
 *            is renamed p<netdev> and the bridge takes its name, so that
 *            everything configured by name (firewall, daemons, policy
 *            rules) follows the host's address.  bridge != netdev (e.g.
 *            xenbr0): the NIC keeps its name and becomes the port of a new
 *            bridge of that name (upstream renamed it anyway and left the
 *            old name unused).  bridge=null is refused.
 * antispoof  yes: unguarded guests on this bridge get nothing forwarded
 *            (fw-bridge-policy.h); default no.
 * Parameters come from the environment, then the arguments, as upstream.
 *
 * start: record the NIC's state, create the bridge (STP off, forward
 * delay 0, the NIC's MTU and MAC), move the NIC's addresses and routes
 * (every table, IPv4 and IPv6) onto it, rename, enslave, bring up.  Each
 * step is undone, in reverse, when a later one fails.  stop: the same
 * transaction the other way, from the state file.  status: the bridge, its
 * ports, addresses and routes, in words.
 *
 * Files: $XEN_HOTPLUG_RUN_DIR (default /run/xen-hotplug)/
 *   network-bridge.<netdev>.lock   flock against a concurrent start/stop
 *   network-bridge.<netdev>.state  what stop needs (written atomically)
 * Test hooks (never set in production): XEN_HOTPLUG_FAIL_STEP=<n|name>
 * makes that step fail before it runs; XEN_HOTPLUG_PROC_MOUNTS replaces
 * /proc/mounts.
 *
 * Exit: 0 success (also start when already started, stop when not
 * started), 1 failure or refusal, 2 usage.  Messages go to stderr, syslog
 * and xen-hotplug.log; status writes to stdout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fw-bridge-policy.h"
#include "link.h"
#include "lock.h"
#include "log.h"
#include "netmove.h"
#include "params.h"
#include "parse.h"

#define STATE_VERSION "1"
#define MAX_PORTS 64

static const char usage[] =
	"usage: network-bridge start|stop|status [netdev=NIC] [bridge=BR] [antispoof=yes|no]\n"
	"Moves a network interface under a Xen bridge (start) and back (stop):\n"
	"addresses and routes follow, a failed step undoes the ones before it.\n"
	"netdev defaults to the device of the default route, bridge to netdev (the\n"
	"NIC is then renamed p<netdev> and the bridge takes its name).\n";

struct nb {
	struct hp_params params;
	const char *command;
	struct hp_nl *nl;
	char netdev[HP_IFNAMSIZ]; /* the NIC's original name */
	char port[HP_IFNAMSIZ];	  /* its name as a port */
	char bridge[HP_IFNAMSIZ];
	char tmp[HP_IFNAMSIZ]; /* the bridge's name until the NIC frees its own */
	int rename;	       /* bridge == netdev */
	int antispoof, strict_full;
	int nic_up;
	unsigned int nic_mtu;
	unsigned char nic_mac[6];
	int nic_ifindex, br_ifindex;
	struct hp_nm_snap snap; /* the NIC's, at start (from the state file at stop) */
	struct hp_nm_snap cur;	/* the bridge's, at stop */
	char state_path[4096];
	char what[256];
};

struct step {
	const char *name;
	int (*run)(struct nb *b);
	void (*undo)(struct nb *b);
};

/* ---- small helpers ---------------------------------------------------- */

static int fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hp_err("%s: %s", msg, strerror(rc < 0 ? -rc : rc));
	return -1;
}

/* The link as the kernel has it now (names and flags change under us). */
static int get(struct nb *b, int ifindex, struct hp_link *l)
{
	return hp_link_get_index(b->nl, ifindex, l);
}

/* Taking down or releasing a link that is gone is done already. */
static int set_up(struct nb *b, int ifindex, int up)
{
	int rc = hp_link_set_up(b->nl, ifindex, up);

	return rc == -ENODEV && !up ? 0 : rc;
}

static int rename_link(struct nb *b, int ifindex, const char *name)
{
	return hp_link_rename(b->nl, ifindex, name);
}

static int set_master(struct nb *b, int ifindex, int master)
{
	int rc = hp_link_set_master(b->nl, ifindex, master);

	return rc == -ENODEV && !master ? 0 : rc;
}

static const char *yes(int v)
{
	return v ? "1" : "0";
}

/* ---- the state file ----------------------------------------------------- */

/* Written to a temporary file, synced, renamed over: a crash leaves the
 * old file or the new one, never a half. */
static int state_write(struct nb *b)
{
	char tmp[4200];
	FILE *f;
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", b->state_path);
	if (mkdir(hp_run_dir(), 0755) && errno != EEXIST)
		return -errno;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (!(f = fdopen(fd, "w"))) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	fprintf(f, "# network-bridge state (xen-hotplug-ng): what `stop` restores; do not edit\n");
	fprintf(f, "version=" STATE_VERSION "\nnetdev=%s\nport=%s\nbridge=%s\ntmp=%s\n", b->netdev,
		b->port, b->bridge, b->tmp);
	fprintf(f, "nic_ifindex=%d\nnic_up=%s\nnic_mtu=%u\n", b->nic_ifindex, yes(b->nic_up),
		b->nic_mtu);
	fprintf(f, "nic_mac=%02x:%02x:%02x:%02x:%02x:%02x\nantispoof=%s\n", b->nic_mac[0],
		b->nic_mac[1], b->nic_mac[2], b->nic_mac[3], b->nic_mac[4], b->nic_mac[5],
		yes(b->antispoof));
	rc = hp_nm_snap_write(f, &b->snap);
	if (fflush(f) || fsync(fd))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, b->state_path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

static int state_field(struct nb *b, const char *k, const char *v)
{
	unsigned long u;

	if (!strcmp(k, "version"))
		return strcmp(v, STATE_VERSION) ? -EINVAL : 0;
	if (!strcmp(k, "netdev") || !strcmp(k, "port") || !strcmp(k, "bridge") || !strcmp(k, "tmp")) {
		char *dst = !strcmp(k, "netdev") ? b->netdev : !strcmp(k, "port") ? b->port
						    : !strcmp(k, "bridge") ? b->bridge : b->tmp;

		if (hp_parse_ifname(v))
			return -EINVAL;
		snprintf(dst, HP_IFNAMSIZ, "%s", v);
		return 0;
	}
	if (!strcmp(k, "nic_mac"))
		return hp_parse_mac(v, b->nic_mac, 0);
	if (hp_parse_uint(v, 0x7fffffff, &u))
		return -EINVAL;
	if (!strcmp(k, "nic_ifindex"))
		b->nic_ifindex = (int)u;
	else if (!strcmp(k, "nic_up"))
		b->nic_up = !!u;
	else if (!strcmp(k, "nic_mtu"))
		b->nic_mtu = (unsigned int)u;
	else if (!strcmp(k, "antispoof"))
		b->antispoof = !!u;
	else
		return -EINVAL;
	return 0;
}

/* 0, -ENOENT (not started), or -EINVAL with a logged line. */
static int state_read(struct nb *b)
{
	char *line = NULL, *v;
	unsigned int lineno = 0;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int rc = 0;

	if (!(f = fopen(b->state_path, "re")))
		return -errno;
	while (!rc && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!*line || *line == '#')
			continue;
		if ((v = strchr(line, ' ')) && (!strncmp(line, "addr ", 5) || !strncmp(line, "route ", 6))) {
			*v++ = '\0';
			rc = hp_nm_snap_read_line(&b->snap, line, v);
		} else if ((v = strchr(line, '='))) {
			*v++ = '\0';
			rc = state_field(b, line, v);
		} else {
			rc = -EINVAL;
		}
	}
	free(line);
	fclose(f);
	if (!rc && (!*b->netdev || !*b->port || !*b->bridge || !*b->tmp || b->nic_ifindex <= 0))
		rc = -EINVAL;
	if (rc) {
		hp_err("unable to read the state file '%s': invalid line %u", b->state_path, lineno);
		return -EINVAL;
	}
	b->rename = !strcmp(b->bridge, b->netdev);
	return 0;
}

/* ---- start's steps ------------------------------------------------------ */

static int s_save_state(struct nb *b)
{
	int rc = state_write(b);

	return rc ? fail(rc, "unable to write the state file '%s'", b->state_path) : 0;
}

static void u_save_state(struct nb *b)
{
	unlink(b->state_path);
}

static int s_create_bridge(struct nb *b)
{
	const char *name = b->rename ? b->tmp : b->bridge;
	struct hp_link l;
	int rc;

	rc = hp_nm_bridge_create(b->nl, name, b->nic_mtu, b->nic_mac);
	if (!rc)
		rc = hp_link_get(b->nl, name, &l);
	if (rc)
		return fail(rc, "unable to create bridge '%s'", name);
	b->br_ifindex = l.ifindex;
	return 0;
}

static void u_create_bridge(struct nb *b)
{
	if (b->br_ifindex)
		hp_nm_link_del(b->nl, b->br_ifindex);
}

static int s_nic_routes_del(struct nb *b)
{
	int rc = hp_nm_routes_del(b->nl, &b->snap, b->nic_ifindex, b->nic_ifindex, b->what,
				  sizeof(b->what));

	return rc ? fail(rc, "unable to remove route '%s' from '%s'", b->what, b->netdev) : 0;
}

static void u_nic_routes_del(struct nb *b)
{
	hp_nm_routes_add(b->nl, &b->snap, b->nic_ifindex, b->nic_ifindex, b->what, sizeof(b->what));
}

static int s_nic_addrs_del(struct nb *b)
{
	int rc = hp_nm_addrs_del(b->nl, &b->snap, b->nic_ifindex, b->what, sizeof(b->what));

	return rc ? fail(rc, "unable to remove address '%s' from '%s'", b->what, b->netdev) : 0;
}

static void u_nic_addrs_del(struct nb *b)
{
	hp_nm_addrs_add(b->nl, &b->snap, b->nic_ifindex, b->netdev, b->what, sizeof(b->what));
}

static int s_nic_down(struct nb *b)
{
	int rc = set_up(b, b->nic_ifindex, 0);

	return rc ? fail(rc, "unable to bring '%s' down", b->netdev) : 0;
}

static void u_nic_down(struct nb *b)
{
	if (b->nic_up)
		set_up(b, b->nic_ifindex, 1);
}

static int s_nic_rename(struct nb *b)
{
	int rc = b->rename ? rename_link(b, b->nic_ifindex, b->port) : 0;

	return rc ? fail(rc, "unable to rename '%s' to '%s'", b->netdev, b->port) : 0;
}

static void u_nic_rename(struct nb *b)
{
	rename_link(b, b->nic_ifindex, b->netdev);
}

static int s_bridge_rename(struct nb *b)
{
	int rc = b->rename ? rename_link(b, b->br_ifindex, b->bridge) : 0;

	return rc ? fail(rc, "unable to rename bridge '%s' to '%s'", b->tmp, b->bridge) : 0;
}

static void u_bridge_rename(struct nb *b)
{
	if (b->rename)
		rename_link(b, b->br_ifindex, b->tmp);
}

static int s_enslave(struct nb *b)
{
	int rc = set_master(b, b->nic_ifindex, b->br_ifindex);

	return rc ? fail(rc, "unable to attach '%s' to bridge '%s'", b->port, b->bridge) : 0;
}

static void u_enslave(struct nb *b)
{
	set_master(b, b->nic_ifindex, 0);
}

static int s_nic_up(struct nb *b)
{
	int rc = set_up(b, b->nic_ifindex, 1);

	return rc ? fail(rc, "unable to bring '%s' up", b->port) : 0;
}

static void u_nic_up(struct nb *b)
{
	set_up(b, b->nic_ifindex, 0);
}

static int s_bridge_up(struct nb *b)
{
	int rc = set_up(b, b->br_ifindex, 1);

	return rc ? fail(rc, "unable to bring bridge '%s' up", b->bridge) : 0;
}

static void u_bridge_up(struct nb *b)
{
	set_up(b, b->br_ifindex, 0);
}

static int s_bridge_addrs(struct nb *b)
{
	int rc = hp_nm_addrs_add(b->nl, &b->snap, b->br_ifindex, b->bridge, b->what,
				 sizeof(b->what));

	return rc ? fail(rc, "unable to add address '%s' to bridge '%s'", b->what, b->bridge) : 0;
}

static void u_bridge_addrs(struct nb *b)
{
	hp_nm_addrs_del(b->nl, &b->snap, b->br_ifindex, b->what, sizeof(b->what));
}

static int s_bridge_routes(struct nb *b)
{
	int rc = hp_nm_routes_add(b->nl, &b->snap, b->nic_ifindex, b->br_ifindex, b->what,
				  sizeof(b->what));

	return rc ? fail(rc, "unable to add route '%s' through bridge '%s'", b->what, b->bridge) : 0;
}

static void u_bridge_routes(struct nb *b)
{
	hp_nm_routes_del(b->nl, &b->snap, b->nic_ifindex, b->br_ifindex, b->what, sizeof(b->what));
}

static int s_antispoof(struct nb *b)
{
	int rc;

	if (!b->antispoof)
		return 0;
	if ((rc = hp_fw_bridge_policy_add(b->bridge, b->port, &b->strict_full)))
		return fail(rc, "unable to install the antispoof policy of bridge '%s'", b->bridge);
	return 0;
}

static void u_antispoof(struct nb *b)
{
	if (b->antispoof)
		hp_fw_bridge_policy_del(b->bridge, b->port);
}

static const struct step start_steps[] = {
	{ "save-state", s_save_state, u_save_state },
	{ "create-bridge", s_create_bridge, u_create_bridge },
	{ "remove-nic-routes", s_nic_routes_del, u_nic_routes_del },
	{ "remove-nic-addresses", s_nic_addrs_del, u_nic_addrs_del },
	{ "nic-down", s_nic_down, u_nic_down },
	{ "rename-nic", s_nic_rename, u_nic_rename },
	{ "rename-bridge", s_bridge_rename, u_bridge_rename },
	{ "enslave", s_enslave, u_enslave },
	{ "nic-up", s_nic_up, u_nic_up },
	{ "bridge-up", s_bridge_up, u_bridge_up },
	{ "bridge-addresses", s_bridge_addrs, u_bridge_addrs },
	{ "bridge-routes", s_bridge_routes, u_bridge_routes },
	{ "antispoof", s_antispoof, u_antispoof },
	{ NULL, NULL, NULL },
};

/* ---- stop's steps: start's, the other way -------------------------------- */

static int s_antispoof_off(struct nb *b)
{
	if (b->antispoof)
		hp_fw_bridge_policy_del(b->bridge, b->port);
	return 0;
}

static void u_antispoof_off(struct nb *b)
{
	if (b->antispoof)
		hp_fw_bridge_policy_add(b->bridge, b->port, &b->strict_full);
}

static int s_br_routes_del(struct nb *b)
{
	int rc = hp_nm_routes_del(b->nl, &b->cur, b->br_ifindex, b->br_ifindex, b->what,
				  sizeof(b->what));

	return rc ? fail(rc, "unable to remove route '%s' from bridge '%s'", b->what, b->bridge) : 0;
}

static void u_br_routes_del(struct nb *b)
{
	hp_nm_routes_add(b->nl, &b->cur, b->br_ifindex, b->br_ifindex, b->what, sizeof(b->what));
}

static int s_br_addrs_del(struct nb *b)
{
	int rc = hp_nm_addrs_del(b->nl, &b->cur, b->br_ifindex, b->what, sizeof(b->what));

	return rc ? fail(rc, "unable to remove address '%s' from bridge '%s'", b->what, b->bridge)
		  : 0;
}

static void u_br_addrs_del(struct nb *b)
{
	hp_nm_addrs_add(b->nl, &b->cur, b->br_ifindex, b->bridge, b->what, sizeof(b->what));
}

static int s_bridge_down(struct nb *b)
{
	int rc = set_up(b, b->br_ifindex, 0);

	return rc ? fail(rc, "unable to bring bridge '%s' down", b->bridge) : 0;
}

static void u_bridge_down(struct nb *b)
{
	set_up(b, b->br_ifindex, 1);
}

static int s_port_down(struct nb *b)
{
	int rc = set_up(b, b->nic_ifindex, 0);

	return rc ? fail(rc, "unable to bring '%s' down", b->port) : 0;
}

static void u_port_down(struct nb *b)
{
	set_up(b, b->nic_ifindex, 1);
}

static int s_release(struct nb *b)
{
	int rc = set_master(b, b->nic_ifindex, 0);

	return rc ? fail(rc, "unable to release '%s' from bridge '%s'", b->port, b->bridge) : 0;
}

static void u_release(struct nb *b)
{
	set_master(b, b->nic_ifindex, b->br_ifindex);
}

static int s_bridge_unname(struct nb *b)
{
	int rc = b->rename ? rename_link(b, b->br_ifindex, b->tmp) : 0;

	return rc ? fail(rc, "unable to rename bridge '%s' to '%s'", b->bridge, b->tmp) : 0;
}

static void u_bridge_unname(struct nb *b)
{
	if (b->rename)
		rename_link(b, b->br_ifindex, b->bridge);
}

static int s_nic_name(struct nb *b)
{
	int rc = b->rename ? rename_link(b, b->nic_ifindex, b->netdev) : 0;

	return rc ? fail(rc, "unable to rename '%s' to '%s'", b->port, b->netdev) : 0;
}

static void u_nic_name(struct nb *b)
{
	if (b->rename)
		rename_link(b, b->nic_ifindex, b->port);
}

/* The NIC's MTU and MAC are never changed by start; put back what
 * something else may have changed meanwhile.  Nothing to undo: the
 * recorded values are the ones it must have. */
static int s_nic_link(struct nb *b)
{
	int rc;

	if (!(rc = hp_link_set_mtu(b->nl, b->nic_ifindex, b->nic_mtu)))
		rc = hp_link_set_mac(b->nl, b->nic_ifindex, b->nic_mac);
	return rc ? fail(rc, "unable to restore the MTU and MAC of '%s'", b->netdev) : 0;
}

static int s_nic_restore_up(struct nb *b)
{
	int rc = b->nic_up ? set_up(b, b->nic_ifindex, 1) : 0;

	return rc ? fail(rc, "unable to bring '%s' up", b->netdev) : 0;
}

static void u_nic_restore_up(struct nb *b)
{
	set_up(b, b->nic_ifindex, 0);
}

/* What the bridge carries now first (current lifetimes, changes made
 * since start), then the record (what a crashed start may have lost). */
static int s_nic_addrs(struct nb *b)
{
	int rc = hp_nm_addrs_add(b->nl, &b->cur, b->nic_ifindex, b->netdev, b->what,
				 sizeof(b->what));

	if (!rc)
		rc = hp_nm_addrs_add(b->nl, &b->snap, b->nic_ifindex, b->netdev, b->what,
				     sizeof(b->what));
	return rc ? fail(rc, "unable to add address '%s' to '%s'", b->what, b->netdev) : 0;
}

static void u_nic_addrs(struct nb *b)
{
	hp_nm_addrs_del(b->nl, &b->cur, b->nic_ifindex, b->what, sizeof(b->what));
	hp_nm_addrs_del(b->nl, &b->snap, b->nic_ifindex, b->what, sizeof(b->what));
}

static int s_nic_routes(struct nb *b)
{
	int rc = hp_nm_routes_add(b->nl, &b->cur, b->br_ifindex, b->nic_ifindex, b->what,
				  sizeof(b->what));

	if (!rc)
		rc = hp_nm_routes_add(b->nl, &b->snap, b->nic_ifindex, b->nic_ifindex, b->what,
				      sizeof(b->what));
	return rc ? fail(rc, "unable to add route '%s' through '%s'", b->what, b->netdev) : 0;
}

static void u_nic_routes(struct nb *b)
{
	hp_nm_routes_del(b->nl, &b->cur, b->br_ifindex, b->nic_ifindex, b->what, sizeof(b->what));
	hp_nm_routes_del(b->nl, &b->snap, b->nic_ifindex, b->nic_ifindex, b->what,
			 sizeof(b->what));
}

static int s_bridge_del(struct nb *b)
{
	int rc = b->br_ifindex ? hp_nm_link_del(b->nl, b->br_ifindex) : 0;

	return rc ? fail(rc, "unable to delete bridge '%s'", b->tmp) : 0;
}

static int s_state_del(struct nb *b)
{
	if (unlink(b->state_path) && errno != ENOENT)
		hp_warn("unable to remove '%s': %s", b->state_path, strerror(errno));
	return 0;
}

static void u_state_del(struct nb *b)
{
	int rc = state_write(b);

	if (rc)
		hp_err("unable to write the state file '%s' again: %s", b->state_path, strerror(-rc));
}

static const struct step stop_steps[] = {
	{ "antispoof-off", s_antispoof_off, u_antispoof_off },
	{ "remove-bridge-routes", s_br_routes_del, u_br_routes_del },
	{ "remove-bridge-addresses", s_br_addrs_del, u_br_addrs_del },
	{ "bridge-down", s_bridge_down, u_bridge_down },
	{ "port-down", s_port_down, u_port_down },
	{ "release", s_release, u_release },
	{ "rename-bridge", s_bridge_unname, u_bridge_unname },
	{ "rename-nic", s_nic_name, u_nic_name },
	{ "nic-mtu-mac", s_nic_link, NULL },
	{ "nic-up", s_nic_restore_up, u_nic_restore_up },
	{ "nic-addresses", s_nic_addrs, u_nic_addrs },
	{ "nic-routes", s_nic_routes, u_nic_routes },
	{ "remove-state", s_state_del, u_state_del },
	/* last: nothing after it can fail, so it needs no undo */
	{ "delete-bridge", s_bridge_del, NULL },
	{ NULL, NULL, NULL },
};

/* ---- the transaction ------------------------------------------------------ */

/* XEN_HOTPLUG_FAIL_STEP: a test hook.  Step i (from 1) or its name fails
 * before it runs, as a real failure would. */
static int injected(const struct step *s, size_t i)
{
	const char *v = getenv("XEN_HOTPLUG_FAIL_STEP");
	unsigned long n;

	if (!v || !*v)
		return 0;
	if (!hp_parse_uint(v, 1000, &n))
		return n == i + 1;
	return !strcmp(v, s->name);
}

/* Runs the steps; on a failure undoes the failed step (it may have done
 * part of its work: every undo is idempotent) and those before it, in
 * reverse.  0 or 1. */
static int transact(struct nb *b, const struct step *steps)
{
	size_t i, j;

	for (i = 0; steps[i].name; i++) {
		int inj = injected(&steps[i], i);

		hp_dbg("%s: step %zu '%s'", b->command, i + 1, steps[i].name);
		if (inj)
			hp_err("step %zu '%s': failure injected by XEN_HOTPLUG_FAIL_STEP", i + 1,
			       steps[i].name);
		if (inj || steps[i].run(b)) {
			j = inj ? i : i + 1;
			if (j)
				hp_err("%s failed at step %zu '%s': undoing steps %zu to 1", b->command,
				       i + 1, steps[i].name, j);
			else
				hp_err("%s failed at step 1 '%s': nothing to undo", b->command,
				       steps[i].name);
			while (j-- > 0) {
				if (steps[j].undo) {
					hp_dbg("%s: undoing step %zu '%s'", b->command, j + 1,
					       steps[j].name);
					steps[j].undo(b);
				}
			}
			return 1;
		}
	}
	return 0;
}

/* ---- checks before start ---------------------------------------------- */

/* A root filesystem on the network would hang while the NIC moves, and
 * its server may be reached through it (upstream's is_network_root, with
 * the mount table instead of the kernel command line).  A network
 * filesystem at "/" is refused, whatever NIC it uses: telling which one
 * it needs would mean resolving its server through the routing table as
 * it will be during the move.  iSCSI or NBD roots look like local disks
 * here and are not detected. */
static int network_root(char *fstype, size_t size)
{
	static const char *const netfs[] = { "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p",
					     "ceph", "glusterfs", "fuse.sshfs", "afs", NULL };
	const char *path = getenv("XEN_HOTPLUG_PROC_MOUNTS");
	char *line = NULL, dev[256], mnt[256], type[64], opts[1024];
	size_t cap = 0;
	int found = 0, i;
	FILE *f;

	if (!path || !*path)
		path = "/proc/mounts";
	if (!(f = fopen(path, "re")))
		return 0;
	/* The last mount on "/" is the one in use. */
	while (getline(&line, &cap, f) >= 0) {
		if (sscanf(line, "%255s %255s %63s %1023s", dev, mnt, type, opts) != 4 ||
		    strcmp(mnt, "/"))
			continue;
		found = 0;
		for (i = 0; netfs[i]; i++)
			if (!strcmp(type, netfs[i]))
				found = 1;
		if (strstr(opts, "_netdev"))
			found = 1;
		if (found)
			snprintf(fstype, size, "%s from %s", type, dev);
	}
	free(line);
	fclose(f);
	return found;
}

/* ---- commands ------------------------------------------------------------ */

static int lock_and_path(struct nb *b, int *fd)
{
	char name[64];
	int rc;

	snprintf(name, sizeof(name), "network-bridge.%s", b->netdev);
	if ((rc = hp_lock_take(name, fd)))
		return fail(rc, "unable to take the lock '%s/%s.lock'", hp_run_dir(), name);
	snprintf(name, sizeof(name), "network-bridge.%s.state", b->netdev);
	if ((rc = hp_run_path(name, b->state_path, sizeof(b->state_path))))
		return fail(rc, "unable to name the state file");
	return 0;
}

/* A recorded start is complete when its NIC is a port of its bridge. */
static int started(struct nb *b)
{
	struct hp_link nic, br;

	return !get(b, b->nic_ifindex, &nic) && nic.master &&
	       !get(b, nic.master, &br) && br.is_bridge && !strcmp(br.name, b->bridge);
}

static int cmd_start(struct nb *b)
{
	struct hp_link nic, l;
	char fs[400];
	int rc;

	if (!strcmp(b->bridge, "null")) {
		hp_err("refusing to start: bridge=null means no bridge");
		return 1;
	}
	if ((rc = state_read(b)) != -ENOENT) {
		if (rc)
			return 1;
		if (started(b)) {
			hp_info("'%s' is bridged already (bridge '%s', port '%s'): nothing to do",
				b->netdev, b->bridge, b->port);
			return 0;
		}
		hp_err("refusing to start: a start of '%s' did not finish (state file '%s'); run "
		       "'network-bridge stop netdev=%s' to restore what it recorded",
		       b->netdev, b->state_path, b->netdev);
		return 1;
	}

	if ((rc = hp_link_get(b->nl, b->netdev, &nic)))
		return fail(rc, "unable to find '%s'", b->netdev);
	if (nic.is_bridge) {
		hp_info("'%s' is a bridge already: nothing to do", b->netdev);
		return 0;
	}
	if (nic.master) {
		if (!get(b, nic.master, &l) && !strcmp(l.name, b->bridge) && l.is_bridge) {
			hp_info("'%s' is a port of bridge '%s' already: nothing to do", b->netdev,
				b->bridge);
			return 0;
		}
		hp_err("refusing to start: '%s' is a port of '%s' already", b->netdev,
		       get(b, nic.master, &l) ? "?" : l.name);
		return 1;
	}
	if (nic.flags & IFF_LOOPBACK) {
		hp_err("refusing to start: '%s' is a loopback device", b->netdev);
		return 1;
	}
	if (network_root(fs, sizeof(fs))) {
		hp_err("refusing to start: the root filesystem is a network filesystem (%s); moving "
		       "'%s' under a bridge would cut the host off from it; configure the bridge "
		       "with the distribution's network setup, in the initramfs",
		       fs, b->netdev);
		return 1;
	}
	if (b->rename) {
		if (strlen(b->netdev) + 1 >= HP_IFNAMSIZ) {
			hp_err("refusing to start: 'p%s' would be longer than 15 characters; give "
			       "bridge= another name", b->netdev);
			return 1;
		}
		snprintf(b->port, sizeof(b->port), "p%s", b->netdev);
		if (!hp_link_get(b->nl, b->port, &l)) {
			hp_err("refusing to start: '%s' exists already", b->port);
			return 1;
		}
	} else {
		snprintf(b->port, sizeof(b->port), "%s", b->netdev);
		if (!hp_link_get(b->nl, b->bridge, &l)) {
			hp_err("refusing to start: '%s' exists already and '%s' is not its port; "
			       "remove it or choose another bridge=", b->bridge, b->netdev);
			return 1;
		}
	}
	snprintf(b->tmp, sizeof(b->tmp), "xhpbr%d", nic.ifindex);
	b->nic_ifindex = nic.ifindex;
	b->nic_up = !!(nic.flags & IFF_UP);
	b->nic_mtu = nic.mtu;
	memcpy(b->nic_mac, nic.mac, 6);
	if ((rc = hp_nm_snapshot(b->nl, nic.ifindex, 0, &b->snap, b->what, sizeof(b->what)))) {
		if (rc == -EOPNOTSUPP)
			hp_err("refusing to start: route '%s' uses a nexthop object, which cannot "
			       "be moved", b->what);
		else
			fail(rc, "unable to read the addresses and routes of '%s'", b->netdev);
		return 1;
	}
	hp_dbg("moving %zu addresses and %zu routes", b->snap.naddrs, b->snap.nroutes);
	if (transact(b, start_steps))
		return 1;
	hp_info("started: bridge '%s' with port '%s', %zu addresses and %zu routes moved%s", b->bridge,
		b->port, b->snap.naddrs, b->snap.nroutes,
		!b->antispoof ? "" : b->strict_full ? ", antispoof on" : ", antispoof on (uplink only)");
	return 0;
}

static int cmd_stop(struct nb *b)
{
	struct hp_link br, nic;
	int rc;

	if ((rc = state_read(b)) == -ENOENT) {
		hp_info("'%s' was not started by network-bridge (no '%s'): nothing to do", b->netdev,
			b->state_path);
		return 0;
	}
	if (rc)
		return 1;
	if (hp_link_get(b->nl, b->bridge, &br) || !br.is_bridge)
		memset(&br, 0, sizeof(br));
	/* A start that stopped half way may have left it under its first name. */
	if (!br.ifindex && (hp_link_get(b->nl, b->tmp, &br) || !br.is_bridge))
		memset(&br, 0, sizeof(br));
	b->br_ifindex = br.ifindex;
	if ((rc = get(b, b->nic_ifindex, &nic))) {
		/* The NIC is gone (unplugged): only the bridge is left to remove. */
		hp_warn("'%s' (ifindex %d) is gone: removing bridge '%s' only", b->netdev,
			b->nic_ifindex, b->bridge);
		if (b->br_ifindex && (rc = hp_nm_link_del(b->nl, b->br_ifindex)))
			return fail(rc, "unable to delete bridge '%s'", b->bridge);
		return s_state_del(b);
	}
	if (b->br_ifindex &&
	    (rc = hp_nm_snapshot(b->nl, b->br_ifindex, 0, &b->cur, b->what, sizeof(b->what))))
		return fail(rc, "unable to read the addresses and routes of bridge '%s'", b->bridge);
	if (transact(b, stop_steps))
		return 1;
	hp_info("stopped: '%s' has its addresses and routes back, bridge '%s' removed", b->netdev,
		b->bridge);
	return 0;
}

static void print_objs(const char *title, const struct hp_nm_msg *v, size_t n)
{
	char buf[256];
	size_t i;

	printf("  %s:%s\n", title, n ? "" : " none");
	for (i = 0; i < n; i++) {
		hp_nm_describe(&v[i], buf, sizeof(buf));
		printf("    %s\n", buf);
	}
}

static int show_link(struct nb *b, const struct hp_link *l)
{
	char ports[MAX_PORTS][HP_IFNAMSIZ], what[64];
	struct hp_nm_snap s;
	struct hp_link m;
	int n = 0, i, rc;

	printf("%s: %s%s, %s, mtu %u, mac %02x:%02x:%02x:%02x:%02x:%02x", l->name,
	       l->is_bridge ? "bridge" : *l->kind ? l->kind : "device",
	       l->is_bridge ? "" : "", l->flags & IFF_UP ? "up" : "down", l->mtu, l->mac[0],
	       l->mac[1], l->mac[2], l->mac[3], l->mac[4], l->mac[5]);
	if (l->master && !get(b, l->master, &m))
		printf(", port of bridge %s", m.name);
	printf("\n");
	if (l->is_bridge) {
		if ((rc = hp_nm_bridge_ports(b->nl, l->ifindex, ports, MAX_PORTS, &n)))
			return fail(rc, "unable to list the ports of '%s'", l->name);
		printf("  ports:%s", n ? "" : " none");
		for (i = 0; i < n && i < MAX_PORTS; i++)
			printf(" %s", ports[i]);
		printf("\n");
	}
	if ((rc = hp_nm_snapshot(b->nl, l->ifindex, 1, &s, what, sizeof(what))))
		return fail(rc, "unable to read the addresses and routes of '%s'", l->name);
	print_objs("addresses", s.addrs, s.naddrs);
	print_objs("routes", s.routes, s.nroutes);
	hp_nm_snap_free(&s);
	return 0;
}

static int cmd_status(struct nb *b)
{
	struct hp_link br, nic;
	int rc = state_read(b), ret = 0;

	if (rc && rc != -ENOENT)
		return 1;
	if (!rc) {
		printf("%s: bridged by network-bridge (state '%s'): bridge %s, port %s%s%s\n",
		       b->netdev, b->state_path, b->bridge, b->port,
		       b->antispoof ? ", antispoof" : "", started(b) ? "" : ", INCOMPLETE: run stop");
		if (!hp_link_get(b->nl, b->bridge, &br))
			ret |= show_link(b, &br);
		if (!get(b, b->nic_ifindex, &nic) && nic.ifindex != br.ifindex)
			ret |= show_link(b, &nic);
		return ret ? 1 : 0;
	}
	printf("%s: not bridged by network-bridge\n", b->netdev);
	if ((rc = hp_link_get(b->nl, b->netdev, &nic)))
		return fail(rc, "unable to find '%s'", b->netdev);
	return show_link(b, &nic) ? 1 : 0;
}

/* ---- parameters ------------------------------------------------------- */

/* The NIC whose state file names this bridge, into b->netdev. */
static void find_state_of_bridge(struct nb *b, const char *bridge)
{
	struct dirent *e;
	DIR *d = opendir(hp_run_dir());

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct nb t;

		if (strncmp(e->d_name, "network-bridge.", 15) || len < 22 ||
		    strcmp(e->d_name + len - 6, ".state"))
			continue;
		memset(&t, 0, sizeof(t));
		if (hp_run_path(e->d_name, t.state_path, sizeof(t.state_path)) || state_read(&t)) {
			hp_nm_snap_free(&t.snap);
			continue;
		}
		hp_nm_snap_free(&t.snap);
		if (!strcmp(t.bridge, bridge)) {
			hp_dbg("bridge '%s' is the one network-bridge made for '%s'", bridge, t.netdev);
			snprintf(b->netdev, sizeof(b->netdev), "%s", t.netdev);
			break;
		}
	}
	closedir(d);
}

/* netdev: given, else the default route's device; when that is a bridge
 * network-bridge made, the NIC under it (its state file names it). */
static int resolve(struct nb *b)
{
	const char *netdev = hp_param_str(&b->params, "netdev");
	const char *bridge = hp_param_str(&b->params, "bridge");
	const char *as = hp_param_str(&b->params, "antispoof");
	struct hp_link l;
	int ifindex, rc;

	if (*as && strcmp(as, "yes") && strcmp(as, "no")) {
		hp_err("invalid antispoof '%s': expected yes or no", as);
		return 2;
	}
	b->antispoof = !strcmp(as, "yes");
	if (*bridge && strcmp(bridge, "null") && hp_parse_ifname(bridge)) {
		hp_err("invalid bridge '%s': not a valid interface name", bridge);
		return 2;
	}
	if (*netdev) {
		if (hp_parse_ifname(netdev)) {
			hp_err("invalid netdev '%s': not a valid interface name", netdev);
			return 2;
		}
		snprintf(b->netdev, sizeof(b->netdev), "%s", netdev);
	} else {
		if ((rc = hp_nm_default_dev(b->nl, &ifindex)) || (rc = get(b, ifindex, &l))) {
			fail(rc, "unable to find the device of the default route (give netdev=)");
			return 1;
		}
		snprintf(b->netdev, sizeof(b->netdev), "%s", l.name);
		/* after a start, the default route is on the bridge */
		if (l.is_bridge)
			find_state_of_bridge(b, l.name);
	}
	snprintf(b->bridge, sizeof(b->bridge), "%s", *bridge ? bridge : b->netdev);
	b->rename = !strcmp(b->bridge, b->netdev);
	hp_log_set_dev(b->netdev);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct nb *b);
	int locked;
} commands[] = {
	{ "start", cmd_start, 1 },
	{ "stop", cmd_stop, 1 },
	{ "status", cmd_status, 0 },
};

int main(int argc, char **argv)
{
	static struct nb b;
	int rc, lock = -1;
	size_t i;

	hp_log_init("network-bridge");
	if (hp_params_parse(&b.params, argc, argv) || !b.params.command) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(b.params.command, "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(b.params.command, commands[i].name))
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		hp_err("unknown command '%s': expected start, stop or status", b.params.command);
		fputs(usage, stderr);
		return 2;
	}
	b.command = commands[i].name;
	if ((rc = hp_nl_open(&b.nl))) {
		hp_err("unable to open a netlink socket: %s", strerror(-rc));
		return 1;
	}
	rc = resolve(&b);
	if (!rc && commands[i].locked)
		rc = lock_and_path(&b, &lock) ? 1 : 0;
	else if (!rc) {
		char name[64];

		snprintf(name, sizeof(name), "network-bridge.%s.state", b.netdev);
		hp_run_path(name, b.state_path, sizeof(b.state_path));
	}
	if (!rc)
		rc = commands[i].fn(&b);
	hp_lock_release(lock);
	hp_nm_snap_free(&b.snap);
	hp_nm_snap_free(&b.cur);
	hp_nl_close(b.nl);
	hp_log_close();
	return rc;
}
