/*
 * vif-route: route a Xen guest's addresses through its vif (routed mode).
 *
 * Usage (as libxl runs it, for each vif of a starting or stopping guest):
 *   vif-route online|offline [type_if=vif] [netdev=DEV] [ip="A B"] [key=value...]
 *   vif-route add|remove type_if=tap [netdev=DEV] [key=value...]   (emulated NICs)
 *
 * Environment (libxl): vif, XENBUS_PATH (relative), INTERFACE for taps,
 * netdev (the vif's `gatewaydev`, may be empty), script.
 * xenstore read under XENBUS_PATH: vifname, mtu, mac, ip, frontend.
 * Written: hotplug-status=connected last (online), or hotplug-error and
 * hotplug-status=error (online failure).  Nothing for offline/add/remove.
 *
 * online/add, every input checked before any change:
 *   - the uplink: `netdev`, else the link of the default route (upstream
 *     assumed eth0); dom0's address = its first primary IPv4 address,
 *     needed when `ip` is empty or lists IPv4 entries; its first global
 *     IPv6 address, used when `ip` lists IPv6 entries;
 *   - no `ip` entry takes traffic that is someone else's: one holding
 *     one of dom0's own addresses, a gateway of dom0's routes or what
 *     another interface routes (another guest's addresses: the guard would
 *     let this guest send from them), or one that another interface
 *     routes already, itself or inside a network it routes (the uplink's
 *     own on-link networks and the default route excepted: routed guests
 *     take addresses there, answered for by proxy ARP/NDP);
 *   - the anti-spoofing guard (inet family);
 *   - IPv4: dom0's address on the vif as a /32, proxy_arp on the vif and
 *     on the uplink (the uplink answers ARP for the guests, as upstream's
 *     network-route set up);
 *   - IPv6: fe80::1/64 on the vif (the guest's gateway, the same on every
 *     vif), dom0's global IPv6 address as a /128, proxy_ndp on the uplink
 *     and a proxy neighbour entry there for each single address (/128);
 *   - up; a route per `ip` entry via the vif, src dom0's address of that
 *     family, metric 1 for a tap and 2 for a vif (a guest's emulated and
 *     PV NICs coexist), added exclusively (a route of this vif's from an
 *     earlier online is kept; anyone else's was refused above).
 * Forwarding is the administrator's: a warning when it is off.
 * offline/remove: the routes through the vif, dom0's addresses on it, the
 * proxy entries of addresses no other route leads to; down.  The routes
 * of a vif that netback has removed are gone with it.
 *
 * Exit: 0 success, 1 failure, 2 usage.
 *
 * Over 500 lines for the conflict checks, which must all run, against
 * one reading of dom0's addresses and routes, before the first change,
 * and for each step's verify (xen-hotplug), which sits beside its run and
 * its undo.
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
#include "hp/link.h"
#include "hp/log.h"
#include "hp/neigh.h"
#include "hp/route.h"
#include "hp/vif.h"

/* The tool's state (v->priv). */
struct vr {
	struct hp_link up; /* the uplink (netdev) */
	int has_up;
	size_t n4, n6; /* IPv4 and IPv6 entries of `ip` */
	int need4, has6;
	struct hp_prefix main4, main6; /* dom0's addresses, as /32 and /128 */
	char main_ip[INET_ADDRSTRLEN], main_ip6[INET6_ADDRSTRLEN];
	unsigned int metric;
	struct hp_route *routes4, *routes6; /* dom0's main table, when needed */
	size_t nroutes4, nroutes6;
};

/* The guest's IPv6 gateway: the same on every vif, known in advance. */
static const struct hp_prefix gw6 = { .family = AF_INET6,
				      .addr = { 0xfe, 0x80, [15] = 1 },
				      .len = 64 };

static void count_ips(struct hp_vif *v)
{
	struct vr *st = v->priv;
	size_t i;

	st->n4 = st->n6 = 0;
	for (i = 0; i < v->nips; i++) {
		if (v->ips[i].family == AF_INET)
			st->n4++;
		else
			st->n6++;
	}
	st->need4 = st->n4 > 0 || v->nips == 0;
	st->metric = v->is_tap ? 1 : 2;
}

