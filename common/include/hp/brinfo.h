/* What the kernel has of bridge ports, read over rtnetlink: the port
 * flags hp/brport.h sets, the VLANs hp/brvlan.h sets, a port's static
 * forwarding entries.  Reads only: for xen-hotplug's status and the vif
 * tools' verify (hp/txn.h).
 *
 * The kernel answers AF_BRIDGE link requests, the only ones with a port's
 * VLANs, only as a dump of every port (net/bridge/br_netlink.c):
 * hp_brport_info_get() reads the dump and keeps one port;
 * hp_brport_list() keeps all of them, for a caller that looks at many.
 * A port's flags alone are in its own link message: hp_brport_flags_get()
 * asks for that one, so that one check per port costs the same on a host
 * with 1000 ports. */
#ifndef HP_BRINFO_H
#define HP_BRINFO_H

#include <stddef.h>

#include "hp/brport.h"
#include "hp/link.h"
#include "hp/vlan.h"

struct hp_brport_info {
	int ifindex;
	int master; /* the bridge's ifindex */
	struct hp_brport_flags flags; /* each 0 or 1; -1 when the kernel did not say */
	int state; /* BR_STATE_* (3: forwarding), -1 when unknown */
	struct hp_vlans vlans; /* with HP_VLAN_PVID and HP_VLAN_UNTAGGED; empty without
				* VLAN filtering */
};

/* Port ifindex: -ENODEV when it is no bridge port. */
int hp_brport_info_get(struct hp_nl *nl, int ifindex, struct hp_brport_info *out);
/* Port ifindex's master and flags, without its VLANs (vlans empty), from
 * one RTM_GETLINK of that link (its IFLA_INFO_SLAVE_DATA): the cost of one
 * port whatever the number of ports.  -ENODEV when it is no bridge port. */
int hp_brport_flags_get(struct hp_nl *nl, int ifindex, struct hp_brport_info *out);
/* Every bridge port; *out malloc'd (free with hp_brport_list_free). */
int hp_brport_list(struct hp_nl *nl, struct hp_brport_info **out, size_t *n);
void hp_brport_info_free(struct hp_brport_info *p);
void hp_brport_list_free(struct hp_brport_info *v, size_t n);

/* The forwarding entry of mac on port ifindex: *found, and whether it is
 * static (not learned) and sticky, as hp_brport_fdb_add() makes it. */
int hp_brport_fdb_get(struct hp_nl *nl, int ifindex, const unsigned char mac[6], int *found,
		      int *is_static, int *sticky);

/* The port of bridge br_ifindex that holds the forwarding entry for mac
 * (VLAN 0, the one hp_brport_fdb_add() always makes) in *port: the
 * bridge's own ifindex for its local address.  -ENOENT when no port holds
 * one (the kernel's RTM_GETNEIGH for one entry, Linux 5.0 and later). */
int hp_brport_fdb_port(struct hp_nl *nl, int br_ifindex, const unsigned char mac[6], int *port);

/* "10 PVID untagged, 20, 30" (ids ascending; "none" without any), for
 * messages. */
void hp_vlans_format(const struct hp_vlans *v, char *buf, size_t size);

#endif
