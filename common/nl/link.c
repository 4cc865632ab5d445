/* Links over rtnetlink with libnl-route-3.  Requests go through nl.c's
 * one path; only while waiting for a link is a second socket opened,
 * subscribed to link notifications. */
#include <errno.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <linux/ip.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/link/inet6.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hp/link.h"
#include "hp/log.h"
#include "nl-priv.h"

static void fill(struct hp_link *out, struct rtnl_link *l)
{
	struct nl_addr *a = rtnl_link_get_addr(l);
	const char *s;

	memset(out, 0, sizeof(*out));
	out->ifindex = rtnl_link_get_ifindex(l);
	snprintf(out->name, sizeof(out->name), "%s", rtnl_link_get_name(l) ?: "");
	s = rtnl_link_get_type(l);
	snprintf(out->kind, sizeof(out->kind), "%s", s ? s : "");
	s = rtnl_link_get_ifalias(l);
	snprintf(out->alias, sizeof(out->alias), "%s", s ? s : "");
	out->master = rtnl_link_get_master(l);
	out->mtu = rtnl_link_get_mtu(l);
	out->flags = rtnl_link_get_flags(l);
	if (a && nl_addr_get_len(a) == 6)
		memcpy(out->mac, nl_addr_get_binary_addr(a), 6);
	out->is_bridge = !strcmp(out->kind, "bridge");
}

static void parsed(struct nl_object *o, void *arg)
{
	struct hp_link *out = arg;

	if (!out->ifindex)
		fill(out, (struct rtnl_link *)o);
}

static int parse_link(struct nl_msg *msg, void *arg)
{
	int rc = nl_msg_parse(msg, parsed, arg);

	return rc < 0 ? hp_nl_errno(rc) : 0;
}

static int link_get(struct hp_nl *nl, int ifindex, const char *name, struct hp_link *out)
{
	struct nl_msg *msg = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = rtnl_link_build_get_request(ifindex, name, &msg)) < 0)
		return hp_nl_errno(rc);
	rc = hp_nl_get(nl, msg, parse_link, out);
	if (rc == -ENOENT)
		rc = -ENODEV; /* what the kernel says for a missing name */
	if (!rc && !out->ifindex)
		rc = -ENODEV;
	return rc;
}

int hp_link_get(struct hp_nl *nl, const char *name, struct hp_link *out)
{
	if (hp_parse_ifname(name))
		return -EINVAL;
	return link_get(nl, 0, name, out);
}

int hp_link_get_index(struct hp_nl *nl, int ifindex, struct hp_link *out)
{
	if (ifindex <= 0)
		return -ENODEV;
	return link_get(nl, ifindex, NULL, out);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int look(struct hp_nl *nl, const char *const *names, size_t n, struct hp_link *out,
		size_t *which)
{
	size_t i;
	int rc = -ENODEV;

	for (i = 0; i < n && rc == -ENODEV; i++)
		if (!(rc = hp_link_get(nl, names[i], out)))
			*which = i;
	return rc;
}

/* Subscribe first, then look: a link created or renamed between the two
 * is seen either by the lookup or as a notification. */
int hp_link_wait_any(struct hp_nl *nl, const char *const *names, size_t n, unsigned int timeout_ms,
		     struct hp_link *out, size_t *which)
{
	long deadline = now_ms() + (long)timeout_ms;
	struct nl_sock *mon;
	char buf[8192];
	int rc;

	rc = look(nl, names, n, out, which);
	if (rc != -ENODEV || timeout_ms == 0)
		return rc;
	if (!(mon = nl_socket_alloc()))
		return -ENOMEM;
	nl_socket_disable_seq_check(mon);
	rc = nl_connect(mon, NETLINK_ROUTE);
	if (rc >= 0)
		rc = nl_socket_add_membership(mon, RTNLGRP_LINK);
	if (rc < 0) {
		rc = hp_nl_errno(rc);
		goto out;
	}
	hp_dbg("waiting up to %u ms for '%s' to appear", timeout_ms, names[n - 1]);
	for (;;) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(mon), .events = POLLIN };
		long left;

		rc = look(nl, names, n, out, which);
		if (rc != -ENODEV)
			break;
		left = deadline - now_ms();
		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		/* The content does not matter: any link event means look again. */
		while (recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	}
out:
	nl_socket_free(mon);
	return rc;
}

int hp_link_set_up(struct hp_nl *nl, int ifindex, int up)
{
	struct rtnl_link *chg = rtnl_link_alloc();

	if (chg && up)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (chg)
		rtnl_link_unset_flags(chg, IFF_UP);
	return hp_nl_link_change(nl, ifindex, chg);
}

