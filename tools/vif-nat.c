/*
 * vif-nat: give a Xen guest a private address behind dom0 (routed NAT mode).
 *
 * Usage (as libxl runs it, for each vif of a starting or stopping guest):
 *   vif-nat online|offline [type_if=vif] [ip=ADDR[/LEN]] [dhcp=yes|no] [key=value...]
 *   vif-nat add|remove type_if=tap [ip=ADDR[/LEN]] [dhcp=yes|no] [key=value...]
 *
 * Environment (libxl): vif, XENBUS_PATH (relative), INTERFACE for taps,
 * netdev, script.  XEN_HOTPLUG_NAT_DHCP and XEN_HOTPLUG_NAT_DHCP_DIR, and
 * the nat_dhcp* keys of /etc/xen/xen-hotplug.conf: see hp/dhcp.h.
 * xenstore read under XENBUS_PATH: vifname, mtu, mac, ip, frontend.
 * Written: hotplug-status=connected last (online), or hotplug-error and
 * hotplug-status=error (online failure).  Nothing for offline/add/remove.
 *
 * Addresses (hp/natip.h): the guest's is `ip` (one IPv4 address) or
 * 10.<domid/256>.<domid%256>.<devid+1>/16; the router's (dom0's end) is
 * the guest's with 127 added to or taken from the last octet.  Domain and
 * device ids come from XENBUS_PATH.
 *
 * online/add, every input checked before any change (including that no
 * other vif already holds the guest's or the router's address):
 * the anti-spoofing guard (inet family, the guest's address as /32), the
 * router address on the vif as /32, proxy_arp on, up, a route to the
 * guest via the vif with src the router address (metric 1 for a tap, 2
 * for a vif, so that a guest's emulated and PV NICs coexist), the DHCP
 * host entry.  The masquerading of the guests' network to the outside is
 * the host's (see README).
 * offline/remove: the DHCP entry, the route, the router address; down.
 *
 * Exit: 0 success, 1 failure, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hp/addr.h"
#include "hp/devconf.h"
#include "hp/dhcp.h"
#include "hp/link.h"
#include "hp/log.h"
#include "hp/natip.h"
#include "hp/route.h"
#include "hp/vif.h"

/* The tool's state (v->priv). */
struct vn {
	unsigned int domid, devid, metric;
	struct hp_nat nat;
	struct hp_dhcp_conf dhcp;
	char ip[INET_ADDRSTRLEN + 4], vif_ip[INET_ADDRSTRLEN], router_ip[INET_ADDRSTRLEN];
};

/* The guest's address as the guard's only entry: a /32, whatever the
 * prefix length of `ip` (upstream accepted the whole /16 as source). */
static int narrow_guard(struct hp_vif *v)
{
	struct vn *st = v->priv;
	struct hp_prefix p = st->nat.guest;

	p.len = 32;
	return hp_vif_set_ips(v, &p, 1);
}

/* Addresses, names and the DHCP configuration; no change. */
static int resolve(struct hp_vif *v)
{
	struct vn *st = v->priv;
	char err[512];
	const char *why;
	int rc;

	st->metric = v->is_tap ? 1 : 2;
	if (hp_parse_backend_path(v->xb_path, &st->domid, &st->devid))
		return hp_vif_fail(v,
				   "unable to find the domain and device ids in XENBUS_PATH "
				   "'%s'",
				   v->xb_path);
	if (hp_nat_addrs(st->domid, st->devid, v->ips, v->nips, &st->nat, &why)) {
		if (v->nips)
			return hp_vif_bad(v, "ip", v->ip, why);
		return hp_vif_fail(v,
				   "unable to choose the guest's address for domain %u, vif %u: "
				   "%s",
				   st->domid, st->devid, why);
	}
	inet_ntop(AF_INET, st->nat.guest.addr, st->vif_ip, sizeof(st->vif_ip));
	inet_ntop(AF_INET, st->nat.router.addr, st->router_ip, sizeof(st->router_ip));
	snprintf(st->ip, sizeof(st->ip), "%s/%u", st->vif_ip, st->nat.guest.len);
	if (!v->nips)
		v->ip = st->ip; /* upstream's hooks see the default in $ip */
	if (narrow_guard(v))
		return hp_vif_fail(v, "unable to set up the guard: %s", strerror(ENOMEM));
	if ((rc = hp_dhcp_config(hp_param(&v->params, "dhcp"), &st->dhcp, err, sizeof(err))))
		return hp_vif_fail(v, "%s", err);
	if (st->dhcp.mode != HP_DHCP_NONE && !v->has_mac && v->online)
		return hp_vif_fail(v, "unable to add a DHCP entry for '%s': the vif has no mac key",
				   v->dev);
	hp_vif_hook_var(v, "vif_ip", st->vif_ip);
	hp_vif_hook_var(v, "router_ip", st->router_ip);
	hp_vif_hook_var(v, "hostname", st->nat.hostname);
	hp_vif_hook_var(v, "dhcp", st->dhcp.mode == HP_DHCP_NONE ? "no" : "yes");
	return 0;
}