/* dom0's main table, once per family and run. */
static int routes(struct hp_vif *v, int family, struct hp_route **r, size_t *n)
{
	struct vr *st = v->priv;
	struct hp_route **cache = family == AF_INET ? &st->routes4 : &st->routes6;
	size_t *cn = family == AF_INET ? &st->nroutes4 : &st->nroutes6;
	int rc;

	if (!*cache && (rc = hp_route_list(v->nl, family, 0, cache, cn)))
		return rc;
	*r = *cache;
	*n = *cn;
	return 0;
}

/* The uplink: netdev, else the link of the default route. */
static int find_uplink(struct hp_vif *v, int quiet)
{
	struct vr *st = v->priv;
	const char *nd = hp_param_str(&v->params, "netdev");
	struct hp_route *r;
	int rc, ifindex;
	size_t n;

	if (*nd && hp_parse_ifname(nd))
		return quiet ? -EINVAL : hp_vif_bad(v, "netdev", nd, "not a valid interface name");
	if (*nd) {
		rc = hp_link_get(v->nl, nd, &st->up);
		if (rc && quiet)
			return rc;
		if (rc == -ENODEV)
			return hp_vif_fail(v, "unable to find netdev '%s': no such device", nd);
		if (rc)
			return hp_vif_fail(v, "unable to look up netdev '%s': %s", nd,
					   strerror(-rc));
	} else {
		rc = routes(v, AF_INET, &r, &n);
		if (!rc)
			rc = hp_route_default_in(r, n, &ifindex);
		if (rc == -ENOENT && !(rc = routes(v, AF_INET6, &r, &n)))
			rc = hp_route_default_in(r, n, &ifindex);
		if (!rc)
			rc = hp_link_get_index(v->nl, ifindex, &st->up);
		if (rc && quiet)
			return rc;
		if (rc == -ENOENT)
			return hp_vif_fail(v,
					   "unable to find dom0's uplink: netdev is not set and "
					   "there is no default route; set gatewaydev in the vif "
					   "configuration or netdev= for %s",
					   v->tool->name);
		if (rc)
			return hp_vif_fail(v, "unable to find the default route's device: %s",
					   strerror(-rc));
	}
	st->has_up = 1;
	return 0;
}

static int ipv6_off(struct hp_vif *v, const char *dev)
{
	int rc, off = 0;

	if ((rc = hp_devconf_ipv6_disabled(dev, &off)))
		return hp_vif_fail(v, "unable to read net.ipv6.conf.%s.disable_ipv6: %s", dev,
				   strerror(-rc));
	if (off)
		return hp_vif_fail(v,
				   "unable to route IPv6 to the guest: IPv6 is disabled on '%s' "
				   "(net.ipv6.conf.%s.disable_ipv6)",
				   dev, dev);
	return 0;
}

/* dom0's addresses on the uplink (upstream's dom0_ip). */
static int find_main(struct hp_vif *v)
{
	struct vr *st = v->priv;
	int rc;

	if (st->need4) {
		rc = hp_addr_first(v->nl, st->up.ifindex, AF_INET, &st->main4);
		if (rc == -EADDRNOTAVAIL)
			return hp_vif_fail(v,
					   "unable to find dom0's address: '%s' has no IPv4 "
					   "address; bring it up or set gatewaydev/netdev to "
					   "another interface",
					   st->up.name);
		if (rc)
			return hp_vif_fail(v, "unable to list the addresses of '%s': %s",
					   st->up.name, strerror(-rc));
		st->main4.len = 32;
		inet_ntop(AF_INET, st->main4.addr, st->main_ip, sizeof(st->main_ip));
		hp_vif_hook_var(v, "main_ip", st->main_ip);
	}
	if (st->n6) {
		if (ipv6_off(v, v->link.name) || ipv6_off(v, st->up.name))
			return -1;
		rc = hp_addr_first(v->nl, st->up.ifindex, AF_INET6, &st->main6);
		if (rc && rc != -EADDRNOTAVAIL)
			return hp_vif_fail(v, "unable to list the addresses of '%s': %s",
					   st->up.name, strerror(-rc));
		st->has6 = !rc;
		if (st->has6) {
			st->main6.len = 128;
			inet_ntop(AF_INET6, st->main6.addr, st->main_ip6, sizeof(st->main_ip6));
			hp_vif_hook_var(v, "main_ip6", st->main_ip6);
		} else {
			hp_warn("'%s' has no global IPv6 address: the guest reaches dom0 at fe80::1 "
				"only",
				st->up.name);
		}
	}
	return 0;
}

