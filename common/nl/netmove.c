/* Moving a link's addresses and routes to another link.  See netmove.h.
 * Requests are built by hand with libnl's message API (libnl-route's
 * address and route objects know a fixed list of attributes; a copy of
 * the kernel's own message keeps them all) and sent on nl.c's one
 * request path, so that the kernel's errno arrives unchanged.
 *
 * Longer than most files here (about 540 lines) and still one job: a
 * snapshot holds the kernel's own messages, and the moves replay them;
 * reading and replaying share that one message format. */
#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp/netmove.h"
#include "nl-priv.h"

#ifndef IFA_PROTO
#define IFA_PROTO 11
#endif
#ifndef IFAPROT_KERNEL_LL
#define IFAPROT_KERNEL_LL 3
#endif

/* Flags the kernel computes for an address: never sent back. */
#define ADDR_COMPUTED_FLAGS                                                       \
	(IFA_F_SECONDARY | IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED | \
	 IFA_F_PERMANENT | IFA_F_TEMPORARY)
/* Nexthop state the kernel reports and refuses on input. */
#define NH_STATE_FLAGS (RTNH_F_DEAD | RTNH_F_LINKDOWN | RTNH_F_OFFLOAD | RTNH_F_TRAP | 0x80u)

/* ---- requests ----------------------------------------------------------- */

/* A request of type with a fixed header: NULL without memory (hp_nl_talk
 * and hp_nl_get take NULL as -ENOMEM). */
static struct nl_msg *msg_new(int type, int flags, void *hdr, size_t len)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, flags);

	if (m && nlmsg_append(m, hdr, len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		m = NULL;
	}
	return m;
}

/* ---- snapshots ---------------------------------------------------------- */

static int msg_push(struct hp_nm_msg **v, size_t *n, const void *data, size_t len)
{
	struct hp_nm_msg *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n].data = malloc(len)))
		return -ENOMEM;
	memcpy(nv[*n].data, data, len);
	nv[*n].len = len;
	(*n)++;
	return 0;
}

void hp_nm_snap_free(struct hp_nm_snap *s)
{
	size_t i;

	for (i = 0; i < s->naddrs; i++)
		free(s->addrs[i].data);
	for (i = 0; i < s->nroutes; i++)
		free(s->routes[i].data);
	free(s->addrs);
	free(s->routes);
	memset(s, 0, sizeof(*s));
}

struct dump {
	int ifindex;
	int all;
	struct hp_nm_snap *s;
	char *what;
	size_t wsize;
};

