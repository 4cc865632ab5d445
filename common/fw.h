/* The anti-spoofing seam.  A tool calls hp_fw_guard_add() after the port
 * is set up and before it is enslaved and brought up, and
 * hp_fw_guard_del() on offline even when the link is gone. */
#ifndef HP_FW_H
#define HP_FW_H

#include <stddef.h>
#include "parse.h"

enum hp_fw_family {
	HP_FW_BRIDGE, /* bridged vifs: nftables bridge family */
	HP_FW_INET,   /* routed and NAT vifs: nftables inet family */
};

struct hp_guard {
	const char *ifname;
	enum hp_fw_family family;
	int has_mac;
	unsigned char mac[6];
	const struct hp_prefix *addrs; /* the `ip` key */
	size_t naddrs;
};

/* Idempotent: a second add leaves exactly one copy. */
int hp_fw_guard_add(const struct hp_guard *g);
/* Removing a guard that is not there succeeds. */
int hp_fw_guard_del(const char *ifname, enum hp_fw_family family);

#endif
