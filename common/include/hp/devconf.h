/* Per-interface IP settings (net.ipv4.conf.<dev>.*, net.ipv6.conf.<dev>.*)
 * of the network namespace the tool runs in.  IPv4 settings go over
 * rtnetlink (IFLA_AF_SPEC / IFLA_INET_CONF); IPv6 ones through
 * /proc/sys, since the kernel accepts no IPv6 devconf over netlink
 * (inet6_set_link_af takes only the token and addr_gen_mode).  Setting a
 * value a link has already succeeds. */
#ifndef HP_DEVCONF_H
#define HP_DEVCONF_H

#include "hp/link.h"

int hp_devconf_set_proxy_arp(struct hp_nl *nl, int ifindex, int on);
int hp_devconf_set_proxy_ndp(const char *ifname, int on);
/* rp_filter of ifindex: 0 off, 1 strict, 2 loose (the kernel applies the
 * higher of this and `all`). */
int hp_devconf_set_rp_filter(struct hp_nl *nl, int ifindex, int mode);
/* disable_ipv6=1 on ifname: its own IPv6 stack takes nothing it receives.
 * Succeeds on a kernel without IPv6. */
int hp_devconf_set_ipv6_off(const char *ifname);
/* Is forwarding on for ifname ("all" for the host-wide switch, which is
 * net.ipv4.ip_forward for AF_INET)?  *on 0 or 1. */
int hp_devconf_forwarding(int family, const char *ifname, int *on);
/* Is IPv6 off on ifname ("all": host-wide)?  Also *off = 1 when the
 * kernel has no IPv6 at all (ipv6.disable=1). */
int hp_devconf_ipv6_disabled(const char *ifname, int *off);

/* A per-interface setting as the kernel has it now ("rp_filter",
 * "proxy_arp" of AF_INET; "proxy_ndp", "disable_ipv6" of AF_INET6),
 * from /proc/sys: -ENOENT when there is no such link or key. */
int hp_devconf_get(int family, const char *ifname, const char *key, int *val);

#endif
