/* The steps of a vif script's online: those the run adds around the
 * tool's own (rename first; hooks and connected last: vif-priv.h), and
 * those the tools share (hp/vif.h): the guard, a tap's rate limit,
 * upstream's setup_bridge_port, the MTU, the link up.  Each shared step
 * is KEPT on a second online that found the vif in place (v->again):
 * what runs then changes nothing the first online did, and the undo of a
 * step that fails then does nothing: the working port is left as it is
 * (the guard's update is atomic: a failed one leaves the old guard). */
#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/devconf.h"
#include "hp/fw.h"
#include "hp/link.h"
#include "hp/log.h"
#include "hp/tc.h"
#include "hp/xs.h"
#include "vif-priv.h"

/* The highest unicast MAC never becomes the bridge's own address (a
 * bridge takes the lowest of its ports'): xen-network-common.sh. */
const unsigned char vif_port_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- the run's own steps -------------------------------------------------- */

/* vifname.  The alias goes on first: whoever sees the new name sees it
 * ours. */
int vif_s_rename(void *ctx)
{
	struct hp_vif *v = ctx;
	struct hp_link now;
	int rc;

	if (!strcmp(v->link.name, v->dev))
		return HP_STEP_KEPT;
	if ((rc = hp_link_get_index(v->nl, v->link.ifindex, &now)))
		return hp_vif_fail(v, "unable to look up '%s': %s", v->libxl_name, strerror(-rc));
	if (!strcmp(now.name, v->dev)) {
		v->link = now; /* a concurrent online renamed it */
		vif_watchdog_link(now.ifindex);
		hp_log_set_dev(v->dev);
		return HP_STEP_KEPT;
	}
	v->renamed = 1;
	if ((rc = hp_link_set_alias(v->nl, v->link.ifindex, v->libxl_name)) ||
	    (rc = hp_link_set_up(v->nl, v->link.ifindex, 0)) ||
	    (rc = hp_link_rename(v->nl, v->link.ifindex, v->dev))) {
		if (rc == -EEXIST)
			return hp_vif_fail(v,
					   "unable to rename '%s' to vifname '%s': an interface "
					   "with that name already exists",
					   v->libxl_name, v->dev);
		return hp_vif_fail(v, "unable to rename '%s' to vifname '%s': %s", v->libxl_name,
				   v->dev, strerror(-rc));
	}
	snprintf(v->link.name, sizeof(v->link.name), "%s", v->dev);
	snprintf(v->link.alias, sizeof(v->link.alias), "%s", v->libxl_name);
	v->link.flags &= ~(unsigned int)IFF_UP;
	hp_log_set_dev(v->dev);
	return 0;
}

void vif_u_rename(void *ctx)
{
	struct hp_vif *v = ctx;
	int rc;

	if (!v->renamed)
		return;
	hp_link_set_up(v->nl, v->link.ifindex, 0);
	if ((rc = hp_link_rename(v->nl, v->link.ifindex, v->libxl_name)) && rc != -ENODEV)
		hp_err("unable to rename '%s' back to '%s': %s", v->dev, v->libxl_name,
		       strerror(-rc));
	hp_link_set_alias(v->nl, v->link.ifindex, "");
	snprintf(v->link.name, sizeof(v->link.name), "%s", v->libxl_name);
	hp_log_set_dev(v->libxl_name);
}

int vif_s_hooks(void *ctx)
{
	return vif_run_hooks(ctx);
}

/* The last step: the watchdog waits for its answer (vif-watchdog.c). */
int vif_s_connected(void *ctx)
{
	struct hp_vif *v = ctx;
	int rc;

	if (v->is_tap)
		return HP_STEP_KEPT;
	vif_watchdog_committing(1);
	if (hp_txn_cancelled()) {
		vif_watchdog_committing(0);
		return hp_vif_fail(v, "%s timed out", v->command);
	}
	if ((rc = hp_xs_report_connected(v->xs, v->xb_path))) {
		vif_watchdog_committing(0);
		return hp_vif_fail(v, "unable to write hotplug-status to '%s': %s", v->xb_path,
				   strerror(-rc));
	}
	return 0;
}

/* ---- whose interface ------------------------------------------------------ */

int hp_vif_is_ours(struct hp_vif *v, int ifindex)
{
	const char *a, *b;
	struct hp_link l;
	size_t n;

	if (ifindex == v->link.ifindex)
		return 1;
	if (hp_link_get_index(v->nl, ifindex, &l))
		return 0;
	a = l.name;
	b = v->dev;
	if (strlen(a) < strlen(b)) {
		a = v->dev;
		b = l.name;
	}
	n = strlen(b);
	return !strncmp(a, b, n) && !strcmp(a + n, "-emu");
}

void hp_vif_warn_forwarding(int family, const char *dev)
{
	const char *fam = family == AF_INET ? "ipv4" : "ipv6";
	int on = 1;

	if (!hp_devconf_forwarding(family, dev, &on) && !on)
		hp_warn("%s forwarding is off on '%s' (net.%s.conf.%s.forwarding): the guest "
			"reaches dom0 only; set net.%s.conf.all.forwarding=1",
			fam, dev, fam, dev, fam);
}

