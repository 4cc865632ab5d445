/* Routes over rtnetlink with libnl-route-3. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/route/route.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl-priv.h"
#include "hp/route.h"

static struct rtnl_route *build(const struct hp_route *r, int add)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *a = NULL;

	if (!rt)
		return NULL;
	rtnl_route_set_family(rt, (uint8_t)r->dst.family);
	rtnl_route_set_table(rt, r->table ? r->table : RT_TABLE_MAIN);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_set_priority(rt, r->metric);
	if (add || r->protocol)
		rtnl_route_set_protocol(rt, (uint8_t)(r->protocol ? r->protocol : RTPROT_STATIC));
	if (!(a = hp_nl_addr(&r->dst)) || rtnl_route_set_dst(rt, a) < 0)
		goto fail;
	nl_addr_put(a);
	a = NULL;
	if (r->has_src) {
		struct hp_prefix s = r->src;

		s.len = s.family == AF_INET ? 32 : 128;
		if (!(a = hp_nl_addr(&s)) || rtnl_route_set_pref_src(rt, a) < 0)
			goto fail;
		nl_addr_put(a);
		a = NULL;
	}
	if (r->oif || r->has_gw) {
		if (!(nh = rtnl_route_nh_alloc()))
			goto fail;
		if (r->oif)
			rtnl_route_nh_set_ifindex(nh, r->oif);
		if (r->has_gw) {
			struct hp_prefix g = r->gw;

			g.len = g.family == AF_INET ? 32 : 128;
			if (!(a = hp_nl_addr(&g)))
				goto fail;
			rtnl_route_nh_set_gateway(nh, a);
			nl_addr_put(a);
			a = NULL;
		}
		rtnl_route_add_nexthop(rt, nh);
		nh = NULL;
	}
	return rt;
fail:
	if (nh)
		rtnl_route_nh_free(nh);
	if (a)
		nl_addr_put(a);
	rtnl_route_put(rt);
	return NULL;
}

/* 1 when the table has r (dst, metric, oif, gateway) as given, 0 when
 * not, or -errno. */
static int exists(struct hp_nl *nl, const struct hp_route *r)
{
	struct hp_route *v;
	size_t n, i;
	int rc, found = 0;

	if ((rc = hp_route_list(nl, r->dst.family, r->table, &v, &n)))
		return rc;
	for (i = 0; i < n && !found; i++)
		found = v[i].dst.len == r->dst.len && v[i].metric == r->metric &&
			v[i].oif == r->oif && !memcmp(v[i].dst.addr, r->dst.addr, 16) &&
			v[i].has_gw == r->has_gw &&
			(!r->has_gw || !memcmp(v[i].gw.addr, r->gw.addr, 16));
	free(v);
	return found;
}

int hp_route_add(struct hp_nl *nl, const struct hp_route *r)
{
	struct rtnl_route *rt = build(r, 1);
	struct nl_msg *msg = NULL;
	int rc;

	if (!rt)
		return -ENOMEM;
	rc = rtnl_route_build_add_request(rt, NLM_F_EXCL, &msg);
	rtnl_route_put(rt);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
	/* ours already (a second online), or someone else's */
	if (rc == -EEXIST && exists(nl, r) == 1)
		rc = 0;
	return rc;
}

int hp_route_del(struct hp_nl *nl, const struct hp_route *r)
{
	struct rtnl_route *rt = build(r, 0);
	struct nl_msg *msg = NULL;
	int rc;

	if (!rt)
		return -ENOMEM;
	/* No scope: the kernel then matches any (RT_SCOPE_NOWHERE). */
	rtnl_route_set_scope(rt, RT_SCOPE_NOWHERE);
	rc = rtnl_route_build_del_request(rt, 0, &msg);
	rtnl_route_put(rt);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
	/* not there: ESRCH (IPv4) or ENOENT (IPv6); the link gone: ENODEV */
	return rc == -ESRCH || rc == -ENOENT || rc == -ENODEV ? 0 : rc;
}

static void fill(struct rtnl_route *rt, struct hp_route *x)
{
	struct rtnl_nexthop *nh;
	struct nl_addr *a;

	memset(x, 0, sizeof(*x));
	if (hp_nl_prefix(rtnl_route_get_dst(rt), &x->dst)) {
		/* libnl leaves dst unset for a default route */
		x->dst.family = rtnl_route_get_family(rt);
		x->dst.len = 0;
	}
	x->metric = rtnl_route_get_priority(rt);
	x->table = rtnl_route_get_table(rt);
	x->protocol = rtnl_route_get_protocol(rt);
	x->scope = rtnl_route_get_scope(rt);
	if ((a = rtnl_route_get_pref_src(rt)) && !hp_nl_prefix(a, &x->src))
		x->has_src = 1;
	if (rtnl_route_get_nnexthops(rt) > 0 && (nh = rtnl_route_nexthop_n(rt, 0))) {
		x->oif = rtnl_route_nh_get_ifindex(nh);
		if ((a = rtnl_route_nh_get_gateway(nh)) && !hp_nl_prefix(a, &x->gw))
			x->has_gw = 1;
	}
}

int hp_route_list(struct hp_nl *nl, int family, unsigned int table, struct hp_route **out,
		  size_t *n)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	struct hp_route *v = NULL, *nv;
	size_t cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!table)
		table = RT_TABLE_MAIN;
	rc = rtnl_route_alloc_cache(hp_nl_sock(nl), family, 0, &cache);
	if (rc < 0)
		return hp_nl_errno(rc);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;

		if (rtnl_route_get_family(rt) != family || rtnl_route_get_table(rt) != table ||
		    rtnl_route_get_type(rt) != RTN_UNICAST)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(nv = realloc(v, cap * sizeof(*v)))) {
				free(v);
				nl_cache_free(cache);
				return -ENOMEM;
			}
			v = nv;
		}
		fill(rt, &v[cnt++]);
	}
	nl_cache_free(cache);
	*out = v;
	*n = cnt;
	return 0;
}

int hp_route_default_in(const struct hp_route *v, size_t n, int *ifindex)
{
	size_t i, best = n;

	for (i = 0; i < n; i++)
		if (v[i].dst.len == 0 && v[i].oif && (best == n || v[i].metric < v[best].metric))
			best = i;
	if (best == n)
		return -ENOENT;
	*ifindex = v[best].oif;
	return 0;
}

int hp_route_default_dev(struct hp_nl *nl, int family, int *ifindex)
{
	struct hp_route *v;
	size_t n;
	int rc;

	if (family == AF_UNSPEC)
		family = AF_INET;
	if ((rc = hp_route_list(nl, family, 0, &v, &n)))
		return rc;
	rc = hp_route_default_in(v, n, ifindex);
	free(v);
	return rc;
}
