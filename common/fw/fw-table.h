/* The guard's table, `table bridge xen_hotplug`, `table inet
 * xen_hotplug` or `table netdev xen_hotplug`: its layout is
 * guard-bridge.nft, guard-inet.nft or guard-netdev.nft, compiled in.  Created once; a table of an older layout is upgraded in
 * place.  Internal to the firewall module. */
#ifndef HP_FW_TABLE_H
#define HP_FW_TABLE_H

#include "fw-nl.h"

enum fw_table_state {
	FW_TABLE_ABSENT, /* no table, and none was to be created */
	FW_TABLE_CURRENT, /* the table has our layout */
	FW_TABLE_OLD, /* an older layout we could not upgrade (logged) */
};

/* The table of nl's family has our layout: created when missing if create
 * is set, upgraded when it has an older one.  *state says which; the
 * return value is 0, or -errno when the table could not be created or
 * upgraded while create was set, or has a layout we do not know
 * (-EPROTO). */
int fw_table_ready(struct fw_nl *nl, int create, enum fw_table_state *state);

#endif
