/* IPv4 and IPv6 addresses of links over rtnetlink.  Idempotent: adding
 * an address the link has and deleting one it lacks both succeed.  Kept
 * general for network-bridge (moving a NIC's addresses to a bridge). */
#ifndef HP_ADDR_H
#define HP_ADDR_H

#include <stddef.h>

#include "hp/link.h"
#include "hp/parse.h"

/* flags for hp_addr_add (the kernel's IFA_F_* values) */
#define HP_ADDR_NODAD 0x02 /* IFA_F_NODAD: usable at once */
#define HP_ADDR_NOPREFIXROUTE 0x200 /* IFA_F_NOPREFIXROUTE: no route for the prefix */

struct hp_addr {
	struct hp_prefix prefix; /* the local address and its prefix length */
	int ifindex;
	unsigned int scope; /* RT_SCOPE_* */
	unsigned int flags; /* IFA_F_* */
	char label[HP_IFNAMSIZ];
};

/* Add p (address and prefix length) to the link.  0 when it exists. */
int hp_addr_add(struct hp_nl *nl, int ifindex, const struct hp_prefix *p, unsigned int flags);
/* Delete p from the link.  0 when it is not there or the link is gone. */
int hp_addr_del(struct hp_nl *nl, int ifindex, const struct hp_prefix *p);
/* The addresses of a link (ifindex 0: of every link) of a family
 * (AF_UNSPEC: both), in the kernel's order.  *out is malloc'd (NULL when
 * *n is 0). */
int hp_addr_list(struct hp_nl *nl, int ifindex, int family, struct hp_addr **out, size_t *n);
/* The link's first address fit to be a source: for AF_INET the first
 * primary address (upstream's ip_of); for AF_INET6 the first global one
 * that is neither tentative, failed nor deprecated.  -EADDRNOTAVAIL when
 * there is none. */
int hp_addr_first(struct hp_nl *nl, int ifindex, int family, struct hp_prefix *out);

#endif
