/* Proxy neighbour entries (NTF_PROXY, `ip -6 neigh add proxy ADDR dev
 * DEV`): with proxy_ndp on, DEV answers neighbour solicitations for ADDR.
 * Idempotent: adding an entry that exists and deleting one that does not
 * both succeed. */
#ifndef HP_NEIGH_H
#define HP_NEIGH_H

#include "hp/link.h"
#include "hp/parse.h"

int hp_neigh_proxy_add(struct hp_nl *nl, int ifindex, const struct hp_prefix *addr);
int hp_neigh_proxy_del(struct hp_nl *nl, int ifindex, const struct hp_prefix *addr);

#endif