static const char *ifname_of(struct hp_vif *v, int ifindex, char *buf)
{
	struct hp_link l;

	snprintf(buf, HP_IFNAMSIZ, "%s", hp_link_get_index(v->nl, ifindex, &l) ? "?" : l.name);
	return buf;
}

/* An address alone, as a /32 or /128, whatever prefix it came with. */
static struct hp_prefix host(const struct hp_prefix *a)
{
	struct hp_prefix h = *a;

	h.len = a->family == AF_INET ? 32 : 128;
	return h;
}

/* One `ip` entry against dom0's addresses and routes (see the top).
 * Which link an overlapping object is on is asked only for those: there
 * is one route and one address per guest. */
static int conflict(struct hp_vif *v, const struct hp_prefix *p, const struct hp_addr *a, size_t na)
{
	struct vr *st = v->priv;
	char what[64], other[64], name[HP_IFNAMSIZ];
	struct hp_route *r;
	struct hp_prefix h;
	size_t n, i;
	int rc;

	hp_prefix_format(p, what, sizeof(what));
	for (i = 0; i < na; i++) {
		if (a[i].prefix.family != p->family)
			continue;
		h = host(&a[i].prefix);
		if (!hp_prefix_contains(p, &h) || hp_vif_is_ours(v, a[i].ifindex))
			continue;
		hp_prefix_format(&h, other, sizeof(other));
		return hp_vif_fail(v,
				   "unable to route %s to '%s': it holds %s, dom0's own address "
				   "on '%s'",
				   what, v->dev, other, ifname_of(v, a[i].ifindex, name));
	}
	if ((rc = routes(v, p->family, &r, &n)))
		return hp_vif_fail(v, "unable to list dom0's routes: %s", strerror(-rc));
	for (i = 0; i < n; i++) {
		int gw_in = 0;
		int holds = r[i].dst.len && hp_prefix_contains(&r[i].dst, p);
		int held = r[i].dst.len && !holds && hp_prefix_contains(p, &r[i].dst);

		if (r[i].has_gw) {
			h = host(&r[i].gw);
			gw_in = hp_prefix_contains(p, &h);
		}
		if (!gw_in && !holds && !held)
			continue;
		if (holds && r[i].oif == st->up.ifindex && !r[i].has_gw)
			continue; /* the uplink's own network: proxy ARP/NDP's job */
		if (r[i].oif && hp_vif_is_ours(v, r[i].oif))
			continue;
		if (gw_in) {
			hp_prefix_format(&h, other, sizeof(other));
			return hp_vif_fail(v,
					   "unable to route %s to '%s': it holds %s, a gateway of "
					   "dom0's routes",
					   what, v->dev, other);
		}
		hp_prefix_format(&r[i].dst, other, sizeof(other));
		if (holds)
			return hp_vif_fail(v,
					   "unable to route %s to '%s': %s is routed to '%s' "
					   "already",
					   what, v->dev, other, ifname_of(v, r[i].oif, name));
		/* inside p: another guest's addresses, which p's guard would let
		 * this guest send from */
		return hp_vif_fail(v, "unable to route %s to '%s': it holds %s, routed to '%s'",
				   what, v->dev, other, ifname_of(v, r[i].oif, name));
	}
	return 0;
}

static int check_conflicts(struct hp_vif *v)
{
	struct vr *st = v->priv;
	struct hp_addr *a4 = NULL, *a6 = NULL;
	size_t n4 = 0, n6 = 0, i;
	int rc = 0;

	if (st->n4 && (rc = hp_addr_list(v->nl, 0, AF_INET, &a4, &n4)))
		goto out;
	if (st->n6 && (rc = hp_addr_list(v->nl, 0, AF_INET6, &a6, &n6)))
		goto out;
	for (i = 0; i < v->nips; i++) {
		if (v->ips[i].family == AF_INET && conflict(v, &v->ips[i], a4, n4))
			break;
		if (v->ips[i].family == AF_INET6 && conflict(v, &v->ips[i], a6, n6))
			break;
	}
	free(a4);
	free(a6);
	return i < v->nips ? -1 : 0;
out:
	free(a4);
	free(a6);
	return hp_vif_fail(v, "unable to list dom0's addresses: %s", strerror(-rc));
}

