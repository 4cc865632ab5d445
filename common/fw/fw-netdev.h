/* The per-vif part of the netdev family's guard (Open vSwitch ports):
 * a base chain on the ingress hook of the vif itself, named
 * FW_NETDEV_CHAIN_PREFIX + the vif's name, whose one rule jumps to the
 * table's `guard` chain (guard-netdev.nft).  The rules and sets are the
 * bridge family's and keyed by name as there; only the hook is per vif.
 * Internal to the firewall module. */
#ifndef HP_FW_NETDEV_H
#define HP_FW_NETDEV_H

#include <stddef.h>

#include "fw-nl.h"

#define FW_NETDEV_CHAIN_PREFIX "in_"
/* before anything else on ingress; accept there goes on to later chains */
#define FW_NETDEV_PRIO (-300)

/* *found = whether the vif's chain exists (one GETCHAIN). */
int fw_netdev_chain_get(struct fw_nl *nl, const char *ifname, int *found);
/* Into the open batch: the vif's chain made to exist on its ingress hook
 * and its rule set (add chain; flush chain; add rule: idempotent), or
 * the chain deleted with its rule (it must exist). */
int fw_netdev_batch_add(struct fw_nl *nl, const char *ifname);
int fw_netdev_batch_del(struct fw_nl *nl, const char *ifname);

#endif
