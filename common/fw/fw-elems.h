/* The guard's per-vif state: the set elements that implement a vif's
 * rules (struct fw_rules, fw-rules.h) in the layout of guard-bridge.nft
 * and guard-inet.nft, and the comment of its `guarded` element, which
 * says what was installed ("mac=00:16:3e:00:00:01 10.0.0.3/32
 * fd00::/64") so that removal needs one lookup.  Pure: no I/O, no
 * netlink.  Private to common/fw/. */
#ifndef HP_FW_ELEMS_H
#define HP_FW_ELEMS_H

#include <stddef.h>
#include <stdint.h>

#include "fw-rules.h"

#define FW_IFLEN 16 /* IFNAMSIZ: meta iifname loads 16 bytes */
/* 64 `ip` entries, each in two sets, and the MAC and link-local ones */
#define FW_MAX_ELEMS (2 * 64 + 8)
#define FW_KEY_MAX 32

struct fw_elem {
	const char *set;
	unsigned char key[FW_KEY_MAX];
	unsigned char key_end[FW_KEY_MAX];
	uint32_t len;
	int has_end;
	const char *comment; /* the `guarded` element's */
};

struct fw_elems {
	struct fw_elem v[FW_MAX_ELEMS];
	size_t n;
};

/* Every set that holds per-vif elements, `guarded` first. */
extern const char *const fw_elem_sets[];
extern const size_t fw_elem_nsets;

/* The 16-byte key of an interface name. */
void fw_key_ifname(unsigned char key[FW_IFLEN], const char *ifname);
/* Appends the elements that implement r (r->guarded), `guarded` last,
 * with that comment; -E2BIG when l is full. */
int fw_elems_build(const struct fw_rules *r, const char *comment, struct fw_elems *l);
int fw_elem_eq(const struct fw_elem *a, const struct fw_elem *b);
int fw_elems_has(const struct fw_elems *l, const struct fw_elem *e);
/* Appends e to l unless it is there; -E2BIG when l is full. */
int fw_elems_add(struct fw_elems *l, const struct fw_elem *e);

/* The comment of r; "mac=any" without a MAC, a trailing " +" when the
 * list did not fit in FW_COMMENT_MAX. */
void fw_rules_comment(const struct fw_rules *r, char *buf, size_t size);
/* The inverse: r->addrs malloc'd (fw_rules_free); -EINVAL when the
 * comment cannot be trusted (truncated, edited by hand). */
int fw_comment_rules(const char *ifname, enum hp_fw_family family, const char *comment,
		     struct fw_rules *r);

/* The link-local address a MAC gives (RFC 4291 appendix A). */
void fw_mac_linklocal(const unsigned char mac[6], unsigned char addr[16]);

/* Upgrade from layout v1 (guarded nomac macs addrs4 nets4 addrs6 nets6):
 * what the current layout adds for one v1 element: its raw twin in
 * nd_macs, nd_addrs6 or nd_nets6, and for a bridged vif's MAC its
 * link-local address in addrs6 and nd_addrs6. */
int fw_elems_v1_upgrade(enum hp_fw_family family, const struct fw_elem *v1, struct fw_elems *out);
/* e in nft syntax ("\"vif1.0\" . 0x00163e000001"), for a transaction
 * written as text; -EINVAL for a name nft cannot quote. */
int fw_elem_format(const struct fw_elem *e, char *buf, size_t size);

#endif
