/*
 * network-bridge: turn a host's network interface into a Xen bridge, and
 * back, without ever leaving the host half-configured.
 *
 * Usage (by an administrator, or a boot unit):
 *   network-bridge start|stop|status [netdev=NIC] [bridge=BR] [antispoof=yes|no]
 *
 * netdev     the NIC (default: the device of the default route, IPv4 then
 *            IPv6; after a start, that is the bridge, and the NIC is found
 *            from the state file; with no default route at all, the NIC
 *            of the only state file)
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
 * start: record the NIC's state (nbstate.h), install the antispoof policy
 * (before any port can forward), create the bridge (STP off, forward
 * delay 0, the NIC's MTU and MAC), move the NIC's addresses and routes
 * (every table, IPv4 and IPv6) onto it, rename, enslave, bring up: one
 * transaction (txn.h), each step undone in reverse when a later one
 * fails.  stop: the same the other way, from the state file, from
 * whatever a killed start or stop, or a hand, left (no bridge, the bridge
 * under its first name, the NIC under either name): each step looks at the
 * kernel and does what is left to do.  status: the bridge, its ports,
 * addresses and routes, in words (show.h).
 *
 * Longer than most files here: the steps of start and stop are its
 * substance, each with its undo beside it, in upstream's order; what is
 * not network-bridge's own (the state file, mounts, words) is in common/.
 *
 * Files: $XEN_HOTPLUG_RUN_DIR (default /run/xen-hotplug)/
 *   network-bridge.<netdev>.lock   flock against a concurrent start/stop
 *   network-bridge.<netdev>.state  what stop needs (written atomically)
 * Test hooks (never set in production): XEN_HOTPLUG_FAIL_STEP and
 * XEN_HOTPLUG_KILL_STEP (txn.h); XEN_HOTPLUG_PROC_MOUNTS replaces
 * /proc/mounts.
 *
 * Exit: 0 success (also start when already started, stop when not
 * started), 1 failure or refusal, 2 usage.  Messages go to stderr, syslog
 * and xen-hotplug.log; status writes to stdout.
 *
 * Longer than STYLE.md's 500 lines for one job: two transactions of 13
 * steps over one NIC and one bridge.  Each operation is written once and
 * is the other command's undo, next to the tables that order them; the
 * state file, the mount table, the display and the kernel requests are
 * in common/ (nbstate.h, mounts.h, show.h, netmove.h, link.h).
 */
#include <errno.h>
#include <linux/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hp/fw-bridge-policy.h"
#include "hp/link.h"
#include "hp/lock.h"
#include "hp/log.h"
#include "hp/mounts.h"
#include "hp/nbstate.h"
#include "hp/netmove.h"
#include "hp/params.h"
#include "hp/parse.h"
#include "hp/route.h"
#include "hp/show.h"
#include "hp/txn.h"

static const char usage[] =
	"usage: network-bridge start|stop|status [netdev=NIC] [bridge=BR] [antispoof=yes|no]\n"
	"Moves a network interface under a Xen bridge (start) and back (stop):\n"
	"addresses and routes follow, a failed step undoes the ones before it.\n"
	"netdev defaults to the device of the default route, bridge to netdev (the\n"
	"NIC is then renamed p<netdev> and the bridge takes its name).\n";

struct nb {
	struct hp_params params;
	struct hp_nl *nl;
	struct hp_nbstate st; /* what start records and stop gives back */
	int rename; /* bridge == netdev: the NIC becomes st.port */
	int nic; /* st.nic_ifindex */
	int br; /* the bridge's ifindex; 0: there is none */
	char br_name[HP_IFNAMSIZ];
	int strict_full;
	/* What the bridge carries, taken on link from: at start the NIC's
	 * record, at stop the bridge's own (cur). */
	struct hp_nm_snap *on_br, cur;
	int from;
	char path[4096]; /* the state file */
	char what[256]; /* the address or route a step failed at */
};

/* rc, or a failure logged "verb object: cause" (1). */
static int check(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int check(int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!rc)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hp_err("%s: %s", msg, strerror(rc < 0 ? -rc : rc));
	return 1;
}

