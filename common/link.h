/* Links over rtnetlink (libnl-route-3).  One netlink socket per run.
 * Every setter is idempotent: setting what is already set succeeds. */
#ifndef HP_LINK_H
#define HP_LINK_H

#include "parse.h"

struct hp_nl;

struct hp_link {
	int ifindex;
	char name[HP_IFNAMSIZ];
	char kind[16];	  /* rtnl kind ("bridge", "veth", "vif"...) or "" */
	char alias[64];	  /* IFLA_IFALIAS or "" */
	int master;	  /* ifindex of the master, 0 if none */
	unsigned int mtu;
	unsigned int flags; /* IFF_* */
	unsigned char mac[6];
	int is_bridge;
};

int hp_nl_open(struct hp_nl **nl);
void hp_nl_close(struct hp_nl *nl);

/* -ENODEV when there is no such link. */
int hp_link_get(struct hp_nl *nl, const char *name, struct hp_link *out);
int hp_link_get_index(struct hp_nl *nl, int ifindex, struct hp_link *out);
/* Wait up to timeout_ms for the link to appear; -ETIMEDOUT. */
int hp_link_wait(struct hp_nl *nl, const char *name, unsigned int timeout_ms, struct hp_link *out);
int hp_link_set_up(struct hp_nl *nl, const struct hp_link *l, int up);
int hp_link_set_mtu(struct hp_nl *nl, const struct hp_link *l, unsigned int mtu);
int hp_link_set_mac(struct hp_nl *nl, const struct hp_link *l, const unsigned char mac[6]);
int hp_link_set_alias(struct hp_nl *nl, const struct hp_link *l, const char *alias);
/* The link must be down; -EEXIST when newname is taken. */
int hp_link_rename(struct hp_nl *nl, struct hp_link *l, const char *newname);
/* master_ifindex 0 releases the link from its master. */
int hp_link_set_master(struct hp_nl *nl, const struct hp_link *l, int master_ifindex);
/* The names of all bridges: *n set, names copied into out (at most max). */
int hp_link_list_bridges(struct hp_nl *nl, char (*out)[HP_IFNAMSIZ], int max, int *n);
/* No IPv6 link-local address on a bridge port (addr_gen_mode none). */
int hp_link_set_addrgen_none(struct hp_nl *nl, const struct hp_link *l);
/* Remove every IPv4 and IPv6 address of the link. */
int hp_addr_flush(struct hp_nl *nl, const struct hp_link *l);

#endif
