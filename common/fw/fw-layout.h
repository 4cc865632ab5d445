/* The guard's layouts: the markers of our tables and what a table is.
 * Shared by fw-table.c (the check, creation) and fw-migrate.c (from an
 * older layout).  Internal to the firewall module. */
#ifndef HP_FW_LAYOUT_H
#define HP_FW_LAYOUT_H

/* Bump when the chains or sets change, and teach fw-migrate.c the
 * previous layout. */
#define FW_VERSION "xen-hotplug-ng guard v3"
#define FW_VERSION_V2 "xen-hotplug-ng guard v2"
#define FW_VERSION_V1 "xen-hotplug-ng guard v1"
/* the layout marker of a table upgraded in place (a table's comment
 * cannot be changed) */
#define FW_LAYOUT_SET "layout"

/* What one of our tables is. */
enum fw_layout {
	FW_LAYOUT_NONE, /* absent */
	FW_LAYOUT_CURRENT,
	FW_LAYOUT_OLD, /* v1 or v2: the guard at the bridge's prerouting, in
			* the inet family, or an older netdev guard */
	FW_LAYOUT_UNKNOWN,
};

#endif
