/* Policies for guests' bridge ports, for multi-tenant hosts: the host
 * configuration and the kernel work (bridge port flags, static forwarding
 * entries over rtnetlink).  Hosts that configure neither get no request.
 *
 * /etc/xen/xen-hotplug.conf (hp/conf.h):
 *   port_lock=no|yes
 *       yes: a guest's port has a locked forwarding table.  Learning is
 *       off and the guest's `mac` has a static, sticky entry on its port
 *       (`bridge fdb replace MAC dev PORT master static sticky`), so a
 *       guest can neither fill the bridge's table nor move another's
 *       entry, and nobody, the uplink included, can take the guest's MAC
 *       away from its port.  The port is `locked` (frames from any other
 *       source MAC are dropped, kernel 5.18 and later) and gets no
 *       flooded unknown unicast (other tenants' traffic).  PV vifs only:
 *       an HVM guest's NIC has two ports with one MAC (the vif and the
 *       emulated NIC's tap, which stays after the PV drivers take over),
 *       and the entry cannot follow the one in use.
 *   port_isolated=<bridge>[ <bridge>...]  (spaces or commas)
 *       guests' ports on these bridges are `isolated` (a private VLAN, the
 *       Linux form of 802.1Qbg VEPA's "guests talk only through the
 *       uplink"): they reach the uplink and dom0, never each other.
 *
 * Flags and entries live in the port: they go when it leaves the bridge. */
#ifndef HP_BRPORT_H
#define HP_BRPORT_H

#include <stddef.h>

#include "hp/link.h"

struct hp_brport_policy {
	int lock;
	int isolated;
};

/* The policy for a guest's port on bridge, from the configuration (read
 * once per process).  -EINVAL for a bad value, with a message naming the
 * file, line, key and value in err. */
int hp_brport_policy(const char *bridge, struct hp_brport_policy *p, char *err, size_t size);
/* Pure: is name one of the bridges in list (port_isolated's syntax)?
 * 1 or 0; -EINVAL when an entry is not an interface name. */
int hp_brport_list_has(const char *list, const char *name);

/* Port flags of bridge port ifindex: each 0 or 1, or -1 to leave it.
 * Built by hand as IFLA_PROTINFO (libnl 3.7 knows neither isolated nor
 * locked).  -EINVAL when ifindex is not a bridge port.
 *
 * Every guest port gets the bridge's own STP protections (with STP off
 * they do nothing): bpdu_guard (IFLA_BRPORT_GUARD: a BPDU received on the
 * port disables it) and root_block (IFLA_BRPORT_PROTECT: the port never
 * becomes the root port, whatever the BPDUs say). */
struct hp_brport_flags {
	int learning, unicast_flood, locked, isolated, bpdu_guard, root_block;
};
#define HP_BRPORT_FLAGS_LEAVE          \
	{                              \
		-1, -1, -1, -1, -1, -1 \
	}
int hp_brport_set(struct hp_nl *nl, int ifindex, const struct hp_brport_flags *f);
/* A static, sticky forwarding entry for mac on bridge port ifindex
 * (replacing a learned one, or one on another port).  Idempotent. */
int hp_brport_fdb_add(struct hp_nl *nl, int ifindex, const unsigned char mac[6]);
/* Removing an entry that is not there (or a port that is gone) is fine. */
int hp_brport_fdb_del(struct hp_nl *nl, int ifindex, const unsigned char mac[6]);

#endif
