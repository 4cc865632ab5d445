/* The anti-spoofing seam.  A tool calls hp_fw_guard_add() after the port
 * is set up and before it is enslaved and brought up, and
 * hp_fw_guard_del() on offline even when the link is gone.
 *
 * Host configuration: /etc/xen/xen-hotplug.conf (XEN_HOTPLUG_CONF
 * overrides the path; a missing file means the defaults), `key=value`
 * lines, `#` comments:
 *   antispoof=nft|iptables|none   (default nft)
 *   antispoof_strict=yes|no       (default no: a vif without `ip` is not
 *                                  filtered, as upstream)
 *   guard_lldp=no|yes             (default no: a guarded vif's frames to
 *                                  the 802.1D group addresses are all
 *                                  dropped; yes lets LLDP through)
 *   guard_fragments=pass|drop     (default pass: drop every IPv4 and IPv6
 *                                  fragment a guarded vif sends)
 *   guard_log_group=none|0-65535  (default none: what the guard drops is
 *                                  also sent to this nflog group, at most
 *                                  10 frames a second per group)
 * XEN_HOTPLUG_ANTISPOOF in the environment overrides `antispoof`.
 * Unknown keys are ignored (the file may serve other tools).
 *
 * Every guarded vif, whatever its family, is judged at its own netdev
 * ingress hook, in `table netdev xen_hotplug` (layout v3).  What a guarded
 * vif may send is described in common/fw/FW-NOTES.md. */
#ifndef HP_FW_H
#define HP_FW_H

#include <stddef.h>
#include <stdint.h>

#include "hp/parse.h"
#include "hp/vlan.h"

/* The kind of link a vif is.  Since layout v3 every guarded vif is judged
 * at its own ingress in one table, whatever its kind; the kind decides
 * what else it gets. */
enum hp_fw_family {
	HP_FW_BRIDGE, /* bridged vifs: also listed in `table bridge
		       * xen_hotplug` (network-bridge's antispoof=yes) */
	HP_FW_INET, /* routed and NAT vifs: a point-to-point link, any
		     * link-local address */
	HP_FW_NETDEV, /* Open vSwitch ports */
};

struct hp_guard {
	const char *ifname;
	enum hp_fw_family family;
	int has_mac;
	unsigned char mac[6];
	const struct hp_prefix *addrs; /* the `ip` key */
	size_t naddrs;
	/* The port's VLANs (the `vlan` key, an Open vSwitch bridge's TAG and
	 * TRUNKs): frames tagged with any of them but the PVID pass, judged
	 * on their inner headers.  NULL or none: no tagged frame passes. */
	const struct hp_vlans *vlans;
	/* A rate-limited tap's ifb (hp/tc.h): what the guard passes is handed
	 * to it, since a redirect before the guard would skip it.  NULL: none. */
	const char *ifb;
	/* port_isolated: dom0 routes nothing that came in to its own MAC on
	 * this bridge back out of it (a bridge-wide element, never removed by
	 * a vif): the bridge's ifindex and MAC.  0: not isolated. */
	int isolated_bridge;
	unsigned char isolated_mac[6];
};

/* Why the guard dropped a frame: one counter per vif and reason. */
enum hp_fw_reason {
	HP_FW_R_MAC, /* "mac": a source MAC not the vif's */
	HP_FW_R_GROUP, /* "group": to an 802.1D group address (BPDUs...) */
	HP_FW_R_ETHERTYPE, /* "ethertype": a VLAN tag not of its trunk, a
			    * nested tag, or another ethertype */
	HP_FW_R_ARP, /* "arp": a sender or probe not its own, odd sizes */
	HP_FW_R_IP4, /* "ip4": an IPv4 source not its own */
	HP_FW_R_IP6, /* "ip6": an IPv6 source not its own, a header chain
		      * that cannot be followed */
	HP_FW_R_ND, /* "nd": neighbour discovery (target, option, headers) */
	HP_FW_R_DHCP, /* "dhcp": a DHCP or DHCPv6 server message, a forged or
		       * too frequent client message */
	HP_FW_R_RA, /* "ra": router advertisements, redirects, renumbering */
	HP_FW_R_FRAG, /* "frag": a fragment (guard_fragments=drop), a first
		       * fragment without the header the guard must read */
	HP_FW_NREASONS
};

/* Reads the host configuration once per process (later calls return the
 * first result).  hp_fw_guard_add/del call it themselves; a tool may call
 * it first to fail before touching the vif.  -EINVAL on a bad value, with
 * a logged line naming the file, line, key and value, also available from
 * hp_fw_config_error() for hotplug-error. */
int hp_fw_init(void);
/* The message of the last configuration error, or NULL. */
const char *hp_fw_config_error(void);
/* Whether the configured backend filters what a guarded vif sends: 1 for
 * antispoof=nft, 0 for none and for iptables (upstream's ACCEPT rules
 * drop nothing unless the host's FORWARD policy does, through
 * br_netfilter), -EINVAL on a bad configuration.  A vif is guarded when
 * this is 1 and it has `ip` entries (or antispoof_strict=yes). */
int hp_fw_filters(void);
/* Whether a vif with naddrs `ip` entries is filtered (1) or not (0), as
 * hp_fw_guard_add will do it; -EINVAL on a bad configuration. */
