/* What one vif may send (struct fw_rules), normalised from its
 * struct hp_guard and the host's configuration: host bits cleared,
 * duplicates and prefixes covered by a shorter one dropped, so that no
 * two interval elements overlap (the kernel refuses overlaps); the tagged
 * VLANs as ranges.  Pure: no I/O.  Private to common/fw/. */
#ifndef HP_FW_RULES_H
#define HP_FW_RULES_H

#include <stddef.h>

#include "hp/fw.h"
#include "hp/parse.h"

/* nft(8) refuses longer comments when a saved ruleset is loaded again. */
#define FW_COMMENT_MAX 128
/* VLAN ranges of one trunk (`10p/20-29/40` is two); more is refused. */
#define FW_MAX_VLAN_RANGES 32

/* The host's guard settings that shape a vif's rules (fw.c reads them). */
struct fw_conf {
	int strict; /* antispoof_strict: guard vifs without `ip` */
	int lldp; /* guard_lldp */
	int nofrag; /* guard_fragments=drop */
	int log_group; /* guard_log_group, -1: none */
};

struct fw_vlan_range {
	unsigned short lo, hi;
};

struct fw_rules {
	char ifname[HP_IFNAMSIZ];
	enum hp_fw_family family;
	int guarded; /* 0: nothing to filter, only remove stale entries */
	int has_mac;
	unsigned char mac[6];
	struct hp_prefix *addrs; /* malloc'd, n entries */
	size_t n;
	int p2p; /* a point-to-point link (HP_FW_INET): any link-local address */
	int br; /* a bridge port (HP_FW_BRIDGE): listed in table bridge */
	int lldp, nofrag, log_group;
	struct fw_vlan_range vlans[FW_MAX_VLAN_RANGES];
	size_t nvlans;
	/* not part of the comment: the vif's chain and a shared element */
	char ifb[HP_IFNAMSIZ]; /* "": none */
	int hairpin; /* the isolated bridge's ifindex, 0: none */
	unsigned char hairpin_mac[6]; /* and its MAC */
};

static inline int fw_family_valid(enum hp_fw_family f)
{
	return f == HP_FW_BRIDGE || f == HP_FW_INET || f == HP_FW_NETDEV;
}

/* Fills r from g (r->addrs malloc'd; free with fw_rules_free).  -EINVAL
 * for a bad name, family or address, -E2BIG for more VLAN ranges than
 * FW_MAX_VLAN_RANGES, -ENOMEM. */
int fw_rules_build(const struct hp_guard *g, const struct fw_conf *c, struct fw_rules *r);
void fw_rules_free(struct fw_rules *r);

#endif
