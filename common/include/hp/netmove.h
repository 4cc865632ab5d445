/* Moving a link's layer-3 configuration (IPv4 and IPv6 addresses and
 * the routes through it, in every table) to another link, for
 * network-bridge.
 *
 * Objects are kept as the kernel's own rtnetlink messages (RTM_NEWADDR,
 * RTM_NEWROUTE from a dump) and sent back with only the link changed, so
 * that every attribute is preserved without this file knowing it: prefix
 * length, scope, flags, broadcast and peer addresses, remaining lifetimes,
 * the prefix route's metric (IFA_RT_PRIORITY), route tables, protocol,
 * scope, type, metrics, preferred source, gateways and multipath weights,
 * preference, encapsulation.  What is rewritten:
 *   - addresses: the link index, the IPv4 label ("eth0:1" on the new link
 *     "br0" becomes "br0:1"), and flags the kernel computes itself
 *     (secondary, tentative, permanent...) are cleared;
 *   - routes: the output link, in RTA_OIF and in every multipath nexthop
 *     through the old link; the remaining lifetime of an expiring IPv6
 *     route (RTA_CACHEINFO) becomes RTA_EXPIRES; nexthop state flags
 *     (dead, linkdown, offload) are cleared.
 * Not moved, because the kernel makes them itself for the new link: the
 * routes of protocol kernel (prefix, local, broadcast, multicast routes),
 * routes learnt from router advertisements (proto ra: the new link asks
 * for them again with a router solicitation), the kernel's own IPv6
 * link-local address (IFA_PROTO kernel_ll) and privacy (temporary)
 * addresses.  Routes through a nexthop object (RTA_NH_ID) are refused:
 * the object, not the route, names the link. */
#ifndef HP_NETMOVE_H
#define HP_NETMOVE_H

#include <stddef.h>

#include "hp/link.h"

#define HP_NM_MSG_MAX 65536

struct hp_nm_msg {
	void *data; /* a struct nlmsghdr and its payload, malloc'd */
	size_t len;
};

/* One link's addresses (in the kernel's order) and routes. */
struct hp_nm_snap {
	struct hp_nm_msg *addrs, *routes;
	size_t naddrs, nroutes;
};

/* Takes the snapshot of ifindex: what moves (see above).  -EOPNOTSUPP
 * for a route through a nexthop object (its description in what).  With
 * all set, for display: every address and every route but the local
 * table's and cached ones, nexthop objects included. */
int hp_nm_snapshot(struct hp_nl *nl, int ifindex, int all, struct hp_nm_snap *s, char *what,
		   size_t wsize);
void hp_nm_snap_free(struct hp_nm_snap *s);
/* Adds a copy of a message kept elsewhere (a state file) to the
 * snapshot: an RTM_NEWROUTE (route set) or RTM_NEWADDR, whole (its length
 * that of the header, every attribute inside it, a label a C string, at
 * most HP_NM_MSG_MAX bytes).  -EINVAL when it is not. */
int hp_nm_snap_add(struct hp_nm_snap *s, int route, const void *msg, size_t len);

/* Adds the snapshot's addresses to link to/to_name, in an order that
 * reproduces the original order of the kernel's list, with IPv4 labels
 * moved to to_name.  An address the link has already is a success.  On
 * failure, what describes the address. */
int hp_nm_addrs_add(struct hp_nl *nl, const struct hp_nm_snap *s, int to, const char *to_name,
		    char *what, size_t wsize);
/* Deletes the snapshot's addresses from link ifindex (secondaries before
 * primaries).  A missing address or link is a success. */
int hp_nm_addrs_del(struct hp_nl *nl, const struct hp_nm_snap *s, int ifindex, char *what,
		    size_t wsize);
/* Adds the snapshot's routes, taken on link from, through link to.
 * Routes that need another one first (a gateway behind a link route) are
 * retried until nothing more can be added.  An existing route is a
 * success. */
int hp_nm_routes_add(struct hp_nl *nl, const struct hp_nm_snap *s, int from, int to, char *what,
		     size_t wsize);
/* Deletes the snapshot's routes, taken on link from, as they are on link
 * ifindex (from itself, or where hp_nm_routes_add put them).  A missing
 * route is a success. */
int hp_nm_routes_del(struct hp_nl *nl, const struct hp_nm_snap *s, int from, int ifindex,
		     char *what, size_t wsize);

/* "10.0.0.2/24", "default via 10.0.0.1 table 254 metric 0": for messages
 * and for `status`. */
void hp_nm_describe(const struct hp_nm_msg *m, char *buf, size_t size);

#endif