/* The link as the kernel has it now; 1 when it is there. */
static int look(struct nb *b, int ifindex, struct hp_link *l)
{
	return ifindex > 0 && !hp_link_get_index(b->nl, ifindex, l);
}

/* ---- the operations -------------------------------------------------------
 * Each brings one thing to where start or stop wants it, from wherever a
 * killed run or a hand left it (HP_STEP_KEPT: it is there already), and
 * is the other command's undo: every step of start is undone by the
 * operation stop runs, and the other way. */

static int state_save(void *ctx)
{
	struct nb *b = ctx;

	return check(hp_nbstate_save(b->path, &b->st), "unable to write the state file '%s'",
		     b->path);
}

static int policy_add(void *ctx)
{
	struct nb *b = ctx;

	if (!b->st.antispoof)
		return HP_STEP_KEPT;
	return check(hp_fw_bridge_policy_add(b->st.bridge, b->st.port, &b->strict_full),
		     "unable to install the antispoof policy of bridge '%s'", b->st.bridge);
}

static int policy_del(void *ctx)
{
	struct nb *b = ctx;

	if (!b->st.antispoof)
		return HP_STEP_KEPT;
	return hp_fw_bridge_policy_del(b->st.bridge, b->st.port);
}

static int bridge_create(void *ctx)
{
	struct nb *b = ctx;
	const char *name = b->rename ? b->st.tmp : b->st.bridge;
	struct hp_link l;
	int rc;

	if (!(rc = hp_link_add_bridge(b->nl, name, b->st.nic_mtu, b->st.nic_mac)) &&
	    !(rc = hp_link_get(b->nl, name, &l)))
		b->br = l.ifindex;
	return check(rc, "unable to create bridge '%s'", name);
}

static int bridge_delete(void *ctx)
{
	struct nb *b = ctx;

	if (!b->br)
		return HP_STEP_KEPT;
	return check(hp_link_del(b->nl, b->br), "unable to delete bridge '%s'", b->br_name);
}

/* stop's last step: the state file goes only once the bridge has, so that
 * a stop killed anywhere can be run again. */
static int bridge_delete_last(void *ctx)
{
	struct nb *b = ctx;
	int rc = bridge_delete(b);

	if (rc && rc != HP_STEP_KEPT)
		return rc;
	if (unlink(b->path) && errno != ENOENT)
		hp_warn("unable to remove '%s': %s", b->path, strerror(errno));
	return 0;
}

static int nic_routes_del(void *ctx)
{
	struct nb *b = ctx;
	int rc = hp_nm_routes_del(b->nl, &b->st.snap, b->nic, b->nic, b->what, sizeof(b->what));

	if (!rc && b->on_br != &b->st.snap)
		rc = hp_nm_routes_del(b->nl, b->on_br, b->from, b->nic, b->what, sizeof(b->what));
	return check(rc, "unable to remove route '%s' from '%s'", b->what, b->st.netdev);
}

/* What the bridge carries first (current lifetimes, changes made since
 * start), then the record (what a killed start may have lost). */
static int nic_routes_add(void *ctx)
{
	struct nb *b = ctx;
	int rc = 0;

	if (b->on_br != &b->st.snap)
		rc = hp_nm_routes_add(b->nl, b->on_br, b->from, b->nic, b->what, sizeof(b->what));
	if (!rc)
		rc = hp_nm_routes_add(b->nl, &b->st.snap, b->nic, b->nic, b->what, sizeof(b->what));
	return check(rc, "unable to add route '%s' through '%s'", b->what, b->st.netdev);
}

static int nic_addrs_del(void *ctx)
{
	struct nb *b = ctx;
	int rc = hp_nm_addrs_del(b->nl, &b->st.snap, b->nic, b->what, sizeof(b->what));

	if (!rc && b->on_br != &b->st.snap)
		rc = hp_nm_addrs_del(b->nl, b->on_br, b->nic, b->what, sizeof(b->what));
	return check(rc, "unable to remove address '%s' from '%s'", b->what, b->st.netdev);
}