static int addr_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct dump *d = arg;
	struct ifaddrmsg *ifa = nlmsg_data(nlh);
	struct nlattr *tb[IFA_MAX + 1];
	unsigned int flags;

	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != d->ifindex ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	if (nlmsg_parse(nlh, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return -EPROTO;
	flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	/* IFA_F_TEMPORARY is IFA_F_SECONDARY's value: IPv6 only */
	if (!d->all && ifa->ifa_family == AF_INET6 && (flags & IFA_F_TEMPORARY))
		return 0;
	if (!d->all && tb[IFA_PROTO] && nla_get_u8(tb[IFA_PROTO]) == IFAPROT_KERNEL_LL)
		return 0;
	return msg_push(&d->s->addrs, &d->s->naddrs, nlh, nlh->nlmsg_len);
}

/* Calls fn for each nexthop's ifindex of a route; returns the first
 * non-zero result. */
static int route_oifs(struct nlmsghdr *nlh, int (*fn)(int *ifindex, void *), void *arg)
{
	struct nlattr *a;
	int rem, rc;

	nlmsg_for_each_attr(a, nlh, sizeof(struct rtmsg), rem)
	{
		if (nla_type(a) == RTA_OIF) {
			if ((rc = fn(nla_data(a), arg)))
				return rc;
		} else if (nla_type(a) == RTA_MULTIPATH) {
			struct rtnexthop *nh = nla_data(a);
			int left = nla_len(a);

			while (RTNH_OK(nh, left)) {
				if ((rc = fn(&nh->rtnh_ifindex, arg)))
					return rc;
				left -= NLMSG_ALIGN(nh->rtnh_len);
				nh = RTNH_NEXT(nh);
			}
		}
	}
	return 0;
}

static int oif_is(int *ifindex, void *arg)
{
	return *ifindex == *(int *)arg;
}

static int route_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct dump *d = arg;
	struct rtmsg *rtm = nlmsg_data(nlh);
	struct nlattr *tb[RTA_MAX + 1];
	struct hp_nm_msg m = { nlh, nlh->nlmsg_len };

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	if (!d->all && (rtm->rtm_protocol == RTPROT_KERNEL || rtm->rtm_protocol == RTPROT_RA))
		return 0;
	if (!route_oifs(nlh, oif_is, &d->ifindex))
		return 0;
	if (nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return -EPROTO;
	if (d->all &&
	    (tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table) == RT_TABLE_LOCAL)
		return 0;
	if (!d->all && tb[RTA_NH_ID]) {
		hp_nm_describe(&m, d->what, d->wsize);
		return -EOPNOTSUPP;
	}
	return msg_push(&d->s->routes, &d->s->nroutes, nlh, nlh->nlmsg_len);
}

static int dump(struct hp_nl *nl, int type, int family, int (*cb)(struct nl_msg *, void *),
		void *arg)
{
	struct ifaddrmsg ifa = { .ifa_family = (unsigned char)family };
	struct rtmsg rtm = { .rtm_family = (unsigned char)family };

	if (type == RTM_GETADDR)
		return hp_nl_get(nl, msg_new(type, NLM_F_DUMP, &ifa, sizeof(ifa)), cb, arg);
	return hp_nl_get(nl, msg_new(type, NLM_F_DUMP, &rtm, sizeof(rtm)), cb, arg);
}

int hp_nm_snapshot(struct hp_nl *nl, int ifindex, int all, struct hp_nm_snap *s, char *what,
		   size_t wsize)
{
	struct dump d = { ifindex, all, s, what, wsize };
	int rc;

	memset(s, 0, sizeof(*s));
	if (wsize)
		what[0] = '\0';
	if (!(rc = dump(nl, RTM_GETADDR, AF_UNSPEC, addr_cb, &d)) &&
	    !(rc = dump(nl, RTM_GETROUTE, AF_INET, route_cb, &d)))
		rc = dump(nl, RTM_GETROUTE, AF_INET6, route_cb, &d);
	if (rc)
		hp_nm_snap_free(s);
	return rc;
}

/* ---- describing --------------------------------------------------------- */

static void ntop(int family, const struct nlattr *a, char *buf, size_t size)
{
	if (!a || nla_len(a) < (family == AF_INET ? 4 : 16) ||
	    !inet_ntop(family, nla_data(a), buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

void hp_nm_describe(const struct hp_nm_msg *m, char *buf, size_t size)
{
	struct nlmsghdr *nlh = m->data;
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	if (nlh->nlmsg_type == RTM_NEWADDR) {
		struct ifaddrmsg *ifa = nlmsg_data(nlh);
		struct nlattr *tb[IFA_MAX + 1];

		if (nlmsg_parse(nlh, sizeof(*ifa), tb, IFA_MAX, NULL) < 0) {
			snprintf(buf, size, "?");
			return;
		}
		ntop(ifa->ifa_family, tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], a,
		     sizeof(a));
		snprintf(buf, size, "%s/%u", a, ifa->ifa_prefixlen);
	} else {
		struct rtmsg *rtm = nlmsg_data(nlh);
		struct nlattr *tb[RTA_MAX + 1];
		unsigned int table = rtm->rtm_table, metric = 0;
		char dst[INET6_ADDRSTRLEN + 8];

		if (nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0) {
			snprintf(buf, size, "?");
			return;
		}
		if (tb[RTA_TABLE])
			table = nla_get_u32(tb[RTA_TABLE]);
		if (tb[RTA_PRIORITY])
			metric = nla_get_u32(tb[RTA_PRIORITY]);
		if (!rtm->rtm_dst_len) {
			snprintf(dst, sizeof(dst), "default");
		} else {
			ntop(rtm->rtm_family, tb[RTA_DST], a, sizeof(a));
			snprintf(dst, sizeof(dst), "%s/%u", a, rtm->rtm_dst_len);
		}
		g[0] = '\0';
		if (tb[RTA_GATEWAY])
			ntop(rtm->rtm_family, tb[RTA_GATEWAY], g, sizeof(g));
		snprintf(buf, size, "%s%s%s%s table %u metric %u",
			 rtm->rtm_family == AF_INET6 ? "-6 " : "", dst, *g ? " via " : "", g, table,
			 metric);
	}
}

/* ---- rewriting and sending ---------------------------------------------- */

/* The label on the new link: "eth0:1" on br0 is "br0:1", cut to IFNAMSIZ. */
static void relabel(const char *label, const char *to, char *out)
{
	const char *rest = strchr(label, ':');

	snprintf(out, HP_IFNAMSIZ, "%s%s", to, rest ? rest : "");
}

/* RTM_NEWADDR (add) or RTM_DELADDR from a dumped address, on link to. */
static struct nl_msg *addr_msg(const struct hp_nm_msg *src, int type, int to, const char *to_name)
{
	struct nlmsghdr *nlh = src->data;
	struct ifaddrmsg ifa = *(struct ifaddrmsg *)nlmsg_data(nlh);
	struct nl_msg *m;
	struct nlattr *a;
	int rem, add = type == RTM_NEWADDR;

	ifa.ifa_index = (unsigned int)to;
	ifa.ifa_flags &= (unsigned char)~ADDR_COMPUTED_FLAGS;
	if (!(m = msg_new(type, add ? NLM_F_CREATE | NLM_F_EXCL : 0, &ifa, sizeof(ifa))))
		return NULL;
	nlmsg_for_each_attr(a, nlh, sizeof(ifa), rem)
	{
		int t = nla_type(a), rc = 0;

		switch (t) {
		case IFA_LABEL: {
			char l[HP_IFNAMSIZ];

			if (!add)
				break; /* the kernel may have renamed it with the link */
			relabel(nla_get_string(a), to_name, l);
			rc = nla_put_string(m, IFA_LABEL, l);
			break;
		}
		case IFA_FLAGS:
			if (add)
				rc = nla_put_u32(m, IFA_FLAGS,
						 nla_get_u32(a) & ~ADDR_COMPUTED_FLAGS);
			break;
		case IFA_ADDRESS:
		case IFA_LOCAL:
			rc = nla_put(m, t, nla_len(a), nla_data(a));
			break;
		case IFA_BROADCAST:
		case IFA_ANYCAST:
		case IFA_CACHEINFO:
		case IFA_RT_PRIORITY:
		case IFA_PROTO:
			if (add)
				rc = nla_put(m, t, nla_len(a), nla_data(a));
			break;
		default: /* IFA_MULTICAST, IFA_TARGET_NETNSID...: output only */
			break;
		}
		if (rc < 0) {
			nlmsg_free(m);
			return NULL;
		}
	}
	return m;
}

struct swap {
	int from, to;
};

static int oif_swap(int *ifindex, void *arg)
{
	struct swap *sw = arg;

	if (*ifindex == sw->from)
		*ifindex = sw->to;
	return 0;
}

/* RTM_NEWROUTE or RTM_DELROUTE from a dumped route, with its nexthops
 * through link from moved to link to. */
static struct nl_msg *route_msg(const struct hp_nm_msg *src, int type, int from, int to)
{
	struct nlmsghdr *nlh = malloc(src->len);
	struct swap sw = { from, to };
	struct rtmsg rtm;
	struct nl_msg *m = NULL;
	struct nlattr *a;
	int rem, add = type == RTM_NEWROUTE;

	if (!nlh)
		return NULL;
	memcpy(nlh, src->data, src->len);
	route_oifs(nlh, oif_swap, &sw);
	rtm = *(struct rtmsg *)nlmsg_data(nlh);
	rtm.rtm_flags &= RTNH_F_ONLINK | RTNH_F_PERVASIVE;
	if (!(m = msg_new(type, add ? NLM_F_CREATE | NLM_F_EXCL : 0, &rtm, sizeof(rtm))))
		goto out;
	nlmsg_for_each_attr(a, nlh, sizeof(rtm), rem)
	{
		int t = nla_type(a), rc = 0;

		switch (t) {
		case RTA_CACHEINFO: {
			const struct rta_cacheinfo *ci = nla_data(a);
			long hz = sysconf(_SC_CLK_TCK);

			/* An expiring IPv6 route keeps the time it has left. */
			if (add && rtm.rtm_family == AF_INET6 && nla_len(a) >= (int)sizeof(*ci) &&
			    ci->rta_expires && hz > 0)
				rc = nla_put_u32(m, RTA_EXPIRES,
						 (uint32_t)((ci->rta_expires + hz - 1) / hz));
			break;
		}
		case RTA_MULTIPATH: {
			struct rtnexthop *nh = nla_data(a);
			int left = nla_len(a);

			while (RTNH_OK(nh, left)) {
				nh->rtnh_flags &= (unsigned char)~NH_STATE_FLAGS;
				left -= NLMSG_ALIGN(nh->rtnh_len);
				nh = RTNH_NEXT(nh);
			}
			rc = nla_put(m, a->nla_type, nla_len(a), nla_data(a));
			break;
		}
		case RTA_EXPIRES:
			break;
		default:
			/* nla_type with its flag bits: nests stay nests */
			rc = nla_put(m, a->nla_type, nla_len(a), nla_data(a));
			break;
		}
		if (rc < 0) {
			nlmsg_free(m);
			m = NULL;
			break;
		}
	}
out:
	free(nlh);
	return m;
}

static int say(const struct hp_nm_msg *m, int rc, char *what, size_t wsize)
{
	if (rc && wsize)
		hp_nm_describe(m, what, wsize);
	return rc;
}

static int family_of(const struct hp_nm_msg *m)
{
	return ((struct ifaddrmsg *)nlmsg_data((struct nlmsghdr *)m->data))->ifa_family;
}

static int addr_add_one(struct hp_nl *nl, const struct hp_nm_msg *a, int to, const char *to_name,
			char *what, size_t wsize)
{
	int rc = hp_nl_talk(nl, addr_msg(a, RTM_NEWADDR, to, to_name));

	return say(a, rc == -EEXIST ? 0 : rc, what, wsize);
}

/* IPv4 keeps the order addresses were added in (primaries before their
 * secondaries); IPv6 puts each new address first among those of its
 * scope (ipv6_link_dev_addr), so IPv6 is added from the last. */
int hp_nm_addrs_add(struct hp_nl *nl, const struct hp_nm_snap *s, int to, const char *to_name,
		    char *what, size_t wsize)
{
	size_t i;
	int rc;

	for (i = 0; i < s->naddrs; i++)
		if (family_of(&s->addrs[i]) == AF_INET &&
		    (rc = addr_add_one(nl, &s->addrs[i], to, to_name, what, wsize)))
			return rc;
	for (i = s->naddrs; i-- > 0;)
		if (family_of(&s->addrs[i]) == AF_INET6 &&
		    (rc = addr_add_one(nl, &s->addrs[i], to, to_name, what, wsize)))
			return rc;
	return 0;
}

int hp_nm_addrs_del(struct hp_nl *nl, const struct hp_nm_snap *s, int ifindex, char *what,
		    size_t wsize)
{
	size_t i;
	int rc;

	/* From the last: an IPv4 secondary goes before its primary, which
	 * would take it along. */
	for (i = s->naddrs; i-- > 0;) {
		rc = hp_nl_talk(nl, addr_msg(&s->addrs[i], RTM_DELADDR, ifindex, ""));
		if (rc && rc != -EADDRNOTAVAIL && rc != -ENODEV && rc != -ENOENT && rc != -ESRCH)
			return say(&s->addrs[i], rc, what, wsize);
	}
	return 0;
}

/* Link routes (scope host, link) before the routes through a gateway
 * that needs them; then as many passes as bring progress. */
int hp_nm_routes_add(struct hp_nl *nl, const struct hp_nm_snap *s, int from, int to, char *what,
		     size_t wsize)
{
	unsigned char *done = calloc(s->nroutes + 1, 1);
	size_t i, left = s->nroutes, before;
	int rc = 0, first = 0, pass;

	if (!done)
		return -ENOMEM;
	for (pass = 0; left; pass++) {
		before = left;
		first = 0;
		for (i = 0; i < s->nroutes; i++) {
			const struct rtmsg *rtm = nlmsg_data((struct nlmsghdr *)s->routes[i].data);

			if (done[i] || (pass == 0 && rtm->rtm_scope == RT_SCOPE_UNIVERSE))
				continue;
			rc = hp_nl_talk(nl, route_msg(&s->routes[i], RTM_NEWROUTE, from, to));
			if (rc == -ENOMEM)
				goto out;
			if (!rc || rc == -EEXIST) {
				done[i] = 1;
				left--;
			} else if (!first) {
				first = rc;
				say(&s->routes[i], rc, what, wsize);
			}
		}
		if (pass > 0 && left == before)
			break;
	}
	rc = left ? first : 0;
out:
	free(done);
	return rc;
}

int hp_nm_routes_del(struct hp_nl *nl, const struct hp_nm_snap *s, int from, int ifindex,
		     char *what, size_t wsize)
{
	size_t i;
	int rc;

	for (i = s->nroutes; i-- > 0;) {
		rc = hp_nl_talk(nl, route_msg(&s->routes[i], RTM_DELROUTE, from, ifindex));
		if (rc && rc != -ESRCH && rc != -ENOENT && rc != -ENODEV && rc != -EADDRNOTAVAIL)
			return say(&s->routes[i], rc, what, wsize);
	}
	return 0;
}

/* ---- messages from elsewhere ------------------------------------------- */

int hp_nm_snap_add(struct hp_nm_snap *s, int route, const void *msg, size_t len)
{
	const struct nlmsghdr *nlh = msg;
	size_t hdr =
		NLMSG_HDRLEN + NLMSG_ALIGN(route ? sizeof(struct rtmsg) : sizeof(struct ifaddrmsg));
	const unsigned char *p = (const unsigned char *)msg + hdr;
	size_t left;

	if (len < hdr || len > HP_NM_MSG_MAX || nlh->nlmsg_len != len ||
	    nlh->nlmsg_type != (route ? RTM_NEWROUTE : RTM_NEWADDR))
		return -EINVAL;
	/* every attribute whole, up to the end (as nla_ok reads them); a
	 * label is a C string */
	for (left = len - hdr; left;) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t step;

		if (left < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > left)
			return -EINVAL;
		if (!route && (a->nla_type & NLA_TYPE_MASK) == IFA_LABEL &&
		    !memchr(p + NLA_HDRLEN, '\0', a->nla_len - NLA_HDRLEN))
			return -EINVAL;
		step = NLA_ALIGN(a->nla_len);
		if (step > left)
			return -EINVAL;
		p += step;
		left -= step;
	}
	return route ? msg_push(&s->routes, &s->nroutes, msg, len) :
		       msg_push(&s->addrs, &s->naddrs, msg, len);
}