/* Another vif holding the guest's or the router's address cannot work:
 * dom0 would keep the packets or send them to the other guest. */
static int check_conflicts(struct hp_vif *v)
{
	struct vn *st = v->priv;
	struct hp_link other;
	struct hp_addr *a;
	struct hp_route *r;
	size_t n, i;
	int rc, bad = 0;

	if ((rc = hp_addr_list(v->nl, 0, AF_INET, &a, &n)))
		return hp_vif_fail(v, "unable to list dom0's addresses: %s", strerror(-rc));
	for (i = 0; i < n && !bad; i++) {
		memset(&other, 0, sizeof(other));
		if (!memcmp(a[i].prefix.addr, st->nat.guest.addr, 4)) {
			hp_link_get_index(v->nl, a[i].ifindex, &other);
			hp_vif_fail(v,
				    "unable to use guest address %s: it is dom0's own address "
				    "(on '%s')",
				    st->vif_ip, other.name);
			bad = 1;
		} else if (!memcmp(a[i].prefix.addr, st->nat.router.addr, 4) &&
			   !hp_vif_is_ours(v, a[i].ifindex)) {
			hp_link_get_index(v->nl, a[i].ifindex, &other);
			hp_vif_fail(v,
				    "unable to use router address %s for guest address %s: it is "
				    "already on '%s'",
				    st->router_ip, st->vif_ip, other.name);
			bad = 1;
		}
	}
	free(a);
	if (bad)
		return -1;
	if ((rc = hp_route_list(v->nl, AF_INET, 0, &r, &n)))
		return hp_vif_fail(v, "unable to list dom0's routes: %s", strerror(-rc));
	for (i = 0; i < n && !bad; i++) {
		/* the addresses first: hp_vif_is_ours asks the kernel */
		if (r[i].dst.len != 32 || !r[i].oif ||
		    (memcmp(r[i].dst.addr, st->nat.guest.addr, 4) &&
		     memcmp(r[i].dst.addr, st->nat.router.addr, 4)) ||
		    hp_vif_is_ours(v, r[i].oif))
			continue;
		memset(&other, 0, sizeof(other));
		hp_link_get_index(v->nl, r[i].oif, &other);
		hp_vif_fail(v,
			    "unable to use guest address %s with router address %s: %s "
			    "is already routed to '%s'",
			    st->vif_ip, st->router_ip,
			    !memcmp(r[i].dst.addr, st->nat.guest.addr, 4) ? st->vif_ip :
									    st->router_ip,
			    other.name);
		bad = 1;
	}
	free(r);
	return bad ? -1 : 0;
}

static struct hp_route guest_route(struct hp_vif *v)
{
	struct vn *st = v->priv;
	struct hp_route r = { .dst = st->nat.guest,
			      .oif = v->link.ifindex,
			      .metric = st->metric,
			      .has_src = 1,
			      .src = st->nat.router };

	r.dst.len = 32;
	return r;
}

static struct hp_dhcp_host dhcp_host(struct hp_vif *v)
{
	struct vn *st = v->priv;

	return (struct hp_dhcp_host){ .ifname = v->dev,
				      .mac = v->mac,
				      .ip = &st->nat.guest,
				      .router = &st->nat.router,
				      .hostname = st->nat.hostname };
}

static int check(struct hp_vif *v)
{
	if (resolve(v) || check_conflicts(v))
		return -1;
	/* up already: a second online, not to be torn down on failure */
	v->again = !!(v->link.flags & IFF_UP);
	return 0;
}

