/* Private to common/nl/ (every file of it, and nothing else): the socket
 * behind a struct hp_nl, the one request path, libnl's own error codes
 * mapped to -errno, and struct hp_prefix to and from libnl's addresses. */
#ifndef HP_NL_PRIV_H
#define HP_NL_PRIV_H

#include <string.h>
#include <sys/socket.h>
#include <netlink/addr.h>
#include <netlink/netlink.h>

#include "hp/nl.h"
#include "hp/parse.h"

struct nl_msg;

struct nl_sock *hp_nl_sock(struct hp_nl *nl);
/* libnl's code for a failure inside libnl, as -errno (EIO when unknown). */
int hp_nl_errno(int nlerr);
/* Sends a request (built with libnl's rtnl_*_build_*_request or by hand),
 * waits for the kernel's answer and frees msg.  0, or the kernel's own
 * -errno (not libnl's folded code); -ENOMEM when msg is NULL, so a failed
 * build can be passed straight in. */
int hp_nl_talk(struct hp_nl *nl, struct nl_msg *msg);
/* The same for a request with answers (a get, or a dump with NLM_F_DUMP):
 * parse runs on each; its first negative return is returned after the
 * exchange has been read to its end. */
int hp_nl_get(struct hp_nl *nl, struct nl_msg *msg, int (*parse)(struct nl_msg *msg, void *arg),
	      void *arg);

struct rtnl_link;
/* An RTM_NEWLINK change of link ifindex with the attributes set in chg
 * (rtnl_link_alloc'd; consumed, also on failure; NULL gives -ENOMEM). */
int hp_nl_link_change(struct hp_nl *nl, int ifindex, struct rtnl_link *chg);

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