static int check(struct hp_vif *v)
{
	struct vr *st = v->priv;

	count_ips(v);
	if (find_uplink(v, 0) || find_main(v) || check_conflicts(v))
		return -1;
	if (st->n4 || st->need4)
		hp_vif_warn_forwarding(AF_INET, st->up.name);
	if (st->n6)
		hp_vif_warn_forwarding(AF_INET6, "all");
	/* up already: a second online, not to be torn down on failure */
	v->again = !!(v->link.flags & IFF_UP);
	return 0;
}

static struct hp_route route_of(struct hp_vif *v, const struct hp_prefix *dst)
{
	struct vr *st = v->priv;
	struct hp_route r = { .dst = *dst, .oif = v->link.ifindex, .metric = st->metric };

	if (dst->family == AF_INET && st->need4) {
		r.has_src = 1;
		r.src = st->main4;
	} else if (dst->family == AF_INET6 && st->has6) {
		r.has_src = 1;
		r.src = st->main6;
	}
	return r;
}

static int s_addrs(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vr *st = v->priv;
	int rc;

	if (st->need4) {
		if ((rc = hp_addr_add(v->nl, v->link.ifindex, &st->main4, 0)))
			return hp_vif_fail(v, "unable to add address %s/32 to '%s': %s",
					   st->main_ip, v->dev, strerror(-rc));
		if ((rc = hp_devconf_set_proxy_arp(v->nl, v->link.ifindex, 1)))
			return hp_vif_fail(v, "unable to turn on proxy_arp on '%s': %s", v->dev,
					   strerror(-rc));
		if ((rc = hp_devconf_set_proxy_arp(v->nl, st->up.ifindex, 1)))
			return hp_vif_fail(v, "unable to turn on proxy_arp on '%s': %s",
					   st->up.name, strerror(-rc));
	}
	if (st->n6) {
		if ((rc = hp_addr_add(v->nl, v->link.ifindex, &gw6, HP_ADDR_NODAD)))
			return hp_vif_fail(v, "unable to add address fe80::1/64 to '%s': %s",
					   v->dev, strerror(-rc));
		if (st->has6 && (rc = hp_addr_add(v->nl, v->link.ifindex, &st->main6,
						  HP_ADDR_NODAD | HP_ADDR_NOPREFIXROUTE)))
			return hp_vif_fail(v, "unable to add address %s/128 to '%s': %s",
					   st->main_ip6, v->dev, strerror(-rc));
		if ((rc = hp_devconf_set_proxy_ndp(st->up.name, 1)))
			return hp_vif_fail(v, "unable to turn on proxy_ndp on '%s': %s",
					   st->up.name, strerror(-rc));
	}
	return v->again ? HP_STEP_KEPT : 0;
}

/* dom0's addresses on the vif (the proxy settings of the uplink stay:
 * other guests may need them) */
static void u_addrs(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vr *st = v->priv;

	if (v->again)
		return;

	if (st->need4 && st->main_ip[0])
		hp_addr_del(v->nl, v->link.ifindex, &st->main4);
	if (st->n6) {
		hp_addr_del(v->nl, v->link.ifindex, &gw6);
		if (st->has6)
			hp_addr_del(v->nl, v->link.ifindex, &st->main6);
	}
}

/* Does the vif have address p (its prefix length included)? 1, 0, or -1
 * reported. */
static int has_addr(struct hp_vif *v, const struct hp_prefix *p)
{
	struct hp_addr *a;
	size_t n, i;
	int rc, found = 0;

	if ((rc = hp_addr_list(v->nl, v->link.ifindex, p->family, &a, &n)))
		return hp_vif_fail(v, "unable to list the addresses of '%s': %s", v->dev,
				   strerror(-rc));
	for (i = 0; i < n && !found; i++)
		found = a[i].prefix.len == p->len &&
			!memcmp(a[i].prefix.addr, p->addr, p->family == AF_INET ? 4 : 16);
	free(a);
	return found;
}

/* One setting s_addrs turns on: a difference reported, or -1. */
static int want_on(struct hp_vif *v, int family, const char *dev, const char *key)
{
	char obj[64], have[16];
	int val;

	if (hp_vif_sysctl(v, family, dev, key, &val))
		return -1;
	if (val == 1)
		return 0;
	snprintf(obj, sizeof(obj), "%s of '%s'", key, dev);
	snprintf(have, sizeof(have), "%d", val);
	return hp_vif_drift(v, obj, "1", have);
}

