/* vif-nat's address rules, pure (no I/O).
 *
 * Guest address: the `ip` key (one IPv4 address, optionally with a prefix
 * length), else upstream's default 10.<domid/256>.<domid%256>.<devid+1>/16.
 * Router address (dom0's end of the vif, a /32): the guest's last octet d
 * plus 127 when d is 1..127 (upstream's rule, giving 128..254), minus 127
 * when d is 128..254 (upstream added 127 and overflowed past 255).
 *
 * With the default rule, devid must be at most 126 and domid below 32752
 * (DOMID_FIRST_RESERVED): guests then own .1-.127 and routers .128-.254
 * of their domain's 10.x.y.0/24, so every guest and router address of
 * every domain and vif is distinct and a valid host address. */
#ifndef HP_NATIP_H
#define HP_NATIP_H

#include <stddef.h>

#include "hp/parse.h"

#define HP_NAT_MAX_DOMID 32751 /* DOMID_FIRST_RESERVED - 1 */
#define HP_NAT_MAX_DEVID 126

struct hp_nat {
	struct hp_prefix guest; /* with the prefix length of `ip`, or /16 */
	struct hp_prefix router; /* /32 */
	char hostname[24]; /* dom<domid>[-<devid+1>], as upstream */
};

/* The default guest address; -ERANGE when domid or devid is too large. */
int hp_nat_default_ip(unsigned int domid, unsigned int devid, struct hp_prefix *guest);
/* The router address for guest; -EINVAL when guest is no usable IPv4
 * host address, -ERANGE when the router would fall outside the guest's
 * network (prefixes /25 to /30) or on its network or broadcast address. */
int hp_nat_router_ip(const struct hp_prefix *guest, struct hp_prefix *router);
/* "dom<domid>", "-<devid+1>" appended for devid > 0 (upstream). */
void hp_nat_hostname(unsigned int domid, unsigned int devid, char *buf, size_t size);
/* All of it from the parsed `ip` list (nips 0: the default rule).  On
 * error *why says what is wrong, for the message. */
int hp_nat_addrs(unsigned int domid, unsigned int devid, const struct hp_prefix *ips, size_t nips,
		 struct hp_nat *out, const char **why);

#endif