int hp_fw_guards(size_t naddrs);

/* Idempotent: a second add leaves exactly one copy, and any stale entries
 * for the same interface name (a reused vif name, a changed `ip`) are
 * replaced in the same atomic update.  With nothing to filter (no `ip`, not
 * strict, or antispoof=none) it only removes stale entries.  Fails when
 * filtering was asked for and cannot be installed. */
int hp_fw_guard_add(const struct hp_guard *g);
/* Removing a guard that is not there succeeds; the interface need not
 * exist.  Removes nftables entries for the name whatever the backend. */
int hp_fw_guard_del(const char *ifname, enum hp_fw_family family);

/* ---- reading the guard (fw-info.c): xen-hotplug's status, verify, gc.
 * Reads only (a table of the previous layout may be upgraded in place,
 * as by any tool). */

/* A vif's drops by reason: its named counters "<vif>/<reason>" (v3), in
 * the reasons' order (enum hp_fw_reason).  has_counters is 1 when table
 * netdev has this layout (which counts), whether or not the vif has
 * counters; 0 without the table. */
#define HP_FW_MAX_REASONS 24
struct hp_fw_drops {
	char reason[32];
	unsigned long long packets, bytes;
};

struct hp_fw_guard_info {
	enum hp_fw_family family;
	int table; /* the family's table exists */
	int installed; /* the vif's `guarded` element is there */
	char rules[128]; /* what was installed (its comment): "mac=... 10.0.0.1/32" */
	int chain; /* the vif's ingress chain in_<vif> exists */
	int has_counters; /* table netdev's layout counts drops per vif and reason */
	struct hp_fw_drops drops[HP_FW_MAX_REASONS];
	size_t ndrops;
	char log[160]; /* how to read the guard's drop log when it is on, else "" */
};

/* The guard of ifname in family's table as the kernel has it. */
int hp_fw_guard_info(const char *ifname, enum hp_fw_family family, struct hp_fw_guard_info *info);

/* Is the guard online's guard step installs for g in place?  0 when it
 * is, or when nothing is to be installed (not guarded, another backend:
 * iptables rules are not looked at); 1 when not, with what was expected
 * and what is there in words; -errno when it could not be read.  Every
 * element hp_fw_guard_add() installs is looked up (one lookup each); an
 * element added by hand for the name is not looked for. */
int hp_fw_guard_verify(const struct hp_guard *g, char *expected, size_t esize, char *found,
		       size_t fsize);

/* Every interface name the family's table holds guard state for (an
 * element of a per-vif set; in the netdev family also a vif's ingress
 * chain): cb once per name, in no order; a non-zero return of cb stops
 * the walk and is returned.  No table: no call, 0. */
int hp_fw_guard_names(enum hp_fw_family family, int (*cb)(const char *ifname, void *data),
		      void *data);

/* "bridge", "inet", "netdev" */
const char *hp_fw_family_name(enum hp_fw_family family);

/* The nftables guard table of the family exists, with our layout: created
 * when missing, whatever the configured backend (network-bridge's
 * antispoof=yes policy lives in it). */
int hp_fw_tables_ensure(enum hp_fw_family family);

/* ---- the guard's drop counters --------------------------------------- */

/* The name of a reason ("mac", "group"... as in enum hp_fw_reason), or
 * NULL past HP_FW_NREASONS.  Pure. */
const char *hp_fw_reason_name(unsigned int reason);
/* The reason of a name, or -EINVAL.  Pure. */
int hp_fw_reason_parse(const char *name);
/* The counter object of a vif's reason: "<ifname>/<reason>" (a '/' is in
 * no interface name).  -EINVAL for a bad name or reason, -ENOSPC.  Pure. */
int hp_fw_counter_name(const char *ifname, unsigned int reason, char *buf, size_t size);
/* The inverse: the interface name and reason of a counter object's name;
 * -EINVAL when it is not one of ours.  Pure. */
int hp_fw_counter_parse(const char *name, char ifname[HP_IFNAMSIZ], unsigned int *reason);

/* What the guard dropped from one vif, per reason (packets), read from
 * the kernel (one lookup per reason).  family is the vif's kind; every
 * kind is in one table since layout v3, so it only has to be valid.
 * -ENOENT when the vif has no counters (not guarded, or guarded by an
 * older layout), -errno otherwise. */
int hp_fw_guard_counters(const char *ifname, enum hp_fw_family family,
			 uint64_t packets[HP_FW_NREASONS]);

/* One guarded vif's counters, as hp_fw_counters_dump() hands them. */
struct hp_fw_counters {
	char ifname[HP_IFNAMSIZ];
	enum hp_fw_family family;
	uint64_t packets[HP_FW_NREASONS];
	uint64_t bytes[HP_FW_NREASONS];
};
/* Non-zero stops the dump, and is returned by it. */
typedef int (*hp_fw_counters_cb)(const struct hp_fw_counters *c, void *arg);
/* Every guarded vif of that kind with its counters, in two dumps (the
 * `guarded` set and the counter objects) whatever the number of vifs: for
 * `xen-hotplug status` on a host with a thousand guests.  0 when the table
 * does not exist (nothing guarded), -errno. */
int hp_fw_counters_dump(enum hp_fw_family family, hp_fw_counters_cb cb, void *arg);

#endif
