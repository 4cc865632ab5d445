/* The per-vif chain of the guard: a base chain on the ingress hook of the
 * vif itself, named FW_NETDEV_CHAIN_PREFIX + the vif's name, whose rule
 * jumps to the table's `guard` chain (guard-netdev.nft), and for a
 * rate-limited tap a second one that hands what passed to its ifb.  The
 * rules and sets are shared and keyed by name; only the hook is per vif.
 * And the chains a vif's logging jumps to, one per nflog group.
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
 * and its rules set (add chain; flush chain; add rules: idempotent): `jump
 * guard`, then, when ifb_index is not 0, `fwd to` that device; or the
 * chain deleted with its rules (it must exist). */
int fw_netdev_batch_add(struct fw_nl *nl, const char *ifname, int ifb_index);
int fw_netdev_batch_del(struct fw_nl *nl, const char *ifname);
/* Into the open batch: chain fw_log_chain(group), made to exist with its
 * one rule: at most FW_LOG_RATE frames a second (burst FW_LOG_BURST) to
 * nflog group `group`, prefixed FW_LOG_PREFIX. */
#define FW_LOG_RATE 10
#define FW_LOG_BURST 20
#define FW_LOG_PREFIX "xen-hotplug guard drop: "
int fw_netdev_batch_log(struct fw_nl *nl, int group);

#endif
