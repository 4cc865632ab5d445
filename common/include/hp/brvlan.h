/* 802.1Q on the ports of a Linux bridge with vlan_filtering on: what
 * `bridge vlan add|del dev PORT vid N [pvid] [untagged]` does, over
 * rtnetlink (AF_BRIDGE RTM_SETLINK/RTM_DELLINK carrying
 * IFLA_AF_SPEC/IFLA_BRIDGE_VLAN_INFO, through nl.c's one request path).
 *
 * A port that joins such a bridge gets the bridge's default_pvid (1
 * unless the administrator changed it) as its PVID, untagged: a vif that
 * is to be on other VLANs must lose it before it goes up. */
#ifndef HP_BRVLAN_H
#define HP_BRVLAN_H

#include "hp/nl.h"
#include "hp/vlan.h"

struct hp_brvlan_bridge {
	int supported; /* the kernel filters VLANs on bridges at all
				    * (CONFIG_BRIDGE_VLAN_FILTERING) */
	int filtering; /* vlan_filtering is on */
	unsigned int default_pvid; /* what a new port gets; 0: nothing */
};

/* The VLAN settings of bridge br_ifindex.  -ENODEV, -EINVAL when it is
 * not a bridge. */
int hp_brvlan_bridge_get(struct hp_nl *nl, int br_ifindex, struct hp_brvlan_bridge *out);

/* Port ifindex's VLANs as v lists them (the PVID as PVID, untagged; the
 * others tagged unless HP_VLAN_UNTAGGED), then default_pvid removed from
 * the port unless v lists it.  Setting what is set succeeds.  On a
 * failure part of it may be done: hp_brvlan_port_unset() undoes it. */
int hp_brvlan_port_set(struct hp_nl *nl, int ifindex, const struct hp_vlans *v,
		       unsigned int default_pvid);

/* The undo: v's VLANs removed from the port (absent ones are no error),
 * default_pvid back as its untagged PVID when v did not list it. */
int hp_brvlan_port_unset(struct hp_nl *nl, int ifindex, const struct hp_vlans *v,
			 unsigned int default_pvid);

#endif