static int v_addrs(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vr *st = v->priv;
	const struct hp_prefix *want[3];
	char buf[64];
	size_t n = 0, i;
	int rc, drift = 0;

	if (st->need4)
		want[n++] = &st->main4;
	if (st->n6)
		want[n++] = &gw6;
	if (st->n6 && st->has6)
		want[n++] = &st->main6;
	for (i = 0; i < n; i++) {
		if ((rc = has_addr(v, want[i])) < 0)
			return -1;
		hp_prefix_format(want[i], buf, sizeof(buf));
		if (!rc)
			drift = hp_vif_drift(v, "address", buf, "none");
	}
	if (st->need4 && ((rc = want_on(v, AF_INET, v->dev, "proxy_arp")) ||
			  (rc = want_on(v, AF_INET, st->up.name, "proxy_arp"))))
		drift = rc;
	if (st->n6 && (rc = want_on(v, AF_INET6, st->up.name, "proxy_ndp")))
		drift = rc;
	return drift < 0 ? -1 : drift;
}

static int s_routes(void *ctx)
{
	struct hp_vif *v = ctx;
	struct vr *st = v->priv;
	char buf[64];
	size_t i;
	int rc;

	for (i = 0; i < v->nips; i++) {
		struct hp_route r = route_of(v, &v->ips[i]);

		if ((rc = hp_route_add(v->nl, &r))) {
			hp_prefix_format(&v->ips[i], buf, sizeof(buf));
			return hp_vif_fail(v, "unable to add the route to %s via '%s': %s", buf,
					   v->dev, strerror(-rc));
		}
		if (v->ips[i].family == AF_INET6 && v->ips[i].len == 128 &&
		    (rc = hp_neigh_proxy_add(v->nl, st->up.ifindex, &v->ips[i]))) {
			hp_prefix_format(&v->ips[i], buf, sizeof(buf));
			return hp_vif_fail(v,
					   "unable to add the proxy neighbour entry for %s on "
					   "'%s': %s",
					   buf, st->up.name, strerror(-rc));
		}
	}
	hp_info("%s: routed %zu address(es) via '%s' (uplink '%s', metric %u)", v->command, v->nips,
		v->dev, st->up.name, st->metric);
	return v->again ? HP_STEP_KEPT : 0;
}

/* Is there still a route to exactly p, through another link? */
static int routed_elsewhere(struct hp_vif *v, const struct hp_prefix *p)
{
	struct hp_route *r;
	size_t n, i;

	if (routes(v, p->family, &r, &n))
		return 1; /* unknown: keep the entry */
	for (i = 0; i < n; i++)
		if (r[i].dst.len == p->len && r[i].oif != v->link.ifindex &&
		    !memcmp(r[i].dst.addr, p->addr, p->family == AF_INET ? 4 : 16))
			return 1;
	return 0;
}

/* The routes through the vif and the proxy entries no other route needs;
 * errors are logged, the first one returned. */
static int remove_routes(struct hp_vif *v)
{
	struct vr *st = v->priv;
	char buf[64];
	size_t i;
	int rc, ret = 0;

	for (i = 0; i < v->nips && v->link.ifindex; i++) {
		struct hp_route r = route_of(v, &v->ips[i]);

		r.has_src = 0;
		if ((rc = hp_route_del(v->nl, &r))) {
			hp_prefix_format(&v->ips[i], buf, sizeof(buf));
			hp_err("unable to delete the route to %s via '%s': %s", buf, v->dev,
			       strerror(-rc));
			ret = ret ? ret : rc;
		}
	}
	for (i = 0; i < v->nips && st->has_up; i++) {
		if (v->ips[i].family != AF_INET6 || v->ips[i].len != 128 ||
		    routed_elsewhere(v, &v->ips[i]))
			continue;
		if ((rc = hp_neigh_proxy_del(v->nl, st->up.ifindex, &v->ips[i]))) {
			hp_prefix_format(&v->ips[i], buf, sizeof(buf));
			hp_err("unable to delete the proxy entry for %s on '%s': %s", buf,
			       st->up.name, strerror(-rc));
			ret = ret ? ret : rc;
		}
	}
	return ret;
}

/* Every `ip` entry routed via the vif with its metric (proxy neighbour
 * entries are not looked at: nothing marks them as ours). */
