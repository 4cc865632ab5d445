/* The guard's tables: `table netdev xen_hotplug` (the guard,
 * guard-netdev.nft), `table bridge xen_hotplug` (the guarded bridge
 * ports, for network-bridge's policy: guard-bridge.nft) and, when a
 * bridge is port_isolated, `table inet xen_hotplug` (guard-inet.nft), all
 * compiled in.  Created once; tables of an older layout are migrated
 * (fw-migrate.c).  Internal to the firewall module. */
#ifndef HP_FW_TABLE_H
#define HP_FW_TABLE_H

#include "fw-layout.h"
#include "fw-nl.h"

enum fw_table_state {
	FW_TABLE_ABSENT, /* no table, and none was to be created */
	FW_TABLE_CURRENT, /* the tables have our layout */
	FW_TABLE_OLD, /* an older layout we could not migrate (logged) */
};

/* The layout of table t, from its comment and its marker set (one or two
 * lookups).  -errno on a failed lookup. */
int fw_table_layout(struct fw_nl *nl, enum fw_table t, enum fw_layout *layout);

/* The guard's tables have our layout: created when missing if create is
 * set, migrated when they have an older one (also when create is not
 * set: the next run does it, whatever it is).  deep: the bridge table is
 * looked at too, not assumed (after a batch found it missing).  *state
 * says which; the return value is 0, or -errno when they could not be
 * created or migrated while create was set, or have a layout we do not
 * know (-EPROTO). */
int fw_table_ready(struct fw_nl *nl, int create, int deep, enum fw_table_state *state);

/* The inet table of port_isolated bridges exists (created when missing). */
int fw_table_inet_ready(struct fw_nl *nl);

/* Runs text through libnftables (fw-nftables.c) as one transaction: what
 * for the error message.  -EEXIST is left to the caller. */
int fw_table_run(const char *what, const char *text);
/* The ruleset of table t, without the `create table` line. */
const char *fw_table_ruleset(enum fw_table t);

#endif