int hp_link_set_mtu(struct hp_nl *nl, int ifindex, unsigned int mtu)
{
	struct rtnl_link *chg = rtnl_link_alloc();

	if (chg)
		rtnl_link_set_mtu(chg, mtu);
	return hp_nl_link_change(nl, ifindex, chg);
}

int hp_link_set_mac(struct hp_nl *nl, int ifindex, const unsigned char mac[6])
{
	struct rtnl_link *chg;
	struct hp_link l;
	struct nl_addr *a;
	int rc;

	if (!(a = nl_addr_build(AF_LLC, mac, 6)))
		return -ENOMEM;
	if ((chg = rtnl_link_alloc()))
		rtnl_link_set_addr(chg, a);
	nl_addr_put(a);
	rc = hp_nl_link_change(nl, ifindex, chg);
	/* a running link of some drivers refuses any change, even to the
	 * address it has: then that address is a success */
	if (rc == -EBUSY && !hp_link_get_index(nl, ifindex, &l) && !memcmp(l.mac, mac, 6))
		rc = 0;
	return rc;
}

int hp_link_set_alias(struct hp_nl *nl, int ifindex, const char *alias)
{
	struct rtnl_link *chg = rtnl_link_alloc();

	if (chg)
		rtnl_link_set_ifalias(chg, alias);
	return hp_nl_link_change(nl, ifindex, chg);
}

int hp_link_rename(struct hp_nl *nl, int ifindex, const char *newname)
{
	struct rtnl_link *chg;

	if (hp_parse_ifname(newname))
		return -EINVAL;
	if ((chg = rtnl_link_alloc()))
		rtnl_link_set_name(chg, newname);
	return hp_nl_link_change(nl, ifindex, chg);
}

int hp_link_set_master(struct hp_nl *nl, int ifindex, int master)
{
	struct rtnl_link *chg = rtnl_link_alloc();

	if (chg)
		rtnl_link_set_master(chg, master);
	return hp_nl_link_change(nl, ifindex, chg);
}

int hp_link_release(struct hp_nl *nl, int ifindex)
{
	struct rtnl_link *chg = rtnl_link_alloc();

	if (chg) {
		rtnl_link_unset_flags(chg, IFF_UP);
		rtnl_link_set_master(chg, 0);
	}
	return hp_nl_link_change(nl, ifindex, chg);
}

int hp_link_change(struct hp_nl *nl, int ifindex, const struct hp_link_change *c)
{
	struct rtnl_link *chg = rtnl_link_alloc();
	struct nl_addr *a = NULL;
	int rc = 0;

	if (!chg)
		return -ENOMEM;
	if (c->up > 0)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (!c->up)
		rtnl_link_unset_flags(chg, IFF_UP);
	if (c->mac) {
		if (!(a = nl_addr_build(AF_LLC, c->mac, 6))) {
			rc = -ENOMEM;
		} else {
			rtnl_link_set_addr(chg, a);
			nl_addr_put(a);
		}
	}
	if (!rc && c->rp_filter >= 0 &&
	    (rc = rtnl_link_inet_set_conf(chg, IPV4_DEVCONF_RP_FILTER, (uint32_t)c->rp_filter)) < 0)
		rc = hp_nl_errno(rc);
	/* IN6_ADDR_GEN_MODE_NONE */
	if (!rc && c->addrgen_none && (rc = rtnl_link_inet6_set_addr_gen_mode(chg, 1)) < 0)
		rc = hp_nl_errno(rc);
	if (rc) {
		rtnl_link_put(chg);
		return rc;
	}
	return hp_nl_link_change(nl, ifindex, chg);
}

int hp_link_set_addrgen_none(struct hp_nl *nl, int ifindex)
{
	struct rtnl_link *chg = rtnl_link_alloc();

	/* IN6_ADDR_GEN_MODE_NONE: a bridge port needs no link-local address */
	if (chg)
		rtnl_link_inet6_set_addr_gen_mode(chg, 1);
	return hp_nl_link_change(nl, ifindex, chg);
}

/* Every link, read by one dump: fn sees each (its first error stops
 * the calls, and is returned once the dump has been read to its end). */
struct each {
	int (*fn)(const struct hp_link *l, void *arg);
	void *arg;
	int rc;
};

static void each_parsed(struct nl_object *o, void *arg)
{
	struct each *e = arg;
	struct hp_link l;

	fill(&l, (struct rtnl_link *)o);
	if (!e->rc)
		e->rc = e->fn(&l, e->arg);
}

static int parse_each(struct nl_msg *msg, void *arg)
{
	struct each *e = arg;
	int rc = nl_msg_parse(msg, each_parsed, e);

	return rc < 0 ? hp_nl_errno(rc) : e->rc;
}