static int v_routes(void *ctx)
{
	struct hp_vif *v = ctx;
	struct hp_route *r4 = NULL, *r6 = NULL;
	size_t n4 = 0, n6 = 0, i, j;
	char want[96], buf[64];
	int rc, drift = 0;

	if ((rc = hp_route_list(v->nl, AF_INET, 0, &r4, &n4)) ||
	    (rc = hp_route_list(v->nl, AF_INET6, 0, &r6, &n6))) {
		free(r4);
		return hp_vif_fail(v, "unable to list dom0's routes: %s", strerror(-rc));
	}
	for (i = 0; i < v->nips; i++) {
		struct hp_route w = route_of(v, &v->ips[i]);
		struct hp_route *r = w.dst.family == AF_INET ? r4 : r6;
		size_t n = w.dst.family == AF_INET ? n4 : n6;

		for (j = 0; j < n; j++)
			if (r[j].dst.len == w.dst.len && r[j].oif == w.oif &&
			    r[j].metric == w.metric &&
			    !memcmp(r[j].dst.addr, w.dst.addr, w.dst.family == AF_INET ? 4 : 16))
				break;
		if (j < n)
			continue;
		hp_prefix_format(&w.dst, buf, sizeof(buf));
		snprintf(want, sizeof(want), "%s dev %s metric %u", buf, v->dev, w.metric);
		drift = hp_vif_drift(v, "route", want, "none");
	}
	free(r4);
	free(r6);
	return drift;
}

static void u_routes(void *ctx)
{
	struct hp_vif *v = ctx;

	if (!v->again)
		remove_routes(v);
}

static const struct hp_step steps[] = {
	HP_VIF_STEP_RATE, /* before the guard, which hands a tap's frames to its ifb */
	HP_VIF_STEP_GUARD, { "addresses", s_addrs, u_addrs, v_addrs },
	HP_VIF_STEP_UP,	   { "routes", s_routes, u_routes, v_routes },
};

static int detach(struct hp_vif *v)
{
	struct vr *st = v->priv;
	int rc, rate = hp_vif_rate_del(v);

	count_ips(v);
	/* for the proxy entries and the hooks' main_ip; not fatal here */
	if (!find_uplink(v, 1)) {
		if (!hp_addr_first(v->nl, st->up.ifindex, AF_INET, &st->main4)) {
			st->main4.len = 32;
			inet_ntop(AF_INET, st->main4.addr, st->main_ip, sizeof(st->main_ip));
			hp_vif_hook_var(v, "main_ip", st->main_ip);
		}
		if (!hp_addr_first(v->nl, st->up.ifindex, AF_INET6, &st->main6)) {
			st->main6.len = 128;
			st->has6 = 1;
		}
	} else if (st->n6) {
		hp_warn("unable to find the uplink: proxy neighbour entries of the guest stay");
	}
	rc = remove_routes(v);
	if (v->link.ifindex) {
		u_addrs(v);
		if (!rc && (rc = hp_link_set_up(v->nl, v->link.ifindex, 0)) == -ENODEV)
			rc = 0;
	}
	if (rc)
		return hp_vif_fail(v, "unable to remove the routes of '%s': %s", v->dev,
				   strerror(-rc));
	hp_info("%s: routes via '%s' removed", v->command, v->dev);
	return rate;
}

static void cleanup(struct hp_vif *v)
{
	struct vr *st = v->priv;

	free(st->routes4);
	free(st->routes6);
}

static const struct hp_vif_tool tool = {
	.name = "vif-route",
	.usage =
		"usage: vif-route online|offline [type_if=vif] [netdev=DEV] [ip=\"A B\"] [key=value...]\n"
		"       vif-route add|remove type_if=tap [netdev=DEV] [key=value...]\n"
		"Routes the addresses in `ip` to the Xen vif named by $vif (or the tap\n"
		"named by $INTERFACE), with dom0's address of netdev (default: the\n"
		"default route's device) on the vif.  Run by libxl.\n",
	.fw_family = HP_FW_INET,
	.check = check,
	.steps = steps,
	.nsteps = sizeof(steps) / sizeof(steps[0]),
	.detach = detach,
	.cleanup = cleanup,
};

int main(int argc, char **argv)
{
	struct vr st = { 0 };

	return hp_vif_main(argc, argv, &tool, &st);
}
