/* Tables of layouts v1 and v2 (the guard at the bridge's prerouting hook
 * and in the inet family's, Open vSwitch ports on their own ingress) on a
 * running host: every vif they guard moves to its own ingress, in one
 * transaction.  Internal to the firewall module. */
#ifndef HP_FW_MIGRATE_H
#define HP_FW_MIGRATE_H

#include "fw-layout.h"
#include "fw-nl.h"

/* old[t]: FW_LAYOUT_OLD for each table of an older layout (the new
 * tables exist already).  0; -EAGAIN when the ruleset changed meanwhile
 * (look again); -errno. */
int fw_migrate(struct fw_nl *nl, const enum fw_layout old[3]);

#endif
