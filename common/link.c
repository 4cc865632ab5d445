/* Links and addresses over rtnetlink with libnl-route-3.  One socket per
 * run for requests and, only while waiting for a link, one more
 * subscribed to link notifications. */
#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "link.h"
#include "log.h"

struct hp_nl {
	struct nl_sock *sk;
};

/* libnl folds the kernel's errno into its own codes; give callers an
 * errno back so that messages and decisions use one vocabulary. */
static int nl2errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	default:
		return -EIO;
	}
}

int hp_nl_open(struct hp_nl **out)
{
	struct hp_nl *nl = calloc(1, sizeof(*nl));
	int rc;

	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	rc = nl_connect(nl->sk, NETLINK_ROUTE);
	if (rc < 0) {
		nl_socket_free(nl->sk);
		free(nl);
		return nl2errno(rc);
	}
	*out = nl;
	return 0;
}

void hp_nl_close(struct hp_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

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

static int link_get(struct hp_nl *nl, int ifindex, const char *name, struct hp_link *out)
{
	struct rtnl_link *l = NULL;
	int rc;

	rc = rtnl_link_get_kernel(nl->sk, ifindex, name, &l);
	if (rc < 0)
		return nl2errno(rc);
	fill(out, l);
	rtnl_link_put(l);
	return 0;
}

int hp_link_get(struct hp_nl *nl, const char *name, struct hp_link *out)
{
	if (hp_parse_ifname(name))
		return -EINVAL;
	return link_get(nl, 0, name, out);
}

int hp_link_get_index(struct hp_nl *nl, int ifindex, struct hp_link *out)
{
	return link_get(nl, ifindex, NULL, out);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Subscribe first, then look: a link created between the two is seen
 * either by the lookup or as a notification. */
int hp_link_wait(struct hp_nl *nl, const char *name, unsigned int timeout_ms, struct hp_link *out)
{
	long deadline = now_ms() + (long)timeout_ms;
	struct nl_sock *mon;
	char buf[8192];
	int rc;

	rc = hp_link_get(nl, name, out);
	if (rc != -ENODEV || timeout_ms == 0)
		return rc;
	mon = nl_socket_alloc();
	if (!mon)
		return -ENOMEM;
	nl_socket_disable_seq_check(mon);
	rc = nl_connect(mon, NETLINK_ROUTE);
	if (rc >= 0)
		rc = nl_socket_add_membership(mon, RTNLGRP_LINK);
	if (rc < 0) {
		rc = nl2errno(rc);
		goto out;
	}
	hp_dbg("waiting up to %u ms for '%s' to appear", timeout_ms, name);
	for (;;) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(mon), .events = POLLIN };
		long left;

		rc = hp_link_get(nl, name, out);
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

/* Apply the attributes set in chg to the link. */
static int change(struct hp_nl *nl, const struct hp_link *l, struct rtnl_link *chg)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	int rc;

	if (!orig) {
		rtnl_link_put(chg);
		return -ENOMEM;
	}
	rtnl_link_set_ifindex(orig, l->ifindex);
	rtnl_link_set_name(orig, l->name);
	rc = rtnl_link_change(nl->sk, orig, chg, 0);
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	return nl2errno(rc);
}

static struct rtnl_link *alloc_change(void)
{
	return rtnl_link_alloc();
}

int hp_link_set_up(struct hp_nl *nl, const struct hp_link *l, int up)
{
	struct rtnl_link *chg;

	if (!!(l->flags & IFF_UP) == !!up)
		return 0;
	if (!(chg = alloc_change()))
		return -ENOMEM;
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
	return change(nl, l, chg);
}

int hp_link_set_mtu(struct hp_nl *nl, const struct hp_link *l, unsigned int mtu)
{
	struct rtnl_link *chg;

	if (l->mtu == mtu)
		return 0;
	if (!(chg = alloc_change()))
		return -ENOMEM;
	rtnl_link_set_mtu(chg, mtu);
	return change(nl, l, chg);
}

int hp_link_set_mac(struct hp_nl *nl, const struct hp_link *l, const unsigned char mac[6])
{
	struct rtnl_link *chg;
	struct nl_addr *a;

	if (!memcmp(l->mac, mac, 6))
		return 0;
	if (!(chg = alloc_change()))
		return -ENOMEM;
	a = nl_addr_build(AF_LLC, mac, 6);
	if (!a) {
		rtnl_link_put(chg);
		return -ENOMEM;
	}
	rtnl_link_set_addr(chg, a);
	nl_addr_put(a);
	return change(nl, l, chg);
}

int hp_link_set_alias(struct hp_nl *nl, const struct hp_link *l, const char *alias)
{
	struct rtnl_link *chg;

	if (!strcmp(l->alias, alias))
		return 0;
	if (!(chg = alloc_change()))
		return -ENOMEM;
	rtnl_link_set_ifalias(chg, alias);
	return change(nl, l, chg);
}

int hp_link_rename(struct hp_nl *nl, struct hp_link *l, const char *newname)
{
	struct rtnl_link *chg;
	int rc;

	if (hp_parse_ifname(newname))
		return -EINVAL;
	if (!strcmp(l->name, newname))
		return 0;
	if (!(chg = alloc_change()))
		return -ENOMEM;
	rtnl_link_set_name(chg, newname);
	rc = change(nl, l, chg);
	if (rc == 0)
		snprintf(l->name, sizeof(l->name), "%s", newname);
	return rc;
}

int hp_link_set_master(struct hp_nl *nl, const struct hp_link *l, int master_ifindex)
{
	struct rtnl_link *chg;

	if (l->master == master_ifindex)
		return 0;
	if (!(chg = alloc_change()))
		return -ENOMEM;
	rtnl_link_set_master(chg, master_ifindex);
	return change(nl, l, chg);
}

int hp_link_set_addrgen_none(struct hp_nl *nl, const struct hp_link *l)
{
	struct rtnl_link *chg;

	if (!(chg = alloc_change()))
		return -ENOMEM;
	/* IN6_ADDR_GEN_MODE_NONE: a bridge port needs no link-local address */
	rtnl_link_inet6_set_addr_gen_mode(chg, 1);
	return change(nl, l, chg);
}

int hp_link_list_bridges(struct hp_nl *nl, char (*out)[HP_IFNAMSIZ], int max, int *n)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int rc;

	*n = 0;
	rc = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache);
	if (rc < 0)
		return nl2errno(rc);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *kind = rtnl_link_get_type(l);

		if (!kind || strcmp(kind, "bridge"))
			continue;
		if (*n < max)
			snprintf(out[*n], HP_IFNAMSIZ, "%s", rtnl_link_get_name(l));
		(*n)++;
	}
	nl_cache_free(cache);
	return 0;
}

int hp_addr_flush(struct hp_nl *nl, const struct hp_link *l)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int rc, ret = 0;

	rc = rtnl_addr_alloc_cache(nl->sk, &cache);
	if (rc < 0)
		return nl2errno(rc);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(a) != l->ifindex)
			continue;
		rc = nl2errno(rtnl_addr_delete(nl->sk, a, 0));
		/* gone already (a concurrent flush, DAD failure): fine */
		if (rc && rc != -EADDRNOTAVAIL && rc != -ENODEV && !ret)
			ret = rc;
	}
	nl_cache_free(cache);
	return ret;
}

/* ---- added for addr.c, route.c, neigh.c, devconf.c (vif-route/vif-nat):
 * the socket and the error mapping, declared in nl-priv.h only. */
#include "nl-priv.h"

struct nl_sock *hp_nl_sock(struct hp_nl *nl)
{
	return nl->sk;
}

int hp_nl_errno(int nlerr)
{
	return nl2errno(nlerr);
}
