/* The guard's per-vif state: the items that implement a vif's rules
 * (struct fw_rules, fw-rules.h) in the layout of guard-netdev.nft (set
 * and map elements, the vif's drop counters) and guard-bridge.nft (a
 * bridge port's name), and the comment of its `guarded` element, which
 * says what was installed ("mac=00:16:3e:00:00:01 10.0.0.3/32 fd00::/64
 * br vlan=20-29") so that removal needs one lookup.  Pure: no I/O, no
 * netlink.  Private to common/fw/. */
#ifndef HP_FW_ELEMS_H
#define HP_FW_ELEMS_H

#include <stddef.h>
#include <stdint.h>

#include "fw-rules.h"

#define FW_IFLEN 16 /* IFNAMSIZ: meta iifname loads 16 bytes */
#define FW_KEY_MAX 32
/* a counter's name ("<ifname>/<reason>"), a chain's ("log_65535") */
#define FW_NAME_MAX 32
/* 64 `ip` entries, each in two sets; the MAC and link-local ones; the
 * flags; the VLAN ranges; the counters, each with its map element */
#define FW_MAX_ELEMS (2 * 64 + 8 + 8 + FW_MAX_VLAN_RANGES + 2 * HP_FW_NREASONS)

/* Our tables, one per nftables family. */
enum fw_table { FW_T_NETDEV, FW_T_BRIDGE, FW_T_INET };

enum fw_kind {
	FW_ELEM, /* a set or map element */
	FW_COUNTER, /* a counter object, named data */
};

enum fw_data {
	FW_DATA_NONE,
	FW_DATA_OBJREF, /* a map to objects: data names the object */
	FW_DATA_JUMP, /* a verdict map: jump to the chain data names */
};

struct fw_elem {
	enum fw_kind kind;
	enum fw_table table;
	const char *set;
	unsigned char key[FW_KEY_MAX];
	unsigned char key_end[FW_KEY_MAX];
	uint32_t len;
	int has_end;
	const char *comment; /* the `guarded` element's */
	enum fw_data data_kind;
	char data[FW_NAME_MAX];
};

struct fw_elems {
	struct fw_elem v[FW_MAX_ELEMS];
	size_t n;
};

/* Every set and map of table netdev that holds per-vif elements,
 * `guarded` first; the raw twins of other sets are marked. */
extern const char *const fw_elem_sets[];
extern const size_t fw_elem_nsets;

/* The 16-byte key of an interface name. */
void fw_key_ifname(unsigned char key[FW_IFLEN], const char *ifname);
/* Appends the items that implement r (r->guarded): the counters first,
 * `guarded` last, with that comment; -E2BIG when l is full. */
int fw_elems_build(const struct fw_rules *r, const char *comment, struct fw_elems *l);
int fw_elem_eq(const struct fw_elem *a, const struct fw_elem *b);
int fw_elems_has(const struct fw_elems *l, const struct fw_elem *e);
/* Appends e to l unless it is there; -E2BIG when l is full. */
int fw_elems_add(struct fw_elems *l, const struct fw_elem *e);
/* An element of table t's set `set` as the kernel gave it (key, len,
 * key_end: fw_nl_elem_cb's), into e when its key begins with ifkey (an
 * interface's fw_key_ifname): 1, else 0 and e untouched. */
int fw_elem_read(struct fw_elem *e, enum fw_table t, const char *set,
		 const unsigned char ifkey[FW_IFLEN], const unsigned char *key, uint32_t len,
		 const unsigned char *key_end);
/* The chain a vif's logging jumps to: "log_<group>". */
void fw_log_chain(int group, char *buf, size_t size);

/* The comment of r; "mac=any" without a MAC, a trailing " +" when it did
 * not fit in FW_COMMENT_MAX. */
void fw_rules_comment(const struct fw_rules *r, char *buf, size_t size);
/* The inverse: r->addrs malloc'd (fw_rules_free); -EINVAL when the
 * comment cannot be trusted (truncated, edited by hand, unknown). */
int fw_comment_rules(const char *ifname, const char *comment, struct fw_rules *r);

/* The link-local address a MAC gives (RFC 4291 appendix A). */
void fw_mac_linklocal(const unsigned char mac[6], unsigned char addr[16]);

/* Layouts v1 and v2 (the guard at the bridge's prerouting and in the inet
 * family): the rules of one vif from the elements its name has in the
 * old sets (macs nomac addrs4 nets4 addrs6 nets6; the rest follow from
 * them), for a vif whose comment cannot be read.  The MAC's link-local
 * address, which v2 added itself, is left out.  -EINVAL without a
 * `guarded` element. */
int fw_rules_from_old(const char *ifname, enum hp_fw_family family, const struct fw_elems *old,
		      struct fw_rules *r);

#endif
