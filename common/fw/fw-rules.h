/* What one vif may send (struct fw_rules), normalised from its
 * struct hp_guard: host bits cleared, duplicates and prefixes covered by
 * a shorter one dropped, so that no two interval elements overlap (the
 * kernel refuses overlaps).  Pure: no I/O.  Private to common/fw/. */
#ifndef HP_FW_RULES_H
#define HP_FW_RULES_H

#include <stddef.h>

#include "hp/fw.h"
#include "hp/parse.h"

/* nft(8) refuses longer comments when a saved ruleset is loaded again. */
#define FW_COMMENT_MAX 128

struct fw_rules {
	char ifname[HP_IFNAMSIZ];
	enum hp_fw_family family;
	int guarded; /* 0: nothing to filter, only remove stale entries */
	int has_mac;
	unsigned char mac[6];
	struct hp_prefix *addrs; /* malloc'd, n entries */
	size_t n;
};

static inline int fw_family_valid(enum hp_fw_family f)
{
	return f == HP_FW_BRIDGE || f == HP_FW_INET || f == HP_FW_NETDEV;
}

/* Fills r from g (r->addrs malloc'd; free with fw_rules_free).  -EINVAL
 * for a bad name, family or address, -ENOMEM. */
int fw_rules_build(const struct hp_guard *g, int strict, struct fw_rules *r);
void fw_rules_free(struct fw_rules *r);

#endif