static int nic_addrs_add(void *ctx)
{
	struct nb *b = ctx;
	const char *name = b->st.netdev;
	int rc = 0;

	if (b->on_br != &b->st.snap)
		rc = hp_nm_addrs_add(b->nl, b->on_br, b->nic, name, b->what, sizeof(b->what));
	if (!rc)
		rc = hp_nm_addrs_add(b->nl, &b->st.snap, b->nic, name, b->what, sizeof(b->what));
	return check(rc, "unable to add address '%s' to '%s'", b->what, name);
}

static int bridge_routes_add(void *ctx)
{
	struct nb *b = ctx;

	if (!b->br)
		return HP_STEP_KEPT;
	return check(hp_nm_routes_add(b->nl, b->on_br, b->from, b->br, b->what, sizeof(b->what)),
		     "unable to add route '%s' through bridge '%s'", b->what, b->br_name);
}

static int bridge_routes_del(void *ctx)
{
	struct nb *b = ctx;

	if (!b->br)
		return HP_STEP_KEPT;
	return check(hp_nm_routes_del(b->nl, b->on_br, b->from, b->br, b->what, sizeof(b->what)),
		     "unable to remove route '%s' from bridge '%s'", b->what, b->br_name);
}

static int bridge_addrs_add(void *ctx)
{
	struct nb *b = ctx;

	if (!b->br)
		return HP_STEP_KEPT;
	return check(hp_nm_addrs_add(b->nl, b->on_br, b->br, b->br_name, b->what, sizeof(b->what)),
		     "unable to add address '%s' to bridge '%s'", b->what, b->br_name);
}

static int bridge_addrs_del(void *ctx)
{
	struct nb *b = ctx;

	if (!b->br)
		return HP_STEP_KEPT;
	return check(hp_nm_addrs_del(b->nl, b->on_br, b->br, b->what, sizeof(b->what)),
		     "unable to remove address '%s' from bridge '%s'", b->what, b->br_name);
}

/* up: 1, 0 (down) or -1 (down to be renamed or released: a NIC with its
 * own name and no master, as a start killed early or a bridge deleted by
 * hand leave it, stays up). */
static int link_up(struct nb *b, int ifindex, int up)
{
	struct hp_link l;

	if (!look(b, ifindex, &l) || (up > 0) == !!(l.flags & IFF_UP) ||
	    (up < 0 && !l.master && !strcmp(l.name, b->st.netdev)))
		return HP_STEP_KEPT;
	return check(hp_link_set_up(b->nl, ifindex, up > 0), "unable to bring %s'%s' %s",
		     ifindex == b->br ? "bridge " : "", l.name, up > 0 ? "up" : "down");
}

static int nic_down(void *ctx)
{
	return link_up(ctx, ((struct nb *)ctx)->nic, 0);
}

static int port_down(void *ctx)
{
	return link_up(ctx, ((struct nb *)ctx)->nic, -1);
}

static int port_up(void *ctx)
{
	return link_up(ctx, ((struct nb *)ctx)->nic, 1);
}

/* Up again only when it was up at start. */
static int nic_up(void *ctx)
{
	return ((struct nb *)ctx)->st.nic_up ? port_up(ctx) : HP_STEP_KEPT;
}

static int bridge_up(void *ctx)
{
	return link_up(ctx, ((struct nb *)ctx)->br, 1);
}

static int bridge_down(void *ctx)
{
	return link_up(ctx, ((struct nb *)ctx)->br, 0);
}

/* Renames link ifindex to name unless it has it; only with rename when
 * only bridge = netdev renames it. */
static int link_name(struct nb *b, int ifindex, const char *name, int only_with_rename)
{
	struct hp_link l;

	if ((only_with_rename && !b->rename) || !look(b, ifindex, &l) || !strcmp(l.name, name))
		return HP_STEP_KEPT;
	return check(hp_link_rename(b->nl, ifindex, name), "unable to rename %s'%s' to '%s'",
		     ifindex == b->br ? "bridge " : "", l.name, name);
}

static int nic_to_port(void *ctx)
{
	struct nb *b = ctx;

	return link_name(b, b->nic, b->st.port, 1);
}

static int nic_to_netdev(void *ctx)
{
	struct nb *b = ctx;

	return link_name(b, b->nic, b->st.netdev, 0);
}

static int bridge_to_name(void *ctx)
{
	struct nb *b = ctx;

	return link_name(b, b->br, b->st.bridge, 1);
}