static int s_router(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vn *st = v->priv;
	int rc;

	if ((rc = hp_addr_add(v->nl, v->link.ifindex, &st->nat.router, 0)))
		return hp_vif_fail(v, "unable to add router address %s/32 to '%s': %s",
				   st->router_ip, v->dev, strerror(-rc));
	if ((rc = hp_devconf_set_proxy_arp(v->nl, v->link.ifindex, 1)))
		return hp_vif_fail(v, "unable to turn on proxy_arp on '%s': %s", v->dev,
				   strerror(-rc));
	return v->again ? HP_STEP_KEPT : 0;
}

static void u_router(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vn *st = v->priv;

	if (v->again)
		return;

	hp_addr_del(v->nl, v->link.ifindex, &st->nat.router);
}

static int s_route(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vn *st = v->priv;
	struct hp_route r = guest_route(v);
	int rc;

	if ((rc = hp_route_add(v->nl, &r)))
		return hp_vif_fail(v, "unable to add the route to %s via '%s': %s", st->vif_ip,
				   v->dev, strerror(-rc));
	return v->again ? HP_STEP_KEPT : 0;
}

static void u_route(void *ctx)
{
	struct hp_vif *v = ctx;
	struct hp_route r = guest_route(v);

	if (v->again)
		return;

	r.has_src = 0;
	hp_route_del(v->nl, &r);
}

/* The router address on the vif, proxy_arp on. */
static int v_router(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vn *st = v->priv;
	struct hp_addr *a;
	size_t n, i;
	int rc, val, found = 0, drift = 0;
	char want[INET_ADDRSTRLEN + 4], have[16];

	if ((rc = hp_addr_list(v->nl, v->link.ifindex, AF_INET, &a, &n)))
		return hp_vif_fail(v, "unable to list the addresses of '%s': %s", v->dev,
				   strerror(-rc));
	for (i = 0; i < n; i++)
		found |= a[i].prefix.len == 32 && !memcmp(a[i].prefix.addr, st->nat.router.addr, 4);
	free(a);
	if (!found) {
		snprintf(want, sizeof(want), "%s/32", st->router_ip);
		drift = hp_vif_drift(v, "router address", want, "none");
	}
	if (hp_vif_sysctl(v, AF_INET, v->dev, "proxy_arp", &val))
		return -1;
	if (val != 1) {
		snprintf(have, sizeof(have), "%d", val);
		drift = hp_vif_drift(v, "proxy_arp", "1", have);
	}
	return drift;
}

static int v_route(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vn *st = v->priv;
	struct hp_route w = guest_route(v), *r;
	char want[96];
	size_t n, i;
	int rc, found = 0;

	if ((rc = hp_route_list(v->nl, AF_INET, 0, &r, &n)))
		return hp_vif_fail(v, "unable to list dom0's routes: %s", strerror(-rc));
	for (i = 0; i < n; i++)
		found |= r[i].dst.len == 32 && r[i].oif == w.oif && r[i].metric == w.metric &&
			 !memcmp(r[i].dst.addr, w.dst.addr, 4);
	free(r);
	if (found)
		return 0;
	snprintf(want, sizeof(want), "%s/32 dev %s src %s metric %u", st->vif_ip, v->dev,
		 st->router_ip, w.metric);
	return hp_vif_drift(v, "route", want, "none");
}

static int v_dhcp(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vn *st = v->priv;
	struct hp_dhcp_host h = dhcp_host(v);
	char want[64];
	int rc = hp_dhcp_host_check(&st->dhcp, &h);

	if (rc < 0)
		return hp_vif_fail(v, "unable to read the DHCP entry of '%s': %s", v->dev,
				   strerror(-rc));
	if (!rc)
		return 0;
	snprintf(want, sizeof(want), "%s entry for %s", hp_dhcp_mode_name(st->dhcp.mode),
		 st->vif_ip);
	return hp_vif_drift(v, "dhcp", want, "none or another");
}

static int s_dhcp(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vn *st = v->priv;
	struct hp_dhcp_host h = dhcp_host(v);
	int rc;

	if ((rc = hp_dhcp_host_add(&st->dhcp, &h)))
		return hp_vif_fail(v, "unable to add the %s DHCP entry for '%s' (%s): %s",
				   hp_dhcp_mode_name(st->dhcp.mode), v->dev,
				   st->dhcp.mode == HP_DHCP_ISC ? st->dhcp.isc_conf : st->dhcp.dir,
				   strerror(-rc));
	hp_vif_warn_forwarding(AF_INET, v->dev);
	hp_info("%s: guest %s via '%s', router %s, dhcp %s", v->command, st->ip, v->dev,
		st->router_ip, hp_dhcp_mode_name(st->dhcp.mode));
	return v->again ? HP_STEP_KEPT : 0;
}

