/* Private to common/fw/: the backends that fw.c (the configuration and
 * the choice of backend) dispatches to, fw-nft.c (nftables: with
 * fw-table.c, fw-elems.c, fw-nl.c) and fw-ipt.c (iptables), and what
 * fw-bridge-policy.c reads of the configuration. */
#ifndef HP_FW_PRIV_H
#define HP_FW_PRIV_H

#include <stddef.h>

#include "fw-rules.h"
#include "hp/fw.h"

/* nftables backend (fw-nft.c).  set: install r, replacing whatever the
 * tables hold for r->ifname (r->guarded == 0: only remove, and never
 * create the table). */
int fw_nft_set(const struct fw_rules *r);
int fw_nft_del(const char *ifname, enum hp_fw_family family);
/* The table of that family exists with our layout (created if missing). */
int fw_nft_ensure(enum hp_fw_family family);

/* iptables backend (fw-ipt.c): upstream's ACCEPT rules, forked iptables. */
int fw_ipt_add(const struct hp_guard *g, int strict);
int fw_ipt_del(const char *ifname);

/* The configured backend ("nft", "iptables", "none") and where that
 * came from ("XEN_HOTPLUG_ANTISPOOF", "line 3 of '/etc/xen/...'", "the
 * default"), for messages; valid after hp_fw_init(). */
const char *fw_backend_name(void);
const char *fw_backend_origin(void);
/* The host's guard settings (fw-rules.h), valid after hp_fw_init(). */
const struct fw_conf *fw_guard_conf(void);

#endif