static int bridge_to_tmp(void *ctx)
{
	struct nb *b = ctx;

	return link_name(b, b->br, b->st.tmp, 1);
}

static int enslave(void *ctx)
{
	struct nb *b = ctx;

	if (!b->br)
		return HP_STEP_KEPT;
	return check(hp_link_set_master(b->nl, b->nic, b->br),
		     "unable to attach '%s' to bridge '%s'", b->st.port, b->br_name);
}

static int release(void *ctx)
{
	struct nb *b = ctx;
	struct hp_link l;

	if (!look(b, b->nic, &l) || !l.master)
		return HP_STEP_KEPT;
	return check(hp_link_set_master(b->nl, b->nic, 0),
		     "unable to release '%s' from bridge '%s'", l.name, b->br_name);
}

/* start never changes the NIC's MTU and MAC; stop puts back what
 * something else may have changed meanwhile. */
static int nic_link(void *ctx)
{
	struct nb *b = ctx;
	int rc = hp_link_set_mtu(b->nl, b->nic, b->st.nic_mtu);

	if (!rc)
		rc = hp_link_set_mac(b->nl, b->nic, b->st.nic_mac);
	return check(rc, "unable to restore the MTU and MAC of '%s'", b->st.netdev);
}

/* Undos are the operations themselves; their failures are logged. */
#define UNDO(op)                         \
	static void undo_##op(void *ctx) \
	{                                \
		op(ctx);                 \
	}
UNDO(policy_add)
UNDO(policy_del)
UNDO(bridge_delete)
UNDO(nic_routes_add)
UNDO(nic_routes_del)
UNDO(nic_addrs_add)
UNDO(nic_addrs_del)
UNDO(nic_up)
UNDO(nic_down)
UNDO(port_up)
UNDO(nic_to_port)
UNDO(nic_to_netdev)
UNDO(bridge_to_name)
UNDO(bridge_to_tmp)
UNDO(enslave)
UNDO(release)
UNDO(bridge_up)
UNDO(bridge_down)
UNDO(bridge_addrs_add)
UNDO(bridge_addrs_del)
UNDO(bridge_routes_add)
UNDO(bridge_routes_del)

static void undo_state_save(void *ctx)
{
	unlink(((struct nb *)ctx)->path);
}

static const struct hp_step start_steps[] = {
	{ "save-state", state_save, undo_state_save, NULL },
	{ "antispoof", policy_add, undo_policy_del, NULL },
	{ "create-bridge", bridge_create, undo_bridge_delete, NULL },
	{ "remove-nic-routes", nic_routes_del, undo_nic_routes_add, NULL },
	{ "remove-nic-addresses", nic_addrs_del, undo_nic_addrs_add, NULL },
	{ "nic-down", nic_down, undo_nic_up, NULL },
	{ "rename-nic", nic_to_port, undo_nic_to_netdev, NULL },
	{ "rename-bridge", bridge_to_name, undo_bridge_to_tmp, NULL },
	{ "enslave", enslave, undo_release, NULL },
	{ "nic-up", port_up, undo_nic_down, NULL },
	{ "bridge-up", bridge_up, undo_bridge_down, NULL },
	{ "bridge-addresses", bridge_addrs_add, undo_bridge_addrs_del, NULL },
	{ "bridge-routes", bridge_routes_add, undo_bridge_routes_del, NULL },
};

static const struct hp_step stop_steps[] = {
	{ "antispoof-off", policy_del, undo_policy_add, NULL },
	{ "remove-bridge-routes", bridge_routes_del, undo_bridge_routes_add, NULL },
	{ "remove-bridge-addresses", bridge_addrs_del, undo_bridge_addrs_add, NULL },
	{ "bridge-down", bridge_down, undo_bridge_up, NULL },
	{ "port-down", port_down, undo_port_up, NULL },
	{ "release", release, undo_enslave, NULL },
	{ "rename-bridge", bridge_to_tmp, undo_bridge_to_name, NULL },
	{ "rename-nic", nic_to_netdev, undo_nic_to_port, NULL },
	{ "nic-mtu-mac", nic_link, NULL, NULL },
	{ "nic-up", nic_up, undo_nic_down, NULL },
	{ "nic-addresses", nic_addrs_add, undo_nic_addrs_del, NULL },
	{ "nic-routes", nic_routes_add, undo_nic_routes_del, NULL },
	{ "delete-bridge", bridge_delete_last, NULL, NULL },
};