/* ---- the guard (fw.h) ----------------------------------------------------- */

void vif_guard_of(const struct hp_vif *v, struct hp_guard *g)
{
	*g = (struct hp_guard){ .ifname = v->dev,
				.family = v->tool->fw_family,
				.has_mac = v->has_mac,
				.addrs = v->ips,
				.naddrs = v->nips,
				.vlans = v->vlans,
				.ifb = v->is_tap && v->rate_s && v->ifb[0] ? v->ifb : NULL };
	memcpy(g->mac, v->mac, sizeof(g->mac));
	if (v->isolated_bridge) {
		g->isolated_bridge = v->isolated_bridge->ifindex;
		memcpy(g->isolated_mac, v->isolated_bridge->mac, sizeof(g->isolated_mac));
	}
}

int hp_vif_guard_add(struct hp_vif *v)
{
	struct hp_guard g;
	int rc;

	vif_guard_of(v, &g);
	rc = hp_fw_guard_add(&g);
	if (rc)
		return hp_vif_fail(v, "unable to install the anti-spoofing guard for '%s': %s",
				   v->dev, strerror(-rc));
	return 0;
}

int hp_vif_s_guard(void *ctx)
{
	struct hp_vif *v = ctx;

	if (hp_vif_guard_add(v))
		return -1;
	return v->again ? HP_STEP_KEPT : 0;
}

void hp_vif_u_guard(void *ctx)
{
	struct hp_vif *v = ctx;

	if (!v->again)
		hp_vif_guard_del(v);
}

int hp_vif_guarded(const struct hp_vif *v)
{
	return hp_fw_guards(v->nips) == 1;
}

void hp_vif_guard_del(struct hp_vif *v)
{
	int rc = hp_fw_guard_del(v->dev, v->tool->fw_family);

	if (rc)
		hp_err("unable to remove the anti-spoofing guard of '%s': %s", v->dev,
		       strerror(-rc));
}

/* ---- a tap's rate limit (tc.h) -------------------------------------------- */

/* Named after XENBUS_PATH, not the tap: found again by remove, even when
 * the tap is gone or was renamed. */
int vif_ifb_name(struct hp_vif *v)
{
	unsigned int domid, devid;

	if (hp_parse_backend_path(v->xb_path, &domid, &devid))
		return -EINVAL;
	snprintf(v->ifb, sizeof(v->ifb), "ifb%u.%u", domid, devid);
	return 0;
}

int hp_vif_rate_add(void *ctx)
{
	struct hp_vif *v = ctx;
	int rc;

	if (!v->is_tap || !v->rate_s)
		return HP_STEP_KEPT;
	if (vif_ifb_name(v))
		return hp_vif_fail(v,
				   "unable to limit the rate of '%s': XENBUS_PATH '%s' is not "
				   "backend/vif/<domid>/<devid>",
				   v->dev, v->xb_path);
	if (v->rate.clamped)
		hp_warn("rate '%s' is above what tbf takes: limited to %u bytes/s", v->rate_s,
			v->rate.rate);
	/* a guarded tap's ingress goes to the ifb through its guard: a tc
	 * redirect before the guard would skip it (hp/tc.h) */
	rc = hp_tc_limit(v->nl, v->link.ifindex, v->dev, v->ifb, &v->rate, !hp_vif_guarded(v),
			 &v->rate_created);
	if (rc == -EEXIST)
		return hp_vif_fail(v,
				   "unable to limit the rate of '%s': an interface named '%s' "
				   "exists and is not a rate limit of ours",
				   v->dev, v->ifb);
	if (rc)
		return hp_vif_fail(v, "unable to limit the rate of '%s' to '%s': %s", v->dev,
				   v->rate_s, strerror(-rc));
	hp_info("%s: '%s' limited to %u bytes/s (%.1f Mbit/s) both ways", v->command, v->dev,
		v->rate.rate, v->rate.rate * 8.0 / 1e6);
	return v->rate_created ? 0 : HP_STEP_KEPT;
}

void hp_vif_rate_undo(void *ctx)
{
	struct hp_vif *v = ctx;
	int rc;

	if (v->rate_created && (rc = hp_tc_unlimit(v->nl, v->link.ifindex, v->ifb, NULL)))
		hp_err("unable to remove the rate limit of '%s': %s", v->dev, strerror(-rc));
}

int hp_vif_rate_del(struct hp_vif *v)
{
	int rc, found;

	if (!v->is_tap)
		return 0;
	if (vif_ifb_name(v)) {
		hp_warn("XENBUS_PATH '%s' is not backend/vif/<domid>/<devid>: no rate limit to "
			"look for",
			v->xb_path);
		return 0;
	}
	if ((rc = hp_tc_unlimit(v->nl, v->link.ifindex, v->ifb, &found)))
		return hp_vif_fail(v, "unable to remove the rate limit of '%s' ('%s'): %s", v->dev,
				   v->ifb, strerror(-rc));
	if (found)
		hp_info("%s: rate limit of '%s' removed", v->command, v->dev);
	return 0;
}

