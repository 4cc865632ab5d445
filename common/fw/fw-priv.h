/* Internal to the firewall module: what fw.c (configuration and
 * normalisation) shares with the backends, fw-nft.c (nftables: with
 * fw-table.c, fw-elems.c, fw-nl.c) and fw-ipt.c (iptables), and with
 * fw-bridge-policy.c. */
#ifndef HP_FW_PRIV_H
#define HP_FW_PRIV_H

#include <stddef.h>
#include "hp/fw.h"
#include "hp/parse.h"

/* nft(8) refuses longer comments when a saved ruleset is loaded again. */
#define FW_COMMENT_MAX 128

/* What one vif may send, after normalisation: host bits cleared,
 * duplicates and prefixes covered by a shorter one dropped, so that no two
 * interval elements overlap (the kernel refuses overlaps). */
struct fw_rules {
	char ifname[HP_IFNAMSIZ];
	enum hp_fw_family family;
	int guarded; /* 0: nothing to filter, only remove stale entries */
	int has_mac;
	unsigned char mac[6];
	struct hp_prefix *addrs; /* malloc'd, n entries */
	size_t n;
};

/* Fills r from g (r->addrs malloc'd; free with fw_rules_free). */
int fw_rules_build(const struct hp_guard *g, int strict, struct fw_rules *r);
void fw_rules_free(struct fw_rules *r);
int fw_prefix_eq(const struct hp_prefix *a, const struct hp_prefix *b);

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

#endif