#define NELEMS(v) (sizeof(v) / sizeof((v)[0]))

/* ---- commands ------------------------------------------------------------ */

/* The state file into b->st (the parameters stay when there is none):
 * 0, -ENOENT, or another -errno after a logged line. */
static int load_state(struct nb *b)
{
	struct hp_nbstate rec;
	int rc = hp_nbstate_load(b->path, &rec);

	if (rc) {
		hp_nbstate_free(&rec);
		return rc;
	}
	hp_nbstate_free(&b->st);
	b->st = rec;
	b->nic = rec.nic_ifindex;
	b->rename = !strcmp(rec.bridge, rec.netdev);
	return 0;
}

/* The bridge start made, under its name or, when a start stopped half
 * way, its first one (never the NIC, whose name it takes). */
static void find_bridge(struct nb *b, struct hp_link *br)
{
	if ((hp_link_get(b->nl, b->st.bridge, br) || !br->is_bridge || br->ifindex == b->nic) &&
	    (hp_link_get(b->nl, b->st.tmp, br) || !br->is_bridge))
		memset(br, 0, sizeof(*br));
	b->br = br->ifindex;
	snprintf(b->br_name, sizeof(b->br_name), "%s", br->ifindex ? br->name : b->st.bridge);
}

/* A recorded start is complete when its NIC is a port of its bridge. */
static int started(struct nb *b)
{
	struct hp_link nic, br;

	return look(b, b->nic, &nic) && look(b, nic.master, &br) && br.is_bridge &&
	       !strcmp(br.name, b->st.bridge);
}

/* Every check before the first change: a refusal leaves nothing behind. */
static int start_check(struct nb *b, const struct hp_link *nic)
{
	struct hp_link l;
	char fs[400];

	if (nic->master) {
		hp_err("refusing to start: '%s' is a port of '%s' already", b->st.netdev,
		       look(b, nic->master, &l) ? l.name : "?");
		return 1;
	}
	if (nic->flags & IFF_LOOPBACK) {
		hp_err("refusing to start: '%s' is a loopback device", b->st.netdev);
		return 1;
	}
	if (hp_mounts_root_netfs(fs, sizeof(fs))) {
		hp_err("refusing to start: the root filesystem is a network filesystem (%s); moving "
		       "'%s' under a bridge would cut the host off from it; configure the bridge "
		       "with the distribution's network setup, in the initramfs",
		       fs, b->st.netdev);
		return 1;
	}
	if (b->rename && strlen(b->st.netdev) + 1 >= HP_IFNAMSIZ) {
		hp_err("refusing to start: 'p%s' would be longer than 15 characters; give "
		       "bridge= another name",
		       b->st.netdev);
		return 1;
	}
	if (b->rename && !hp_link_get(b->nl, b->st.port, &l)) {
		hp_err("refusing to start: '%s' exists already", b->st.port);
		return 1;
	}
	if (!b->rename && !hp_link_get(b->nl, b->st.bridge, &l)) {
		hp_err("refusing to start: '%s' exists already and '%s' is not its port; "
		       "remove it or choose another bridge=",
		       b->st.bridge, b->st.netdev);
		return 1;
	}
	return 0;
}

