/* Proxy neighbour entries over rtnetlink with libnl-route-3. */
#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>
#include <sys/socket.h>

#include "hp/neigh.h"
#include "nl-priv.h"

static struct rtnl_neigh *build(int ifindex, const struct hp_prefix *addr)
{
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct hp_prefix p = *addr;
	struct nl_addr *a;

	if (!n)
		return NULL;
	p.len = p.family == AF_INET ? 32 : 128;
	if (!(a = hp_nl_addr(&p))) {
		rtnl_neigh_put(n);
		return NULL;
	}
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_family(n, p.family);
	rtnl_neigh_set_dst(n, a);
	rtnl_neigh_set_flags(n, NTF_PROXY);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	nl_addr_put(a);
	return n;
}

int hp_neigh_proxy_add(struct hp_nl *nl, int ifindex, const struct hp_prefix *addr)
{
	struct rtnl_neigh *n = build(ifindex, addr);
	struct nl_msg *msg = NULL;
	int rc;

	if (!n)
		return -ENOMEM;
	rc = rtnl_neigh_build_add_request(n, NLM_F_CREATE | NLM_F_REPLACE, &msg);
	rtnl_neigh_put(n);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
	return rc == -EEXIST ? 0 : rc;
}

int hp_neigh_proxy_del(struct hp_nl *nl, int ifindex, const struct hp_prefix *addr)
{
	struct rtnl_neigh *n = build(ifindex, addr);
	struct nl_msg *msg = NULL;
	int rc;

	if (!n)
		return -ENOMEM;
	rc = rtnl_neigh_build_delete_request(n, 0, &msg);
	rtnl_neigh_put(n);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
	return rc == -ENOENT || rc == -ENODEV ? 0 : rc; /* not there, or the link gone */
}
