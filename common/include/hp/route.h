/* IPv4 and IPv6 unicast routes over rtnetlink.  Adding a route that is
 * there and deleting one that is not succeed.  Kept general for
 * network-bridge (moving a NIC's routes to a bridge). */
#ifndef HP_ROUTE_H
#define HP_ROUTE_H

#include <stddef.h>

#include "hp/link.h"
#include "hp/parse.h"

struct hp_route {
	struct hp_prefix dst; /* dst.len 0: a default route */
	int oif; /* output link; 0 in hp_route_del: any */
	int has_gw;
	struct hp_prefix gw; /* next hop (address only) */
	int has_src;
	struct hp_prefix src; /* preferred source (RTA_PREFSRC) */
	unsigned int metric; /* RTA_PRIORITY */
	unsigned int table; /* 0: main */
	unsigned int protocol; /* RTPROT_*; 0: static on add, any on del */
	unsigned int scope; /* RT_SCOPE_*; read by hp_route_list only */
};

/* Idempotent: r itself (dst, metric, oif, gateway) in the table already
 * is a success.  -EEXIST when another route to dst with that metric is
 * there: a route is never taken over. */
int hp_route_add(struct hp_nl *nl, const struct hp_route *r);
/* Deletes the route matching dst, metric, table and, when set, oif, gw,
 * src.  0 when there is no such route. */
int hp_route_del(struct hp_nl *nl, const struct hp_route *r);
/* The unicast routes of a family (AF_INET or AF_INET6) in a table (0:
 * main), with their first next hop.  *out is malloc'd. */
int hp_route_list(struct hp_nl *nl, int family, unsigned int table, struct hp_route **out,
		  size_t *n);
/* The link of the default route of the main table with the lowest
 * metric, for family (AF_UNSPEC: IPv4, else IPv6).  -ENOENT if none. */
int hp_route_default_dev(struct hp_nl *nl, int family, int *ifindex);
/* The same among routes listed already by hp_route_list. */
int hp_route_default_in(const struct hp_route *v, size_t n, int *ifindex);

#endif
