/* Proxy neighbour entries over rtnetlink with libnl-route-3. */
#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>
#include <sys/socket.h>

#include "neigh.h"
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
	int rc;

	if (!n)
		return -ENOMEM;
	rc = hp_nl_errno(rtnl_neigh_add(hp_nl_sock(nl), n, NLM_F_REPLACE));
	rtnl_neigh_put(n);
	return rc == -EEXIST ? 0 : rc;
}

int hp_neigh_proxy_del(struct hp_nl *nl, int ifindex, const struct hp_prefix *addr)
{
	struct rtnl_neigh *n = build(ifindex, addr);
	int rc;

	if (!n)
		return -ENOMEM;
	rc = hp_nl_errno(rtnl_neigh_delete(hp_nl_sock(nl), n, 0));
	rtnl_neigh_put(n);
	return rc == -ENODEV ? 0 : rc; /* ENOENT: not there */
}