static int cmd_start(struct nb *b)
{
	struct hp_nbstate *st = &b->st;
	struct hp_link nic, l;
	int rc;

	if (!strcmp(st->bridge, "null")) {
		hp_err("refusing to start: bridge=null means no bridge");
		return 1;
	}
	if ((rc = load_state(b)) != -ENOENT) {
		if (rc)
			return 1;
		if (started(b)) {
			hp_info("'%s' is bridged already (bridge '%s', port '%s'): nothing to do",
				st->netdev, st->bridge, st->port);
			return 0;
		}
		hp_err("refusing to start: a start of '%s' did not finish (state file '%s'); run "
		       "'network-bridge stop netdev=%s' to restore what it recorded",
		       st->netdev, b->path, st->netdev);
		return 1;
	}
	if ((rc = hp_link_get(b->nl, st->netdev, &nic)))
		return check(rc, "unable to find '%s'", st->netdev);
	if (nic.is_bridge) {
		hp_info("'%s' is a bridge already: nothing to do", st->netdev);
		return 0;
	}
	if (look(b, nic.master, &l) && l.is_bridge && !strcmp(l.name, st->bridge)) {
		hp_info("'%s' is a port of bridge '%s' already: nothing to do", st->netdev,
			st->bridge);
		return 0;
	}
	snprintf(st->port, sizeof(st->port), b->rename ? "p%s" : "%s", st->netdev);
	if (start_check(b, &nic))
		return 1;
	snprintf(st->tmp, sizeof(st->tmp), "xhpbr%d", nic.ifindex);
	b->nic = st->nic_ifindex = nic.ifindex;
	st->nic_up = !!(nic.flags & IFF_UP);
	st->nic_mtu = nic.mtu;
	memcpy(st->nic_mac, nic.mac, 6);
	if ((rc = hp_nm_snapshot(b->nl, nic.ifindex, 0, &st->snap, b->what, sizeof(b->what)))) {
		if (rc == -EOPNOTSUPP)
			hp_err("refusing to start: route '%s' uses a nexthop object, which cannot "
			       "be moved",
			       b->what);
		else
			check(rc, "unable to read the addresses and routes of '%s'", st->netdev);
		return 1;
	}
	hp_dbg("moving %zu addresses and %zu routes", st->snap.naddrs, st->snap.nroutes);
	b->on_br = &st->snap;
	b->from = b->nic;
	snprintf(b->br_name, sizeof(b->br_name), "%s", st->bridge);
	if (hp_txn_run("start", start_steps, NELEMS(start_steps), b))
		return 1;
	hp_info("started: bridge '%s' with port '%s', %zu addresses and %zu routes moved%s",
		st->bridge, st->port, st->snap.naddrs, st->snap.nroutes,
		!st->antispoof ? "" :
		b->strict_full ? ", antispoof on" :
				 ", antispoof on (uplink only)");
	return 0;
}

static int cmd_stop(struct nb *b)
{
	struct hp_link br, nic;
	int rc;

	if ((rc = load_state(b)) == -ENOENT) {
		hp_info("'%s' was not started by network-bridge (no '%s'): nothing to do",
			b->st.netdev, b->path);
		return 0;
	}
	if (rc)
		return 1;
	find_bridge(b, &br);
	if (!look(b, b->nic, &nic)) {
		/* The NIC is gone (unplugged): only the bridge is left to remove. */
		hp_warn("'%s' (ifindex %d) is gone: removing bridge '%s' only", b->st.netdev,
			b->nic, b->br_name);
		policy_del(b);
		return bridge_delete_last(b);
	}
	if (b->br && (rc = hp_nm_snapshot(b->nl, b->br, 0, &b->cur, b->what, sizeof(b->what))))
		return check(rc, "unable to read the addresses and routes of bridge '%s'",
			     b->br_name);
	b->on_br = &b->cur;
	b->from = b->br;
	if (hp_txn_run("stop", stop_steps, NELEMS(stop_steps), b))
		return 1;
	hp_info("stopped: '%s' has its addresses and routes back, bridge '%s' removed",
		b->st.netdev, b->st.bridge);
	return 0;
}

static int cmd_status(struct nb *b)
{
	struct hp_link br, nic;
	int rc = load_state(b), ret = 0;

	if (rc && rc != -ENOENT)
		return 1;
	if (rc) {
		printf("%s: not bridged by network-bridge\n", b->st.netdev);
		if ((rc = hp_link_get(b->nl, b->st.netdev, &nic)))
			return check(rc, "unable to find '%s'", b->st.netdev);
		return hp_show_link(stdout, b->nl, &nic) ? 1 : 0;
	}
	printf("%s: bridged by network-bridge (state '%s'): bridge %s, port %s%s%s\n", b->st.netdev,
	       b->path, b->st.bridge, b->st.port, b->st.antispoof ? ", antispoof" : "",
	       started(b) ? "" : ", INCOMPLETE: run stop");
	find_bridge(b, &br);
	if (b->br && hp_show_link(stdout, b->nl, &br))
		ret = 1;
	if (look(b, b->nic, &nic) && nic.ifindex != b->br && hp_show_link(stdout, b->nl, &nic))
		ret = 1;
	return ret;
}

