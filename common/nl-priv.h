/* Shared by the netlink files of common/ (link.c, addr.c, route.c,
 * neigh.c, devconf.c) and by nothing else: the libnl socket behind a
 * struct hp_nl and libnl's error codes mapped to -errno. */
#ifndef HP_NL_PRIV_H
#define HP_NL_PRIV_H

#include <string.h>
#include <sys/socket.h>
#include <netlink/addr.h>
#include <netlink/netlink.h>

#include "link.h"
#include "parse.h"

struct nl_sock *hp_nl_sock(struct hp_nl *nl);
int hp_nl_errno(int nlerr);

/* A struct hp_prefix as a libnl address (prefix length included), and back. */
static inline struct nl_addr *hp_nl_addr(const struct hp_prefix *p)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr, p->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, p->len);
	return a;
}

static inline int hp_nl_prefix(struct nl_addr *a, struct hp_prefix *p)
{
	unsigned int len;

	if (!a)
		return -EINVAL;
	len = nl_addr_get_len(a);
	memset(p, 0, sizeof(*p));
	p->family = nl_addr_get_family(a);
	if ((p->family != AF_INET || len != 4) && (p->family != AF_INET6 || len != 16))
		return -EAFNOSUPPORT;
	memcpy(p->addr, nl_addr_get_binary_addr(a), len);
	p->len = (unsigned char)nl_addr_get_prefixlen(a);
	return 0;
}

#endif