static void u_dhcp(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vn *st = v->priv;
	struct hp_dhcp_host h = dhcp_host(v);

	if (v->again)
		return;

	hp_dhcp_host_del(&st->dhcp, &h);
}

static const struct hp_step steps[] = {
	HP_VIF_STEP_RATE, /* before the guard, which hands a tap's frames to its ifb */
	HP_VIF_STEP_GUARD,
	{ "router-address", s_router, u_router, v_router },
	HP_VIF_STEP_UP,
	{ "route", s_route, u_route, v_route },
	{ "dhcp", s_dhcp, u_dhcp, v_dhcp },
};

/* Everything attach added; the first error is returned. */
static int remove_all(struct hp_vif *v)
{
	struct vn *st = v->priv;
	struct hp_dhcp_host h = dhcp_host(v);
	struct hp_route r;
	int rc, ret = 0;

	if ((rc = hp_dhcp_host_del(&st->dhcp, &h))) {
		hp_err("unable to remove the %s DHCP entry for '%s': %s",
		       hp_dhcp_mode_name(st->dhcp.mode), v->dev, strerror(-rc));
		ret = rc;
	}
	if (!v->link.ifindex)
		return ret; /* its route and address went with it */
	r = guest_route(v);
	r.has_src = 0;
	if ((rc = hp_route_del(v->nl, &r))) {
		hp_err("unable to delete the route to %s via '%s': %s", st->vif_ip, v->dev,
		       strerror(-rc));
		ret = ret ? ret : rc;
	}
	hp_addr_del(v->nl, v->link.ifindex, &st->nat.router);
	if ((rc = hp_link_set_up(v->nl, v->link.ifindex, 0)) && rc != -ENODEV) {
		hp_err("unable to bring '%s' down: %s", v->dev, strerror(-rc));
		ret = ret ? ret : rc;
	}
	return ret;
}

static int forget_dhcp(struct hp_vif *v)
{
	struct vn *st = v->priv;
	struct hp_dhcp_host h = { .ifname = v->dev, .hostname = st->nat.hostname };
	char err[512];
	int rc;

	if (hp_parse_backend_path(v->xb_path, &st->domid, &st->devid))
		return 0;
	hp_nat_hostname(st->domid, st->devid, st->nat.hostname, sizeof(st->nat.hostname));
	if (hp_dhcp_config(hp_param(&v->params, "dhcp"), &st->dhcp, err, sizeof(err)))
		return hp_vif_fail(v, "%s", err);
	if ((rc = hp_dhcp_host_del(&st->dhcp, &h)))
		return hp_vif_fail(v, "unable to remove the %s DHCP entry for '%s': %s",
				   hp_dhcp_mode_name(st->dhcp.mode), v->dev, strerror(-rc));
	return 0;
}

static int detach(struct hp_vif *v)
{
	struct vn *st = v->priv;
	int rc, rate = hp_vif_rate_del(v);

	/* An `ip` edited into nonsense since online: the default rule would
	 * name another address, so only what is keyed by name goes: the
	 * guard (by the caller), a tap's rate limit and the DHCP entry (vif
	 * name, hostname). */
	if (v->ips_invalid)
		return forget_dhcp(v) ? -1 : rate;
	if (resolve(v))
		return -1;
	if ((rc = remove_all(v)))
		return hp_vif_fail(v, "unable to clean up after '%s': %s", v->dev, strerror(-rc));
	hp_info("%s: guest %s via '%s' removed", v->command, st->ip, v->dev);
	return rate;
}

static const struct hp_vif_tool tool = {
	.name = "vif-nat",
	.usage =
		"usage: vif-nat online|offline [type_if=vif] [ip=ADDR[/LEN]] [dhcp=yes|no] [key=value...]\n"
		"       vif-nat add|remove type_if=tap [ip=ADDR[/LEN]] [dhcp=yes|no] [key=value...]\n"
		"Gives the guest behind the Xen vif named by $vif (or the tap named by\n"
		"$INTERFACE) a private address routed through the vif, and a DHCP entry.\n"
		"Run by libxl.\n",
	.fw_family = HP_FW_INET,
	.check = check,
	.steps = steps,
	.nsteps = sizeof(steps) / sizeof(steps[0]),
	.detach = detach,
};

int main(int argc, char **argv)
{
	struct vn st = { 0 };

	return hp_vif_main(argc, argv, &tool, &st);
}
