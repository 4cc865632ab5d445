/* VLAN configurations, as libxl hands them to hotplug scripts.  Pure
 * functions: no I/O, no logging.
 *
 * The `vlan` backend key (xl-network-configuration(5), libxl since 2024,
 * written as the admin typed it, unchecked): terms separated by '/', each
 *   N        one VLAN; `Np` the PVID, `Nu` sent untagged (p implies u)
 *   A-B[u]   VLANs A to B (A <= B)
 *   B+SxC[u] VLAN B and C more, S apart: B, B+S, ... B+C*S
 * every id in 1..4094, none given twice, exactly one PVID; a lone single
 * VLAN ("10") is the PVID without its p.  The man page's own example
 * "10p/100+10x4 -- VLANs 10, 100, 110, 120, 130, 140, 150" lists one
 * more than its definition ("C additional entries") gives: we follow the
 * definition (100..140) and say so in the README.
 *
 * vif-openvswitch's `bridge` key: NAME[.TAG][:TRUNK[:TRUNK...]] (upstream's
 * syntax). */
#ifndef HP_VLAN_H
#define HP_VLAN_H

#include <stddef.h>

#define HP_VLAN_MIN 1
#define HP_VLAN_MAX 4094

#define HP_VLAN_PVID 0x1 /* untagged frames from the port go here */
#define HP_VLAN_UNTAGGED 0x2 /* sent to the port without a tag */

struct hp_vlan {
	unsigned short id;
	unsigned char flags; /* HP_VLAN_* */
};

struct hp_vlans {
	size_t n;
	struct hp_vlan *v; /* ascending ids, each once; malloc'd, NULL when n == 0 */
	unsigned short pvid; /* 0: none */
};

/* The `vlan` key into *out.  "" gives no VLANs (n == 0, nothing to do).
 * -EINVAL with a reason in err ("VLAN 20 is given twice"), -ENOMEM.
 * *out is untouched on failure. */
int hp_vlan_parse(const char *s, struct hp_vlans *out, char *err, size_t errsize);

/* vif-openvswitch's `bridge` value: the bridge's name into name (an
 * interface name without '.'), its TAG as the PVID (untagged) and each
 * TRUNK as a tagged VLAN; a TRUNK given twice counts once and a TRUNK
 * equal to TAG is the PVID, as ovs-vsctl's sets made them.  -EINVAL with
 * a reason, -ENOMEM. */
int hp_vlan_parse_ovs_bridge(const char *s, char *name, size_t namesize, struct hp_vlans *out,
			     char *err, size_t errsize);

void hp_vlans_free(struct hp_vlans *v);

#endif