/* ---- the port, the MTU, the link ------------------------------------------ */

/* The link's own settings, one request at a time: each has its verdict. */
static int prepare_link(struct hp_vif *v)
{
	int rc;

	if ((rc = hp_link_set_up(v->nl, v->link.ifindex, 0)))
		return hp_vif_fail(v, "unable to bring '%s' down: %s", v->dev, strerror(-rc));
	/* failure is harmless, as upstream */
	if ((rc = hp_link_set_mac(v->nl, v->link.ifindex, vif_port_mac)))
		hp_dbg("unable to set the MAC of '%s': %s", v->dev, strerror(-rc));
	if ((rc = hp_link_set_addrgen_none(v->nl, v->link.ifindex)))
		hp_dbg("unable to turn off IPv6 addresses on '%s': %s", v->dev, strerror(-rc));
	/* Frames to the 802.1D group addresses (01:80:c2:00:00:0X) skip the
	 * bridge's prerouting hook, where the guard is, and go to dom0's own
	 * stack on the port itself.  Without an address there, IPv4 is
	 * dropped by any rp_filter; IPv6 needs disable_ipv6 (an RA would
	 * give dom0 a default route through the guest). */
	if ((rc = hp_devconf_set_rp_filter(v->nl, v->link.ifindex, 1)))
		return hp_vif_fail(v, "unable to turn on rp_filter on '%s': %s", v->dev,
				   strerror(-rc));
	return 0;
}

int hp_vif_s_prepare_port(void *ctx)
{
	struct hp_vif *v = ctx;
	struct hp_link_change c = HP_LINK_CHANGE_NONE;
	int rc;

	if (v->again)
		return HP_STEP_KEPT;
	/* Down, the port's MAC, no IPv6 address, rp_filter: one request.
	 * When the kernel refuses it (a driver that keeps a running link's
	 * MAC, a link without IPv6), each is asked again alone, as each has
	 * its own verdict. */
	c.up = 0;
	c.mac = vif_port_mac;
	c.addrgen_none = 1;
	c.rp_filter = 1;
	if ((rc = hp_link_change(v->nl, v->link.ifindex, &c))) {
		hp_dbg("unable to prepare '%s' in one request (%s): one setting at a time", v->dev,
		       strerror(-rc));
		if (prepare_link(v))
			return -1;
	}
	if ((rc = hp_addr_flush(v->nl, v->link.ifindex)))
		return hp_vif_fail(v, "unable to flush the addresses of '%s': %s", v->dev,
				   strerror(-rc));
	if ((rc = hp_devconf_set_ipv6_off(v->dev)))
		return hp_vif_fail(v, "unable to turn off IPv6 on '%s' (disable_ipv6): %s", v->dev,
				   strerror(-rc));
	return 0;
}

/* The vif as netback made it (its IPv6 addresses and IPv6 stay off and
 * rp_filter on: they are no use to a vif that is not in a bridge either). */
void hp_vif_u_prepare_port(void *ctx)
{
	struct hp_vif *v = ctx;

	if (v->again)
		return;
	hp_link_set_up(v->nl, v->link.ifindex, 0);
	hp_link_set_mac(v->nl, v->link.ifindex, v->found.mac);
}

/* Upstream's set_mtu, with the frontend's path from the `frontend` key. */
int hp_vif_s_mtu(void *ctx)
{
	struct hp_vif *v = ctx;
	const char *fe;
	char buf[16];
	int rc;

	if (!v->mtu)
		return HP_STEP_KEPT;
	if ((rc = hp_link_set_mtu(v->nl, v->link.ifindex, v->mtu)))
		return hp_vif_fail(v, "unable to set the MTU of '%s' to %u: %s", v->dev, v->mtu,
				   strerror(-rc));
	if (!v->is_tap && (fe = hp_vif_frontend_path(v))) {
		snprintf(buf, sizeof(buf), "%u", v->mtu);
		if ((rc = hp_xs_write_key(v->xs, fe, "mtu", buf)))
			return hp_vif_fail(v, "unable to write mtu %s to '%s/mtu': %s", buf, fe,
					   strerror(-rc));
	}
	return v->again ? HP_STEP_KEPT : 0;
}

void hp_vif_u_mtu(void *ctx)
{
	struct hp_vif *v = ctx;

	if (v->again)
		return;
	hp_link_set_mtu(v->nl, v->link.ifindex, v->found.mtu);
}

int hp_vif_s_up(void *ctx)
{
	struct hp_vif *v = ctx;
	int rc;

	if ((rc = hp_link_set_up(v->nl, v->link.ifindex, 1)))
		return hp_vif_fail(v, "unable to bring '%s' up: %s", v->dev, strerror(-rc));
	if (v->tool->attached)
		v->tool->attached(v);
	return v->again ? HP_STEP_KEPT : 0;
}

void hp_vif_u_down(void *ctx)
{
	struct hp_vif *v = ctx;

	if (v->again)
		return;

	hp_link_set_up(v->nl, v->link.ifindex, 0);
}