static int link_dump(struct hp_nl *nl, int (*fn)(const struct hp_link *, void *), void *arg)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP);
	struct each e = { fn, arg, 0 };

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return hp_nl_get(nl, msg, parse_each, &e);
}

int hp_link_each(struct hp_nl *nl, int (*fn)(const struct hp_link *l, void *arg), void *arg)
{
	return link_dump(nl, fn, arg);
}

struct names {
	int master; /* 0: bridges, else the ports of this master */
	char (*out)[HP_IFNAMSIZ];
	int max, n;
};

static int add_name(const struct hp_link *l, void *arg)
{
	struct names *v = arg;

	if (v->master ? l->master != v->master : !l->is_bridge)
		return 0;
	if (v->n < v->max)
		snprintf(v->out[v->n], HP_IFNAMSIZ, "%s", l->name);
	v->n++;
	return 0;
}

int hp_link_list_bridges(struct hp_nl *nl, char (*out)[HP_IFNAMSIZ], int max, int *n)
{
	struct names v = { 0, out, max, 0 };
	int rc = link_dump(nl, add_name, &v);

	*n = rc ? 0 : v.n;
	return rc;
}

int hp_link_list_ports(struct hp_nl *nl, int master, char (*out)[HP_IFNAMSIZ], int max, int *n)
{
	struct names v = { master, out, max, 0 };
	int rc = master > 0 ? link_dump(nl, add_name, &v) : -ENODEV;

	*n = rc ? 0 : v.n;
	return rc;
}

/* By hand: libnl-route 3.7 sets no bridge attribute (IFLA_BR_*).
 * no_linklocal_learn: frames to 01:80:c2:00:00:0X are learned by the
 * bridge before any netfilter hook (br_handle_local_finish): a guest, or
 * anyone, would move another host's MAC to its port with one frame. */
int hp_link_add_bridge(struct hp_nl *nl, const char *name, unsigned int mtu,
		       const unsigned char mac[6])
{
	struct br_boolopt_multi bo = { .optval = 1u << BR_BOOLOPT_NO_LL_LEARN,
				       .optmask = 1u << BR_BOOLOPT_NO_LL_LEARN };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *info, *data;
	struct nl_msg *m;

	if (hp_parse_ifname(name))
		return -EINVAL;
	if (!(m = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL)))
		return -ENOMEM;
	if (nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, IFLA_IFNAME, name) < 0 || nla_put_u32(m, IFLA_MTU, mtu) < 0 ||
	    nla_put(m, IFLA_ADDRESS, 6, mac) < 0 || !(info = nla_nest_start(m, IFLA_LINKINFO)) ||
	    nla_put_string(m, IFLA_INFO_KIND, "bridge") < 0 ||
	    !(data = nla_nest_start(m, IFLA_INFO_DATA)) ||
	    nla_put_u32(m, IFLA_BR_STP_STATE, 0) < 0 ||
	    nla_put_u32(m, IFLA_BR_FORWARD_DELAY, 0) < 0 ||
	    nla_put(m, IFLA_BR_MULTI_BOOLOPT, sizeof(bo), &bo) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	nla_nest_end(m, data);
	nla_nest_end(m, info);
	return hp_nl_talk(nl, m);
}

int hp_link_del(struct hp_nl *nl, int ifindex)
{
	struct rtnl_link *l = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int rc;

	if (!l)
		return -ENOMEM;
	if (ifindex <= 0) {
		rtnl_link_put(l);
		return 0;
	}
	rtnl_link_set_ifindex(l, ifindex);
	rc = rtnl_link_build_delete_request(l, &msg);
	rtnl_link_put(l);
	rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
	return rc == -ENODEV ? 0 : rc;
}

int hp_addr_flush(struct hp_nl *nl, int ifindex)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int rc, ret = 0;

	rc = rtnl_addr_alloc_cache(hp_nl_sock(nl), &cache);
	if (rc < 0)
		return hp_nl_errno(rc);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_msg *msg = NULL;

		if (rtnl_addr_get_ifindex(a) != ifindex)
			continue;
		rc = rtnl_addr_build_delete_request(a, 0, &msg);
		rc = rc < 0 ? hp_nl_errno(rc) : hp_nl_talk(nl, msg);
		/* gone already (a concurrent flush, DAD failure): fine */
		if (rc && rc != -EADDRNOTAVAIL && rc != -ENODEV && !ret)
			ret = rc;
	}
	nl_cache_free(cache);
	return ret;
}

int hp_link_down_now(int ifindex)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = sizeof(req),
		       .nlmsg_type = RTM_NEWLINK,
		       .nlmsg_flags = NLM_F_REQUEST },
		.i = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_change = IFF_UP },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int fd, rc = 0;

	if (ifindex <= 0)
		return -ENODEV;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}