/* ---- parameters ------------------------------------------------------- */

/* The link of the default route, IPv4 then IPv6. */
static int default_dev(struct nb *b, struct hp_link *l)
{
	int ifindex, rc = hp_route_default_dev(b->nl, AF_INET, &ifindex);

	if (rc == -ENOENT)
		rc = hp_route_default_dev(b->nl, AF_INET6, &ifindex);
	return rc ? rc : hp_link_get_index(b->nl, ifindex, l);
}

/* netdev: given, else the default route's device; when that is a bridge
 * network-bridge made, the NIC under it (its state file names it); with
 * no default route (a start killed after moving the routes), the NIC of
 * the only state file. */
static int resolve(struct nb *b)
{
	const char *netdev = hp_param_str(&b->params, "netdev");
	const char *bridge = hp_param_str(&b->params, "bridge");
	const char *as = hp_param_str(&b->params, "antispoof");
	char *dev = b->st.netdev, found[HP_IFNAMSIZ];
	struct hp_link l;
	int rc;

	if (*as && strcmp(as, "yes") && strcmp(as, "no")) {
		hp_err("invalid antispoof '%s': expected yes or no", as);
		return 2;
	}
	b->st.antispoof = !strcmp(as, "yes");
	if (*bridge && strcmp(bridge, "null") && hp_parse_ifname(bridge)) {
		hp_err("invalid bridge '%s': not a valid interface name", bridge);
		return 2;
	}
	if (*netdev && hp_parse_ifname(netdev)) {
		hp_err("invalid netdev '%s': not a valid interface name", netdev);
		return 2;
	}
	if (*netdev) {
		snprintf(dev, HP_IFNAMSIZ, "%s", netdev);
	} else if ((rc = default_dev(b, &l)) == -ENOENT && !hp_nbstate_find(NULL, found)) {
		hp_dbg("no default route: '%s' has the only state file", found);
		snprintf(dev, HP_IFNAMSIZ, "%s", found);
	} else if (rc) {
		check(rc, "unable to find the device of the default route (give netdev=)");
		return 1;
	} else {
		snprintf(dev, HP_IFNAMSIZ, "%s", l.name);
		/* after a start, the default route is on the bridge */
		if (l.is_bridge && !hp_nbstate_find(l.name, found)) {
			hp_dbg("bridge '%s' is the one network-bridge made for '%s'", l.name,
			       found);
			snprintf(dev, HP_IFNAMSIZ, "%s", found);
		}
	}
	snprintf(b->st.bridge, sizeof(b->st.bridge), "%s", *bridge ? bridge : dev);
	b->rename = !strcmp(b->st.bridge, dev);
	hp_log_set_dev(dev);
	if ((rc = hp_nbstate_path(dev, b->path, sizeof(b->path))))
		return check(rc, "unable to name the state file of '%s'", dev);
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
	char name[64];

	hp_log_init("network-bridge");
	if (hp_params_parse(&b.params, argc, argv) || !b.params.command) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(b.params.command, "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	for (i = 0; i < NELEMS(commands) && strcmp(b.params.command, commands[i].name); i++)
		;
	if (i == NELEMS(commands)) {
		hp_err("unknown command '%s': expected start, stop or status", b.params.command);
		fputs(usage, stderr);
		return 2;
	}
	if ((rc = hp_nl_open(&b.nl))) {
		hp_err("unable to open a netlink socket: %s", strerror(-rc));
		return 1;
	}
	rc = resolve(&b);
	snprintf(name, sizeof(name), "network-bridge.%s", b.st.netdev);
	if (!rc && commands[i].locked && (rc = hp_lock_take(name, &lock)))
		rc = check(rc, "unable to take the lock '%s/%s.lock'", hp_run_dir(), name);
	if (!rc)
		rc = commands[i].fn(&b);
	hp_lock_release(lock);
	hp_nbstate_free(&b.st);
	hp_nm_snap_free(&b.cur);
	hp_nl_close(b.nl);
	hp_log_close();
	return rc;
}
